"""Runs every cell of the Databricks Python notebook in order, with `spark` bound to the test
session and small stand-ins for Databricks' `dbutils.widgets` and `display`, as NotebookTest does
for the Scala notebook: the notebook is known to run, not only to look right."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "examples" / "notebooks" / "meshgrad_a9a.py"
HEADER = "# Databricks notebook source\n"
SEPARATOR = "\n# COMMAND ----------\n"


def cells(path):
    """The code cells of a notebook in Databricks source format (markdown cells left out)."""
    text = path.read_text()
    assert text.startswith(HEADER), "%s is not in Databricks source format" % path
    out = []
    for cell in text[len(HEADER):].split(SEPARATOR):
        lines = [line for line in cell.strip("\n").splitlines() if line.strip()]
        if lines and not all(line.startswith("# MAGIC") for line in lines):
            out.append(cell)
    return out


class Widgets:
    """dbutils.widgets: text() declares a widget with its default, get() reads it (overridable)."""

    def __init__(self, overrides):
        self.overrides = overrides
        self.values = {}

    def text(self, name, default, label=None):
        self.values[name] = self.overrides.get(name, default)

    def get(self, name):
        return self.values[name]


class DbUtils:
    def __init__(self, overrides):
        self.widgets = Widgets(overrides)


def test_the_python_notebook_runs_cell_by_cell(spark, tmp_path):
    code = cells(NOTEBOOK)
    assert len(code) >= 6, "code cells: %d" % len(code)
    shown = []
    scope = {
        "spark": spark,
        "dbutils": DbUtils({"data_dir": str(REPO / "data" / "a9a"), "model_dir": str(tmp_path / "pipeline")}),
        "display": shown.append,
    }
    for i, cell in enumerate(code):
        exec(compile(cell, "%s cell %d" % (NOTEBOOK.name, i + 1), "exec"), scope)

    frames = [x for x in shown if hasattr(x, "columns")]
    assert len(frames) == 2, "the notebook displays the data and the loss curve"
    assert frames[1].columns == ["step", "loss"] and frames[1].count() == 100
    assert scope["accuracy"] >= 0.84
    assert (tmp_path / "pipeline" / "stages").is_dir()
    assert not scope["train"].is_cached and not scope["test"].is_cached, "the notebook releases what it cached"
