package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * mnist10k (pixels divided by 255; 8000 training, 2000 test rows): the documented setting of {@link
 * MeshMLPClassificationModel} reaches 0.95 test accuracy, and at least what MLlib's {@code
 * MultilayerPerceptronClassifier} reaches with the same layers and its own defaults (L-BFGS,
 * sigmoid hidden units, blockSize 128) at {@code maxIter=MLLIB_MAX_ITER}, kept modest for the test's
 * runtime.
 */
class MlpMnistTest {
  static final int MLLIB_MAX_ITER = 40;

  @Test
  void reachesReferenceAccuracyAndAtLeastMllibs() {
    Dataset<Row> train = MlData.mnist("mnist10k.train").cache();
    Dataset<Row> test = MlData.mnist("mnist10k.test").cache();
    try {
      long t0 = System.nanoTime();
      MeshMLPClassificationModel model = new MeshMLPClassifier().setLayers(new int[] {784, 128, 10})
          .setActivation("relu").setLearningRate(0.3).setBatchSize(256).setMaxIter(600).setMesh("batch=2")
          .fit(train);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double accuracy = MlData.accuracy(model.transform(test));

      long t1 = System.nanoTime();
      MultilayerPerceptronClassificationModel mllib = new MultilayerPerceptronClassifier()
          .setLayers(new int[] {784, 128, 10}).setMaxIter(MLLIB_MAX_ITER).setSeed(1234L).fit(train);
      double mllibSeconds = (System.nanoTime() - t1) / 1e9;
      double mllibAccuracy = MlData.accuracy(mllib.transform(test));
      System.out.printf("meshgrad %.4f in %.1f s, MLlib %.4f in %.1f s%n", accuracy, seconds, mllibAccuracy,
          mllibSeconds);
      assertTrue(accuracy >= 0.95, "mnist10k test accuracy " + accuracy);
      assertTrue(accuracy >= mllibAccuracy, "meshgrad " + accuracy + " against MLlib " + mllibAccuracy);
    } finally {
      train.unpersist();
      test.unpersist();
    }
  }
}
