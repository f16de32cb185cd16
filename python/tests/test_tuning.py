"""A meshgrad stage inside pyspark.ml.Pipeline, tuned with CrossValidator and ParamGridBuilder."""

from pyspark.ml import Pipeline
from pyspark.ml.evaluation import BinaryClassificationEvaluator
from pyspark.ml.feature import StandardScaler
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder

from meshgrad.ml import MeshAdagradClassificationModel, MeshAdagradClassifier


def test_cross_validator_over_a_pipeline_with_a_meshgrad_stage(a9a_train, a9a_test, tmp_path):
    clf = MeshAdagradClassifier(featuresCol="scaled", maxIter=8, mesh="batch=2")
    pipeline = Pipeline(stages=[StandardScaler(inputCol="features", outputCol="scaled", withMean=False), clf])
    grid = ParamGridBuilder().addGrid(clf.learningRate, [0.001, 0.3]).addGrid(clf.regParam, [0.0]).build()
    evaluator = BinaryClassificationEvaluator(metricName="areaUnderROC")
    cv = CrossValidator(estimator=pipeline, estimatorParamMaps=grid, evaluator=evaluator, numFolds=2, seed=7)
    cv_model = cv.fit(a9a_train)

    assert len(cv_model.avgMetrics) == 2
    best = cv_model.bestModel.stages[-1]
    assert isinstance(best, MeshAdagradClassificationModel)
    # the grid's value reached the Java fit: the better learning rate wins and is on the model
    assert best.getLearningRate() == 0.3
    assert best._java_obj.getOrDefault(best._java_obj.getParam("learningRate")) == 0.3
    assert cv_model.avgMetrics[1] > cv_model.avgMetrics[0]
    assert evaluator.evaluate(cv_model.transform(a9a_test)) > 0.85

    cv_model.write().overwrite().save(str(tmp_path / "cv"))
    loaded = CrossValidatorModel.load(str(tmp_path / "cv"))
    assert loaded.bestModel.stages[-1].getLearningRate() == 0.3
