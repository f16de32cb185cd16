"""The meshgrad stages from a Spark Connect client (no JVM on the client), with the same user code
as in classic PySpark: params, fit, transform, evaluate, the model attributes and training summary,
save and load (also in a PipelineModel), a CrossValidator (also saved and loaded), the Java message
for a bad param, and models saved over Connect and in classic PySpark loading in each other. From
4.1 the server offloads every model to disk at once (bin/connect-tests), so every use after fit
reloads it from there."""

import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.evaluation import BinaryClassificationEvaluator
from pyspark.ml.linalg import DenseMatrix, Vector
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder
from pyspark.sql import functions as F, is_remote

import meshgrad
from meshgrad.ml import (
    MeshAdagradClassificationModel,
    MeshAdagradClassifier,
    MeshAdagradRegressionModel,
    MeshAdagradRegressor,
    MeshFMClassificationModel,
    MeshFMClassifier,
    MeshFMRegressionModel,
    MeshFMRegressor,
    MeshMLPClassificationModel,
    MeshMLPClassifier,
    MeshMLPRegressionModel,
    MeshMLPRegressor,
)

REPO = Path(__file__).resolve().parents[2]

#: (estimator, model class, constructor params, is a classifier)
FAMILIES = [
    (MeshAdagradClassifier, MeshAdagradClassificationModel, dict(maxIter=6, learningRate=0.3), True),
    (MeshAdagradRegressor, MeshAdagradRegressionModel, dict(maxIter=6, learningRate=0.1), False),
    (MeshFMClassifier, MeshFMClassificationModel, dict(maxIter=4, factorSize=3, learningRate=0.1), True),
    (MeshFMRegressor, MeshFMRegressionModel, dict(maxIter=4, factorSize=3, learningRate=0.05), False),
    (MeshMLPClassifier, MeshMLPClassificationModel, dict(maxIter=4, hiddenLayers=[8], learningRate=0.1), True),
    (MeshMLPRegressor, MeshMLPRegressionModel, dict(maxIter=4, hiddenLayers=[8], learningRate=0.05), False),
]


def _ids():
    return [f[0].__name__ for f in FAMILIES]


def test_the_client_is_remote_without_a_jvm(spark):
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    assert is_remote()
    assert isinstance(spark, ConnectSession)
    assert importlib.util.find_spec("py4j") is None, "the client venv must not hold Py4J"
    assert "py4j" not in sys.modules
    # the server runs the line this run is for, and jar_path picks that line's jar
    assert spark.version.startswith(os.environ["MESHGRAD_CONNECT_LINE"] + ".")
    env = dict(os.environ)
    env.pop("MESHGRAD_JAR")
    found = subprocess.run([sys.executable, "-c", "import meshgrad; print(meshgrad.jar_path(%r))" % spark.version],
                           env=env, capture_output=True, text=True, cwd="/")
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip().endswith(("-spark%s.jar" % os.environ["MESHGRAD_CONNECT_LINE"], meshgrad.JAR_NAME))


