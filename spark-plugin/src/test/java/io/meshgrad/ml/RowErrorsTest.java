package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.LogCapture;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad rows reach the user as one message naming the row, column and value, and Spark logs no
 * executor error or lost task for them: they are found by a validating pass that returns what it
 * found instead of failing a task, and labels a classifier cannot take are found on the driver.
 */
class RowErrorsTest {

  /** 8 rows (2 input partitions of 4 in local[2]): features [i % 2, 1 - i % 2], label i % 2, weight 1; row {@code bad} replaced. */
  private static Dataset<Row> twoPartitions(int bad, Object[] badRow) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rows.add(i == bad ? RowFactory.create(badRow)
          : RowFactory.create(Vectors.dense(i % 2, 1 - i % 2), (double) (i % 2), 1.0));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType())
        .add("label", DataTypes.DoubleType).add("w", DataTypes.DoubleType);
    return MlData.spark().createDataFrame(rows, schema);
  }

  /** Runs {@code fit}, which must fail with a message starting with {@code expected}, and logs no Spark error. */
  private static void assertCleanError(String expected, Executable fit) {
    try (LogCapture log = LogCapture.start()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, fit);
      assertTrue(e.getMessage().startsWith(expected), e.getMessage());
      List<LogEvent> trouble = log.events().stream()
          .filter(ev -> ev.getLevel().isMoreSpecificThan(org.apache.logging.log4j.Level.ERROR)
              || ev.getMessage().getFormattedMessage().contains("Lost task")
              || ev.getMessage().getFormattedMessage().contains("Exception in task")
              || ev.getThrown() != null)
          .toList();
      assertEquals(List.of(), trouble, "Spark logged task failures:\n" + log.describe());
    }
  }

  private static void fit(Estimator<?> estimator, Dataset<Row> df) {
    estimator.fit(df);
  }

  @Test
  void badRowsAreOneMessageWithoutExecutorErrors() {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setMesh("batch=2").setMaxIter(2).setWeightCol("w");
    assertCleanError("training row 5 (input partition 1, position 1): column 'features' must hold finite values,"
        + " got NaN at index 1",
        () -> fit(clf, twoPartitions(5, new Object[] {Vectors.dense(1, Double.NaN), 1.0, 1.0})));
    assertCleanError("training row 2 (input partition 0, position 2): column 'w' must hold a finite number >= 0,"
        + " got -2.0",
        () -> fit(clf, twoPartitions(2, new Object[] {Vectors.dense(1, 0), 1.0, -2.0})));
    assertCleanError("training row 6 (input partition 1, position 2): column 'features' must hold a vector of size 2,"
        + " got null",
        () -> fit(clf, twoPartitions(6, new Object[] {null, 1.0, 1.0})));
    assertCleanError("training row 3 (input partition 0, position 3): column 'label': ",
        () -> fit(clf.copy(new org.apache.spark.ml.param.ParamMap()).setFamily("multinomial"),
            twoPartitions(3, new Object[] {Vectors.dense(1, 0), 0.5, 1.0})));
    MeshAdagradRegressor reg = new MeshAdagradRegressor().setMesh("batch=2").setMaxIter(2);
    assertCleanError("training row 7 (input partition 1, position 3): column 'label' must hold a finite number,"
        + " got null",
        () -> fit(reg, twoPartitions(7, new Object[] {Vectors.dense(1, 0), null, 1.0})));
  }

  /** Labels a classifier cannot take are found by one aggregation on the driver, before the rows are read. */
  @Test
  void classLabelsAreCheckedOnTheDriverFirst() {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setMesh("batch=2").setMaxIter(2);
    assertCleanError("labels must be class indices 0, 1, ..., K-1, but the smallest value in label column 'label'"
        + " is -1.0 (LIBSVM's -1/+1 labels: map -1 to 0 first)",
        () -> fit(clf, twoPartitions(4, new Object[] {Vectors.dense(1, 0), -1.0, 1.0})));
    assertCleanError("labels must be class indices 0, 1, ..., K-1, but the largest value in label column 'label'"
        + " is 2.5",
        () -> fit(clf, twoPartitions(4, new Object[] {Vectors.dense(1, 0), 2.5, 1.0})));
  }
}
