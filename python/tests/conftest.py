"""One real local[2] SparkSession for the whole test run, with the meshgrad jar on its classpath
(found by meshgrad.jar_path(): MESHGRAD_JAR, the bundled jar, or the clone's spark-plugin/target)."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    import meshgrad

    log4j = REPO / "conf" / "log4j2.properties"
    session = (
        SparkSession.builder.master("local[2]")
        .appName("meshgrad-python-tests")
        .config("spark.jars", meshgrad.jar_path())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.configurationFile=file:%s" % log4j)
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def jvm(spark):
    return spark.sparkContext._jvm


def _a9a(spark, file, rows):
    from pyspark.sql import functions as F

    df = (
        spark.read.format("libsvm").option("numFeatures", "123").load(str(REPO / "data" / "a9a" / file))
        .withColumn("label", F.when(F.col("label") > 0, 1.0).otherwise(0.0))
    )
    return df.limit(rows).repartition(2).cache()


@pytest.fixture(scope="session")
def a9a_train(spark):
    """4000 rows of a9a, labels 0/1, 123 binary features."""
    return _a9a(spark, "a9a", 4000)


@pytest.fixture(scope="session")
def a9a_test(spark):
    """2000 rows of a9a.t."""
    return _a9a(spark, "a9a.t", 2000)


@pytest.fixture(scope="session")
def mnist(spark):
    """1500 MNIST digits, features scaled to [0, 1], labels 0-9."""
    from pyspark.ml.functions import array_to_vector, vector_to_array
    from pyspark.sql import functions as F

    raw = spark.read.format("libsvm").option("numFeatures", "784").load(
        str(REPO / "data" / "mnist10k" / "mnist10k.train")).limit(1500)
    scaled = raw.withColumn(
        "features", array_to_vector(F.transform(vector_to_array("features"), lambda x: x / 255.0)))
    return scaled.repartition(2).cache()


def pytest_report_header(config):
    import meshgrad

    try:
        return "meshgrad package: %s; jar: %s" % (Path(meshgrad.__file__).parent, meshgrad.jar_path())
    except meshgrad.MeshgradJvmError as e:
        return "meshgrad jar: %s" % e