@pytest.mark.parametrize("estimator_cls, model_cls, params, classifier", FAMILIES, ids=_ids())
def test_each_family_fits_transforms_evaluates_and_reads_its_model(a9a, estimator_cls, model_cls, params, classifier):
    train, test = a9a
    est = estimator_cls(**params)
    assert est.getMaxIter() == params["maxIter"]
    est.setSeed(11)
    model = est.fit(train)
    assert isinstance(model, model_cls)

    out = model.transform(test)
    assert "prediction" in out.columns
    rows = out.select("label", "prediction").collect()
    assert len(rows) == 600

    summary = model.evaluate(test)
    if classifier:
        right = sum(1 for r in rows if r.label == r.prediction)
        assert summary.accuracy == pytest.approx(right / 600.0)
        assert summary.labels == [0.0, 1.0]
        assert 0.5 < summary.asBinary().areaUnderROC <= 1.0
        assert summary.roc.count() > 2
        assert model.numClasses == 2
    else:
        mse = sum((r.label - r.prediction) ** 2 for r in rows) / 600.0
        assert summary.meanSquaredError == pytest.approx(mse, rel=1e-9)
        assert summary.rootMeanSquaredError == pytest.approx(math.sqrt(mse), rel=1e-9)
        assert summary.residuals.count() == 600
    assert summary.predictions.count() == 600
    assert model.numFeatures == 123

    # the attributes, as in classic PySpark
    if model_cls in (MeshAdagradClassificationModel, MeshAdagradRegressionModel):
        assert isinstance(model.coefficients, Vector) and model.coefficients.size == 123
        assert isinstance(model.intercept, float)
    elif model_cls in (MeshFMClassificationModel, MeshFMRegressionModel):
        assert isinstance(model.factors, DenseMatrix) and (model.factors.numRows, model.factors.numCols) == (123, 3)
        assert model.linear.size == 123
        assert isinstance(model.intercept, float)
    else:
        layers = model.getLayers()
        assert layers[0] == 123 and layers[1] == 8
        expected = sum((a + 1) * b for a, b in zip(layers[:-1], layers[1:]))
        assert model.weights.size == expected
    # a prediction computed from the attributes equals the server's (the linear ones)
    if model_cls is MeshAdagradRegressionModel:
        first = out.select("features", "prediction").first()
        assert first.prediction == pytest.approx(first.features.dot(model.coefficients) + model.intercept, rel=1e-6)

    # the training summary (the loss history of every step)
    assert model.hasSummary
    history = model.summary.lossHistory
    assert len(history) == model.summary.totalIterations > 0
    assert all(math.isfinite(x) for x in history)
    assert model.summary.objectiveHistory == history
    assert "MeshgradTrainingSummary" in repr(model.summary)


def test_multinomial_attributes_fail_as_in_java(spark):
    from pyspark.ml.linalg import Vectors
    from pyspark.errors import IllegalArgumentException

    df = spark.createDataFrame(
        [(Vectors.dense([1.0, 0.0]), 0.0), (Vectors.dense([0.0, 1.0]), 1.0), (Vectors.dense([-1.0, -1.0]), 2.0)],
        ["features", "label"],
    )
    model = MeshAdagradClassifier(maxIter=2).fit(df)
    assert model.isMultinomial and model.numClasses == 3
    assert model.coefficientMatrix.numRows == 3
    with pytest.raises((IllegalArgumentException, RuntimeError), match="coefficientMatrix"):
        model.coefficients
    with pytest.raises(RuntimeError, match="not binary"):
        model.evaluate(df).asBinary()


def test_a_bad_param_fails_with_the_java_message(a9a):
    from pyspark.errors import IllegalArgumentException

    train, _ = a9a
    with pytest.raises(IllegalArgumentException, match="batchSize must be an integer >= 0, got -5") as caught:
        MeshAdagradRegressor(batchSize=-5, maxIter=2).fit(train)
    assert "grpc" not in str(caught.value).lower()


@pytest.mark.parametrize("estimator_cls, model_cls, params, classifier", FAMILIES, ids=_ids())
def test_models_and_estimators_save_and_load(a9a, tmp_path, estimator_cls, model_cls, params, classifier):
    train, test = a9a
    est = estimator_cls(**params)
    model = est.fit(train)
    expected = [r.prediction for r in model.transform(test).select("prediction").collect()]

    model.write().overwrite().save(str(tmp_path / "model"))
    loaded = model_cls.load(str(tmp_path / "model"))
    assert isinstance(loaded, model_cls)
    assert loaded.uid == model.uid
    assert [r.prediction for r in loaded.transform(test).select("prediction").collect()] == expected
    assert not loaded.hasSummary
    assert loaded.getMaxIter() == params["maxIter"]

    est.write().overwrite().save(str(tmp_path / "estimator"))
    again = estimator_cls.load(str(tmp_path / "estimator"))
    assert isinstance(again, estimator_cls) and again.uid == est.uid
    assert again.getMaxIter() == params["maxIter"] and again.getLearningRate() == params["learningRate"]

    pipeline_model = Pipeline(stages=[est]).fit(train)
    pipeline_model.write().overwrite().save(str(tmp_path / "pipeline"))
    reloaded = PipelineModel.load(str(tmp_path / "pipeline"))
    stage = reloaded.stages[-1]
    assert isinstance(stage, model_cls)
    got = [r.prediction for r in reloaded.transform(test).select("prediction").collect()]
    assert got == [r.prediction for r in pipeline_model.transform(test).select("prediction").collect()]


