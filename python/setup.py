"""Bundles the meshgrad jars into the package when they are built in this clone.

Everything else is in pyproject.toml. ``pip install ./python`` and ``pip wheel ./python`` copy into
the built package's ``meshgrad/jars/`` (not into this source tree), so that the installed package
finds its JVM side (``meshgrad.jar_path()``):

- ``../spark-plugin/target/meshgrad-spark-<version>.jar``, the jar of the last build
  (``mvn -DskipTests package``);
- each jar named for a Spark line, ``meshgrad-spark-<version>-spark4.1.jar`` (left there by
  ``mvn -Pspark-4.1 -DskipTests package``, one per line built), when it is of another line than
  the plain jar and not older than the Java sources (a stale build of an old line is left out).

``meshgrad.jar_path()`` then picks the jar of the running PySpark's Spark line.
"""

import glob
import os
import re
import shutil
import zipfile

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "..", "spark-plugin", "target")
SOURCES = os.path.join(HERE, "..", "spark-plugin", "src", "main")


def spark_line(jar):
    """The Spark major.minor a meshgrad jar was built for (its io/meshgrad/ml/build.properties)."""
    try:
        with zipfile.ZipFile(jar) as z:
            text = z.read("io/meshgrad/ml/build.properties").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    found = re.search(r"^sparkVersion=(\d+\.\d+)", text, re.M)
    return found.group(1) if found else None


def newest_source_time():
    times = [os.path.getmtime(os.path.join(d, f)) for d, _, files in os.walk(SOURCES) for f in files]
    return max(times) if times else 0.0


def jars_to_bundle():
    jars = [
        j for j in glob.glob(os.path.join(TARGET, "meshgrad-spark-*.jar"))
        if not re.search(r"-(tests|sources|javadoc)\.jar$", j)
    ]
    plain = [j for j in jars if not re.search(r"-spark\d+\.\d+\.jar$", j)]
    chosen = [max(plain, key=os.path.getmtime)] if plain else []
    lines = {spark_line(j) for j in chosen}
    sources = newest_source_time()
    for j in sorted(set(jars) - set(plain), key=os.path.getmtime, reverse=True):
        line = spark_line(j)
        if line not in lines and os.path.getmtime(j) >= sources:
            chosen.append(j)
            lines.add(line)
    return chosen


class BuildPyWithJar(build_py):
    def run(self):
        jars = jars_to_bundle()
        super().run()
        if jars:
            target = os.path.join(self.build_lib, "meshgrad", "jars")
            os.makedirs(target, exist_ok=True)
            for old in glob.glob(os.path.join(target, "*.jar")):
                os.remove(old)
            for jar in jars:
                shutil.copy2(jar, target)
                print("bundling %s (Spark %s)" % (jar, spark_line(jar)))


setup(cmdclass={"build_py": BuildPyWithJar})
