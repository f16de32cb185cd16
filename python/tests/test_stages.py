"""Fitting and transforming with every wrapped stage on real PySpark; params set in Python reach
the Java objects; bad params fail in Python with the Java message."""

import pytest
from pyspark.errors import IllegalArgumentException

from meshgrad.ml import (
    MeshAdagradClassificationModel,
    MeshAdagradClassifier,
    MeshAdagradRegressionModel,
    MeshAdagradRegressor,
)


def java_value(stage, name):
    """The value (or default) of a param on the stage's Java object."""
    java = stage._java_obj
    return java.getOrDefault(java.getParam(name))


def accuracy(model, df):
    rows = model.transform(df).select("label", "prediction").collect()
    return sum(r.label == r.prediction for r in rows) / len(rows)


def test_binomial_classifier_fits_and_transforms(a9a_train, a9a_test):
    clf = MeshAdagradClassifier(learningRate=0.5, maxIter=30, mesh="batch=2")
    model = clf.fit(a9a_train)
    assert isinstance(model, MeshAdagradClassificationModel)
    assert model.numClasses == 2 and model.numFeatures == 123 and not model.isMultinomial
    assert len(model.coefficients) == 123
    out = model.transform(a9a_test)
    assert {"rawPrediction", "probability", "prediction"} <= set(out.columns)
    assert accuracy(model, a9a_test) > 0.80
    history = model.summary.lossHistory
    assert len(history) == 30 == model.summary.totalIterations
    assert history[-1] < history[0]
    first = a9a_test.head()
    assert model.predict(first.features) == out.head().prediction
    assert len(model.predictProbability(first.features)) == 2


def test_multinomial_classifier_on_mnist(mnist):
    model = MeshAdagradClassifier(learningRate=0.5, maxIter=20, mesh="batch=2").fit(mnist)
    assert model.isMultinomial and model.numClasses == 10
    assert model.coefficientMatrix.numRows == 10 and model.coefficientMatrix.numCols == 784
    assert len(model.interceptVector) == 10
    assert accuracy(model, mnist) > 0.80


def test_hinge_classifier_has_no_probability_column(a9a_train):
    model = MeshAdagradClassifier(loss="hinge", learningRate=0.5, maxIter=10).fit(a9a_train)
    assert model.isHinge
    assert "probability" not in model.transform(a9a_train).columns


def test_regressor_fits_and_transforms(a9a_train):
    reg = MeshAdagradRegressor(learningRate=0.1, maxIter=30, batchSize=500)
    model = reg.fit(a9a_train)
    assert isinstance(model, MeshAdagradRegressionModel)
    assert model.numFeatures == 123 and len(model.coefficients) == 123
    assert isinstance(model.intercept, float)
    assert "prediction" in model.transform(a9a_train).columns
    assert model.summary.lossHistory[-1] < model.summary.lossHistory[0]


def test_params_set_in_python_reach_the_jvm(a9a_train):
    clf = MeshAdagradClassifier(maxIter=7, learningRate=0.25, mesh="batch=2", dtype="float64")
    clf.setRegParam(0.01).setBatchSize(1000).setSeed(42).setFitIntercept(False).setClipNorm(5.0)
    clf.setFamily("binomial").setPredictionCol("pred")
    model = clf.fit(a9a_train)
    expected = {"maxIter": 7, "learningRate": 0.25, "mesh": "batch=2", "dtype": "float64", "regParam": 0.01,
                "batchSize": 1000, "seed": 42, "fitIntercept": False, "clipNorm": 5.0, "family": "binomial",
                "predictionCol": "pred"}
    for name, value in expected.items():
        assert java_value(clf, name) == value, name  # the estimator's Java object
        assert java_value(model, name) == value, name  # the Java model the Java fit made
        assert model.getOrDefault(name) == value, name  # and the Python model
    assert model.summary.totalIterations == 7
    assert model.intercept == 0.0
    assert "pred" in model.transform(a9a_train).columns


def test_optimizer_config_as_a_dict_in_keras_key_names(a9a_train):
    keras = {"learning_rate": 0.5, "initial_accumulator_value": 0.2, "epsilon": 1e-6, "clipnorm": 1.0}
    clf = MeshAdagradClassifier(maxIter=5, optimizerConfig=keras)
    assert '"learning_rate": 0.5' in clf.getOptimizerConfig()
    by_config = clf.fit(a9a_train)
    by_params = MeshAdagradClassifier(maxIter=5, learningRate=0.5, initialAccumulatorValue=0.2,
                                      epsilon=1e-6, clipNorm=1.0).fit(a9a_train)
    assert by_config.coefficients.toArray().tolist() == by_params.coefficients.toArray().tolist()
    schedule = {"class_name": "ExponentialDecay",
                "config": {"initial_learning_rate": 0.5, "decay_steps": 10, "decay_rate": 0.9}}
    clf.setLearningRateSchedule(schedule)
    assert java_value(clf.copy(), "learningRateSchedule").startswith('{"class_name": "ExponentialDecay"')


def test_copy_with_extra_params_reaches_the_jvm():
    clf = MeshAdagradClassifier(maxIter=3)
    copy = clf.copy({clf.maxIter: 9})
    assert copy.getMaxIter() == 9 and clf.getMaxIter() == 3
    assert java_value(copy, "maxIter") == 9


@pytest.mark.parametrize("setter,value,message", [
    ("setMaxIter", -1, "maxIter must be an integer >= 0, got -1"),
    ("setLearningRate", 0.0, "learningRate must be a finite number > 0, got 0.0"),
    ("setDtype", "float16", "dtype must be one of float32, float64, got 'float16'"),
    ("setMesh", "batch=0", "mesh must be a mesh such as 'batch=4,model=2', got 'batch=0'"),
    ("setEmaMomentum", 1.5, "emaMomentum must be a number in [0, 1], got 1.5"),
    ("setOptimizerConfig", {"learning_rate": 0.1, "lr": 0.1}, "optimizerConfig must be a Keras Adagrad config"),
])
def test_a_bad_param_fails_in_python_with_the_java_message_and_changes_nothing(setter, value, message):
    clf = MeshAdagradClassifier(maxIter=3)
    before = {p.name: clf.getOrDefault(p) for p in clf.params if clf.isDefined(p)}
    with pytest.raises(IllegalArgumentException) as caught:
        getattr(clf, setter)(value)
    assert message in str(caught.value)
    assert "Py4J" not in str(caught.value) and "at io.meshgrad" not in str(caught.value)
    after = {p.name: clf.getOrDefault(p) for p in clf.params if clf.isDefined(p)}
    assert after == before


def test_a_bad_keyword_or_type_fails_naming_the_param():
    with pytest.raises(TypeError, match="MeshAdagradRegressor has no param maxIterations"):
        MeshAdagradRegressor(maxIterations=3)
    with pytest.raises(TypeError, match='param "maxIter"'):
        MeshAdagradRegressor(maxIter="many")
    with pytest.raises(IllegalArgumentException, match="batchSize must be an integer >= 0, got -5"):
        MeshAdagradRegressor(batchSize=-5)


def test_an_error_of_the_java_fit_arrives_as_a_python_exception_with_its_message(a9a_train):
    clf = MeshAdagradClassifier(maxIter=2, family="multinomial", loss="hinge")
    with pytest.raises(IllegalArgumentException, match="loss=hinge trains a binary linear SVM"):
        clf.fit(a9a_train)


def test_a_model_without_summary_says_so(a9a_train, tmp_path):
    model = MeshAdagradRegressor(maxIter=2).fit(a9a_train)
    assert model.hasSummary
    model.write().save(str(tmp_path / "m"))
    loaded = MeshAdagradRegressionModel.load(str(tmp_path / "m"))
    assert not loaded.hasSummary
    with pytest.raises(RuntimeError, match="No training summary available for this MeshAdagradRegressionModel"):
        loaded.summary


def test_spark_conf_defaults_apply_to_params_python_did_not_set(spark, a9a_train):
    """Python passes its defaults to Java as defaults, not as set values, so the documented
    spark.meshgrad.<param> conf keys still apply; a value set in Python still wins."""
    spark.conf.set("spark.meshgrad.maxIter", "3")
    try:
        assert MeshAdagradRegressor().fit(a9a_train).summary.totalIterations == 3
        assert MeshAdagradRegressor(maxIter=4).fit(a9a_train).summary.totalIterations == 4
    finally:
        spark.conf.unset("spark.meshgrad.maxIter")


def test_the_training_summary_says_what_ended_the_fit_and_standardization_is_a_param(a9a_train):
    from meshgrad.ml import MeshFMClassifier, MeshMLPClassifier

    model = MeshAdagradClassifier(maxIter=400, tol=0.05, mesh="batch=2").fit(a9a_train)
    summary = model.summary
    assert summary.stopReason == "tol"
    assert summary.stoppedAtStep == summary.totalIterations < summary.plannedSteps == 400
    assert summary.epochsCompleted == float(summary.totalIterations)  # full batch: one epoch per step
    assert summary.prepareSeconds >= 0
    by_steps = MeshAdagradClassifier(maxIter=3, tol=0.0, mesh="batch=2").fit(a9a_train).summary
    assert (by_steps.stopReason, by_steps.stoppedAtStep) == ("steps", 3)
    # MLlib's standardization on every stage: true for the linear stages, false for FM and MLP
    assert MeshAdagradClassifier().getStandardization() is True
    assert MeshMLPClassifier().getStandardization() is False
    assert MeshFMClassifier().getStandardization() is False
    assert MeshAdagradRegressor(standardization=False).getStandardization() is False

def test_steps_per_job_gives_the_same_model_as_one_job_per_step(a9a_train):
    """stepsPerJob=4: four steps per Spark job on the engine, bit for bit the job-per-step model."""
    params = dict(learningRate=0.3, maxIter=9, batchSize=2048, mesh="batch=2", clipNorm=1.0)
    jobs = MeshAdagradClassifier(**params).fit(a9a_train)
    engine = MeshAdagradClassifier(stepsPerJob=4, **params).fit(a9a_train)
    assert engine.getStepsPerJob() == 4
    assert list(engine.coefficients) == list(jobs.coefficients)
    assert engine.intercept == jobs.intercept
    assert engine.summary.lossHistory == jobs.summary.lossHistory
