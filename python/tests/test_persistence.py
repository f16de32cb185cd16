"""Saving and loading across the languages: a model or estimator saved from Python loads in Java
(the Java stage's own load, called through Py4J) and one saved from Java loads in Python, with
identical predictions and params; also inside a PipelineModel."""

import pytest
from pyspark.ml.common import _java2py
from pyspark.ml import Pipeline, PipelineModel, Transformer
from pyspark.ml.feature import StandardScaler
from pyspark.ml.param.shared import HasInputCol, HasOutputCol
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import DataFrame

from meshgrad.ml import (
    STAGES,
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

CASES = [
    (MeshAdagradClassifier, MeshAdagradClassificationModel, dict(learningRate=0.5, maxIter=10, regParam=0.001)),
    (MeshAdagradRegressor, MeshAdagradRegressionModel, dict(learningRate=0.1, maxIter=10, batchSize=500)),
    (MeshFMClassifier, MeshFMClassificationModel, dict(learningRate=0.1, maxIter=10, factorSize=4)),
    (MeshFMRegressor, MeshFMRegressionModel, dict(learningRate=0.05, maxIter=10, factorSize=3, batchSize=500)),
    (MeshMLPClassifier, MeshMLPClassificationModel, dict(hiddenLayers=[8], learningRate=0.1, maxIter=10)),
    (MeshMLPRegressor, MeshMLPRegressionModel, dict(layers=[123, 4, 1], activation="tanh", maxIter=10)),
]

#: The fitted weights of each model class, by attribute name.
WEIGHTS = {
    MeshAdagradClassificationModel: ("coefficients", "intercept"),
    MeshAdagradRegressionModel: ("coefficients", "intercept"),
    MeshFMClassificationModel: ("intercept", "linear", "factors"),
    MeshFMRegressionModel: ("intercept", "linear", "factors"),
    MeshMLPClassificationModel: ("weights", "getLayers", "getActivation"),
    MeshMLPRegressionModel: ("weights", "getLayers", "getActivation"),
}


def test_every_wrapped_stage_has_a_persistence_case():
    assert sorted(e.__name__ for e, _, _ in CASES) == sorted(e.__name__ for e, _ in STAGES)


def fitted_weights(model):
    values = [getattr(model, name) for name in WEIGHTS[type(model)]]
    return [v() if callable(v) else v for v in values]


def jvm_sc(_):
    from pyspark import SparkContext

    return SparkContext._active_spark_context


def java_class(jvm, name):
    obj = jvm
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def predictions(df):
    return [r[0] for r in df.select("prediction").orderBy("features_key").collect()]


def keyed(df):
    from pyspark.sql import functions as F

    return df.withColumn("features_key", F.monotonically_increasing_id())


def java_transform(java_model, df):
    return DataFrame(java_model.transform(df._jdf), df.sparkSession)


@pytest.mark.parametrize("estimator,model_cls,params", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_python_saved_model_loads_in_java_and_java_saved_loads_in_python(
        jvm, a9a_train, a9a_test, tmp_path, estimator, model_cls, params):
    test = keyed(a9a_test).cache()
    model = estimator(**params).fit(a9a_train)
    expected = predictions(model.transform(test))

    model.write().overwrite().save(str(tmp_path / "from-python"))
    in_java = java_class(jvm, model_cls._java_class).load(str(tmp_path / "from-python"))
    assert predictions(java_transform(in_java, test)) == expected
    for name, value in params.items():
        assert _java2py(jvm_sc(in_java), in_java.getOrDefault(in_java.getParam(name))) == value, name

    in_java.write().overwrite().save(str(tmp_path / "from-java"))
    back = model_cls.load(str(tmp_path / "from-java"))
    assert isinstance(back, model_cls) and back.uid == model.uid
    assert predictions(back.transform(test)) == expected
    assert fitted_weights(back) == fitted_weights(model)
    for name, value in params.items():
        assert back.getOrDefault(name) == value, name
    test.unpersist()


@pytest.mark.parametrize("estimator,model_cls,params", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_estimator_round_trips_through_java(jvm, tmp_path, estimator, model_cls, params):
    est = estimator(**params).setMesh("batch=2")
    est.save(str(tmp_path / "est"))
    in_java = java_class(jvm, estimator._java_class).load(str(tmp_path / "est"))
    assert in_java.getOrDefault(in_java.getParam("mesh")) == "batch=2"
    in_java.write().overwrite().save(str(tmp_path / "est-java"))
    back = estimator.load(str(tmp_path / "est-java"))
    assert isinstance(back, estimator) and back.uid == est.uid
    assert back.getMesh() == "batch=2"
    for name, value in params.items():
        assert back.getOrDefault(name) == value, name


def test_pipeline_model_saved_in_python_loads_in_python_and_java(jvm, a9a_train, a9a_test, tmp_path):
    test = keyed(a9a_test).cache()
    pipeline = Pipeline(stages=[
        StandardScaler(inputCol="features", outputCol="scaled", withMean=False),
        MeshAdagradClassifier(featuresCol="scaled", learningRate=0.2, maxIter=10),
    ])
    fitted = pipeline.fit(a9a_train)
    expected = predictions(fitted.transform(test))
    path = str(tmp_path / "pipeline")
    fitted.write().overwrite().save(path)

    reloaded = PipelineModel.load(path)
    stage = reloaded.stages[-1]
    assert isinstance(stage, MeshAdagradClassificationModel) and stage.getFeaturesCol() == "scaled"
    assert predictions(reloaded.transform(test)) == expected

    in_java = jvm.org.apache.spark.ml.PipelineModel.load(path)
    assert predictions(java_transform(in_java, test)) == expected
    in_java.write().overwrite().save(str(tmp_path / "pipeline-from-java"))
    assert predictions(PipelineModel.load(str(tmp_path / "pipeline-from-java")).transform(test)) == expected

    pipeline.write().overwrite().save(str(tmp_path / "unfitted"))
    again = Pipeline.load(str(tmp_path / "unfitted"))
    assert isinstance(again.getStages()[-1], MeshAdagradClassifier)
    assert again.getStages()[-1].getLearningRate() == 0.2
    test.unpersist()


class CopyColumn(Transformer, HasInputCol, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    """A pure-Python stage: a pipeline holding one is saved and loaded by PySpark's own code."""

    def __init__(self, inputCol=None, outputCol=None):
        super().__init__()
        self._set(inputCol=inputCol, outputCol=outputCol)

    def _transform(self, dataset):
        return dataset.withColumn(self.getOutputCol(), dataset[self.getInputCol()])


def test_pipeline_with_a_python_stage_saves_and_loads_in_python(a9a_train, a9a_test, tmp_path):
    test = keyed(a9a_test).cache()
    fitted = Pipeline(stages=[
        CopyColumn(inputCol="features", outputCol="copied"),
        MeshAdagradRegressor(featuresCol="copied", learningRate=0.1, maxIter=5),
    ]).fit(a9a_train)
    expected = predictions(fitted.transform(test))
    fitted.write().overwrite().save(str(tmp_path / "mixed"))
    reloaded = PipelineModel.load(str(tmp_path / "mixed"))
    assert isinstance(reloaded.stages[0], CopyColumn)
    assert isinstance(reloaded.stages[1], MeshAdagradRegressionModel)
    assert predictions(reloaded.transform(test)) == expected
    test.unpersist()
