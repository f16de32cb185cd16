"""The factorization machine stages: a binary FM classifier (logistic loss) and an FM regressor
(squared loss), trained with Keras 2.13's Adagrad on a device mesh. Each class wraps the Java
stage of the same name in ``io.meshgrad.ml``; see the Java documentation and
docs/user-guide/fm.md for the params. The params mixin comes before PySpark's base classes, so that its declarations (the Java
docs) win.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml.classification import (
    _JavaProbabilisticClassificationModel,
    _JavaProbabilisticClassifier,
)
from pyspark.ml.linalg import Matrix, Vector
from pyspark.ml.regression import _JavaRegressionModel, _JavaRegressor
from pyspark.ml.util import JavaMLReadable, JavaMLWritable
from pyspark.sql import DataFrame

from meshgrad.ml._params import (
    _MeshFMClassifierParams,
    _MeshFMClassifierSetters,
    _MeshFMParams,
    _MeshFMSetters,
)
from meshgrad.ml._stage import MeshgradEstimator, MeshgradModel
from meshgrad.ml.summary import evaluate


class _FMWeights:
    """The fitted FM ``b + <w, x> + sum_{i<j} <v_i, v_j> x_i x_j``: MLlib's accessors."""

    @property
    def intercept(self) -> float:
        """The bias ``b`` (0 when not fitted)."""
        return self._call_java("intercept")

    @property
    def linear(self) -> Vector:
        """The linear weights ``w`` (zeros when not fitted)."""
        return self._call_java("linear")

    @property
    def factors(self) -> Matrix:
        """The factors ``V``, a ``numFeatures x factorSize`` matrix."""
        return self._call_java("factors")


class MeshFMClassifier(
    MeshgradEstimator,
    _MeshFMClassifierParams,
    _JavaProbabilisticClassifier["MeshFMClassificationModel"],
    _MeshFMSetters,
    _MeshFMClassifierSetters,
    JavaMLWritable,
    JavaMLReadable["MeshFMClassifier"],
):
    """A binary factorization machine classifier (labels 0/1) trained with Keras' Adagrad on a
    mesh, as MLlib's ``FMClassifier``. Takes every param as a keyword::

        MeshFMClassifier(factorSize=8, learningRate=0.1, maxIter=100, mesh="batch=4")
    """

    _java_class = "io.meshgrad.ml.MeshFMClassifier"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def _create_model(self, java_model: Any) -> "MeshFMClassificationModel":
        return MeshFMClassificationModel(java_model)


class MeshFMClassificationModel(
    MeshgradModel,
    _FMWeights,
    _MeshFMClassifierParams,
    _JavaProbabilisticClassificationModel[Vector],
    JavaMLWritable,
    JavaMLReadable["MeshFMClassificationModel"],
):
    """A classifier fitted by :class:`MeshFMClassifier`: ``rawPrediction = [-m, m]`` and
    ``probability = [1 - sigmoid(m), sigmoid(m)]`` for the FM margin ``m``."""

    _java_class = "io.meshgrad.ml.MeshFMClassificationModel"

    def evaluate(self, dataset: DataFrame) -> Any:
        """Evaluates the model on ``dataset`` (features and label columns, and the weight column
        when weightCol is set), with MLlib's metric names (see :func:`meshgrad.ml.summary.evaluate`)."""
        return evaluate(self, dataset)


class MeshFMRegressor(
    MeshgradEstimator,
    _MeshFMParams,
    _JavaRegressor["MeshFMRegressionModel"],
    _MeshFMSetters,
    JavaMLWritable,
    JavaMLReadable["MeshFMRegressor"],
):
    """A factorization machine regressor (squared loss) trained with Keras' Adagrad on a mesh, as
    MLlib's ``FMRegressor``. Takes every param as a keyword, e.g.
    ``MeshFMRegressor(factorSize=4, learningRate=0.05, maxIter=50)``."""

    _java_class = "io.meshgrad.ml.MeshFMRegressor"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def _create_model(self, java_model: Any) -> "MeshFMRegressionModel":
        return MeshFMRegressionModel(java_model)


class MeshFMRegressionModel(
    MeshgradModel,
    _FMWeights,
    _MeshFMParams,
    _JavaRegressionModel,
    JavaMLWritable,
    JavaMLReadable["MeshFMRegressionModel"],
):
    """A regression model fitted by :class:`MeshFMRegressor`."""

    _java_class = "io.meshgrad.ml.MeshFMRegressionModel"

    def evaluate(self, dataset: DataFrame) -> Any:
        """Evaluates the model on ``dataset`` (features and label columns, and the weight column
        when weightCol is set), with MLlib's metric names (see :func:`meshgrad.ml.summary.evaluate`)."""
        return evaluate(self, dataset)
