"""The quickstart of python/README.md (the package's PyPI page), run as written with the save path
moved into a temporary folder: a Pipeline with a meshgrad stage fitted, used, saved and loaded."""

import re
from pathlib import Path

PACKAGE_README = Path(__file__).resolve().parents[1] / "README.md"


def quickstart():
    text = PACKAGE_README.read_text()
    section = text[text.index("## Quickstart"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_package_readme_quickstart_runs(spark, tmp_path, capsys):
    code = quickstart()
    assert "/tmp/meshgrad-quickstart" in code
    scope = {}
    exec(compile(code.replace("/tmp/meshgrad-quickstart", str(tmp_path / "quickstart")),
                 "python/README.md (quickstart)", "exec"), scope)

    assert scope["spark"] is spark  # getOrCreate gave the test session
    assert (tmp_path / "quickstart" / "stages").is_dir()
    fitted, reloaded = scope["model"].stages[-1], scope["fitted"]
    assert type(reloaded) is type(fitted)
    assert reloaded.coefficients == fitted.coefficients and reloaded.intercept == fitted.intercept
    assert len(fitted.summary.lossHistory) == 50
    # the reloaded pipeline predicts what the fitted one does; the toy rows are separable (age > 40)
    rows = scope["reloaded"].transform(scope["train"]).select("label", "prediction").collect()
    assert [r.prediction for r in rows] == [r.label for r in rows]
    printed = capsys.readouterr().out
    assert "probability" in printed and str(fitted.intercept) in printed
