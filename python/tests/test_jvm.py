"""How the package finds the jar, and the errors when the JVM side is missing or built for
another Spark version."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import meshgrad
from meshgrad import MeshgradJvmError
from meshgrad._jvm import check_spark_versions
from meshgrad.ml._stage import java_string_hash

REPO = Path(__file__).resolve().parents[2]


def test_the_environment_variable_wins(monkeypatch, tmp_path):
    jar = tmp_path / "my-meshgrad.jar"
    jar.write_bytes(b"PK")
    monkeypatch.setenv("MESHGRAD_JAR", str(jar))
    assert meshgrad.jar_path() == str(jar)


def test_an_environment_variable_naming_no_file_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("MESHGRAD_JAR", str(tmp_path / "missing.jar"))
    with pytest.raises(MeshgradJvmError, match="MESHGRAD_JAR=.*missing.jar does not name a file"):
        meshgrad.jar_path()


def test_without_the_variable_a_bundled_or_built_jar_is_found(monkeypatch):
    monkeypatch.delenv("MESHGRAD_JAR", raising=False)
    found = meshgrad.jar_path()
    assert Path(found).name == meshgrad.JAR_NAME
    assert Path(found).parent.name in ("jars", "target")


def test_no_jar_anywhere_names_the_places_looked_at(monkeypatch, tmp_path):
    import meshgrad._jvm as jvm_module

    monkeypatch.delenv("MESHGRAD_JAR", raising=False)
    monkeypatch.setattr(jvm_module, "_candidate_dirs", lambda: [tmp_path / "a", tmp_path / "b"])
    with pytest.raises(MeshgradJvmError, match="cannot find meshgrad-spark-.*set MESHGRAD_JAR.*looked in: .*a, .*b"):
        meshgrad.jar_path()


def test_spark_versions_must_agree_in_major_and_minor():
    check_spark_versions("4.0.1", "4.0.0")
    check_spark_versions("4.0.1.dev0", "4.0.1")
    with pytest.raises(MeshgradJvmError) as caught:
        check_spark_versions("3.5.6", "4.0.1")
    message = str(caught.value)
    assert "PySpark 3.5.6" in message and "built for Spark 4.0.1" in message
    assert "pyspark==4.0.1" in message and "Spark 3.5.x" in message


def test_the_jar_reports_the_spark_version_it_was_built_for(spark, jvm):
    import pyspark

    assert jvm.io.meshgrad.ml.BuildInfo.sparkVersion() == pyspark.__version__
    assert jvm.io.meshgrad.ml.BuildInfo.version() == meshgrad.JAR_VERSION


def test_java_string_hash_is_javas(jvm):
    for text in ["", "io.meshgrad.ml.MeshAdagradClassifier", "a longer text, with ünïcode ✓"]:
        assert java_string_hash(text) == jvm.java.util.Objects.hashCode(text)


def test_without_a_session_or_without_the_jar_the_error_says_how_to_add_it(tmp_path):
    """A separate Python process with a SparkSession started without the jar."""
    script = textwrap.dedent("""
        from pyspark.sql import SparkSession
        from meshgrad.ml import MeshAdagradClassifier
        try:
            MeshAdagradClassifier()
        except Exception as e:
            print("NO SESSION:", type(e).__name__, e)
        spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
                 .config("spark.driver.extraJavaOptions", "-Dlog4j2.configurationFile=file:%s")
                 .getOrCreate())
        try:
            MeshAdagradClassifier(maxIter=3)
        except Exception as e:
            print("NO JAR:", type(e).__name__, e)
        spark.stop()
    """ % (REPO / "conf" / "log4j2.properties"))
    env = dict(os.environ, PYTHONPATH=str(REPO / "python"))
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    lines = {line.split(":", 1)[0]: line for line in out.stdout.splitlines() if ":" in line}
    assert "NO SESSION" in lines, out.stdout + out.stderr
    assert "MeshgradJvmError" in lines["NO SESSION"] and "need an active SparkSession" in lines["NO SESSION"]
    no_jar = lines.get("NO JAR", out.stdout + out.stderr)
    assert "MeshgradJvmError" in no_jar
    assert "has no class io.meshgrad.ml.BuildInfo" in no_jar
    assert meshgrad.JAR_NAME in no_jar and "spark.jars" in no_jar and "--jars" in no_jar
    assert "--packages io.meshgrad:meshgrad-spark:" in no_jar and "Databricks" in no_jar


def _fake_jar(path, spark_version):
    """A zip holding only the build facts a meshgrad jar carries."""
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("io/meshgrad/ml/build.properties", "version=%s\nsparkVersion=%s\n" % (meshgrad.JAR_VERSION,
                                                                                        spark_version))
    return str(path)


def test_jar_path_picks_the_jar_of_the_spark_line(monkeypatch, tmp_path):
    import meshgrad._jvm as jvm_module

    monkeypatch.delenv("MESHGRAD_JAR", raising=False)
    bundled = tmp_path / "jars"
    bundled.mkdir()
    plain = _fake_jar(bundled / meshgrad.JAR_NAME, "4.0.1")
    line41 = _fake_jar(bundled / ("meshgrad-spark-%s-spark4.1.jar" % meshgrad.JAR_VERSION), "4.1.0")
    line42 = _fake_jar(bundled / ("meshgrad-spark-%s-spark4.2.jar" % meshgrad.JAR_VERSION), "4.2.0")
    monkeypatch.setattr(jvm_module, "_candidate_dirs", lambda: [bundled, tmp_path / "target"])

    assert meshgrad.jar_path("4.0.3") == plain
    assert meshgrad.jar_path("4.1.0") == line41
    assert meshgrad.jar_path("4.2.1.dev0") == line42
    assert jvm_module.jar_spark_line(line41) == ("4", "1")
    with pytest.raises(MeshgradJvmError) as caught:
        meshgrad.jar_path("4.3.0")
    message = str(caught.value)
    assert "no meshgrad jar for Spark 4.3.x" in message and "-spark4.2.jar (Spark 4.2)" in message
    assert "mvn -Pspark-4.3" in message and "MESHGRAD_JAR" in message
