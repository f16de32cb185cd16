"""The evaluation summaries of every model (``model.evaluate(df)``): the Java summaries of
``io.meshgrad.ml``, with the metric names of MLlib's, so the classification ones reuse PySpark's
own summary accessors."""

from __future__ import annotations

from typing import Any

from pyspark.ml.classification import _BinaryClassificationSummary, _ClassificationSummary
from pyspark.ml.wrapper import JavaWrapper
from pyspark.sql import DataFrame

from meshgrad.ml._stage import _java_call


def evaluate(model: Any, dataset: DataFrame) -> Any:
    """Calls the Java model's ``evaluate`` on ``dataset`` and wraps the Java summary it returns."""
    if not isinstance(dataset, DataFrame):
        raise TypeError("dataset must be a DataFrame, got %s" % type(dataset).__name__)
    return wrap(_java_call(model._java_obj.evaluate, dataset._jdf))


def wrap(java_summary: Any) -> Any:
    """The Python class of a Java evaluation summary."""
    name = java_summary.getClass().getSimpleName()
    return _BY_JAVA_CLASS[name](java_summary)


class MeshAdagradClassificationSummary(_ClassificationSummary):
    """Metrics of a classifier on a dataset: accuracy, precision/recall/F-measure by label and
    weighted (as PySpark's ``LogisticRegressionSummary``)."""

    def asBinary(self) -> "MeshAdagradBinaryClassificationSummary":
        """This summary as a binary one; fails for a model of more than 2 classes."""
        return MeshAdagradBinaryClassificationSummary(_java_call(self._java_obj.asBinary))


class MeshAdagradBinaryClassificationSummary(MeshAdagradClassificationSummary, _BinaryClassificationSummary):
    """Metrics of a 2-class model: also areaUnderROC, roc, pr and the by-threshold curves (as
    PySpark's ``BinaryLogisticRegressionSummary``)."""


class MeshAdagradRegressionSummary(JavaWrapper):
    """Metrics of a regression model on a dataset, with the names of PySpark's
    ``LinearRegressionSummary``."""

    @property
    def predictions(self) -> DataFrame:
        """The model's output on the evaluated dataset."""
        return self._call_java("predictions")

    @property
    def predictionCol(self) -> str:
        return self._call_java("predictionCol")

    @property
    def labelCol(self) -> str:
        return self._call_java("labelCol")

    @property
    def weightCol(self) -> str:
        """The weight column, or empty when every row weighs 1."""
        return self._call_java("weightCol")

    @property
    def rootMeanSquaredError(self) -> float:
        return self._call_java("rootMeanSquaredError")

    @property
    def meanSquaredError(self) -> float:
        return self._call_java("meanSquaredError")

    @property
    def meanAbsoluteError(self) -> float:
        return self._call_java("meanAbsoluteError")

    @property
    def r2(self) -> float:
        """The coefficient of determination."""
        return self._call_java("r2")

    @property
    def r2adj(self) -> float:
        """R^2 adjusted for the number of features."""
        return self._call_java("r2adj")

    @property
    def explainedVariance(self) -> float:
        return self._call_java("explainedVariance")

    @property
    def numInstances(self) -> int:
        """The number of rows evaluated."""
        return self._call_java("numInstances")

    @property
    def residuals(self) -> DataFrame:
        """label - prediction of each row."""
        return self._call_java("residuals")

    def __repr__(self) -> str:
        return str(self._java_obj.toString())


_BY_JAVA_CLASS = {
    "MeshAdagradClassificationSummary": MeshAdagradClassificationSummary,
    "MeshAdagradBinaryClassificationSummary": MeshAdagradBinaryClassificationSummary,
    "MeshAdagradRegressionSummary": MeshAdagradRegressionSummary,
}
