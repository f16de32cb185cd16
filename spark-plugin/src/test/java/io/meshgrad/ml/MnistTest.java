package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Real data: mnist10k (784 pixels scaled to [0, 1], 10 classes), the reference multinomial task. */
class MnistTest {

  /** The settings documented on MeshAdagradClassificationModel: full batch, learningRate 0.5, 100 steps. */
  @Test
  void softmaxReachesReferenceAccuracy() {
    Dataset<Row> train = MlData.mnist("mnist10k.train").cache();
    Dataset<Row> test = MlData.mnist("mnist10k.test").cache();
    try {
      MeshAdagradClassificationModel model = new MeshAdagradClassifier()
          .setLearningRate(0.5).setMaxIter(100).setMesh("batch=2").fit(train);
      double accuracy = MlData.accuracy(model.transform(test));
      assertTrue(accuracy >= 0.90, "mnist10k test accuracy " + accuracy);
      assertEquals(10, model.numClasses());
      assertEquals(784, model.numFeatures());
      assertTrue(model.isMultinomial());
      assertEquals(10, model.coefficientMatrix().numRows());
      assertEquals(784, model.coefficientMatrix().numCols());
      assertEquals(10, model.interceptVector().size());
      assertThrows(IllegalStateException.class, model::coefficients);
      Row first = model.transform(test).select("features", "probability", "prediction").head();
      Vector probability = first.getAs(1);
      double sum = 0;
      for (double v : probability.toArray()) {
        sum += v;
      }
      assertEquals(1.0, sum, 1e-9);
      assertEquals(probability.argmax(), (int) first.getDouble(2));
      assertEquals(first.getDouble(2), model.predict(first.getAs(0)));
    } finally {
      train.unpersist();
      test.unpersist();
    }
  }
}
