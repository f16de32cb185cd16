"""meshgrad's Spark ML stages for PySpark: wrappers over the Java stages of ``io.meshgrad.ml``.

Importing this module also makes the Java package name ``io.meshgrad.ml`` resolve to it, which is
how PySpark finds the Python class of a Java stage when it loads a saved ``Pipeline``,
``PipelineModel`` or tuning model (it imports the Java class name as a Python module path; the
standard library's ``io`` module prevents a real package of that name).
"""

import sys

from meshgrad.ml._stage import MeshgradTrainingSummary
from meshgrad.ml.adagrad import (
    MeshAdagradClassificationModel,
    MeshAdagradClassifier,
    MeshAdagradRegressionModel,
    MeshAdagradRegressor,
)
from meshgrad.ml.fm import (
    MeshFMClassificationModel,
    MeshFMClassifier,
    MeshFMRegressionModel,
    MeshFMRegressor,
)
from meshgrad.ml.mlp import (
    MeshMLPClassificationModel,
    MeshMLPClassifier,
    MeshMLPRegressionModel,
    MeshMLPRegressor,
)
from meshgrad.ml.summary import (
    MeshAdagradBinaryClassificationSummary,
    MeshAdagradClassificationSummary,
    MeshAdagradRegressionSummary,
)

#: (estimator, model) of every wrapped Java stage; tests check each against its Java params.
STAGES = [
    (MeshAdagradClassifier, MeshAdagradClassificationModel),
    (MeshAdagradRegressor, MeshAdagradRegressionModel),
    (MeshFMClassifier, MeshFMClassificationModel),
    (MeshFMRegressor, MeshFMRegressionModel),
    (MeshMLPClassifier, MeshMLPClassificationModel),
    (MeshMLPRegressor, MeshMLPRegressionModel),
]

sys.modules.setdefault("io.meshgrad.ml", sys.modules[__name__])

__all__ = [
    "MeshAdagradClassifier",
    "MeshAdagradClassificationModel",
    "MeshAdagradRegressor",
    "MeshAdagradRegressionModel",
    "MeshAdagradClassificationSummary",
    "MeshAdagradBinaryClassificationSummary",
    "MeshAdagradRegressionSummary",
    "MeshFMClassifier",
    "MeshFMClassificationModel",
    "MeshFMRegressor",
    "MeshFMRegressionModel",
    "MeshMLPClassifier",
    "MeshMLPClassificationModel",
    "MeshMLPRegressor",
    "MeshMLPRegressionModel",
    "MeshgradTrainingSummary",
    "STAGES",
]
