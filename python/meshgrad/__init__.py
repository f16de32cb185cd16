"""meshgrad for PySpark: Keras 2.13's Adagrad on Spark device meshes.

The stages are in :mod:`meshgrad.ml`; they need the meshgrad jar on the Spark classpath, which
:func:`jar_path` finds::

    from pyspark.sql import SparkSession
    import meshgrad
    spark = SparkSession.builder.config("spark.jars", meshgrad.jar_path()).getOrCreate()
"""

from meshgrad._jvm import JAR_ENV, JAR_NAME, JAR_VERSION, MeshgradJvmError, jar_path

__version__ = "0.1.0.dev0"

__all__ = ["jar_path", "MeshgradJvmError", "JAR_ENV", "JAR_NAME", "JAR_VERSION", "__version__"]
