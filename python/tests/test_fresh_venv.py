"""The README's Python quickstart in an empty virtual environment, as a new user runs it: the
README's install lines (``pip install ...``), then the README's Python example, in a subprocess of
that environment. The package must bring what its own imports need: the test suite's environment
(python/requirements-test.txt) pins more than a user installs, so only a fresh one shows a missing
dependency (issue 22: ``from pyspark.ml import Pipeline`` needs numpy, which plain pyspark lacks).

Marked ``fresh_venv``: ``bin/python-tests -m fresh_venv`` runs it alone, ``-m "not fresh_venv"``
leaves it out. pip's cache makes the install quick after the first run; PyPI must be reachable or
the cache hold every package the README's line installs.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_readme import readme_python_example

REPO = Path(__file__).resolve().parents[2]
JAR = REPO / "spark-plugin" / "target" / "meshgrad-spark-0.1.0-SNAPSHOT.jar"

#: Environment variables of this test process that would let the fresh environment see something
#: a new user's shell does not have (this suite's packages, its jar, its Spark).
FOREIGN = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "MESHGRAD_JAR", "SPARK_HOME")


def markdown_blocks(text):
    """(heading, language, code) of every fenced code block, with the nearest heading above it
    (a ``#`` line inside a block is code, not a heading)."""
    heading, fence, language, code, blocks = "", None, "", [], []
    for line in text.splitlines():
        if fence is None:
            opening = re.match(r"^(`{3,}|~{3,})\s*([\w+-]*)", line)
            if opening:
                fence, language, code = opening.group(1), opening.group(2).lower(), []
            elif re.match(r"^#{1,6}\s", line):
                heading = line
        elif line.strip().startswith(fence):
            blocks.append((heading, language, "\n".join(code)))
            fence = None
        else:
            code.append(line)
    return blocks


def readme_python_install_lines(text):
    """The shell commands of the README's Python install: the first shell code block, after a
    heading that names Python, that runs ``pip install`` on ``./python``. Continued lines are
    joined, a ``$`` prompt is dropped, comments and blank lines are left out."""
    seen_python = False
    for heading, language, code in markdown_blocks(text):
        seen_python = seen_python or "python" in heading.lower()
        if (seen_python and language in ("", "bash", "sh", "shell", "console", "shell-session")
                and re.search(r"\bpip3? install\b", code) and "./python" in code):
            commands = []
            for line in code.replace("\\\n", " ").splitlines():
                line = re.sub(r"^\s*\$\s+", "", line).strip()
                if line and not line.startswith("#"):
                    commands.append(line)
            return commands
    raise AssertionError("README.md has no shell code block with `pip install ... ./python` after a"
                         " heading that names Python")


def fresh_environment(venv):
    """The environment of a shell in which ``venv`` is activated, without this suite's."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN and not k.startswith("PYSPARK_")}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(args, env, timeout, **kwargs):
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, "%s exited with %d:\n%s\n%s" % (
        args, done.returncode, done.stdout[-3000:], done.stderr[-6000:])
    return done.stdout


def test_the_install_lines_are_found_in_markdown():
    text = "\n".join([
        "## Java", "```bash", "pip install ./python  # not under a Python heading", "```",
        "### Python (PySpark)", "```python", "import meshgrad  # pip install ./python", "```",
        "```bash", "# Python comment, not a heading", "mvn -DskipTests package", "",
        "$ pip install pyspark==4.0.1 \\", "    ./python   # bundles the jar", "```",
    ])
    assert readme_python_install_lines(text) == [
        "mvn -DskipTests package", "pip install pyspark==4.0.1      ./python   # bundles the jar"]


@pytest.mark.fresh_venv
def test_the_readme_quickstart_runs_in_an_empty_venv(spark, tmp_path):
    from pyspark.ml import PipelineModel

    import meshgrad.ml  # noqa: F401  (PipelineModel.load of a meshgrad stage)

    readme = (REPO / "README.md").read_text()
    install = readme_python_install_lines(readme)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    try:
        env = fresh_environment(venv)
        python = str(venv / "bin" / "python")
        empty = run([python, "-c", "import importlib.util as u; print(u.find_spec('pyspark'), u.find_spec('numpy'))"],
                    env, 60)
        assert empty.split() == ["None", "None"], "the new venv is not empty: %s" % empty

        for command in install:
            if command.split()[0] == "mvn":
                # bin/python-tests builds the jar (mvn -DskipTests -pl spark-plugin package) before pytest
                assert JAR.is_file(), "%s: the jar is not built (%s)" % (command, JAR)
                continue
            run(["bash", "-c", command], env, 600)

        where = run([python, "-c", "import meshgrad; print(meshgrad.__file__); print(meshgrad.jar_path())"],
                    env, 60).split()
        assert all(Path(p).resolve().is_relative_to(venv.resolve()) for p in where), (
            "meshgrad or its jar is not the one installed in the venv: %s" % where)

        saved = tmp_path / "a9a-pipeline"
        example = tmp_path / "readme_example.py"
        code = readme_python_example()
        assert "/tmp/a9a-pipeline" in code
        example.write_text(code.replace("/tmp/a9a-pipeline", str(saved)))
        printed = run([python, str(example)], env, 600).strip().splitlines()[-1]
    finally:
        shutil.rmtree(venv, ignore_errors=True)

    # print(reloaded.stages[-1].coefficients, model.stages[-1].summary.lossHistory[-1])
    coefficients, last_loss = re.fullmatch(r"\[(.*)\] (\S+)", printed).groups()
    fitted = PipelineModel.load(str(saved)).stages[-1]
    assert [float(c) for c in coefficients.split(",")] == fitted.coefficients.toArray().tolist()
    assert fitted.numFeatures == 123
    assert 0 < float(last_loss) < 0.6931  # below the log loss of the zero weights it starts from, ln 2
