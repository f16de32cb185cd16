"""Writes meshgrad/ml/_params.py: the Python Params of the meshgrad stages, read from the Java
stages themselves (names, docs, defaults, types), so that the two sides cannot drift apart.

Run it after adding or changing a Java param (the jar must be built, PySpark installed):

    python python/tools/generate_params.py          # rewrites python/meshgrad/ml/_params.py
    python python/tools/generate_params.py --check  # exits 1 when the file is out of date

Each param that the families share is written once, in a shared mixin (``_SharedParams``,
``_SharedClassifierParams``); each family's mixin (``_MeshFMParams``, ...) has that family's own
params, and its setters class (``_MeshFMSetters``) the setters. A new Java stage with new params
gets a MIXINS entry below; tests/test_params_match_java.py fails for any stage whose Python params
differ from its Java params.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from meshgrad._jvm import jar_path  # noqa: E402

OUTPUT = HERE.parent / "meshgrad" / "ml" / "_params.py"


def _stage():
    """meshgrad/ml/_stage.py, loaded without the meshgrad.ml package: its __init__ imports the
    stage modules, which import the mixins of _params.py that a new stage's entry below is about
    to create."""
    import importlib.util

    name = "meshgrad_generate_params_stage"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE.parent / "meshgrad" / "ml" / "_stage.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]

#: Params that PySpark's own base classes (_JavaPredictor, _JavaProbabilisticClassifier) declare.
PREDICTOR = ("featuresCol", "labelCol", "predictionCol")
PROBABILISTIC_CLASSIFIER = PREDICTOR + ("rawPredictionCol", "probabilityCol", "thresholds")


#: (mixin, Java class whose params it takes, base mixin, shared mixin, params whose getters and
#: setters PySpark's base classes have). A stage class lists its params mixin before PySpark's
#: classes. The params that every entry naming a shared mixin has beyond its base, with the same
#: doc and type, are declared once, in the shared mixin (``_SharedParams``: the Adagrad, mesh,
#: checkpoint and column params of every family; ``_SharedClassifierParams``: the classifiers'
#: probability columns and thresholds); the entry's own mixin declares the rest (a param whose doc
#: differs between families is declared in each family's mixin) and sets the defaults its Java
#: stage has beyond those its bases set.
MIXINS = [
    ("_MeshAdagradParams", "io.meshgrad.ml.MeshAdagradRegressor", None, "_SharedParams", PREDICTOR),
    ("_MeshAdagradClassifierParams", "io.meshgrad.ml.MeshAdagradClassifier", "_MeshAdagradParams",
     "_SharedClassifierParams", PROBABILISTIC_CLASSIFIER),
    ("_MeshFMParams", "io.meshgrad.ml.MeshFMRegressor", None, "_SharedParams", PREDICTOR),
    ("_MeshFMClassifierParams", "io.meshgrad.ml.MeshFMClassifier", "_MeshFMParams", "_SharedClassifierParams",
     PROBABILISTIC_CLASSIFIER),
    ("_MeshMLPParams", "io.meshgrad.ml.MeshMLPRegressor", None, "_SharedParams", PREDICTOR),
    ("_MeshMLPClassifierParams", "io.meshgrad.ml.MeshMLPClassifier", "_MeshMLPParams", "_SharedClassifierParams",
     PROBABILISTIC_CLASSIFIER),
]

#: Docstrings of the shared mixins.
SHARED_DOCS = {
    "_SharedParams": "The params that every meshgrad stage has, with the same Java doc and type: declared"
                     " once here, with the defaults that every family shares.",
    "_SharedClassifierParams": "The params that every meshgrad classifier has beyond those of its family,"
                               " with the same Java doc and type: declared once here.",
}

#: Stands for the default seed of a Java stage, the hash of its own class name (different in every
#: stage, the same rule everywhere).
SEED_FROM_CLASS = object()

CONVERTERS = {
    "IntParam": ("TypeConverters.toInt", "int"),
    "LongParam": ("TypeConverters.toInt", "int"),
    "DoubleParam": ("TypeConverters.toFloat", "float"),
    "BooleanParam": ("TypeConverters.toBoolean", "bool"),
    "Param": ("TypeConverters.toString", "str"),
    "StringArrayParam": ("TypeConverters.toListString", "List[str]"),
    "DoubleArrayParam": ("TypeConverters.toListFloat", "List[float]"),
    "IntArrayParam": ("TypeConverters.toListInt", "List[int]"),
}


def converter_of(java_param) -> tuple:
    """The Python type converter (as source text) and value type for a Java param."""
    stage = _stage()
    special = stage.SPECIAL_CONVERTERS.get(java_param.name())
    if special is stage.to_json_string:
        return "to_json_string", "str"
    if special is not None:
        return "TypeConverters.%s" % special.__name__, "Any"
    return CONVERTERS[java_param.getClass().getSimpleName()]


def takes_a_dict(name) -> bool:
    stage = _stage()
    return stage.SPECIAL_CONVERTERS.get(name) is stage.to_json_string


class _JavaParam:
    """What the generator needs of one Java param: name, doc, type, and default (or none)."""

    NO_DEFAULT = object()

    def __init__(self, java_param, default):
        self.name = java_param.name()
        self.doc = java_param.doc()
        self.converter, self.type = converter_of(java_param)
        self.default = default

    def declaration(self):
        """What must be equal for two stages to share one Python declaration of the param."""
        return self.doc, self.converter, self.type


class _Mixin:
    """One generated params mixin: the params it declares, the defaults it sets, and the params
    that get a getter here and a setter in its setters class."""

    def __init__(self, name, bases, doc, provided):
        self.name, self.bases, self.doc, self.provided = name, bases, doc, provided
        self.params = []
        self.defaults = {}

    @property
    def setters(self):
        return self.name[:-len("Params")] + "Setters"

    def accessed(self):
        return [p for p in self.params if p.name not in self.provided]


def java_params(jvm, sc, java_class):
    """The params of a new Java stage, in its order (by name), with their defaults."""
    from pyspark.ml.common import _java2py

    obj = jvm
    for part in java_class.split("."):
        obj = getattr(obj, part)
    stage = obj()
    params = []
    for p in stage.params():
        default = _JavaParam.NO_DEFAULT
        if stage.hasDefault(p):
            default = _java2py(sc, stage.getDefault(p).get())
            if p.name() == "seed" and default == java_hash(java_class):
                default = SEED_FROM_CLASS
        params.append(_JavaParam(p, default))
    return params


def plan(jvm, sc) -> list:
    """The mixins to write, shared ones first: which params each declares and which defaults it
    sets, from the Java stages of MIXINS."""
    own = {}        # entry mixin -> its Java stage's params beyond those of its base mixin
    all_of = {}     # entry mixin -> every param of its Java stage, by name
    for mixin, java_class, base, shared, provided in MIXINS:
        params = java_params(jvm, sc, java_class)
        all_of[mixin] = {p.name: p for p in params}
        missing = sorted(set(all_of.get(base, ())) - set(all_of[mixin]))
        if missing:
            raise ValueError("%s lacks params %s of its base mixin %s: give %s base None"
                             % (java_class, ", ".join(missing), base, mixin))
        own[mixin] = [p for p in params if p.name not in all_of.get(base, {})]

    mixins = {}
    order = []
    for shared in dict.fromkeys(entry[3] for entry in MIXINS):
        members = [entry for entry in MIXINS if entry[3] == shared]
        provided = {entry[4] for entry in members}
        if len(provided) != 1:
            raise ValueError("the entries naming %s differ in the params PySpark provides" % shared)
        mixin = _Mixin(shared, ["Params"], SHARED_DOCS[shared], members[0][4])
        first = own[members[0][0]]
        for p in first:
            same = [next((q for q in own[m[0]] if q.name == p.name), None) for m in members]
            if all(q is not None and q.declaration() == p.declaration() for q in same):
                mixin.params.append(p)
                if p.default is not _JavaParam.NO_DEFAULT and all(_same(q.default, p.default) for q in same):
                    mixin.defaults[p.name] = p.default
        mixins[shared] = mixin
        order.append(shared)

    for name, java_class, base, shared, provided in MIXINS:
        bases = [base, shared] if base else [shared]
        simple = java_class.rsplit(".", 1)[1]
        declared_above = {p.name for p in mixins[shared].params}
        mixin = _Mixin(name, bases, "", provided)
        mixin.params = [p for p in own[name] if p.name not in declared_above]
        if mixin.params:
            mixin.doc = "The params of %s and its model beyond those of %s, with the Java docs and defaults." % (
                simple, " and ".join(bases))
        else:
            mixin.doc = "%s and its model have no params beyond those of %s." % (simple, " and ".join(bases))
        inherited = {}
        for b in bases:
            inherited.update(_effective_defaults(mixins, b))
        for p in all_of[name].values():
            if p.default is _JavaParam.NO_DEFAULT:
                if p.name in inherited:
                    raise ValueError("%s has no default for %s, which %s gives one" % (java_class, p.name, bases))
            elif p.name not in inherited or not _same(inherited[p.name], p.default):
                mixin.defaults[p.name] = p.default
        mixins[name] = mixin
        order.append(name)
    return [mixins[n] for n in order]


def _same(a, b) -> bool:
    return a is b or (a is not SEED_FROM_CLASS and b is not SEED_FROM_CLASS and a == b and type(a) is type(b))


def _effective_defaults(mixins, name) -> dict:
    """The defaults that an instance of mixin ``name`` has: its bases' then its own."""
    if name == "Params":
        return {}
    result = {}
    for b in mixins[name].bases:
        result.update(_effective_defaults(mixins, b))
    result.update(mixins[name].defaults)
    return result


