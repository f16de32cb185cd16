"""Trains a meshgrad model from PySpark and saves it: the Python counterpart of TrainApp.

    spark-submit --jars spark-plugin/target/meshgrad-spark-0.1.0-SNAPSHOT.jar \
      --py-files meshgrad-0.1.0.dev0-py3-none-any.whl \
      examples/pyspark/train.py --data data/a9a/a9a --test data/a9a/a9a.t --num-features 123 \
      --mesh batch=2 --steps 100 --learning-rate 0.5 --output /tmp/a9a-py

(``--py-files`` ships the meshgrad Python package, built with ``pip wheel --no-deps -w . ./python``,
to the driver and executors; where it is pip-installed already, leave it out.) Writes
``OUTPUT/model`` (a PipelineModel that Python, Scala and Java load) and ``OUTPUT/summary.json``.
"""

import argparse
import json
import os
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description="Train a meshgrad model from PySpark.")
    p.add_argument("--data", required=True, help="training data (LIBSVM format)")
    p.add_argument("--test", help="test data (LIBSVM format)")
    p.add_argument("--num-features", type=int, required=True)
    p.add_argument("--model", choices=["logistic", "multinomial", "hinge", "linear"], default="logistic")
    p.add_argument("--mesh", default=None, help="e.g. batch=4 or batch=4,model=2 (default: batch=<parallelism>)")
    p.add_argument("--steps", type=int, default=100, help="optimizer steps (maxIter)")
    p.add_argument("--batch-size", type=int, default=0, help="rows per step, 0 = full batch")
    p.add_argument("--learning-rate", type=float, default=0.5)
    p.add_argument("--optimizer", help="Keras Adagrad config: a JSON file or JSON text (wins over --learning-rate)")
    p.add_argument("--output", required=True, help="folder for model/ and summary.json")
    return p.parse_args(argv)


def load(spark, path, num_features, binary):
    from pyspark.sql import functions as F

    df = spark.read.format("libsvm").option("numFeatures", str(num_features)).load(path)
    if binary:  # LIBSVM's -1/+1 labels become 0/1
        df = df.withColumn("label", F.when(F.col("label") > 0, 1.0).otherwise(0.0))
    return df


def main(argv, spark):
    """Trains as the arguments say and returns the summary that it writes."""
    from pyspark.ml import Pipeline
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator, RegressionEvaluator

    from meshgrad.ml import MeshAdagradClassifier, MeshAdagradRegressor

    args = parse_args(argv)
    params = {"maxIter": args.steps, "batchSize": args.batch_size, "learningRate": args.learning_rate}
    if args.mesh:
        params["mesh"] = args.mesh
    if args.optimizer:
        text = args.optimizer
        if os.path.isfile(text):
            with open(text) as f:
                text = f.read()
        params["optimizerConfig"] = json.loads(text)
    if args.model == "linear":
        stage = MeshAdagradRegressor(**params)
    else:
        family = "multinomial" if args.model == "multinomial" else "auto"
        stage = MeshAdagradClassifier(family=family, loss="hinge" if args.model == "hinge" else "logistic", **params)
    binary = args.model in ("logistic", "hinge")
    train = load(spark, args.data, args.num_features, binary).cache()
    start = time.time()
    model = Pipeline(stages=[stage]).fit(train)
    fitted = model.stages[-1]
    summary = {
        "model": args.model,
        "steps": fitted.summary.totalIterations,
        "lossHistory": fitted.summary.lossHistory,
        "wallSeconds": time.time() - start,
    }
    if args.test:
        test = load(spark, args.test, args.num_features, binary)
        predictions = model.transform(test)
        if args.model == "linear":
            summary["testRmse"] = RegressionEvaluator(metricName="rmse").evaluate(predictions)
        else:
            summary["testAccuracy"] = MulticlassClassificationEvaluator(metricName="accuracy").evaluate(predictions)
    model.write().overwrite().save(os.path.join(args.output, "model"))
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    train.unpersist()
    shown = {k: v for k, v in summary.items() if k != "lossHistory"}
    print("trained: %s; model and summary.json in %s" % (json.dumps(shown), args.output))
    return summary


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("meshgrad-pyspark-train").getOrCreate()
    try:
        main(sys.argv[1:], session)
    finally:
        session.stop()
