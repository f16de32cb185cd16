"""The multilayer perceptron stages: a softmax classifier (as MLlib's
``MultilayerPerceptronClassifier``) and a regressor (one linear output, squared loss), trained
with Keras 2.13's Adagrad on a device mesh. Each class wraps the Java stage of the same name in
``io.meshgrad.ml``; see the Java documentation and
docs/user-guide/mlp.md for the params. The params mixin
comes before PySpark's base classes, so that its declarations (the Java docs) win.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml.classification import (
    _JavaProbabilisticClassificationModel,
    _JavaProbabilisticClassifier,
)
from pyspark.ml.linalg import Vector
from pyspark.ml.regression import _JavaRegressionModel, _JavaRegressor
from pyspark.ml.util import JavaMLReadable, JavaMLWritable
from pyspark.sql import DataFrame

from meshgrad.ml._params import (
    _MeshMLPClassifierParams,
    _MeshMLPClassifierSetters,
    _MeshMLPParams,
    _MeshMLPSetters,
)
from meshgrad.ml._stage import MeshgradEstimator, MeshgradModel
from meshgrad.ml.summary import evaluate


class _Network(MeshgradModel):
    """A fitted network: its layer sizes (``getLayers()``, also when fit took them from the data
    and ``hiddenLayers``) and its weights."""

    def __init__(self, java_model: Any = None) -> None:
        super().__init__(java_model)
        # fit sets layers on the Java model (from the data when the estimator had none): take it,
        # as the estimator's values copied onto the model do not have it
        if java_model is not None and java_model.isSet(java_model.layers()):
            self._set(layers=list(java_model.getLayers()))

    @property
    def weights(self) -> Vector:
        """All weights, flattened as MLlib's ``MultilayerPerceptronClassificationModel.weights``:
        per layer the ``[in, out]`` kernel row-major, then its biases."""
        return self._call_java("weights")

    def evaluate(self, dataset: DataFrame) -> Any:
        """Evaluates the model on ``dataset`` (features and label columns, and the weight column
        when weightCol is set), with MLlib's metric names (see :func:`meshgrad.ml.summary.evaluate`)."""
        return evaluate(self, dataset)


class MeshMLPClassifier(
    MeshgradEstimator,
    _MeshMLPClassifierParams,
    _JavaProbabilisticClassifier["MeshMLPClassificationModel"],
    _MeshMLPSetters,
    _MeshMLPClassifierSetters,
    JavaMLWritable,
    JavaMLReadable["MeshMLPClassifier"],
):
    """A multilayer perceptron classifier (hidden layers of relu, sigmoid or tanh, a softmax
    output) trained with Keras' Adagrad on a mesh. Takes every param as a keyword::

        MeshMLPClassifier(layers=[784, 128, 10], learningRate=0.3, batchSize=256, mesh="batch=2")
        MeshMLPClassifier(hiddenLayers=[64])  # input and output sizes from the data
    """

    _java_class = "io.meshgrad.ml.MeshMLPClassifier"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def _create_model(self, java_model: Any) -> "MeshMLPClassificationModel":
        return MeshMLPClassificationModel(java_model)


class MeshMLPClassificationModel(
    _Network,
    _MeshMLPClassifierParams,
    _JavaProbabilisticClassificationModel[Vector],
    JavaMLWritable,
    JavaMLReadable["MeshMLPClassificationModel"],
):
    """A classifier fitted by :class:`MeshMLPClassifier`: ``rawPrediction`` is the output layer's
    logits, ``probability`` their softmax."""

    _java_class = "io.meshgrad.ml.MeshMLPClassificationModel"


class MeshMLPRegressor(
    MeshgradEstimator,
    _MeshMLPParams,
    _JavaRegressor["MeshMLPRegressionModel"],
    _MeshMLPSetters,
    JavaMLWritable,
    JavaMLReadable["MeshMLPRegressor"],
):
    """A multilayer perceptron regressor (one linear output, squared loss) trained with Keras'
    Adagrad on a mesh, e.g. ``MeshMLPRegressor(hiddenLayers=[32], learningRate=0.05)``."""

    _java_class = "io.meshgrad.ml.MeshMLPRegressor"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def _create_model(self, java_model: Any) -> "MeshMLPRegressionModel":
        return MeshMLPRegressionModel(java_model)


class MeshMLPRegressionModel(
    _Network,
    _MeshMLPParams,
    _JavaRegressionModel,
    JavaMLWritable,
    JavaMLReadable["MeshMLPRegressionModel"],
):
    """A regression model fitted by :class:`MeshMLPRegressor`."""

    _java_class = "io.meshgrad.ml.MeshMLPRegressionModel"