def test_cross_validator_with_a_param_grid(a9a):
    train, test = a9a
    clf = MeshAdagradClassifier(maxIter=6)
    grid = ParamGridBuilder().addGrid(clf.learningRate, [0.001, 0.3]).build()
    evaluator = BinaryClassificationEvaluator(metricName="areaUnderROC")
    cv = CrossValidator(estimator=clf, estimatorParamMaps=grid, evaluator=evaluator, numFolds=2, seed=7)
    cv_model = cv.fit(train)
    assert len(cv_model.avgMetrics) == 2
    assert cv_model.avgMetrics[1] > cv_model.avgMetrics[0]
    best = cv_model.bestModel
    assert isinstance(best, MeshAdagradClassificationModel)
    assert best.getLearningRate() == 0.3
    assert best.coefficients.size == 123
    assert evaluator.evaluate(cv_model.transform(test)) > 0.8


def test_a_cross_validator_model_saves_and_loads_also_as_a_pipeline_stage(a9a, tmp_path):
    """CrossValidatorModel.load, and PipelineModel.load of a PipelineModel holding a
    CrossValidatorModel: PySpark reads their metadata in Python and loads each inner stage by the
    Java class name saved with it (meshgrad.ml maps io.meshgrad.ml to itself), through the
    stage's own reader."""
    train, test = a9a
    clf = MeshAdagradClassifier(maxIter=6)
    grid = ParamGridBuilder().addGrid(clf.learningRate, [0.001, 0.3]).build()
    evaluator = BinaryClassificationEvaluator(metricName="areaUnderROC")
    cv_model = CrossValidator(estimator=clf, estimatorParamMaps=grid, evaluator=evaluator, numFolds=2, seed=7).fit(train)
    expected = [r.prediction for r in cv_model.transform(test).select("prediction").collect()]

    cv_model.write().overwrite().save(str(tmp_path / "cv"))
    loaded = CrossValidatorModel.load(str(tmp_path / "cv"))
    assert isinstance(loaded, CrossValidatorModel)
    best = loaded.bestModel
    assert isinstance(best, MeshAdagradClassificationModel) and best.uid == cv_model.bestModel.uid
    assert best.getLearningRate() == 0.3
    assert best.coefficients.toArray().tolist() == cv_model.bestModel.coefficients.toArray().tolist()
    assert loaded.avgMetrics == cv_model.avgMetrics
    estimator = loaded.getEstimator()
    assert isinstance(estimator, MeshAdagradClassifier) and estimator.uid == clf.uid
    assert [m[estimator.learningRate] for m in loaded.getEstimatorParamMaps()] == [0.001, 0.3]
    assert [r.prediction for r in loaded.transform(test).select("prediction").collect()] == expected

    PipelineModel(stages=[cv_model]).write().overwrite().save(str(tmp_path / "pipeline"))
    stage = PipelineModel.load(str(tmp_path / "pipeline")).stages[-1]
    assert isinstance(stage, CrossValidatorModel)
    assert isinstance(stage.bestModel, MeshAdagradClassificationModel) and stage.bestModel.getLearningRate() == 0.3
    assert [r.prediction for r in stage.transform(test).select("prediction").collect()] == expected


