# Databricks notebook source
# MAGIC %md
# MAGIC # meshgrad from Python: Keras Adagrad in a PySpark ML pipeline
# MAGIC
# MAGIC Trains a logistic-regression model on **a9a** (UCI Adult, LIBSVM preprocessing; Kohavi 1996,
# MAGIC CC BY 4.0) with `meshgrad.ml.MeshAdagradClassifier`, evaluates it, looks at the loss curve, and
# MAGIC saves and reloads the fitted pipeline. The Scala version of this notebook is `meshgrad_a9a.scala`.
# MAGIC
# MAGIC **Setup:** the cluster needs both halves of meshgrad:
# MAGIC 1. the JVM side: Compute > your cluster > Libraries > Install new > Maven
# MAGIC    `io.meshgrad:meshgrad-spark:<version>`, or upload the jar built by `mvn -DskipTests package`;
# MAGIC 2. the Python side: upload the wheel built by `pip wheel --no-deps -w dist ./python` as a cluster
# MAGIC    library (Libraries > Install new > Python Whl), or run `%pip install <path to the wheel>`.
# MAGIC
# MAGIC Copy `data/a9a/a9a` and `data/a9a/a9a.t` to the folder named in the `data_dir` widget.
# MAGIC
# MAGIC **Paths:** both widgets are read and written through Spark (`spark.read`, `save`/`load`), which
# MAGIC want the DBFS URI form `dbfs:/FileStore/...`. The FUSE form `/dbfs/FileStore/...` is for
# MAGIC local-file APIs only (`%sh`, Python's `open`, `%pip install`).

# COMMAND ----------

dbutils.widgets.text("data_dir", "dbfs:/FileStore/meshgrad/a9a", "Folder holding a9a and a9a.t")
dbutils.widgets.text("model_dir", "dbfs:/FileStore/meshgrad/a9a-pipeline-python", "Where to save the fitted pipeline")
data_dir = dbutils.widgets.get("data_dir")
model_dir = dbutils.widgets.get("model_dir")

# COMMAND ----------

from pyspark.sql import functions as F


def load_a9a(file):
    """LIBSVM labels are -1/+1; the classifier wants 0/1."""
    return (spark.read.format("libsvm").option("numFeatures", "123").load(f"{data_dir}/{file}")
            .withColumn("label", F.when(F.col("label") > 0, 1.0).otherwise(0.0)))


train = load_a9a("a9a").cache()
test = load_a9a("a9a.t").cache()
display(train.limit(5))

# COMMAND ----------

from pyspark.ml import Pipeline, PipelineModel
from meshgrad.ml import MeshAdagradClassifier

# Adagrad as in Keras 2.13; full batch, 100 steps, data split over 2 partitions (the mesh's batch dimension).
# The same optimizer as a Keras config: MeshAdagradClassifier(optimizerConfig={"learning_rate": 0.5}, maxIter=100)
classifier = MeshAdagradClassifier(learningRate=0.5, maxIter=100, mesh="batch=2")
pipeline = Pipeline(stages=[classifier])
model = pipeline.fit(train)

# COMMAND ----------

from pyspark.ml.evaluation import BinaryClassificationEvaluator, MulticlassClassificationEvaluator

predictions = model.transform(test)
accuracy = MulticlassClassificationEvaluator(metricName="accuracy").evaluate(predictions)
auc = BinaryClassificationEvaluator(metricName="areaUnderROC").evaluate(predictions)
print(f"test accuracy {accuracy:.4f}, AUC {auc:.4f}")
assert accuracy >= 0.84, f"test accuracy {accuracy}"

# COMMAND ----------

# The loss of each step's batch at the weights before that step: display() draws it as a line chart,
# and matplotlib (when installed) as a figure.
summary = model.stages[-1].summary
loss_curve = spark.createDataFrame(list(enumerate(summary.lossHistory, start=1)), ["step", "loss"])
display(loss_curve)
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(range(1, len(summary.lossHistory) + 1), summary.lossHistory)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    display(fig)

# COMMAND ----------

model.write().overwrite().save(model_dir)
reloaded = PipelineModel.load(model_dir)
same = reloaded.transform(test).select("prediction").collect() == predictions.select("prediction").collect()
assert same, "the reloaded pipeline must predict exactly as the fitted one"
print(f"saved to {model_dir} and reloaded: identical predictions")

# COMMAND ----------

# Release the cached data sets.
train.unpersist()
test.unpersist()
