"""meshgrad/ml/_params.py is what python/tools/generate_params.py writes from the Java stages now
(not edited by hand, not stale), and it declares each param once: the params that the families
share are in the shared mixins, each family's mixin has only its own."""

import ast
import importlib.util
import sys
from collections import Counter
from pathlib import Path

PYTHON = Path(__file__).resolve().parents[1]
PARAMS_FILE = PYTHON / "meshgrad" / "ml" / "_params.py"


def load_generator():
    path = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location("generate_params", PYTHON / "tools" / "generate_params.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = path  # the generator puts python/ first, for running it from a clone


def declarations(source):
    """(class, param) of every ``name: "Param[...]" = Param(...)`` in ``source``."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if (isinstance(item, ast.AnnAssign) and isinstance(item.value, ast.Call)
                        and getattr(item.value.func, "id", None) == "Param"):
                    found.append((node.name, item.target.id))
    return found


def test_the_params_file_is_what_the_generator_writes(jvm):
    assert load_generator().generate(jvm) == PARAMS_FILE.read_text(), (
        "python/meshgrad/ml/_params.py is out of date: run python/tools/generate_params.py")


def test_each_param_is_declared_once():
    declared = declarations(PARAMS_FILE.read_text())
    twice = sorted(name for name, n in Counter(name for _, name in declared).items() if n > 1)
    assert twice == [], "declared in more than one mixin: %s" % twice
    shared = {name for cls, name in declared if cls == "_SharedParams"}
    assert {"aggregationDepth", "learningRate", "mesh", "seed"} <= shared
    assert ("_MeshFMParams", "factorSize") in declared and ("_MeshMLPParams", "layers") in declared
