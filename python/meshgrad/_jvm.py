"""Finding the meshgrad jar, and checking that the running JVM has it and matches PySpark.

The Python stages are thin wrappers over the Java stages in ``meshgrad-spark.jar``; that jar must
be on the classpath of the Spark driver (and executors) before the SparkSession starts.
"""

from __future__ import annotations

import glob
import os
import re
import zipfile
from pathlib import Path
from typing import Any, List, Optional

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

#: The jar's build facts (versions of meshgrad, Spark and Scala it was built with).
_BUILD_PROPERTIES = "io/meshgrad/ml/build.properties"


class MeshgradJvmError(RuntimeError):
    """The JVM side of meshgrad is missing, or built for another Spark version."""


def jar_path(spark_version: Optional[str] = None) -> str:
    """The meshgrad jar to put on ``spark.jars`` (or to give ``spark.addArtifacts``), built for the
    Spark line (major.minor) of ``spark_version``: by default the running PySpark's version; over
    Spark Connect pass the server's, ``meshgrad.jar_path(spark.version)``. Found in this order:

    1. the file named by the environment variable ``MESHGRAD_JAR`` (taken as is);
    2. the jars bundled in this package (``meshgrad/jars/``, put there when the wheel was built
       from a clone with built jars; one per Spark line, ``meshgrad-spark-<v>-spark4.1.jar``);
    3. the Maven build directory of the clone this package is run from
       (``<clone>/spark-plugin/target/``), for ``PYTHONPATH=python`` or ``pip install -e``.

    In each place the plain ``meshgrad-spark-<v>.jar`` is taken when it was built for that Spark
    line, else the jar named for the line. Which line a jar serves is read from the jar itself
    (``io/meshgrad/ml/build.properties``). Raises :class:`MeshgradJvmError` naming each place
    looked at, and the lines found there, when none has a jar for that line.
    """
    explicit = os.environ.get(JAR_ENV)
    if explicit:
        if not os.path.isfile(explicit):
            raise MeshgradJvmError(
                "%s=%s does not name a file; point it at %s (built by `mvn -DskipTests package` in"
                " spark-plugin/target/) or unset it" % (JAR_ENV, explicit, JAR_NAME)
            )
        return os.path.abspath(explicit)
    if spark_version is None:
        spark_version = _running_pyspark_version()
    wanted = _major_minor(spark_version) if spark_version else None
    places = _candidate_dirs()
    other_lines = []
    for folder in places:
        for jar in _jars_in(folder):
            line = jar_spark_line(jar)
            if wanted is None or line == wanted:
                return jar
            other_lines.append("%s (Spark %s)" % (os.path.basename(jar), ".".join(line) if line else "?"))
    if other_lines:
        raise MeshgradJvmError(
            "no meshgrad jar for Spark %s.x: found only %s. Build one with `mvn -Pspark-%s -DskipTests package`"
            " (no profile for 4.0), or set %s to a jar built for Spark %s.x"
            % (".".join(wanted), ", ".join(other_lines), ".".join(wanted), JAR_ENV, ".".join(wanted))
        )
    raise MeshgradJvmError(
        "cannot find %s: set %s to its path, or build it with `mvn -DskipTests package` in a meshgrad"
        " clone (looked in: %s)" % (JAR_NAME, JAR_ENV, ", ".join(str(p) for p in places))
    )


def jar_spark_line(jar: str) -> Optional[tuple]:
    """The Spark (major, minor) a meshgrad jar was built for, from its ``build.properties``; None
    when the file is not a meshgrad jar."""
    try:
        with zipfile.ZipFile(jar) as z:
            text = z.read(_BUILD_PROPERTIES).decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "sparkVersion":
            return _major_minor(value.strip())
    return None


def _running_pyspark_version() -> Optional[str]:
    try:
        from pyspark import __version__
    except ImportError:
        return None
    return __version__


def _candidate_dirs() -> List[Path]:
    return [_PACKAGE_DIR / "jars", _PACKAGE_DIR.parent.parent / "spark-plugin" / "target"]


def _jars_in(folder: Path) -> List[str]:
    """The meshgrad library jars in ``folder`` (not -tests, -sources or -javadoc jars): the plain
    ``meshgrad-spark-<v>.jar`` first, then those named for a Spark line, newest first."""
    jars = [
        j
        for j in glob.glob(str(folder / "meshgrad-spark-*.jar"))
        if not re.search(r"-(tests|sources|javadoc)\.jar$", j)
    ]
    return sorted(jars, key=lambda j: (os.path.basename(j) != JAR_NAME, -os.path.getmtime(j)))


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

