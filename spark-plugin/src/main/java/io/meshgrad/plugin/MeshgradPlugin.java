package io.meshgrad.plugin;

import io.meshgrad.metrics.ExecutorMetrics;
import io.meshgrad.metrics.TrainingMetrics;
import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Publishes meshgrad's training metrics in Spark's metrics system: enable with
 * {@code spark.plugins=io.meshgrad.plugin.MeshgradPlugin} and any metrics sink. Driver gauges
 * ({@link TrainingMetrics}): {@code steps}, {@code stepTimeMillis}, {@code loss},
 * {@code gradientNorm}, {@code fractionClipped}, {@code bytesAggregatedPerStep},
 * {@code bytesBroadcastPerStep}, {@code examplesPerSecond}; executor gauges
 * ({@link ExecutorMetrics}): {@code rowsProcessed}, {@code partialGradientBytes}. Names are
 * prefixed by Spark with {@code plugin.io.meshgrad.plugin.MeshgradPlugin.}. Training works the
 * same without the plugin.
 */
public final class MeshgradPlugin implements SparkPlugin {

  @Override
  public DriverPlugin driverPlugin() {
    return new DriverPlugin() {
      @Override
      public void registerMetrics(String appId, PluginContext context) {
        TrainingMetrics.register(context.metricRegistry());
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext context, Map<String, String> extraConf) {
        ExecutorMetrics.register(context.metricRegistry());
      }
    };
  }
}
