package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Params: names, defaults, validation messages, Spark conf defaults, and what each param does. */
class ParamsTest {

  private static Dataset<Row> data() {
    return MlData.frame(List.of(Vectors.dense(1, 0, 2), Vectors.dense(-1, 1, 0), Vectors.dense(0, 0, -1),
        Vectors.dense(2, 2, 1), Vectors.dense(-2, 0, -1), Vectors.dense(0.5, -1, 1)),
        new double[] {1, 0, 0, 1, 0, 1});
  }

  private static void assertRejected(Executable set, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, set);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should contain '" + f + "'");
    }
  }

  @Test
  void explainParamsListsEveryParamWithItsDefault() {
    String text = new MeshAdagradClassifier().explainParams();
    for (String name : List.of("featuresCol", "labelCol", "weightCol", "predictionCol", "probabilityCol",
        "rawPredictionCol", "thresholds", "maxIter", "tol", "regParam", "fitIntercept", "aggregationDepth",
        "checkpointInterval", "seed", "learningRate", "learningRateSchedule", "initialAccumulatorValue", "epsilon",
        "weightDecay", "clipNorm", "clipValue", "globalClipNorm", "useEma", "emaMomentum", "emaOverwriteFrequency",
        "optimizerConfig", "mesh", "batchSize", "maxEpochs", "dtype", "validationIndicatorCol", "elasticNetParam", "threshold",
        "earlyStoppingPatience", "validationTol", "onNonFiniteGradient", "family", "loss")) {
      assertTrue(text.contains("\n" + name + ": ") || text.startsWith(name + ": "), name + " in\n" + text);
    }
    assertTrue(text.contains("maxIter: maximum number of optimizer steps (>= 0)"), text);
    assertTrue(text.contains("(default: 0.5)"), text);
    assertTrue(text.contains("(default: error)"), text);
    String reg = new MeshAdagradRegressor().explainParams();
    assertFalse(reg.contains("\nfamily: "), reg);
    assertFalse(reg.contains("probabilityCol"), reg);
  }

  @Test
  void invalidValuesNameTheParamAndTheAllowedValues() {
    MeshAdagradClassifier c = new MeshAdagradClassifier();
    assertRejected(() -> c.setMaxIter(-1), "maxIter must be an integer >= 0, got -1");
    assertRejected(() -> c.setAggregationDepth(1), "aggregationDepth must be an integer >= 2, got 1");
    assertRejected(() -> c.setCheckpointInterval(0), "checkpointInterval must be -1 (never) or an integer >= 1");
    assertRejected(() -> c.setLearningRate(0), "learningRate must be a finite number > 0, got 0.0");
    assertRejected(() -> c.setLearningRate(Double.NaN), "learningRate", "NaN");
    assertRejected(() -> c.setRegParam(-0.1), "regParam must be a finite number >= 0");
    assertRejected(() -> c.setEmaMomentum(1.5), "emaMomentum must be a number in [0, 1], got 1.5");
    assertRejected(() -> c.setOnNonFiniteGradient("explode"),
        "onNonFiniteGradient must be one of error, skip, propagate, got 'explode'");
    assertRejected(() -> c.setDtype("float16"), "dtype must be one of float32, float64, got 'float16'");
    assertRejected(() -> c.setFamily("poisson"), "family must be one of auto, binomial, multinomial, got 'poisson'");
    assertRejected(() -> c.setLoss("squared"), "loss must be one of logistic, hinge, got 'squared'");
    assertRejected(() -> c.setMesh("batch=two"), "mesh must be a mesh such as 'batch=4,model=2', got 'batch=two'");
    assertRejected(() -> c.setLearningRateSchedule("{oops"), "learningRateSchedule", "not valid JSON");
    assertRejected(() -> c.setLearningRateSchedule("{\"class_name\": \"NoSuchDecay\", \"config\": {}}"),
        "learningRateSchedule", "NoSuchDecay");
    assertRejected(() -> c.setOptimizerConfig("{\"learning_rate\": 0.1, \"momentum\": 0.9}"),
        "optimizerConfig", "momentum");
    // the same checks run when the value arrives through a ParamMap, as CrossValidator passes it
    assertRejected(() -> c.fit(data(), new ParamMap().put(c.maxIter(), -5)), "maxIter must be an integer >= 0");
    // case-insensitive choices, as Spark's family
    assertEquals("multinomial", c.setFamily("Multinomial").getFamily());
    assertEquals("skip", c.setOnNonFiniteGradient("SKIP").getOnNonFiniteGradient());
  }

  @Test
  void conflictingParamsFailAtFit() {
    assertRejected(() -> new MeshAdagradClassifier().setClipNorm(1.0).setClipValue(0.5).fit(data()),
        "at most one of clipNorm, clipValue and globalClipNorm", "clipNorm=1.0", "clipValue=0.5");
    Dataset<Row> threeClasses = MlData.frame(List.of(Vectors.dense(1), Vectors.dense(2), Vectors.dense(3)),
        new double[] {0, 1, 2});
    assertRejected(() -> new MeshAdagradClassifier().setLoss("hinge").fit(threeClasses), "loss=hinge", "3 classes");
    assertRejected(() -> new MeshAdagradClassifier().setFamily("binomial").fit(threeClasses), "family=binomial");
    assertRejected(() -> new MeshAdagradClassifier().fit(MlData.frame(List.of(Vectors.dense(1), Vectors.dense(2)),
        new double[] {0, 1.5})), "class indices", "1.5");
    Dataset<Row> withStringWeight = data().withColumn("w", functions.lit("heavy"));
    assertRejected(() -> new MeshAdagradClassifier().setWeightCol("w").fit(withStringWeight),
        "weightCol 'w' must be of numeric type, got string");
    assertRejected(() -> new MeshAdagradClassifier().setValidationIndicatorCol("nope").fit(data()),
        "validationIndicatorCol 'nope' does not exist");
    assertRejected(() -> new MeshAdagradRegressor().setMesh("batch=7").fit(data()), "numPartitions", "6 rows");
  }

  @Test
  void sparkConfGivesDefaultsToUnsetParams() {
    RuntimeConfig conf = MlData.spark().conf();
    try {
      conf.set("spark.meshgrad.maxIter", "7");
      conf.set("spark.meshgrad.learningRate", "0.3");
      conf.set("spark.meshgrad.dtype", "float64");
      MeshAdagradClassificationModel model = new MeshAdagradClassifier().fit(data());
      assertEquals(7, model.summary().steps());
      assertEquals(0.3, model.getLearningRate());
      assertEquals("float64", model.getDtype());
      // an explicitly set param wins over the conf
      assertEquals(3, new MeshAdagradClassifier().setMaxIter(3).fit(data()).summary().steps());
      // the estimator itself is left alone
      MeshAdagradRegressor reg = new MeshAdagradRegressor();
      reg.fit(data());
      assertFalse(reg.isSet(reg.maxIter()));
      conf.set("spark.meshgrad.maxIter", "-2");
      assertRejected(() -> new MeshAdagradRegressor().fit(data()), "spark.meshgrad.maxIter",
          "maxIter must be an integer >= 0, got -2");
      conf.set("spark.meshgrad.maxIter", "many");
      assertRejected(() -> new MeshAdagradRegressor().fit(data()), "spark.meshgrad.maxIter must be an integer");
    } finally {
      conf.unset("spark.meshgrad.maxIter");
      conf.unset("spark.meshgrad.learningRate");
      conf.unset("spark.meshgrad.dtype");
    }
  }

  @Test
  void copyKeepsUidAndEveryParam() {
    MeshAdagradClassifier c = new MeshAdagradClassifier().setInitialAccumulatorValue(0.3).setEpsilon(1e-5)
        .setWeightDecay(0.01).setUseEma(true).setEmaMomentum(0.9).setMaxEpochs(3).setBatchSize(2);
    MeshAdagradClassifier copy = c.copy(new ParamMap().put(c.maxIter(), 9));
    assertEquals(c.uid(), copy.uid());
    for (Param<?> p : c.params()) {
      if (!p.name().equals("maxIter")) {
        assertEquals(c.isSet(p), copy.isSet(copy.getParam(p.name())), p.name());
        if (c.isDefined(p)) {
          assertEquals(c.getOrDefault(p), copy.getOrDefault(copy.getParam(p.name())), p.name());
        }
      }
    }
    assertEquals(9, copy.getMaxIter());
    assertEquals(100, c.getMaxIter());
    assertEquals(MeshgradParams.ParamSet.DEFAULT_LEARNING_RATE, c.getLearningRate());
  }

  @Test
  void optimizerConfigWinsOverTheIndividualParams() {
    MeshAdagradClassificationModel direct = new MeshAdagradClassifier().setLearningRate(0.5)
        .setInitialAccumulatorValue(0.2).setMaxIter(5).fit(data());
    MeshAdagradClassificationModel fromConfig = new MeshAdagradClassifier().setLearningRate(1e-6).setClipValue(1e-9)
        .setOptimizerConfig("{\"class_name\": \"Adagrad\", \"config\": {\"learning_rate\": 0.5,"
            + " \"initial_accumulator_value\": 0.2}}")
        .setMaxIter(5).fit(data());
    assertEquals(direct.coefficients(), fromConfig.coefficients());
    MeshAdagradClassificationModel scheduled = new MeshAdagradClassifier().setLearningRate(1e-6)
        .setInitialAccumulatorValue(0.2).setLearningRateSchedule("{\"class_name\": \"ExponentialDecay\","
            + " \"config\": {\"initial_learning_rate\": 0.5, \"decay_steps\": 10, \"decay_rate\": 1.0}}")
        .setMaxIter(5).fit(data());
    assertArrayEquals(direct.coefficients().toArray(), scheduled.coefficients().toArray(), 1e-6);
  }

  @Test
  void trainingParamsReachTheTrainer() {
    MeshAdagradClassifier base = new MeshAdagradClassifier().setLearningRate(0.3).setMaxIter(4);
    // 6 rows in batches of 2: 3 steps per epoch
    MeshgradTrainingSummary s = base.copy(ParamMap.empty()).setMaxIter(20).setBatchSize(2).setMaxEpochs(2)
        .fit(data()).summary();
    assertEquals(6, s.steps());
    assertEquals(2, s.epochs());
    assertTrue(base.copy(ParamMap.empty()).setTol(0.5).fit(data()).summary().steps() < 4);
    double[] plain = base.fit(data()).coefficients().toArray();
    for (MeshAdagradClassifier variant : List.of(base.copy(ParamMap.empty()).setUseEma(true).setEmaMomentum(0.5),
        base.copy(ParamMap.empty()).setWeightDecay(0.5), base.copy(ParamMap.empty()).setRegParam(0.5),
        base.copy(ParamMap.empty()).setInitialAccumulatorValue(1.0), base.copy(ParamMap.empty()).setEpsilon(1.0),
        base.copy(ParamMap.empty()).setClipValue(0.01), base.copy(ParamMap.empty()).setFitIntercept(false))) {
      double[] other = variant.fit(data()).coefficients().toArray();
      assertFalse(Arrays.equals(plain, other), "changing a param changes the model: " + variant.extractParamMap());
    }
    assertEquals(0.0, base.copy(ParamMap.empty()).setFitIntercept(false).fit(data()).intercept());
  }

  @Test
  void rowWeightsCountLikeRepeatedRows() {
    Dataset<Row> twice = MlData.frame(List.of(Vectors.dense(1, 2), Vectors.dense(1, 2), Vectors.dense(-1, 0),
        Vectors.dense(0, 1)), new double[] {1, 1, 0, 0});
    Dataset<Row> weighted = MlData.frame(List.of(Vectors.dense(1, 2), Vectors.dense(-1, 0), Vectors.dense(0, 1)),
        new double[] {1, 0, 0}).withColumn("w", functions.when(functions.col("label").equalTo(1), 2.0)
        .otherwise(1.0));
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setLearningRate(0.3).setMaxIter(10).setDtype("float64")
        .setMesh("batch=1");
    double[] a = clf.fit(twice).coefficients().toArray();
    double[] b = clf.copy(ParamMap.empty()).setWeightCol("w").fit(weighted).coefficients().toArray();
    assertArrayEquals(a, b, 1e-12);
  }

  @Test
  void singleRowApiMatchesTheWeights() {
    Dataset<Row> three = MlData.frame(List.of(Vectors.dense(1, 0), Vectors.dense(0, 1), Vectors.dense(-1, -1),
        Vectors.dense(2, 0)), new double[] {0, 1, 2, 0});
    MeshAdagradClassificationModel m = new MeshAdagradClassifier().setLearningRate(0.5).setMaxIter(3).fit(three);
    Matrix w = m.coefficientMatrix();
    Vector b = m.interceptVector();
    Vector x = Vectors.dense(0.5, -2);
    Vector raw = m.predictRaw(x);
    for (int k = 0; k < 3; k++) {
      assertEquals(w.apply(k, 0) * 0.5 + w.apply(k, 1) * -2 + b.apply(k), raw.apply(k), 1e-12);
    }
    assertEquals(raw.argmax(), (int) m.predict(x));
    Vector p = m.predictProbability(x);
    assertEquals(1.0, p.toArray()[0] + p.toArray()[1] + p.toArray()[2], 1e-12);
    assertRejected(() -> m.predictRaw(Vectors.dense(1, 2, 3)), "size 3", "trained on 2 features");
    assertTrue(p instanceof DenseVector);

    MeshAdagradRegressionModel r = new MeshAdagradRegressor().setFitIntercept(false).setMaxIter(3).fit(three);
    assertEquals(0.0, r.intercept());
    assertEquals(r.coefficients().dot(x), r.predict(x), 1e-12);
  }
}
