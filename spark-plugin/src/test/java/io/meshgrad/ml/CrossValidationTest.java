package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stages inside CrossValidator with a grid over learningRate and regParam: the grid's values
 * must reach the fits (different metrics) and the best model must carry the winning values.
 * Two fits run at once (parallelism 2), which also checks that concurrent fits do not interfere.
 */
class CrossValidationTest {
  private static Dataset<Row> raw;
  private static Dataset<Row> scaled;

  @BeforeAll
  static void load() {
    raw = MlData.synthetic(160, 11).cache();
    scaled = features().fit(raw).transform(raw).cache();
  }

  @AfterAll
  static void release() {
    raw.unpersist();
    scaled.unpersist();
  }

  private static Pipeline features(PipelineStage... more) {
    List<PipelineStage> stages = new ArrayList<>(List.of(
        new VectorAssembler().setInputCols(new String[] {"x1", "x2", "x3"}).setOutputCol("raw"),
        new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true)));
    stages.addAll(List.of(more));
    return new Pipeline().setStages(stages.toArray(new PipelineStage[0]));
  }

  /**
   * Cross-validates {@code stage}: inside a Pipeline with the feature stages when {@code
   * inPipeline}, else alone on already scaled features.
   */
  private static <E extends MeshgradSetters<E>> CrossValidatorModel crossValidate(E stage, Evaluator evaluator,
      boolean inPipeline) {
    ParamMap[] grid = new ParamGridBuilder()
        .addGrid(stage.learningRate(), new double[] {0.02, 0.5})
        .addGrid(stage.regParam(), new double[] {0.0, 0.3})
        .build();
    CrossValidator cv = new CrossValidator()
        .setEstimator(inPipeline ? features((PipelineStage) stage) : (Estimator<?>) stage)
        .setEstimatorParamMaps(grid).setEvaluator(evaluator).setNumFolds(2).setSeed(3).setParallelism(2);
    CrossValidatorModel model = cv.fit(inPipeline ? raw : scaled);
    double[] metrics = model.avgMetrics();
    assertEquals(4, metrics.length);
    assertTrue(Arrays.stream(metrics).distinct().count() > 1, "the grid must change the fits: "
        + Arrays.toString(metrics));
    int best = 0;
    for (int i = 1; i < metrics.length; i++) {
      boolean better = evaluator.isLargerBetter() ? metrics[i] > metrics[best] : metrics[i] < metrics[best];
      if (better) {
        best = i;
      }
    }
    MeshgradParams fitted = (MeshgradParams) (inPipeline
        ? assertInstanceOf(PipelineModel.class, model.bestModel()).stages()[2] : model.bestModel());
    assertEquals((Double) grid[best].apply(stage.learningRate()), fitted.getLearningRate());
    assertEquals((Double) grid[best].apply(stage.regParam()), fitted.getRegParam());
    return model;
  }

  @Test
  void binaryClassifier() {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setLabelCol("binary").setMaxIter(15);
    CrossValidatorModel model = crossValidate(clf, new BinaryClassificationEvaluator().setLabelCol("binary"), true);
    assertTrue(Arrays.stream(model.avgMetrics()).max().getAsDouble() > 0.9, Arrays.toString(model.avgMetrics()));
  }

  @Test
  void multinomialClassifier() {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setLabelCol("multi").setMaxIter(15);
    CrossValidatorModel model = crossValidate(clf,
        new MulticlassClassificationEvaluator().setLabelCol("multi").setMetricName("accuracy"), false);
    assertTrue(Arrays.stream(model.avgMetrics()).max().getAsDouble() > 0.7, Arrays.toString(model.avgMetrics()));
    MeshAdagradClassificationModel best = (MeshAdagradClassificationModel) model.bestModel();
    assertEquals(3, best.numClasses());
  }

  @Test
  void regressor() {
    MeshAdagradRegressor reg = new MeshAdagradRegressor().setLabelCol("y").setMaxIter(15);
    CrossValidatorModel model = crossValidate(reg, new RegressionEvaluator().setLabelCol("y"), false);
    assertTrue(Arrays.stream(model.avgMetrics()).min().getAsDouble() < 1, Arrays.toString(model.avgMetrics()));
  }
}
