package io.meshgrad.runtime;

import org.apache.spark.api.java.JavaRDD;

/**
 * Rows for step {@code step} of {@code loss}, read from the state {@code state} by the previous
 * step's update: usable only by that step, on that state, for the same pulled variables.
 */
record PrefetchedRows(DatasetLoss loss, long step, JavaRDD<VariableShard> state, RowPuller.Variables variables,
    RowPuller.Pulled rows) {
  boolean isFor(DatasetLoss l, long s, JavaRDD<VariableShard> current, RowPuller.Variables v) {
    return loss == l && step == s && state == current && variables.sameAs(v);
  }
}
