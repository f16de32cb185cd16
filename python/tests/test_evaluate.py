"""model.evaluate(df) of every model: the Java summaries, with MLlib's metric names, match
the metrics computed in Python from the model's own predictions."""

import pytest
from pyspark.ml.evaluation import BinaryClassificationEvaluator, MulticlassClassificationEvaluator, RegressionEvaluator

from meshgrad.ml import (
    MeshAdagradBinaryClassificationSummary,
    MeshAdagradClassificationSummary,
    MeshAdagradClassifier,
    MeshAdagradRegressionSummary,
    MeshAdagradRegressor,
)


def test_binary_classifier_evaluate_matches_spark_evaluators(a9a_train, a9a_test):
    model = MeshAdagradClassifier(maxIter=20).fit(a9a_train)
    summary = model.evaluate(a9a_test)
    assert isinstance(summary, MeshAdagradBinaryClassificationSummary)
    out = model.transform(a9a_test)
    accuracy = MulticlassClassificationEvaluator(metricName="accuracy").evaluate(out)
    assert summary.accuracy == pytest.approx(accuracy, rel=1e-12)
    # the summary's ROC curve is downsampled to about 100 bins, as MLlib's summaries: near the
    # exact area (numBins=0), not equal
    auc = BinaryClassificationEvaluator(rawPredictionCol="probability", numBins=0).evaluate(out)
    assert summary.areaUnderROC == pytest.approx(auc, abs=1e-3)
    assert summary.labels == [0.0, 1.0]
    assert len(summary.precisionByLabel) == 2
    assert summary.roc.count() > 2
    assert summary.predictions.count() == a9a_test.count()
    assert summary.asBinary().areaUnderROC == summary.areaUnderROC


def test_multinomial_evaluate_is_not_binary(mnist):
    model = MeshAdagradClassifier(maxIter=5, mesh="batch=2").fit(mnist)
    summary = model.evaluate(mnist)
    assert type(summary) is MeshAdagradClassificationSummary
    assert summary.labels == [float(k) for k in range(10)]
    assert 0.0 < summary.accuracy <= 1.0
    with pytest.raises(Exception, match="more than 2 classes"):
        summary.asBinary()


def test_regressor_evaluate_matches_the_regression_evaluator(a9a_train):
    model = MeshAdagradRegressor(learningRate=0.1, maxIter=20, batchSize=500).fit(a9a_train)
    summary = model.evaluate(a9a_train)
    assert isinstance(summary, MeshAdagradRegressionSummary)
    out = model.transform(a9a_train)
    for metric, value in [("rmse", summary.rootMeanSquaredError), ("mse", summary.meanSquaredError),
                          ("mae", summary.meanAbsoluteError), ("r2", summary.r2)]:
        assert value == pytest.approx(RegressionEvaluator(metricName=metric).evaluate(out), rel=1e-9), metric
    assert summary.numInstances == a9a_train.count()
    assert summary.residuals.count() == a9a_train.count()


def test_evaluate_without_a_label_column_fails_naming_it(a9a_train):
    model = MeshAdagradRegressor(maxIter=2).fit(a9a_train)
    with pytest.raises(Exception, match="label"):
        model.evaluate(a9a_train.drop("label"))
    with pytest.raises(TypeError, match="dataset must be a DataFrame"):
        model.evaluate("not a frame")


def test_fm_and_mlp_models_evaluate_with_the_same_summaries(a9a_train, a9a_test):
    from meshgrad.ml import MeshFMClassifier, MeshFMRegressor, MeshMLPClassifier, MeshMLPRegressor

    accuracy = MulticlassClassificationEvaluator(metricName="accuracy")
    for estimator in (MeshFMClassifier(factorSize=2, maxIter=10), MeshMLPClassifier(hiddenLayers=[4], maxIter=10)):
        model = estimator.fit(a9a_train)
        summary = model.evaluate(a9a_test)
        assert isinstance(summary, MeshAdagradBinaryClassificationSummary)
        assert summary.accuracy == pytest.approx(accuracy.evaluate(model.transform(a9a_test)), rel=1e-12)
    rmse = RegressionEvaluator(metricName="rmse")
    for estimator in (MeshFMRegressor(factorSize=2, maxIter=10), MeshMLPRegressor(hiddenLayers=[4], maxIter=10)):
        model = estimator.fit(a9a_train)
        summary = model.evaluate(a9a_test)
        assert isinstance(summary, MeshAdagradRegressionSummary)
        assert summary.rootMeanSquaredError == pytest.approx(rmse.evaluate(model.transform(a9a_test)), rel=1e-9)
