"""The evaluation summaries of every model (``model.evaluate(df)``): the Java summaries of
``io.meshgrad.ml``, with the metric names of MLlib's, so the classification ones reuse PySpark's
own summary accessors."""

from __future__ import annotations

from typing import Any

from pyspark.ml.classification import _BinaryClassificationSummary, _ClassificationSummary
from pyspark.ml.wrapper import JavaWrapper
from pyspark.sql import DataFrame, is_remote

from meshgrad.ml import _remote
from meshgrad.ml._stage import _java_call


def evaluate(model: Any, dataset: DataFrame) -> Any:
    """Calls the Java model's ``evaluate`` on ``dataset`` and wraps the Java summary it returns."""
    if not isinstance(dataset, DataFrame):
        raise TypeError("dataset must be a DataFrame, got %s" % type(dataset).__name__)
    if is_remote():
        values = _remote.answer_row(model, "evaluate", dataset)
        return _BY_JAVA_CLASS[values[_remote.SUMMARY_CLASS]](_remote.Evaluation(values, model, dataset))
    return wrap(_java_call(model._java_obj.evaluate, dataset._jdf))


def wrap(java_summary: Any) -> Any:
    """The Python class of a Java evaluation summary."""
    name = java_summary.getClass().getSimpleName()
    return _BY_JAVA_CLASS[name](java_summary)


class _Answered:
    """Over Spark Connect a summary's ``_java_obj`` is the evaluation's answer
    (:class:`meshgrad.ml._remote.Evaluation`), which ``_call_java`` reads."""

    def _call_java(self, name: str, *args: Any) -> Any:
        if isinstance(self._java_obj, _remote.Evaluation):
            return self._java_obj.value(name, *args)
        return super()._call_java(name, *args)


class MeshAdagradClassificationSummary(_Answered, _ClassificationSummary):
    """Metrics of a classifier on a dataset: accuracy, precision/recall/F-measure by label and
    weighted (as PySpark's ``LogisticRegressionSummary``)."""

    @property
    def predictions(self) -> DataFrame:
        """The model's output on the evaluated dataset."""
        return self._call_java("predictions")

    def asBinary(self) -> "MeshAdagradBinaryClassificationSummary":
        """This summary as a binary one; fails for a model of more than 2 classes."""
        if isinstance(self._java_obj, _remote.Evaluation):
            if not isinstance(self, MeshAdagradBinaryClassificationSummary):
                raise RuntimeError("the model has more than 2 classes: its summary is not binary")
            return self
        return MeshAdagradBinaryClassificationSummary(_java_call(self._java_obj.asBinary))


class MeshAdagradBinaryClassificationSummary(MeshAdagradClassificationSummary, _BinaryClassificationSummary):
    """Metrics of a 2-class model: also areaUnderROC, roc, pr and the by-threshold curves (as
    PySpark's ``BinaryLogisticRegressionSummary``)."""

    @property
    def roc(self) -> DataFrame:
        """The ROC curve: FPR and TPR by threshold, with (0, 0) and (1, 1) added."""
        return self._call_java("roc")

    @property
    def pr(self) -> DataFrame:
        """The precision-recall curve, with (0, p) added."""
        return self._call_java("pr")

    @property
    def fMeasureByThreshold(self) -> DataFrame:
        return self._call_java("fMeasureByThreshold")

    @property
    def precisionByThreshold(self) -> DataFrame:
        return self._call_java("precisionByThreshold")

    @property
    def recallByThreshold(self) -> DataFrame:
        return self._call_java("recallByThreshold")


class MeshAdagradRegressionSummary(_Answered, JavaWrapper):
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
