"""The README's Python example, run as written (from the repository root, the save path moved
into a temporary folder): a fresh-clone user's fitted, saved and reloaded Pipeline."""

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def readme_python_example():
    text = (REPO / "README.md").read_text()
    section = text[text.index("### Python (PySpark)"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_python_example_runs(spark, tmp_path, capsys):
    code = readme_python_example().replace("/tmp/a9a-pipeline", str(tmp_path / "a9a-pipeline"))
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        scope = {}
        exec(compile(code, "README.md (Python example)", "exec"), scope)
    finally:
        os.chdir(cwd)
    assert scope["spark"] is spark  # getOrCreate gave the test session
    assert (tmp_path / "a9a-pipeline" / "stages").is_dir()
    assert len(scope["model"].stages[-1].summary.lossHistory) == 100
    assert scope["reloaded"].stages[-1].coefficients == scope["model"].stages[-1].coefficients