def test_offloaded_models_are_reloaded_with_their_summary(spark, a9a):
    """On 4.1 the server's model cache writes each model to disk at once and reloads it for each
    use: the model must be MLWritable with a static read(), and keep its training summary."""
    if os.environ.get("MESHGRAD_CONNECT_OFFLOAD") != "1":
        pytest.skip("this server does not offload models (Spark 4.0 has no model offloading)")
    cache = Path(os.environ["MESHGRAD_CONNECT_CACHE_DIR"])
    train, _ = a9a
    model = MeshFMRegressor(maxIter=3, factorSize=2).fit(train)
    offloaded = [p for p in cache.glob("*/*/__model_class_name__") if p.read_text() == "io.meshgrad.ml.MeshFMRegressionModel"]
    assert offloaded, "no meshgrad model was offloaded under %s" % cache
    assert any((p.parent / "trainingSummary").is_dir() for p in offloaded)
    assert model.hasSummary and len(model.summary.lossHistory) == model.summary.totalIterations


def test_models_saved_over_connect_and_in_classic_pyspark_load_in_each_other(spark, a9a, tmp_path):
    """A classic PySpark process (Py4J, the Java reader and writer) loads what the Connect client
    saved and saves a model that the Connect client loads."""
    train, test = a9a
    model = MeshAdagradClassifier(maxIter=5).fit(train)
    model.write().overwrite().save(str(tmp_path / "from-connect"))
    script = textwrap.dedent("""
        import json
        import sys
        from pyspark.sql import SparkSession
        import meshgrad
        from meshgrad.ml import MeshAdagradClassificationModel, MeshFMClassifier
        spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
                 .config("spark.jars", meshgrad.jar_path()).getOrCreate())
        m = MeshAdagradClassificationModel.load(sys.argv[1])
        print("COEFFICIENTS", json.dumps(m.coefficients.toArray().tolist()))
        df = spark.read.format("libsvm").option("numFeatures", "123").load(sys.argv[3]).limit(300)
        from pyspark.sql import functions as F
        df = df.withColumn("label", F.when(F.col("label") > 0, 1.0).otherwise(0.0))
        MeshFMClassifier(maxIter=2, factorSize=2).fit(df).write().overwrite().save(sys.argv[2])
        spark.stop()
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO / "python"))
    env.pop("SPARK_REMOTE", None)
    env.pop("SPARK_CONNECT_MODE_ENABLED", None)
    out = subprocess.run(
        [os.environ["MESHGRAD_CONNECT_JAVA_PYTHON"], "-c", script, str(tmp_path / "from-connect"),
         str(tmp_path / "from-classic"), str(REPO / "data" / "a9a" / "a9a")],
        env=env, capture_output=True, text=True, timeout=600, cwd=str(tmp_path),
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    line = [x for x in out.stdout.splitlines() if x.startswith("COEFFICIENTS ")][0]
    assert json.loads(line.split(" ", 1)[1]) == model.coefficients.toArray().tolist()
    fm = MeshFMClassificationModel.load(str(tmp_path / "from-classic"))
    assert (fm.factors.numRows, fm.factors.numCols) == (123, 2)
    assert fm.transform(test).count() == 600


def test_the_connect_page_example_runs(spark, tmp_path, capsys):
    """docs/connect.md's Pipeline example (step 4), as written, with this run's server, the a9a file
    by its full path and the save path in a temporary folder."""
    import re

    text = (REPO / "docs" / "connect.md").read_text()
    code = re.search(r"4\. Use the stages.*?```python\n(.*?)```", text, re.S).group(1)
    code = "\n".join(line[3:] if line.startswith("   ") else line for line in code.splitlines())
    assert "sc://127.0.0.1:15002" in code and "/tmp/meshgrad-pipeline" in code
    code = (code.replace("sc://127.0.0.1:15002", os.environ["MESHGRAD_CONNECT_URL"])
            .replace("/tmp/meshgrad-pipeline", str(tmp_path / "pipeline"))
            .replace('"data/a9a/a9a"', repr(str(REPO / "data" / "a9a" / "a9a"))))
    scope = {}
    exec(compile(code, "docs/connect.md (step 4)", "exec"), scope)
    assert (tmp_path / "pipeline" / "stages").is_dir()
    assert isinstance(scope["again"].stages[-1], MeshAdagradClassificationModel)
    assert len(scope["lr"].summary.lossHistory) == 20
    printed = capsys.readouterr().out
    assert "prediction" in printed
