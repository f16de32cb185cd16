"""Every Python Param of every wrapped stage against the Java stage's own params: the same names,
docs, defaults and value types. A Java param added without regenerating the Python params
(python/tools/generate_params.py), or a stage wrapped without its params, fails here."""

import pytest
from pyspark.ml.common import _java2py
from pyspark.ml.param import TypeConverters

from meshgrad.ml import STAGES
from meshgrad.ml._stage import SPECIAL_CONVERTERS

CONVERTER_OF_JAVA_TYPE = {
    "IntParam": TypeConverters.toInt,
    "LongParam": TypeConverters.toInt,
    "DoubleParam": TypeConverters.toFloat,
    "BooleanParam": TypeConverters.toBoolean,
    "StringArrayParam": TypeConverters.toListString,
    "DoubleArrayParam": TypeConverters.toListFloat,
    "IntArrayParam": TypeConverters.toListInt,
    "Param": TypeConverters.toString,
}

CLASSES = [cls for pair in STAGES for cls in pair]


def new_java_stage(jvm, java_class):
    obj = jvm
    for part in java_class.split("."):
        obj = getattr(obj, part)
    return obj()


def new_python_stage(jvm, cls):
    if hasattr(cls, "_create_model"):
        return cls()
    return cls(new_java_stage(jvm, cls._java_class))  # a model wraps an existing Java model


def declared_params(stage):
    """The Params the Python class declares (not those PySpark copied from the Java object)."""
    return {p.name: p for p in stage.params if not getattr(p, "created_from_java_param", False)}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_python_params_equal_java_params(spark, jvm, cls):
    java_stage = new_java_stage(jvm, cls._java_class)
    py_stage = new_python_stage(jvm, cls)
    java_params = {p.name(): p for p in java_stage.params()}
    py_params = declared_params(py_stage)

    assert sorted(py_params) == sorted(java_params), "param names differ from the Java stage"
    for name, jp in java_params.items():
        pp = py_params[name]
        assert pp.doc == jp.doc(), "doc of %s" % name
        assert py_stage.hasDefault(pp) == java_stage.hasDefault(jp), "has a default: %s" % name
        if java_stage.hasDefault(jp):
            java_default = _java2py(spark.sparkContext, java_stage.getDefault(jp).get())
            py_default = py_stage.getOrDefault(pp)
            assert py_default == java_default and type(py_default) is type(java_default), (
                "default of %s: Python %r, Java %r" % (name, py_default, java_default))
        java_type = jp.getClass().getSimpleName()
        expected = SPECIAL_CONVERTERS.get(name) or CONVERTER_OF_JAVA_TYPE[java_type]
        assert pp.typeConverter is expected, "type converter of %s (Java %s)" % (name, java_type)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_param_has_a_getter_and_estimators_a_setter(jvm, cls):
    py_stage = new_python_stage(jvm, cls)
    for name in declared_params(py_stage):
        cap = name[0].upper() + name[1:]
        assert callable(getattr(py_stage, "get" + cap, None)), "get%s" % cap
        if hasattr(cls, "_create_model"):
            assert callable(getattr(py_stage, "set" + cap, None)), "set%s" % cap


@pytest.mark.parametrize("cls", [pair[0] for pair in STAGES], ids=lambda c: c.__name__)
def test_explain_params_lists_every_param_with_its_doc(jvm, cls):
    text = cls().explainParams()
    for p in new_java_stage(jvm, cls._java_class).params():
        assert "%s: %s" % (p.name(), p.doc()) in text


@pytest.mark.parametrize("estimator,model", STAGES, ids=lambda c: c.__name__)
def test_python_defaults_reach_the_java_stage_unchanged(spark, jvm, estimator, model):
    """Fitting transfers the Python defaults to the Java object: they must be the Java ones."""
    py_stage = estimator()
    py_stage._transfer_params_to_java()
    fresh = new_java_stage(jvm, estimator._java_class)
    for jp in fresh.params():
        if fresh.hasDefault(jp):
            transferred = py_stage._java_obj.getDefault(py_stage._java_obj.getParam(jp.name())).get()
            # as Python values: str() of a Java array is its identity, not its elements
            got = _java2py(spark.sparkContext, transferred)
            expected = _java2py(spark.sparkContext, fresh.getDefault(jp).get())
            assert got == expected and type(got) is type(expected), jp.name()
