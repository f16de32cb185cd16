package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save and load of the four stages, and the failures a damaged or foreign directory must give. */
class PersistenceTest {
  @TempDir
  Path tmp;

  private static Dataset<Row> binaryData() {
    return MlData.frame(List.of(Vectors.dense(1, 0, 2), Vectors.dense(-1, 1, 0), Vectors.sparse(3, new int[] {2},
        new double[] {-1}), Vectors.dense(2, 2, 1), Vectors.dense(-2, 0, -1), Vectors.dense(0.5, -1, 1)),
        new double[] {1, 0, 0, 1, 0, 1});
  }

  private static Dataset<Row> threeClassData() {
    return MlData.frame(List.of(Vectors.dense(1, 0), Vectors.dense(0, 1), Vectors.dense(-1, -1),
        Vectors.dense(2, 0), Vectors.dense(0, 2), Vectors.dense(-2, -1)), new double[] {0, 1, 2, 0, 1, 2});
  }

  private String path(String name) {
    return tmp.resolve(name).toString();
  }

  /** Every param: same set/default state and value (arrays by content). */
  private static void assertSameParams(Params expected, Params actual) {
    assertEquals(expected.uid(), actual.uid());
    assertEquals(expected.params().length, actual.params().length);
    for (Param<?> p : expected.params()) {
      Param<Object> q = actual.getParam(p.name());
      assertEquals(expected.isSet(p), actual.isSet(q), "isSet " + p.name());
      assertEquals(expected.isDefined(p), actual.isDefined(q), "isDefined " + p.name());
      if (expected.isDefined(p)) {
        Object a = expected.getOrDefault(p);
        Object b = actual.getOrDefault(q);
        if (a instanceof double[] x) {
          assertArrayEquals(x, (double[]) b, p.name());
        } else {
          assertEquals(a, b, p.name());
        }
      }
    }
  }

  @Test
  void estimatorsKeepTheirParams() throws IOException {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setLearningRate(0.25).setMaxIter(7).setRegParam(0.01)
        .setFamily("multinomial").setMesh("batch=2,model=2").setDtype("float64").setClipNorm(2.0)
        .setOnNonFiniteGradient("skip").setWeightCol("w").setValidationIndicatorCol("isVal")
        .setLearningRateSchedule("{\"class_name\": \"ExponentialDecay\", \"config\": {\"initial_learning_rate\": 0.5,"
            + " \"decay_steps\": 10, \"decay_rate\": 0.9}}");
    clf.setThresholds(new double[] {0.4, 0.6}).setProbabilityCol("p");
    clf.write().save(path("clf"));
    MeshAdagradClassifier loaded = MeshAdagradClassifier.load(path("clf"));
    assertSameParams(clf, loaded);

    MeshAdagradRegressor reg = new MeshAdagradRegressor().setOptimizerConfig("{\"learning_rate\": 0.1}")
        .setFitIntercept(false).setBatchSize(16).setSeed(42L).setUseEma(true).setEmaOverwriteFrequency(5);
    reg.write().save(path("reg"));
    assertSameParams(reg, MeshAdagradRegressor.load(path("reg")));
    // overwrite needs overwrite()
    assertThrows(IOException.class, () -> reg.write().save(path("reg")));
    reg.setMaxIter(3).write().overwrite().save(path("reg"));
    assertEquals(3, MeshAdagradRegressor.load(path("reg")).getMaxIter());
  }

  @Test
  void modelsPredictTheSameAfterLoading() throws IOException {
    MeshAdagradClassificationModel binary = new MeshAdagradClassifier().setLearningRate(0.5).setMaxIter(5)
        .fit(binaryData());
    binary.write().save(path("binary"));
    MeshAdagradClassificationModel b = MeshAdagradClassificationModel.load(path("binary"));
    assertSameParams(binary, b);
    assertEquals(binary.coefficients(), b.coefficients());
    assertEquals(binary.intercept(), b.intercept());
    assertEquals(binary.transform(binaryData()).collectAsList(), b.transform(binaryData()).collectAsList());
    assertFalse(b.hasSummary());
    assertThrows(IllegalStateException.class, b::summary);

    MeshAdagradClassificationModel multi = new MeshAdagradClassifier().setLearningRate(0.5).setMaxIter(5)
        .fit(threeClassData());
    multi.write().save(path("multi"));
    MeshAdagradClassificationModel m = MeshAdagradClassificationModel.load(path("multi"));
    assertEquals(multi.coefficientMatrix(), m.coefficientMatrix());
    assertEquals(multi.interceptVector(), m.interceptVector());
    assertEquals(3, m.numClasses());
    assertEquals(multi.transform(threeClassData()).collectAsList(), m.transform(threeClassData()).collectAsList());

    MeshAdagradClassificationModel svm = new MeshAdagradClassifier().setLoss("hinge").setLearningRate(0.5)
        .setMaxIter(5).fit(binaryData());
    svm.write().save(path("svm"));
    MeshAdagradClassificationModel s = MeshAdagradClassificationModel.load(path("svm"));
    assertTrue(s.isHinge());
    assertEquals(svm.transform(binaryData()).collectAsList(), s.transform(binaryData()).collectAsList());

    MeshAdagradRegressionModel reg = new MeshAdagradRegressor().setLearningRate(0.5).setMaxIter(5)
        .fit(binaryData());
    reg.write().save(path("reg"));
    MeshAdagradRegressionModel r = MeshAdagradRegressionModel.load(path("reg"));
    assertSameParams(reg, r);
    assertEquals(reg.coefficients(), r.coefficients());
    assertEquals(reg.transform(binaryData()).collectAsList(), r.transform(binaryData()).collectAsList());
  }

