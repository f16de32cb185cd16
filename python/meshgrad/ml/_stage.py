"""What every meshgrad Python stage shares: the link to its Java stage, keyword construction,
param checks by the Java validators, persistence through the Java writers and readers, and the
training summary. A new stage is a class that lists its bases and names its Java class.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, List

from pyspark.ml.param import Params, TypeConverters
from pyspark.ml.util import JavaMLReader
from pyspark.ml.wrapper import JavaWrapper
from pyspark.sql import is_remote

from meshgrad._jvm import require_jvm
from meshgrad.ml import _remote


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode`` of ``text``: the Java stages' default seed is that of their
    class name, and the Python stages must have the same default."""
    data = text.encode("utf-16-be")  # Java hashes UTF-16 code units
    h = 0
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h >= (1 << 31) else h


def to_json_string(value: Any) -> str:
    """Type converter of the JSON params (optimizerConfig, learningRateSchedule): a dict in Keras
    key names is written as JSON, a string is taken as JSON already."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, default=_json_scalar)
    raise TypeError("expected a dict (Keras key names) or a JSON string, got %s" % type(value).__name__)


#: Type converters that the Java param's class does not tell: the JSON params also take a dict,
#: and a generic Java ``Param`` whose value is not a string gets its converter here (by name).
SPECIAL_CONVERTERS = {
    "optimizerConfig": to_json_string,
    "learningRateSchedule": to_json_string,
    "initialWeights": TypeConverters.toVector,
}


def _json_scalar(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError("cannot write %r (%s) as JSON" % (value, type(value).__name__))


class MeshgradStage(Params):
    """Mixin of every meshgrad stage: put it first among the bases.

    ``_java_class`` names the Java stage. Every value set in Python is checked at once by the Java
    param's own validator, so a bad value fails where it is set, with the Java message, and
    leaves the stage as it was.
    """

    _java_class: ClassVar[str]

    def _set(self, **kwargs: Any) -> "MeshgradStage":
        java_obj = getattr(self, "_java_obj", None)
        if java_obj is not None and not is_remote():
            for name, value in kwargs.items():
                param = getattr(self, name)
                if value is None or not java_obj.hasParam(name):
                    continue
                try:
                    converted = param.typeConverter(value)
                except TypeError as e:
                    raise TypeError('Invalid param value given for param "%s": %s' % (name, e)) from None
                _java_call(self._make_java_param_pair, param, converted)  # runs the Java validator
        return super()._set(**kwargs)

    def _java_seed_default(self) -> int:
        return java_string_hash(self._java_class)

    @classmethod
    def read(cls) -> Any:
        """An MLReader that loads this stage with its Java reader (over Spark Connect, on the server)."""
        if is_remote():
            return _remote.RemoteStageReader(cls)
        return _MeshgradReader(cls)


class MeshgradEstimator(MeshgradStage):
    """Mixin of the meshgrad estimators: keyword construction and ``setParams``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        if not is_remote():
            require_jvm(self._java_class)
        # over Spark Connect this is the Java class name, which the server builds the stage from
        self._java_obj = self._new_java_obj(self._java_class, self.uid)
        self.setParams(**kwargs)

    def setParams(self, **kwargs: Any) -> "MeshgradEstimator":
        """Sets params by name, e.g. ``setParams(maxIter=50, learningRate=0.5)``."""
        unknown = sorted(k for k in kwargs if not self.hasParam(k))
        if unknown:
            raise TypeError(
                "%s has no param %s; its params are: %s"
                % (type(self).__name__, ", ".join(unknown), ", ".join(p.name for p in self.params))
            )
        return self._set(**kwargs)


