"""One remote SparkSession for the run, attached to the real Spark Connect server that
bin/connect-tests started (MESHGRAD_CONNECT_URL); the client process has no JVM and no Py4J."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    url = os.environ.get("MESHGRAD_CONNECT_URL")
    if not url:
        pytest.fail("MESHGRAD_CONNECT_URL is not set: run these tests with bin/connect-tests")
    session = SparkSession.builder.remote(url).getOrCreate()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def line():
    """The Spark line (major.minor) of the server."""
    return os.environ["MESHGRAD_CONNECT_LINE"]


@pytest.fixture(scope="session")
def a9a(spark):
    """(train, test): 1200 and 600 rows of a9a, labels 0/1, 123 binary features, read by the server."""
    from pyspark.sql import functions as F

    def read(file, rows):
        return (
            spark.read.format("libsvm").option("numFeatures", "123").load(str(REPO / "data" / "a9a" / file))
            .withColumn("label", F.when(F.col("label") > 0, 1.0).otherwise(0.0))
            .limit(rows).repartition(2).cache()
        )

    return read("a9a", 1200), read("a9a.t", 600)
