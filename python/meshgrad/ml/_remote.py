"""The meshgrad stages over Spark Connect (``SparkSession.builder.remote(...)``: no JVM, no Py4J on
the client).

Spark's Connect ML server (4.0 and later) already fits meshgrad's estimators, transforms with and
saves their models (it finds them through the jar's ``META-INF/services`` files), and PySpark
routes ``fit``, ``transform`` and ``write`` there. Three things it does not do for a library
outside Spark, and how this module does them without a JVM on the client:

- **attributes, summaries, evaluate**: the server calls only an allow-list of Spark's own model
  attributes. ``transform`` of a cached model is always allowed, so the stages ask the model
  through it: a DataFrame with a *query column* ``__meshgrad_query__<query>`` makes the Java model
  return the answer instead of predictions (``io.meshgrad.ml.ConnectAnswers``: ``attributes``,
  ``summary``, ``evaluate``, ``evaluate:<DataFrame metric>``). One round trip gets every attribute
  of a model (kept on the Python object: a fitted model does not change) or every scalar metric of
  an evaluation.
- **load**: PySpark's reader derives the Java class from the Python module (``pyspark`` ->
  ``org.apache.spark``); :class:`RemoteStageReader` sends the stage's own Java class instead. With
  it ``PipelineModel.load`` works too (it loads each stage with its Python class's ``load``).
- **bad param values** fail on the server when the stage is built there (at ``fit``), with the
  Java validator's message, instead of where they are set (that needs a JVM).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from pyspark.ml.util import MLReader
from pyspark.sql import DataFrame

#: Prefix of the query column's name (``ConnectAnswers.QUERY_PREFIX`` in Java).
QUERY_PREFIX = "__meshgrad_query__"
#: Column of the attributes whose Java method threw, with the exception.
ERRORS = "__errors__"
#: Column naming the Java class of an evaluation summary.
SUMMARY_CLASS = "__summaryClass__"

#: The DataFrame-valued metrics of the evaluation summaries (asked one by one, lazily).
DATAFRAME_METRICS = frozenset(
    ["predictions", "roc", "pr", "fMeasureByThreshold", "precisionByThreshold", "recallByThreshold", "residuals"]
)


def ask(model: Any, query: str, dataset: Optional[DataFrame] = None) -> DataFrame:
    """The DataFrame that the Java model answers to ``query`` (about ``dataset`` for ``evaluate``)."""
    from pyspark.sql import SparkSession, functions as F

    if dataset is None:
        spark = SparkSession.getActiveSession()
        if spark is None:
            raise RuntimeError("meshgrad stages over Spark Connect need an active remote SparkSession")
        dataset = spark.range(1)
    return model.transform(dataset.withColumn(QUERY_PREFIX + query, F.lit(1)))


def answer_row(model: Any, query: str, dataset: Optional[DataFrame] = None) -> Dict[str, Any]:
    """The one-row answer of the Java model to ``query``, as a dict."""
    rows = ask(model, query, dataset).collect()
    return rows[0].asDict(recursive=False)


def attribute(model: Any, name: str) -> Any:
    """The model's attribute ``name`` (the Java method's value), from its attributes answer."""
    values = model.__dict__.get("_meshgrad_attributes")
    if values is None:
        values = answer_row(model, "attributes")
        model.__dict__["_meshgrad_attributes"] = values
    return Answer(values, type(model).__name__).value(name)


class Answer:
    """Values answered by a Java object, read as the Java object would be through Py4J:
    ``answer.lossHistory()`` is the value of column ``lossHistory``."""

    def __init__(self, values: Dict[str, Any], owner: str) -> None:
        self._values = values
        self._owner = owner

    def value(self, name: str, *args: Any) -> Any:
        errors = self._values.get(ERRORS) or {}
        if name in errors:
            raise java_error(errors[name])
        if args or name not in self._values:
            raise AttributeError(
                "%s over Spark Connect has no attribute %s%s" % (self._owner, name, "(...)" if args else "")
            )
        return self._values[name]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.value(name, *args)


class Evaluation(Answer):
    """The answer of ``model.evaluate(dataset)``: the scalar metrics, and the DataFrame metrics
    asked for when used."""

    def __init__(self, values: Dict[str, Any], model: Any, dataset: DataFrame) -> None:
        super().__init__(values, values.get(SUMMARY_CLASS, "evaluation summary"))
        self._model = model
        self._dataset = dataset

    def value(self, name: str, *args: Any) -> Any:
        if name in DATAFRAME_METRICS:
            return ask(self._model, "evaluate:" + name, self._dataset)
        if args == (1.0,) and name in ("fMeasureByLabel", "weightedFMeasure"):
            args = ()
        if args:
            raise NotImplementedError(
                "%s(%s) over Spark Connect: only beta=1.0 is answered" % (name, ", ".join(map(str, args)))
            )
        return super().value(name)


def java_error(text: str) -> Exception:
    """A Python exception for a Java exception reported as ``<class>: <message>``."""
    java_class, _, message = text.partition(": ")
    if java_class.endswith("IllegalArgumentException"):
        from pyspark.errors import IllegalArgumentException

        return IllegalArgumentException(message=message)
    return RuntimeError("%s: %s" % (java_class.rsplit(".", 1)[-1], message))


class RemoteStageReader(MLReader):
    """Loads a meshgrad stage over Spark Connect: PySpark's ``RemoteMLReader`` protocol, with the
    stage's Java class (``_java_class``) instead of one derived from the Python module."""

    def __init__(self, clazz: Any) -> None:
        super().__init__()
        self._clazz = clazz

    def load(self, path: str) -> Any:
        import pyspark.sql.connect.proto as pb2
        from pyspark.ml.connect.serialize import deserialize, deserialize_param
        from pyspark.ml.wrapper import JavaModel
        from pyspark.sql.connect.session import SparkSession

        session = SparkSession.getActiveSession()
        if session is None:
            raise RuntimeError("loading a meshgrad stage over Spark Connect needs an active remote SparkSession")
        is_model = issubclass(self._clazz, JavaModel)
        ml_type = pb2.MlOperator.OPERATOR_TYPE_MODEL if is_model else pb2.MlOperator.OPERATOR_TYPE_ESTIMATOR
        command = pb2.Command()
        command.ml_command.read.CopyFrom(
            pb2.MlCommand.Read(operator=pb2.MlOperator(name=self._clazz._java_class, type=ml_type), path=path)
        )
        (_, properties, _) = session.client.execute_command(command)
        result = deserialize(properties)
        if is_model:
            instance = self._clazz(model_reference(session, result.obj_ref.id))
        else:
            instance = self._clazz()
        instance._resetUid(result.uid)
        instance._set(**{k: deserialize_param(v) for k, v in result.params.params.items()})
        return instance


def model_reference(session: Any, ref_id: str) -> Any:
    """What a remote ``JavaModel`` holds as its ``_java_obj`` for the server's cached model
    ``ref_id``: a ``RemoteModelRef`` from PySpark 4.1, the id (registered with the client's
    cache) before."""
    try:
        from pyspark.ml.util import RemoteModelRef  # PySpark 4.1 and later
    except ImportError:
        session.client.add_ml_cache(ref_id)
        return ref_id
    return RemoteModelRef(ref_id)