def generate(jvm) -> str:
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    out = [
        '"""The Params of the meshgrad stages. GENERATED by python/tools/generate_params.py from the',
        "Java stages: do not edit; change the Java param and run the generator.",
        "",
    ] + textwrap.wrap(
        "The params that the families share are declared once, in %s; each family's mixin declares"
        " its own params only." % " and ".join("``%s``" % n for n in dict.fromkeys(e[3] for e in MIXINS)),
        width=100,
    ) + [
        '"""',
        "",
        "from typing import Any, List",
        "",
        "from pyspark.ml.param import Param, Params, TypeConverters",
        "",
        "from meshgrad.ml._stage import to_json_string",
        "",
    ]
    mixins = plan(jvm, sc)
    shared_names = {entry[3] for entry in MIXINS}
    setter_classes = set()
    for mixin in mixins:
        out += ["", "class %s(%s):" % (mixin.name, ", ".join(mixin.bases))] + docstring(mixin.doc)
        for p in mixin.params:
            out += [
                "",
                "    %s: \"Param[%s]\" = Param(" % (p.name, p.type),
                "        Params._dummy(),",
                "        %r," % p.name,
                "        %r," % p.doc,
                "        typeConverter=%s," % p.converter,
                "    )",
            ]
        defaults = ["%s=%r" % (n, v) for n, v in sorted(mixin.defaults.items()) if v is not SEED_FROM_CLASS]
        seed_from_class = any(v is SEED_FROM_CLASS for v in mixin.defaults.values())
        if defaults or seed_from_class:
            out += ["", "    def __init__(self, *args: Any) -> None:", "        super().__init__(*args)"]
            if defaults:
                out.append("        self._setDefault(%s)" % ", ".join(defaults))
            if seed_from_class:
                out.append("        # as the Java stages: the hash of the Java class name")
                out.append("        self._setDefault(seed=self._java_seed_default())")
        for p in mixin.accessed():
            cap = p.name[0].upper() + p.name[1:]
            out += [
                "",
                "    def get%s(self) -> %s:" % (cap, repr(p.type) if "[" in p.type else p.type),
                '        """The value (or default) of %s."""' % p.name,
                "        return self.getOrDefault(self.%s)" % p.name,
            ]
        if mixin.name in shared_names and not mixin.accessed():
            out.append("")
            continue  # a shared mixin without setters has no setters class
        # a setters class takes those of its shared mixin; a classifier stage lists its family's
        # setters next to its own, as the Java stages' setters interfaces are separate too
        setter_bases = [b[:-len("Params")] + "Setters" for b in mixin.bases
                        if b in shared_names and b[:-len("Params")] + "Setters" in setter_classes]
        setter_classes.add(mixin.setters)
        if mixin.accessed():
            doc = "Setters of the %s params (estimators only)." % mixin.name
        elif setter_bases:
            doc = "Setters of the %s params (estimators only): those of %s." % (mixin.name, ", ".join(setter_bases))
        else:
            doc = "Setters of the %s params (estimators only): none beyond those PySpark has." % mixin.name
        out += ["", "", "class %s%s:" % (mixin.setters, "(%s)" % ", ".join(setter_bases) if setter_bases else "")]
        out += docstring(doc)
        for p in mixin.accessed():
            cap = p.name[0].upper() + p.name[1:]
            arg = "Any" if takes_a_dict(p.name) else p.type
            out += [
                "",
                "    def set%s(self, value: %s) -> Any:" % (cap, repr(arg) if "[" in arg else arg),
                '        """Sets %s%s."""' % (p.name, " (a dict in Keras key names, or JSON)" if takes_a_dict(p.name) else ""),
                "        return self._set(%s=value)" % p.name,
            ]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def docstring(text: str) -> list:
    """The lines of a class docstring of ``text``, wrapped at 100 characters."""
    return textwrap.wrap('"""%s"""' % text, width=100, initial_indent="    ", subsequent_indent="    ")


def java_hash(text: str) -> int:
    return _stage().java_string_hash(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args()
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[1]").appName("generate_params")
             .config("spark.jars", jar_path()).config("spark.ui.enabled", "false").getOrCreate())
    try:
        text = generate(spark.sparkContext._jvm)
    finally:
        spark.stop()
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print("%s is out of date: run python/tools/generate_params.py" % OUTPUT)
            return 1
        print("%s is up to date" % OUTPUT)
        return 0
    OUTPUT.write_text(text)
    print("wrote %s" % OUTPUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