  @Test
  void loadingAnotherClassNamesBothClasses() throws IOException {
    new MeshAdagradRegressor().setMaxIter(2).fit(binaryData()).write().save(path("reg"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MeshAdagradClassificationModel.load(path("reg")));
    assertTrue(e.getMessage().contains(MeshAdagradRegressionModel.class.getName())
        && e.getMessage().contains(MeshAdagradClassificationModel.class.getName()), e.getMessage());
    new MeshAdagradClassifier().write().save(path("estimator"));
    e = assertThrows(IllegalArgumentException.class, () -> MeshAdagradClassificationModel.load(path("estimator")));
    assertTrue(e.getMessage().contains(MeshAdagradClassifier.class.getName())
        && e.getMessage().contains(MeshAdagradClassificationModel.class.getName()), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MeshAdagradRegressor.load(path("nothing-here")));
    assertTrue(e.getMessage().contains("no readable metadata"), e.getMessage());
  }

  @Test
  void missingOrCorruptDataFailsClearly() throws IOException {
    MeshAdagradClassificationModel model = new MeshAdagradClassifier().setMaxIter(2).fit(binaryData());
    model.write().save(path("missing"));
    deleteTree(tmp.resolve("missing").resolve("data"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MeshAdagradClassificationModel.load(path("missing")));
    assertTrue(e.getMessage().contains("model data is missing"), e.getMessage());

    model.write().save(path("corrupt"));
    deleteTree(tmp.resolve("corrupt").resolve("data"));
    Row wrong = RowFactory.create(3, 2, 1, "logistic", new Double[] {0.1, 0.2}, new Double[] {0.0});
    MlData.spark().createDataFrame(List.of(wrong), ModelData.SCHEMA).write()
        .parquet(tmp.resolve("corrupt").resolve("data").toString());
    e = assertThrows(IllegalArgumentException.class, () -> MeshAdagradClassificationModel.load(path("corrupt")));
    assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("coefficients")
        && e.getMessage().contains("got 2"), e.getMessage());

    try (Stream<Path> files = Files.list(tmp.resolve("corrupt").resolve("metadata"))) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".crc")) {
          Files.delete(f); // Hadoop's checksum would reject the edit before the JSON is read
        } else if (name.startsWith("part-")) {
          Files.writeString(f, "{not json\n");
        }
      }
    }
    e = assertThrows(IllegalArgumentException.class, () -> MeshAdagradClassificationModel.load(path("corrupt")));
    assertTrue(e.getMessage().contains("metadata is corrupt"), e.getMessage());
  }

  @Test
  void serviceLoaderFindsTheStagesAndTheirNoArgConstructorsWork() {
    List<Class<?>> estimators = ServiceLoader.load(Estimator.class).stream()
        .<Class<?>>map(ServiceLoader.Provider::type).toList();
    assertTrue(estimators.contains(MeshAdagradClassifier.class) && estimators.contains(MeshAdagradRegressor.class),
        estimators.toString());
    List<Class<?>> transformers = ServiceLoader.load(Transformer.class).stream()
        .<Class<?>>map(ServiceLoader.Provider::type).toList();
    assertTrue(transformers.contains(MeshAdagradClassificationModel.class)
        && transformers.contains(MeshAdagradRegressionModel.class), transformers.toString());
    for (Params p : List.<Params>of(new MeshAdagradClassifier(), new MeshAdagradRegressor(),
        new MeshAdagradClassificationModel(), new MeshAdagradRegressionModel())) {
      assertTrue(p.explainParams().contains("learningRate"), p.getClass() + " explains its params");
      for (Param<?> param : p.params()) {
        assertEquals(p.uid(), param.parent(), param.name() + " belongs to its stage");
      }
    }
  }

  @Test
  void paramMapsOfLoadedStagesBelongToThem() throws IOException {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setMaxIter(4);
    clf.write().save(path("c"));
    MeshAdagradClassifier loaded = MeshAdagradClassifier.load(path("c"));
    for (Param<?> param : loaded.params()) {
      assertEquals(loaded.uid(), param.parent());
    }
    loaded.setLabelCol("label"); // an inherited Spark param must be settable on a loaded stage
    MeshAdagradClassificationModel model = loaded.fit(binaryData());
    assertEquals(4, model.summary().steps());
    Vector raw = model.predictRaw(Vectors.dense(1, 1, 1));
    assertEquals(2, raw.size());
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
