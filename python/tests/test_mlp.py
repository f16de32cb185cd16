"""The multilayer perceptron stages on real PySpark: the layer sizes fit takes from the data, the
weights in MLlib's flattened layout (the model's output is the network of those weights), and
initialWeights given as a Python vector."""

import numpy as np
import pytest
from pyspark.ml.linalg import Vectors

from meshgrad.ml import MeshMLPClassificationModel, MeshMLPClassifier, MeshMLPRegressionModel, MeshMLPRegressor

ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}


def forward(model, features):
    """The output layer of the model's network for one row, from getLayers() and weights: per
    layer the [in, out] kernel row-major, then its biases (MLlib's layout)."""
    layers, w = model.getLayers(), model.weights.toArray()
    h, at = features.toArray(), 0
    for k, (n_in, n_out) in enumerate(zip(layers[:-1], layers[1:])):
        kernel = w[at:at + n_in * n_out].reshape(n_in, n_out)
        at += n_in * n_out
        h = h @ kernel + w[at:at + n_out]
        at += n_out
        if k < len(layers) - 2:
            h = ACTIVATIONS[model.getActivation()](h)
    assert at == len(w)
    return h


def test_mlp_classifier_takes_its_layers_from_the_data_and_outputs_its_network(mnist):
    clf = MeshMLPClassifier(hiddenLayers=[16], learningRate=0.3, batchSize=256, maxIter=60, mesh="batch=2")
    model = clf.fit(mnist)
    assert isinstance(model, MeshMLPClassificationModel)
    assert model.getLayers() == [784, 16, 10] and model.numClasses == 10 and model.numFeatures == 784
    assert len(model.weights) == 784 * 16 + 16 + 16 * 10 + 10
    assert model.summary.lossHistory[-1] < model.summary.lossHistory[0]
    rows = model.transform(mnist).select("features", "rawPrediction", "prediction", "label").collect()
    assert sum(r.label == r.prediction for r in rows) / len(rows) > 0.8
    for r in rows[:10]:
        assert r.rawPrediction.toArray() == pytest.approx(forward(model, r.features), rel=1e-3, abs=1e-4)


def test_mlp_regressor_outputs_its_network_and_starts_from_initial_weights(a9a_train):
    reg = MeshMLPRegressor(layers=[123, 4, 1], activation="tanh", learningRate=0.05, batchSize=500,
                           maxIter=10, dtype="float64")
    model = reg.fit(a9a_train)
    assert isinstance(model, MeshMLPRegressionModel)
    assert model.getLayers() == [123, 4, 1] and model.getActivation() == "tanh"
    for r in model.transform(a9a_train).select("features", "prediction").head(10):
        assert r.prediction == pytest.approx(forward(model, r.features)[0], rel=1e-9, abs=1e-12)

    start = Vectors.dense(np.linspace(-0.1, 0.1, len(model.weights)))
    again = reg.copy().setInitialWeights(start).setMaxIter(1).setLearningRate(1e-9).fit(a9a_train)
    assert again.getInitialWeights() == start
    assert again.weights.toArray() == pytest.approx(start.toArray(), abs=1e-6)


def test_a_bad_mlp_param_fails_in_python_with_the_java_message():
    from pyspark.errors import IllegalArgumentException

    clf = MeshMLPClassifier()
    with pytest.raises(IllegalArgumentException, match="activation"):
        clf.setActivation("gelu")
    with pytest.raises(IllegalArgumentException, match="layers"):
        clf.setLayers([5])
    assert clf.getActivation() == "relu" and not clf.isSet(clf.layers)
