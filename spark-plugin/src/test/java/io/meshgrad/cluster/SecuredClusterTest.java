package io.meshgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.tensor.DType;
import io.meshgrad.testing.StandaloneCluster;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.StepListener;
import io.meshgrad.train.TrainingResult;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A sharded fit on a standalone cluster with authentication ({@code spark.authenticate} and a
 * shared secret, on the Master and Workers as well), encrypted RPC
 * ({@code spark.network.crypto.enabled}) and encrypted shuffle, cache and broadcast files
 * ({@code spark.io.encryption.enabled}), with one executor killed along the way: the weights are
 * bit-identical to those of the same fit in local mode.
 */
@Tag("cluster")
class SecuredClusterTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static final Mesh MESH = Mesh.parse("batch=2,model=2");
  private static final int STEPS = 20;
  private static final String SECRET = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));

  private static StandaloneCluster cluster;

  @BeforeAll
  static void startCluster() {
    // the secret reaches the daemons (and, through the Workers, the executors) in the environment,
    // not on a command line where any local user could read it
    cluster = StandaloneCluster.start(2, 1,
        Map.of("spark.authenticate", "true", "spark.network.crypto.enabled", "true"),
        Map.of("_SPARK_AUTH_SECRET", SECRET));
  }

  @AfterAll
  static void stopCluster() {
    ClusterSession.closeAndAssertStopped(cluster);
  }

  private static TrainingResult fit(SparkSession spark, StepListener listener) {
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null,
        MESH.batchSize(), LOSS::validateLabel)) {
      MeshTrainer.Settings s = new MeshTrainer.Settings(MESH, DType.FLOAT32, STEPS, 0, 4096, 3L, true, 1e-4, 0.0, 2, 5);
      Adagrad opt = Adagrad.builder().learningRate(0.3).useEma(true).emaMomentum(0.9).clipnorm(1.0).build();
      return MeshTrainer.fit(spark, data, LOSS, opt, s, listener);
    }
  }

  @Test
  void authenticatedEncryptedClusterTrainsAndSurvivesAnExecutorLoss() {
    SparkSession spark = ClusterSession.start(cluster, "meshgrad-secured", 2, Map.of(
        "spark.authenticate", "true",
        "spark.authenticate.secret", SECRET,
        "spark.network.crypto.enabled", "true",
        "spark.io.encryption.enabled", "true"));
    TrainingResult onCluster;
    try {
      assertTrue(SparkEnv.get().securityManager().isAuthenticationEnabled());
      assertTrue(SparkEnv.get().securityManager().getIOEncryptionKey().isDefined(), "I/O encryption key");
      String appId = spark.sparkContext().applicationId();
      for (String cmd : cluster.commandLines()) {
        assertFalse(cmd.contains(SECRET), "the secret is on a command line: " + cmd);
      }
      cluster.executors(appId).values().forEach(ph -> assertTrue(
          StandaloneCluster.commandLine(ph).contains("-Dspark.authenticate=true"),
          "executor without authentication: " + StandaloneCluster.commandLine(ph)));
      long t0 = System.nanoTime();
      onCluster = fit(spark, (step, total, epoch, loss) -> {
        if (step == 7) {
          ProcessHandle victim = cluster.executors(appId).values().iterator().next();
          victim.destroyForcibly();
          try {
            victim.onExit().get(30, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new AssertionError("executor pid " + victim.pid() + " did not die", e);
          }
        }
      });
      System.out.printf("secured cluster: data + %d steps with a kill in %.1f s%n", STEPS,
          (System.nanoTime() - t0) / 1e9);
      ClusterSession.awaitExecutors(cluster, spark, 2, Duration.ofSeconds(90));
    } finally {
      ClusterSession.stop(spark);
    }
    TrainingResult local = fit(SparkTestSession.get(), null);
    assertEquals(local.coefficients(), onCluster.coefficients(), "coefficients");
    assertEquals(local.intercept(), onCluster.intercept(), "intercept");
    assertArrayEquals(local.lossHistory(), onCluster.lossHistory(), "loss history");
    assertTrue(local.lossHistory()[STEPS - 1] < local.lossHistory()[0], "the loss must go down");
  }
}
