"""Bundles the meshgrad jar into the package when one is built in this clone.

Everything else is in pyproject.toml. When ``../spark-plugin/target/meshgrad-spark-<version>.jar``
exists (``mvn -DskipTests package``), ``pip install ./python`` and ``pip wheel ./python`` copy it
into the built package's ``meshgrad/jars/`` (not into this source tree), so the installed package
finds its JVM side (``meshgrad.jar_path()``).
"""

import glob
import os
import re
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildPyWithJar(build_py):
    def run(self):
        jars = [
            j for j in glob.glob(os.path.join(HERE, "..", "spark-plugin", "target", "meshgrad-spark-*.jar"))
            if not re.search(r"-(tests|sources|javadoc)\.jar$", j)
        ]
        super().run()
        if jars:
            target = os.path.join(self.build_lib, "meshgrad", "jars")
            os.makedirs(target, exist_ok=True)
            for old in glob.glob(os.path.join(target, "*.jar")):
                os.remove(old)
            newest = max(jars, key=os.path.getmtime)
            shutil.copy2(newest, target)
            print("bundling %s" % newest)


setup(cmdclass={"build_py": BuildPyWithJar})
