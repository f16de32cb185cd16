"""The PySpark spark-submit example (examples/pyspark/train.py), run in this test's session."""

import importlib.util
import json
from pathlib import Path

from pyspark.ml import PipelineModel

REPO = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location("train_example", REPO / "examples" / "pyspark" / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_trains_evaluates_and_saves_a_loadable_model(spark, tmp_path):
    out = tmp_path / "run"
    summary = load_script().main([
        "--data", str(REPO / "data" / "a9a" / "a9a.t"), "--test", str(REPO / "data" / "a9a" / "a9a.t"),
        "--num-features", "123", "--mesh", "batch=2", "--steps", "20",
        "--optimizer", '{"learning_rate": 0.5, "initial_accumulator_value": 0.1}', "--output", str(out),
    ], spark)
    assert summary["steps"] == 20 and len(summary["lossHistory"]) == 20
    assert summary["testAccuracy"] > 0.80
    assert json.loads((out / "summary.json").read_text())["steps"] == 20
    model = PipelineModel.load(str(out / "model")).stages[-1]
    assert '"learning_rate": 0.5' in model.getOptimizerConfig()
