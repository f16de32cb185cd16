"""Finding the meshgrad jar, and checking that the running JVM has it and matches PySpark.

The Python stages are thin wrappers over the Java stages in ``meshgrad-spark.jar``; that jar must
be on the classpath of the Spark driver (and executors) before the SparkSession starts.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path
from typing import Any, List

#: Environment variable naming the jar explicitly; wins over every other place.
JAR_ENV = "MESHGRAD_JAR"

#: Maven coordinates of the jar (for ``--packages`` and Databricks Maven libraries).
MAVEN_ARTIFACT = "io.meshgrad:meshgrad-spark"

#: The meshgrad version this package belongs to (the jar's Maven version).
JAR_VERSION = "0.1.0-SNAPSHOT"

#: File name of the jar that Maven builds.
JAR_NAME = "meshgrad-spark-%s.jar" % JAR_VERSION

#: A class every meshgrad jar holds; its absence means the jar is not on the JVM's classpath.
_PROBE_CLASS = "io.meshgrad.ml.BuildInfo"

_PACKAGE_DIR = Path(__file__).resolve().parent


class MeshgradJvmError(RuntimeError):
    """The JVM side of meshgrad is missing, or built for another Spark version."""


def jar_path() -> str:
    """The meshgrad jar to put on ``spark.jars``, found in this order:

    1. the file named by the environment variable ``MESHGRAD_JAR``;
    2. the jar bundled in this package (``meshgrad/jars/``, put there when the wheel was built
       from a clone with a built jar);
    3. the Maven build directory of the clone this package is run from
       (``<clone>/spark-plugin/target/``), for ``PYTHONPATH=python`` or ``pip install -e``.

    Raises :class:`MeshgradJvmError` naming each place looked at when none has it.
    """
    explicit = os.environ.get(JAR_ENV)
    if explicit:
        if not os.path.isfile(explicit):
            raise MeshgradJvmError(
                "%s=%s does not name a file; point it at %s (built by `mvn -DskipTests package` in"
                " spark-plugin/target/) or unset it" % (JAR_ENV, explicit, JAR_NAME)
            )
        return os.path.abspath(explicit)
    places = _candidate_dirs()
    for folder in places:
        found = _jars_in(folder)
        if found:
            return found[0]
    raise MeshgradJvmError(
        "cannot find %s: set %s to its path, or build it with `mvn -DskipTests package` in a meshgrad"
        " clone (looked in: %s)" % (JAR_NAME, JAR_ENV, ", ".join(str(p) for p in places))
    )


def _candidate_dirs() -> List[Path]:
    return [_PACKAGE_DIR / "jars", _PACKAGE_DIR.parent.parent / "spark-plugin" / "target"]


def _jars_in(folder: Path) -> List[str]:
    """The meshgrad library jars in ``folder`` (not -tests or -sources jars), newest first."""
    jars = [
        j
        for j in glob.glob(str(folder / "meshgrad-spark-*.jar"))
        if not re.search(r"-(tests|sources|javadoc)\.jar$", j)
    ]
    return sorted(jars, key=os.path.getmtime, reverse=True)


def _how_to_add_jar() -> str:
    try:
        local = " (found here: %s)" % jar_path()
    except MeshgradJvmError:
        local = ""
    return (
        "Start Spark with the jar%s: SparkSession.builder.config(\"spark.jars\", meshgrad.jar_path());"
        " spark-submit --jars %s (or --packages %s:%s from a Maven repository that has it); on"
        " Databricks install it as a cluster library (JAR, or Maven %s:%s)"
        % (local, JAR_NAME, MAVEN_ARTIFACT, JAR_VERSION, MAVEN_ARTIFACT, JAR_VERSION)
    )


def check_spark_versions(pyspark_version: str, jar_spark_version: str) -> None:
    """Raises :class:`MeshgradJvmError` when the two versions differ in major or minor number.

    Spark keeps binary compatibility within a minor release line (4.0.x), not across them.
    """
    if _major_minor(pyspark_version) != _major_minor(jar_spark_version):
        raise MeshgradJvmError(
            "PySpark %s cannot use %s, which was built for Spark %s: the Spark major.minor versions must"
            " match. Install that PySpark (pip install 'pyspark==%s'), or use a meshgrad jar built for Spark"
            " %s.x" % (
                pyspark_version, JAR_NAME, jar_spark_version, jar_spark_version,
                ".".join(_major_minor(pyspark_version)),
            )
        )


def _major_minor(version: str) -> tuple:
    parts = re.findall(r"\d+", version)
    if len(parts) < 2:
        raise ValueError("not a Spark version: %r" % version)
    return tuple(parts[:2])


def require_jvm(java_class: str) -> Any:
    """The active SparkContext, after checking that its JVM has ``java_class`` from a meshgrad jar
    built for this PySpark's Spark version. Checked once per SparkContext.
    """
    from py4j.java_gateway import JavaClass
    from pyspark import SparkContext, __version__ as pyspark_version

    sc = SparkContext._active_spark_context
    if sc is None:
        raise MeshgradJvmError(
            "meshgrad stages need an active SparkSession; create one first, with the meshgrad jar on"
            " its classpath. " + _how_to_add_jar()
        )
    checked = getattr(sc, "_meshgrad_checked", set())
    if java_class in checked:
        return sc
    jvm = sc._jvm
    for name in (_PROBE_CLASS, java_class):
        if not isinstance(_java_member(jvm, name), JavaClass):
            raise MeshgradJvmError(
                "the JVM of this SparkSession has no class %s: the meshgrad jar (%s) is not on its"
                " classpath, or is older than this Python package. %s" % (name, JAR_NAME, _how_to_add_jar())
            )
    check_spark_versions(pyspark_version, _java_member(jvm, _PROBE_CLASS).sparkVersion())
    sc._meshgrad_checked = checked | {java_class}
    return sc


def _java_member(jvm: Any, dotted: str) -> Any:
    obj = jvm
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj

