"""The factorization machine stages on real PySpark: the fitted weights as properties, and the
model's output is the FM of those weights."""

import math

import numpy as np
import pytest

from meshgrad.ml import MeshFMClassificationModel, MeshFMClassifier, MeshFMRegressionModel, MeshFMRegressor


def fm_margin(model, features):
    """b + <w, x> + sum_{i<j} <v_i, v_j> x_i x_j, from the model's properties."""
    x = features.toArray()
    v = model.factors.toArray()
    xv = x @ v
    pairwise = 0.5 * float(np.sum(xv * xv - (x * x) @ (v * v)))
    return model.intercept + float(model.linear.toArray() @ x) + pairwise


def test_fm_classifier_fits_and_its_output_is_the_fm_of_its_weights(a9a_train, a9a_test):
    model = MeshFMClassifier(factorSize=4, learningRate=0.1, maxIter=30, mesh="batch=2").fit(a9a_train)
    assert isinstance(model, MeshFMClassificationModel)
    assert model.numClasses == 2 and model.numFeatures == 123
    assert isinstance(model.intercept, float)
    assert len(model.linear) == 123
    assert (model.factors.numRows, model.factors.numCols) == (123, 4)
    assert model.getFactorSize() == 4
    history = model.summary.lossHistory
    assert len(history) == model.summary.totalIterations and history[-1] < history[0]
    rows = model.transform(a9a_test).select("features", "rawPrediction", "probability", "label", "prediction").collect()
    assert sum(r.label == r.prediction for r in rows) / len(rows) > 0.75
    for r in rows[:20]:
        m = fm_margin(model, r.features)
        assert r.rawPrediction[1] == pytest.approx(m, rel=1e-4, abs=1e-5)
        assert r.rawPrediction[0] == pytest.approx(-m, rel=1e-4, abs=1e-5)
        assert r.probability[1] == pytest.approx(1 / (1 + math.exp(-m)), rel=1e-4, abs=1e-6)


def test_fm_regressor_fits_and_predicts_the_fm_of_its_weights(a9a_train):
    reg = MeshFMRegressor(factorSize=3, learningRate=0.05, maxIter=20, batchSize=500, fitLinear=False)
    model = reg.fit(a9a_train)
    assert isinstance(model, MeshFMRegressionModel)
    assert model.numFeatures == 123 and model.getFitLinear() is False
    assert model.linear.toArray().tolist() == [0.0] * 123  # fitLinear=False: no linear term
    assert (model.factors.numRows, model.factors.numCols) == (123, 3)
    for r in model.transform(a9a_train).select("features", "prediction").head(20):
        assert r.prediction == pytest.approx(fm_margin(model, r.features), rel=1e-4, abs=1e-5)
        assert model.predict(r.features) == pytest.approx(r.prediction, rel=1e-12)


def test_fm_params_set_in_python_reach_the_jvm(a9a_train):
    clf = MeshFMClassifier(maxIter=3).setFactorSize(2).setInitStd(0.05).setMiniBatchFraction(0.5).setSeed(7)
    model = clf.fit(a9a_train)
    for stage in (clf, model):
        java = stage._java_obj
        values = {n: java.getOrDefault(java.getParam(n)) for n in ("factorSize", "initStd", "miniBatchFraction", "seed")}
        assert values == {"factorSize": 2, "initStd": 0.05, "miniBatchFraction": 0.5, "seed": 7}
    assert model.factors.numCols == 2


def test_a_bad_fm_param_fails_in_python_with_the_java_message():
    from pyspark.errors import IllegalArgumentException

    clf = MeshFMRegressor()
    with pytest.raises(IllegalArgumentException, match="factorSize"):
        clf.setFactorSize(0)
    assert clf.getFactorSize() == 8
