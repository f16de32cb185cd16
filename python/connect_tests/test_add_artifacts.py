"""The jar shipped by the client: a Spark Connect server started WITHOUT meshgrad's jar (no --jars),
and a client session that gives it the jar with ``spark.addArtifacts(meshgrad.jar_path(spark.version))``
(docs/connect.md, step 3). The server's driver then loads meshgrad's classes only through that
session's class loader, and its executors through the session's own loader too, so everything that
crosses between them (task results, broadcasts, the engine's peer messages, offloaded and saved
models) must be read with those loaders.

This file starts its own server (same pip-installed pyspark as bin/connect-tests' server, found
through MESHGRAD_CONNECT_JAVA_PYTHON, on a free loopback port; about 25 s) only when one of its tests
runs, and stops it when they are done."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from pyspark.ml import Pipeline, PipelineModel
from pyspark.sql import SparkSession, functions as F, is_remote

import meshgrad
from meshgrad.ml import (
    MeshAdagradClassificationModel,
    MeshAdagradClassifier,
    MeshFMClassifier,
    MeshFMRegressionModel,
    MeshFMRegressor,
    MeshMLPClassificationModel,
    MeshMLPClassifier,
)

REPO = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def jarless_server():
    """(url, warehouse dir) of a Spark Connect server of this run's line, started without --jars,
    with bin/connect-tests' settings (its model cache offloading at once where that run's does)."""
    server_python = os.environ.get("MESHGRAD_CONNECT_JAVA_PYTHON")
    if not server_python:
        pytest.fail("MESHGRAD_CONNECT_JAVA_PYTHON is not set: run these tests with bin/connect-tests")
    spark_home = subprocess.run(
        [server_python, "-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"],
        capture_output=True, text=True, check=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="meshgrad-connect-nojars-"))
    (work / "tmp").mkdir()
    port = _free_port()
    conf = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.ui.enabled": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.warehouse.dir": str(work / "warehouse"),
        "spark.local.dir": str(work / "local"),
        "spark.driver.extraJavaOptions": "-Djava.io.tmpdir=%s -Dlog4j2.configurationFile=file:%s"
        % (work / "tmp", REPO / "conf" / "log4j2.properties"),
    }
    if os.environ.get("MESHGRAD_CONNECT_OFFLOAD") == "1":
        conf["spark.connect.session.connectML.mlCache.memoryControl.maxInMemorySize"] = "0"
    command = [os.path.join(spark_home, "bin", "spark-submit"),
               "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
               "--master", "local[2]", "--driver-memory", "1500m"]
    for key, value in conf.items():
        command += ["--conf", "%s=%s" % (key, value)]
    command.append("spark-internal")
    # beside bin/connect-tests' own server log: .meshgrad/connect/server-<version>-nojars.log
    server_venv = Path(os.path.abspath(server_python)).parents[1]
    log_path = server_venv.parent / (server_venv.name + "-nojars.log")
    env = dict(os.environ, SPARK_HOME=spark_home, SPARK_LOCAL_IP="127.0.0.1")
    env.pop("MESHGRAD_JAR", None)
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 240
        while not _listening(port):
            if server.poll() is not None:
                pytest.fail("the server without --jars exited (%s); its log:\n%s"
                            % (server.returncode, log_path.read_text()[-4000:]))
            if time.monotonic() > deadline:
                pytest.fail("no server without --jars after 240 s; its log: %s" % log_path)
            time.sleep(0.5)
        assert "--jars" not in command and not any(a.endswith(".jar") for a in command)
        yield "sc://127.0.0.1:%d" % port, work
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def spark_with_artifacts(jarless_server):
    """A session of the jar-less server that shipped the jar itself, the active and default
    session while this file's tests run (PySpark's ML reader and meshgrad's use the active one);
    the session of the other tests, if any, is put back after."""
    url, _ = jarless_server
    with _session(url) as session:
        session.addArtifacts(meshgrad.jar_path(session.version))
        yield session


@contextlib.contextmanager
def _session(url):
    """A new session of the server at url, the active and default one until it is stopped at the
    end; then the sessions of before (the other tests') are put back (PySpark has no public setter
    for the active session of a Connect client)."""
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    before = (getattr(ConnectSession._active_session, "session", None), ConnectSession._default_session)
    session = SparkSession.builder.remote(url).create()
    ConnectSession._active_session.session = session
    ConnectSession._default_session = session
    try:
        yield session
    finally:
        session.stop()
        ConnectSession._active_session.session, ConnectSession._default_session = before


def _a9a(spark, file, rows):
    return (spark.read.format("libsvm").option("numFeatures", "123").load(str(REPO / "data" / "a9a" / file))
            .withColumn("label", F.when(F.col("label") > 0, 1.0).otherwise(0.0))
            .limit(rows).repartition(2).cache())


def _predictions(df, *columns):
    return [tuple(r) for r in df.select(*columns).collect()]


def test_without_the_jar_the_server_does_not_know_the_stages(jarless_server):
    """The server really lacks the jar: a session that did not add it cannot fit a meshgrad stage."""
    url, _ = jarless_server
    with _session(url) as other:
        df = _a9a(other, "a9a", 100)
        with pytest.raises(Exception) as failure:
            MeshAdagradClassifier(maxIter=1).fit(df)
        assert "io.meshgrad.ml.MeshAdagradClassifier" in str(failure.value)


def test_a_pipeline_fits_transforms_saves_and_loads_with_the_jar_from_add_artifacts(spark_with_artifacts, tmp_path):
    spark = spark_with_artifacts
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    assert is_remote()
    assert isinstance(spark, ConnectSession)
    assert spark.version.startswith(os.environ["MESHGRAD_CONNECT_LINE"] + ".")
    train, test = _a9a(spark, "a9a", 1200), _a9a(spark, "a9a.t", 600)

    # a linear stage (one job per step) and an MLP stage on the engine (2 steps per barrier job,
    # whose tasks exchange their partial sums directly), then an FM stage: three meshgrad stages
    linear = MeshAdagradClassifier(maxIter=6, learningRate=0.3, seed=11, predictionCol="linearPrediction",
                                   rawPredictionCol="linearRaw", probabilityCol="linearProbability")
    mlp = MeshMLPClassifier(maxIter=4, hiddenLayers=[8], learningRate=0.1, seed=11, stepsPerJob=2)
    fm = MeshFMRegressor(maxIter=4, factorSize=3, learningRate=0.05, seed=11, predictionCol="fmPrediction")
    model = Pipeline(stages=[linear, mlp, fm]).fit(train)
    linear_model, mlp_model, fm_model = model.stages
    assert isinstance(linear_model, MeshAdagradClassificationModel)
    assert isinstance(mlp_model, MeshMLPClassificationModel)
    assert isinstance(fm_model, MeshFMRegressionModel)

    # the attributes and summaries come back through the model's transform (the query column)
    assert linear_model.numFeatures == 123 and len(linear_model.coefficients) == 123
    assert len(linear_model.summary.lossHistory) == linear_model.summary.totalIterations > 0
    assert mlp_model.getLayers()[:2] == [123, 8]
    assert len(mlp_model.summary.lossHistory) == mlp_model.summary.totalIterations > 0
    assert (fm_model.factors.numRows, fm_model.factors.numCols) == (123, 3)
    assert fm_model.evaluate(test).rootMeanSquaredError > 0

    out = model.transform(test)
    columns = ("linearPrediction", "prediction", "fmPrediction")
    expected = _predictions(out, *columns)
    assert len(expected) == 600
    assert {p for p, _, _ in expected} <= {0.0, 1.0} and {p for _, p, _ in expected} <= {0.0, 1.0}
    accuracy = sum(1 for (p, _, _), label in zip(expected, [r.label for r in test.select("label").collect()])
                   if p == label) / len(expected)
    assert accuracy > 0.7, accuracy

    model.write().overwrite().save(str(tmp_path / "pipeline"))
    reloaded = PipelineModel.load(str(tmp_path / "pipeline"))
    assert [type(s) for s in reloaded.stages] == [type(s) for s in model.stages]
    assert _predictions(reloaded.transform(test), *columns) == expected

    mlp_model.write().overwrite().save(str(tmp_path / "mlp"))
    again = MeshMLPClassificationModel.load(str(tmp_path / "mlp"))
    assert [r.prediction for r in again.transform(test).select("prediction").collect()] == [p for _, p, _ in expected]


def test_a_sharded_fit_with_the_jar_from_add_artifacts(spark_with_artifacts):
    """A model dimension shards the weights across the tasks: shards and partials go through Spark's
    shuffles and the state RDDs, read by the executors with the session's meshgrad classes."""
    spark = spark_with_artifacts
    train, test = _a9a(spark, "a9a", 600), _a9a(spark, "a9a.t", 200)
    model = MeshFMClassifier(maxIter=3, factorSize=2, learningRate=0.1, seed=5, mesh="batch=2,model=2").fit(train)
    assert (model.factors.numRows, model.factors.numCols) == (123, 2)
    assert len(model.summary.lossHistory) == model.summary.totalIterations > 0
    assert {r.prediction for r in model.transform(test).select("prediction").collect()} <= {0.0, 1.0}
    # the same on the engine: the owners' shards and their results to the driver (an accumulator of bytes)
    engine = MeshFMClassifier(maxIter=3, factorSize=2, learningRate=0.1, seed=5, mesh="batch=2,model=2",
                              stepsPerJob=3).fit(train)
    assert engine.summary.lossHistory == model.summary.lossHistory
    assert engine.factors.toArray().tolist() == model.factors.toArray().tolist()
