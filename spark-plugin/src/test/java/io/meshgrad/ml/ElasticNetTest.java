package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.runtime.Penalty;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * elasticNetParam: MLlib's split of regParam into L1 and L2, the L1 part as Keras' L1L2 adds it
 * (subgradient {@code l1 * sign(w)}), in the objective code the driver-held and the sharded paths
 * share.
 */
class ElasticNetTest {
  private static Dataset<Row> data;

  @BeforeAll
  static void load() {
    Dataset<Row> raw = new VectorAssembler().setInputCols(new String[] {"x1", "x2", "x3"}).setOutputCol("raw")
        .transform(MlData.synthetic(400, 9));
    data = new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true).fit(raw)
        .transform(raw).cache();
  }

  @AfterAll
  static void release() {
    data.unpersist();
  }

  @Test
  void penaltyIsTheKerasL1L2Subgradient() {
    Penalty p = Penalty.of(0.5, 0.2);
    assertEquals(0.5 * 2 + 0.2, p.gradient(2.0), 1e-15);
    assertEquals(0.5 * -3 - 0.2, p.gradient(-3.0), 1e-15);
    assertEquals(0.0, p.gradient(0.0), "sign(0) = 0, as TensorFlow's abs gradient");
    assertEquals(0.25 * 10 + 0.2 * 4, p.value(10, 4), 1e-15);
    assertEquals(Penalty.NONE, Penalty.of(0, 0));
    assertThrows(IllegalArgumentException.class, () -> Penalty.of(0, -1));
  }

  private static MeshAdagradClassifier clf() {
    return new MeshAdagradClassifier().setLabelCol("binary").setLearningRate(0.5).setMaxIter(40);
  }

  private static double l1Norm(MeshAdagradClassificationModel m) {
    double s = 0;
    for (double c : m.coefficients().toArray()) {
      s += Math.abs(c);
    }
    return s;
  }

  @Test
  void l1WorksTheSameOnTheDriverAndSharded() {
    MeshAdagradClassifier l1 = clf().setRegParam(0.05).setElasticNetParam(1.0);
    MeshAdagradClassificationModel driver = l1.copy(new ParamMap()).setMesh("batch=2").fit(data);
    MeshAdagradClassificationModel sharded = l1.copy(new ParamMap()).setMesh("batch=2,model=2").fit(data);
    MeshAdagradClassificationModel plain = clf().setMesh("batch=2").fit(data);
    double[] a = driver.coefficients().toArray();
    double[] b = sharded.coefficients().toArray();
    for (int j = 0; j < a.length; j++) {
      assertEquals(a[j], b[j], 1e-5 * Math.max(1, Math.abs(a[j])), "coefficient " + j);
    }
    double[] la = driver.summary().lossHistory();
    double[] lb = sharded.summary().lossHistory();
    assertEquals(la[la.length - 1], lb[lb.length - 1], 1e-6, "the objective includes l1 ||w||_1 on both paths");
    assertTrue(l1Norm(driver) < 0.9 * l1Norm(plain), "L1 shrinks: " + l1Norm(driver) + " vs " + l1Norm(plain));
  }

  /** regParam * (a ||w||_1 + (1 - a)/2 ||w||^2): the objective's value at the last step shows both parts. */
  @Test
  void elasticNetSplitsRegParamAsMllib() {
    MeshAdagradClassificationModel none = clf().setMesh("batch=2").setMaxIter(2).fit(data);
    MeshAdagradClassificationModel mixed = clf().setMesh("batch=2").setMaxIter(2).setRegParam(0.1)
        .setElasticNetParam(0.25).fit(data);
    // step 1 starts from zero weights, where the penalty and its subgradient are 0: both fits take the same
    // first step, and the second loss differs by exactly the penalty at those weights
    assertEquals(none.summary().lossHistory()[0], mixed.summary().lossHistory()[0], 0.0);
    MeshAdagradClassificationModel oneStep = clf().setMesh("batch=2").setMaxIter(1).fit(data);
    double squares = 0;
    double abs = 0;
    for (double c : oneStep.coefficients().toArray()) {
      squares += c * c;
      abs += Math.abs(c);
    }
    double penalty = 0.1 * (0.25 * abs + 0.75 / 2 * squares);
    assertEquals(none.summary().lossHistory()[1] + penalty, mixed.summary().lossHistory()[1], 1e-6);
    assertThrows(IllegalArgumentException.class, () -> clf().setElasticNetParam(1.5));
  }
}
