package io.meshgrad.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stages inside Spark's Pipeline, with feature stages before them, saved and loaded. */
class PipelineTest {
  private static Dataset<Row> data;

  @TempDir
  Path tmp;

  @BeforeAll
  static void load() {
    data = MlData.synthetic(400, 7).cache();
  }

  @AfterAll
  static void release() {
    data.unpersist();
  }

  private static PipelineStage[] features() {
    return new PipelineStage[] {
      new VectorAssembler().setInputCols(new String[] {"x1", "x2", "x3"}).setOutputCol("raw"),
      new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true)
    };
  }

  private static Pipeline pipeline(PipelineStage last) {
    PipelineStage[] f = features();
    return new Pipeline().setStages(new PipelineStage[] {f[0], f[1], last});
  }

  @Test
  void classifierInPipelineSavedAndLoadedPredictsTheSame() throws IOException {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setLabelCol("binary").setLearningRate(0.5)
        .setMaxIter(60).setMesh("batch=2");
    PipelineModel model = pipeline(clf).fit(data);
    Dataset<Row> predicted = model.transform(data);
    double accuracy = (double) predicted.filter(col("prediction").equalTo(col("binary"))).count() / 400;
    assertTrue(accuracy > 0.9, "training accuracy " + accuracy);

    String path = tmp.resolve("clf-pipeline").toString();
    model.write().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    MeshAdagradClassificationModel stage = assertInstanceOf(MeshAdagradClassificationModel.class, loaded.stages()[2]);
    MeshAdagradClassificationModel original = (MeshAdagradClassificationModel) model.stages()[2];
    assertEquals(original.uid(), stage.uid());
    assertEquals(original.coefficients(), stage.coefficients());
    assertEquals(original.intercept(), stage.intercept());
    assertEquals(0.5, stage.getLearningRate());
    assertEquals("binary", stage.getLabelCol());
    assertFalse(stage.hasSummary());
    assertSamePredictions(predicted, loaded.transform(data), "rawPrediction", "probability", "prediction");

    // an unfitted pipeline (estimator inside) saves and loads with its params
    String estimatorPath = tmp.resolve("clf-estimator-pipeline").toString();
    pipeline(clf).write().save(estimatorPath);
    Pipeline reloaded = Pipeline.load(estimatorPath);
    MeshAdagradClassifier e = assertInstanceOf(MeshAdagradClassifier.class, reloaded.getStages()[2]);
    assertEquals(clf.uid(), e.uid());
    assertEquals(60, e.getMaxIter());
    assertEquals("batch=2", e.getMesh());
  }

  @Test
  void regressorInPipelineSavedAndLoadedPredictsTheSame() throws IOException {
    MeshAdagradRegressor reg = new MeshAdagradRegressor().setLabelCol("y").setLearningRate(0.5).setMaxIter(100)
        .setDtype("float64");
    PipelineModel model = pipeline(reg).fit(data);
    Dataset<Row> predicted = model.transform(data);
    double mse = predicted.selectExpr("avg((prediction - y) * (prediction - y))").head().getDouble(0);
    assertTrue(mse < 0.05, "training MSE " + mse + " (noise variance 0.01)");
    String path = tmp.resolve("reg-pipeline").toString();
    model.write().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    assertInstanceOf(MeshAdagradRegressionModel.class, loaded.stages()[2]);
    assertSamePredictions(predicted, loaded.transform(data), "prediction");
  }

  @Test
  void hingeModelHasNoProbabilityColumn() {
    MeshAdagradClassifier svm = new MeshAdagradClassifier().setLabelCol("binary").setLoss("hinge")
        .setLearningRate(0.5).setMaxIter(60);
    Pipeline p = pipeline(svm);
    StructType expected = p.transformSchema(data.schema());
    assertFalse(Arrays.asList(expected.fieldNames()).contains("probability"));
    assertTrue(Arrays.asList(expected.fieldNames()).contains("rawPrediction"));
    PipelineModel model = p.fit(data);
    Dataset<Row> predicted = model.transform(data);
    // same columns (Spark's own schema and transform order prediction and rawPrediction differently)
    assertEquals(new TreeSet<>(Arrays.asList(expected.fieldNames())),
        new TreeSet<>(Arrays.asList(predicted.columns())));
    MeshAdagradClassificationModel m = (MeshAdagradClassificationModel) model.stages()[2];
    assertTrue(m.isHinge());
    double accuracy = (double) predicted.filter(col("prediction").equalTo(col("binary"))).count() / 400;
    assertTrue(accuracy > 0.9, "training accuracy " + accuracy);
    Row first = predicted.select("rawPrediction", "prediction").head();
    Vector raw = first.getAs(0);
    assertEquals(-raw.apply(0), raw.apply(1));
    assertEquals(raw.apply(1) > 0 ? 1.0 : 0.0, first.getDouble(1));
  }

  private static void assertSamePredictions(Dataset<Row> a, Dataset<Row> b, String... columns) {
    List<Row> x = a.select(columns[0], Arrays.copyOfRange(columns, 1, columns.length)).collectAsList();
    List<Row> y = b.select(columns[0], Arrays.copyOfRange(columns, 1, columns.length)).collectAsList();
    assertEquals(x.size(), y.size());
    for (int i = 0; i < x.size(); i++) {
      assertEquals(x.get(i), y.get(i), "row " + i);
    }
  }
}