class MeshgradModel(MeshgradStage):
    """Mixin of the meshgrad models: the training summary, and (over Spark Connect) the model's
    attributes through :mod:`meshgrad.ml._remote`."""

    def _call_java(self, name: str, *args: Any) -> Any:
        if is_remote() and not args:
            return _remote.attribute(self, name)
        return super()._call_java(name, *args)

    @property
    def hasSummary(self) -> bool:
        """Whether this model has a training summary (a fitted one has, a loaded one has not)."""
        return bool(self._call_java("hasSummary"))

    @property
    def summary(self) -> "MeshgradTrainingSummary":
        """How the model was trained: loss history, steps, epochs, early stopping."""
        if not self.hasSummary:
            raise RuntimeError(
                "No training summary available for this %s: only a model returned by fit has one, a"
                " loaded model has not" % type(self).__name__
            )
        if is_remote():
            answer = _remote.answer_row(self, "summary")
            return MeshgradTrainingSummary(_remote.Answer(answer, "training summary"))
        return MeshgradTrainingSummary(self._java_obj.summary())


class MeshgradTrainingSummary(JavaWrapper):
    """The Java ``MeshgradTrainingSummary``, with Python lists for its histories."""

    @property
    def lossHistory(self) -> List[float]:
        """The training loss of each step, at the weights before that step."""
        return list(self._java_obj.lossHistory())

    @property
    def objectiveHistory(self) -> List[float]:
        """Spark's name for :attr:`lossHistory`."""
        return list(self._java_obj.objectiveHistory())

    @property
    def totalIterations(self) -> int:
        """The number of optimizer steps taken."""
        return int(self._java_obj.totalIterations())

    @property
    def steps(self) -> int:
        """The optimizer's iteration count at the end (as Keras' ``iterations``)."""
        return int(self._java_obj.steps())

    @property
    def epochs(self) -> int:
        """Passes over the training rows."""
        return int(self._java_obj.epochs())

    @property
    def epochsCompleted(self) -> float:
        """Passes over the training rows made, fractional when the last one was partial."""
        return float(self._java_obj.epochsCompleted())

    @property
    def stopReason(self) -> str:
        """What ended the fit: ``steps`` (maxIter), ``epochs`` (maxEpochs), ``tol`` (the loss
        stopped changing) or ``earlyStopping`` (the validation loss stopped improving)."""
        return str(self._java_obj.stopReason())

    @property
    def stoppedAtStep(self) -> int:
        """The step at which the fit ended."""
        return int(self._java_obj.stoppedAtStep())

    @property
    def plannedSteps(self) -> int:
        """The steps the fit planned: maxIter, or fewer when maxEpochs ends it sooner."""
        return int(self._java_obj.plannedSteps())

    @property
    def prepareSeconds(self) -> float:
        """Seconds of data preparation (validating, packing, caching) before training."""
        return float(self._java_obj.prepareSeconds())

    @property
    def wallSeconds(self) -> float:
        """Training time in seconds."""
        return float(self._java_obj.wallSeconds())

    @property
    def stepsSkipped(self) -> int:
        """Steps skipped under ``onNonFiniteGradient=skip``."""
        return int(self._java_obj.stepsSkipped())

    @property
    def validationLossHistory(self) -> List[float]:
        """The validation loss of each evaluation (empty without validationIndicatorCol)."""
        return list(self._java_obj.validationLossHistory())

    @property
    def bestStep(self) -> int:
        """The step whose weights the model keeps under early stopping."""
        return int(self._java_obj.bestStep())

    @property
    def stoppedEarly(self) -> bool:
        """Whether early stopping ended the training."""
        return bool(self._java_obj.stoppedEarly())

    def __repr__(self) -> str:
        return str(self._java_obj.toString())


class _MeshgradReader(JavaMLReader):
    """Loads with the Java stage's ``read()``; the Java class comes from ``_java_class``."""

    def __init__(self, clazz: Any) -> None:
        require_jvm(clazz._java_class)
        super().__init__(clazz)

    @classmethod
    def _java_loader_class(cls, clazz: Any) -> str:
        return clazz._java_class


def _java_call(method: Any, *args: Any) -> Any:
    """Calls into the JVM; a Java exception comes back as PySpark's Python exception of that kind
    (e.g. ``IllegalArgumentException`` with the Java message), also without a SparkSession's
    exception handler installed."""
    from py4j.protocol import Py4JJavaError

    try:
        return method(*args)
    except Py4JJavaError as e:
        from pyspark.errors.exceptions.captured import convert_exception

        raise convert_exception(e.java_exception) from None

