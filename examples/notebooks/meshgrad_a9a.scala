// Databricks notebook source
// MAGIC %md
// MAGIC # meshgrad: Keras Adagrad in a Spark ML pipeline
// MAGIC
// MAGIC Trains a logistic-regression model on **a9a** (UCI Adult, LIBSVM preprocessing; Kohavi 1996,
// MAGIC CC BY 4.0) with `MeshAdagradClassifier`, evaluates it, shows the loss curve, and saves and
// MAGIC reloads the fitted pipeline.
// MAGIC
// MAGIC **Setup:** attach the `meshgrad-spark` jar to the cluster (Compute > your cluster > Libraries >
// MAGIC Install new > Maven `io.meshgrad:meshgrad-spark:<version>`, or upload the jar built by
// MAGIC `mvn -DskipTests package`), and copy `data/a9a/a9a` and `data/a9a/a9a.t` to the folder named
// MAGIC in the `data_dir` widget.
// MAGIC
// MAGIC **Paths:** both widgets are read and written through Spark (`spark.read`, `save`/`load`), which
// MAGIC want the DBFS URI form `dbfs:/FileStore/...`. The FUSE form `/dbfs/FileStore/...` is for
// MAGIC local-file APIs only (`%sh`, `java.io.File`, Python's `open`); `spark.read` would look for it
// MAGIC on the cluster's local disk.

// COMMAND ----------

dbutils.widgets.text("data_dir", "dbfs:/FileStore/meshgrad/a9a", "Folder holding a9a and a9a.t")
dbutils.widgets.text("model_dir", "dbfs:/FileStore/meshgrad/a9a-pipeline", "Where to save the fitted pipeline")
val dataDir = dbutils.widgets.get("data_dir")
val modelDir = dbutils.widgets.get("model_dir")

// COMMAND ----------

import org.apache.spark.sql.functions.{col, when}

// LIBSVM labels are -1/+1; the classifier wants 0/1.
def loadA9a(file: String) = spark.read.format("libsvm").option("numFeatures", "123").load(s"$dataDir/$file")
  .withColumn("label", when(col("label") > 0, 1.0).otherwise(0.0))

val train = loadA9a("a9a").cache()
val test = loadA9a("a9a.t").cache()
display(train.limit(5))

// COMMAND ----------

import org.apache.spark.ml.{Pipeline, PipelineModel}
import io.meshgrad.ml.{MeshAdagradClassificationModel, MeshAdagradClassifier}

// Adagrad as in Keras 2.13 with the stages' defaults (learning rate 0.5, full batch, at most 100 steps,
// tol 1e-6); the data split over 2 partitions (the mesh's batch dimension).
val classifier = new MeshAdagradClassifier()
  .setMesh("batch=2")
val pipeline = new Pipeline().setStages(Array(classifier))
val model = pipeline.fit(train)

// COMMAND ----------

// evaluate gives MLlib's summary names: accuracy, per-label precision/recall/F, areaUnderROC, roc, pr.
val fitted = model.stages.last.asInstanceOf[MeshAdagradClassificationModel]
val evaluation = fitted.evaluate(test).asBinary
val accuracy = evaluation.accuracy
println(f"test accuracy $accuracy%.4f, AUC ${evaluation.areaUnderROC}%.4f, recall by label ${evaluation.recallByLabel.mkString(", ")}")
assert(accuracy >= 0.84, s"test accuracy $accuracy")
val predictions = model.transform(test)

// COMMAND ----------

// The loss of each step's batch at the weights before that step: display() draws it as a line chart.
val summary = fitted.summary
val lossCurve = summary.lossHistory.zipWithIndex.map { case (loss, i) => (i + 1, loss) }.toSeq.toDF("step", "loss")
display(lossCurve)

// COMMAND ----------

model.write.overwrite().save(modelDir)
val reloaded = PipelineModel.load(modelDir)
val same = reloaded.transform(test).select("prediction").collect().sameElements(predictions.select("prediction").collect())
assert(same, "the reloaded pipeline must predict exactly as the fitted one")
println(s"saved to $modelDir and reloaded: identical predictions")

// COMMAND ----------

// Release the cached data sets.
train.unpersist()
test.unpersist()
