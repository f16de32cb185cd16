package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A wide model's transform ships the weights once (a broadcast), not inside every task's closure:
 * Spark does not warn about a large task binary, and the model as a closure serializes it is small.
 */
class ShippedWeightsTest {
  private static final int WIDE = 1 << 20; // 8 MiB of coefficients

  private static Dataset<Row> rows(int numFeatures) {
    List<Vector> features = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      features.add(Vectors.sparse(numFeatures, new int[] {i, numFeatures - 1 - i}, new double[] {1.0, -0.5 * i}));
    }
    return MlData.frame(features, new double[] {0, 1, 0, 1, 0, 1, 0, 1}).repartition(4);
  }

  private static double[] ramp(int n, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = scale * ((i % 7) - 3);
    }
    return v;
  }

  private static int serializedSize(Object o) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    return bytes.size();
  }

  /** Transforms {@code rows} with {@code model} and checks Spark warned about no large task. */
  private static List<Row> transformWithoutLargeTasks(Model<?> model, Dataset<Row> rows) throws Exception {
    try (LogCapture log = LogCapture.start()) {
      List<Row> out = model.transform(rows).select("features", "prediction").collectAsList();
      List<String> warnings = log.events(Level.WARN, "org.apache.spark").stream()
          .map(e -> e.getMessage().getFormattedMessage())
          .filter(m -> m.contains("large task binary") || m.contains("very large size")).toList();
      assertEquals(List.of(), warnings, log.describe());
      assertTrue(serializedSize(model) < 64 * 1024, "the model as a closure holds it: " + serializedSize(model)
          + " bytes");
      return out;
    }
  }

  @Test
  void aWideLinearModelTravelsOnceAsABroadcast() throws Exception {
    MeshAdagradClassificationModel model = new MeshAdagradClassificationModel("wideLogistic",
        new ModelData(WIDE, 2, "logistic", new LinearWeights(WIDE, 1, ramp(WIDE, 0.1), new double[] {0.2})));
    for (Row r : transformWithoutLargeTasks(model, rows(WIDE))) {
      Vector x = r.getAs(0);
      double margin = 0.2 + x.dot(model.coefficients());
      assertEquals(margin > 0 ? 1.0 : 0.0, r.getDouble(1), "prediction of " + x);
    }
  }

  @Test
  void aWideFactorizationMachineAndAnMlpTravelOnceAsABroadcast() throws Exception {
    int features = 1 << 18;
    MeshFMClassificationModel fm = new MeshFMClassificationModel("wideFm",
        new FMWeights(features, 4, "logistic", 0.1, ramp(features, 0.01), ramp(features * 4, 0.05)));
    List<Row> fmOut = transformWithoutLargeTasks(fm, rows(features));
    for (Row r : fmOut) {
      assertEquals(fm.predict(r.getAs(0)), r.getDouble(1));
    }
    int[] layers = {1 << 16, 16, 2};
    double[] weights = ramp(layers[0] * 16 + 16 + 16 * 2 + 2, 0.01);
    MeshMLPClassificationModel mlp = new MeshMLPClassificationModel("wideMlp",
        new NetworkData(layers, "relu", NetworkData.SOFTMAX, weights));
    for (Row r : transformWithoutLargeTasks(mlp, rows(layers[0]))) {
      assertEquals(mlp.predict(r.getAs(0)), r.getDouble(1));
    }
    // a model that never transformed still serializes whole
    MeshFMClassificationModel fresh = new MeshFMClassificationModel("freshFm",
        new FMWeights(features, 4, "logistic", 0.1, ramp(features, 0.01), ramp(features * 4, 0.05)));
    assertTrue(serializedSize(fresh) > features * 8);
    assertArrayEquals(fm.linear().toArray(), fresh.linear().toArray());
  }
}
