package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every cell of the Databricks notebook in order, in an embedded Scala 2.13 interpreter with
 * {@code spark} bound to a local session: the notebook is known to run, not only to look right.
 */
class NotebookTest {
  @TempDir
  Path modelDir;

  @Test
  void theA9aNotebookRunsCellByCell() throws Exception {
    Path notebook = TrainAppTest.repo().resolve("examples/notebooks/meshgrad_a9a.scala");
    List<String> cells = NotebookRunner.cells(notebook);
    assertTrue(cells.size() >= 6, "cells: " + cells.size());
    System.setProperty("notebook.widget.data_dir", TrainAppTest.repo().resolve("data/a9a").toString());
    System.setProperty("notebook.widget.model_dir", modelDir.resolve("pipeline").toString());
    SparkSession spark = TrainAppTest.spark();
    NotebookRunner runner = new NotebookRunner(spark);
    try {
      for (int i = 0; i < cells.size(); i++) {
        runner.run(cells.get(i), "cell " + (i + 1) + " of " + notebook.getFileName());
      }
      assertEquals(2, runner.displayCount(), "the notebook displays the data and the loss curve");
      assertEquals(0, spark.sparkContext().getPersistentRDDs().size(), "the notebook releases what it cached");
    } finally {
      spark.catalog().clearCache();
      runner.close();
      System.clearProperty("notebook.widget.data_dir");
      System.clearProperty("notebook.widget.model_dir");
    }
  }
}
