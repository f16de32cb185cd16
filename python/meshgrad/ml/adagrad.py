"""The linear meshgrad stages: logistic regression / linear SVM and least squares, trained with
Keras 2.13's Adagrad on a device mesh. Each class wraps the Java stage of the same name in
``io.meshgrad.ml``; see the Java documentation and
docs/user-guide/linear.md for the params. The params mixin
comes before PySpark's base classes, so that its declarations (the Java docs) win.
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
    _MeshAdagradClassifierParams,
    _MeshAdagradClassifierSetters,
    _MeshAdagradParams,
    _MeshAdagradSetters,
)
from meshgrad.ml._stage import MeshgradEstimator, MeshgradModel
from meshgrad.ml.summary import (
    MeshAdagradClassificationSummary,
    MeshAdagradRegressionSummary,
    evaluate,
)


class MeshAdagradClassifier(
    MeshgradEstimator,
    _MeshAdagradClassifierParams,
    _JavaProbabilisticClassifier["MeshAdagradClassificationModel"],
    _MeshAdagradSetters,
    _MeshAdagradClassifierSetters,
    JavaMLWritable,
    JavaMLReadable["MeshAdagradClassifier"],
):
    """Binary or multinomial logistic regression, or a linear SVM (``loss="hinge"``), trained with
    Keras' Adagrad on a mesh. Takes every param as a keyword::

        MeshAdagradClassifier(learningRate=0.5, maxIter=100, mesh="batch=4")
        MeshAdagradClassifier(optimizerConfig={"learning_rate": 0.5, "clipnorm": 1.0})
    """

    _java_class = "io.meshgrad.ml.MeshAdagradClassifier"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def _create_model(self, java_model: Any) -> "MeshAdagradClassificationModel":
        return MeshAdagradClassificationModel(java_model)


class MeshAdagradClassificationModel(
    MeshgradModel,
    _MeshAdagradClassifierParams,
    _JavaProbabilisticClassificationModel[Vector],
    JavaMLWritable,
    JavaMLReadable["MeshAdagradClassificationModel"],
):
    """A classifier fitted by :class:`MeshAdagradClassifier`."""

    _java_class = "io.meshgrad.ml.MeshAdagradClassificationModel"

    @property
    def coefficients(self) -> Vector:
        """The coefficients of a binomial or hinge model (multinomial: :attr:`coefficientMatrix`)."""
        return self._call_java("coefficients")

    @property
    def intercept(self) -> float:
        """The intercept of a binomial or hinge model (multinomial: :attr:`interceptVector`)."""
        return self._call_java("intercept")

    @property
    def coefficientMatrix(self) -> Matrix:
        """The coefficients, one row per output (numClasses rows for multinomial, else 1)."""
        return self._call_java("coefficientMatrix")

    @property
    def interceptVector(self) -> Vector:
        """The intercepts, one per output."""
        return self._call_java("interceptVector")

    @property
    def isMultinomial(self) -> bool:
        """Whether the model has one coefficient vector per class (softmax)."""
        return bool(self._call_java("isMultinomial"))

    @property
    def isHinge(self) -> bool:
        """Whether the model is a linear SVM (no probability column)."""
        return bool(self._call_java("isHinge"))

    def evaluate(self, dataset: DataFrame) -> MeshAdagradClassificationSummary:
        """Evaluates the model on ``dataset`` (features and label columns, and the weight column
        when weightCol is set): a :class:`MeshAdagradBinaryClassificationSummary` for 2 classes."""
        return evaluate(self, dataset)


class MeshAdagradRegressor(
    MeshgradEstimator,
    _MeshAdagradParams,
    _JavaRegressor["MeshAdagradRegressionModel"],
    _MeshAdagradSetters,
    JavaMLWritable,
    JavaMLReadable["MeshAdagradRegressor"],
):
    """Least-squares linear regression trained with Keras' Adagrad on a mesh. Takes every param as
    a keyword, e.g. ``MeshAdagradRegressor(learningRate=0.1, batchSize=256)``."""

    _java_class = "io.meshgrad.ml.MeshAdagradRegressor"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def _create_model(self, java_model: Any) -> "MeshAdagradRegressionModel":
        return MeshAdagradRegressionModel(java_model)


class MeshAdagradRegressionModel(
    MeshgradModel,
    _MeshAdagradParams,
    _JavaRegressionModel,
    JavaMLWritable,
    JavaMLReadable["MeshAdagradRegressionModel"],
):
    """A regression model fitted by :class:`MeshAdagradRegressor`."""

    _java_class = "io.meshgrad.ml.MeshAdagradRegressionModel"

    @property
    def coefficients(self) -> Vector:
        """The coefficients."""
        return self._call_java("coefficients")

    @property
    def intercept(self) -> float:
        """The intercept (0 when none was fitted)."""
        return self._call_java("intercept")

    def evaluate(self, dataset: DataFrame) -> MeshAdagradRegressionSummary:
        """Evaluates the model on ``dataset`` (features and label columns, and the weight column
        when weightCol is set), with the metric names of PySpark's ``LinearRegressionSummary``."""
        return evaluate(self, dataset)
