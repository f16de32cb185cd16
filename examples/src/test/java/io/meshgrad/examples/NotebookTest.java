package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every cell of the Databricks notebook in order, in an embedded Scala 2.13 interpreter with
 * {@code spark} bound to a local session: the notebook is known to run, not only to look right.
 *
 * <p>The widgets keep the form of their defaults: the first cell runs with no widget set, its
 * defaults must be DBFS URIs ({@code dbfs:/FileStore/...}, what Databricks' {@code spark.read} and
 * {@code save}/{@code load} take; not the FUSE path {@code /dbfs/...}), and the notebook then runs
 * on exactly those paths with the DBFS root mapped to a local folder ({@code dbfs:/X} becomes
 * {@code file:<root>/X}, the data copied to where the notebook's setup says to put it).
 */
class NotebookTest {
  private static final String DBFS = "dbfs:/";

  @TempDir
  Path dbfsRoot;

  /** {@code dbfs:/X} as {@code file:<dbfsRoot>/X}. */
  private String onLocalRoot(String dbfsUri) {
    assertTrue(dbfsUri.startsWith(DBFS + "FileStore/"), "a widget default must be a DBFS URI, got " + dbfsUri);
    return "file:" + dbfsRoot.resolve(dbfsUri.substring(DBFS.length()));
  }

  @Test
  void theA9aNotebookRunsCellByCell() throws Exception {
    Path notebook = TrainAppTest.repo().resolve("examples/notebooks/meshgrad_a9a.scala");
    List<String> cells = NotebookRunner.cells(notebook);
    assertTrue(cells.size() >= 6, "cells: " + cells.size());
    System.clearProperty("notebook.widget.data_dir");
    System.clearProperty("notebook.widget.model_dir");
    SparkSession spark = TrainAppTest.spark();
    NotebookRunner runner = new NotebookRunner(spark);
    try {
      runner.run(cells.get(0), "cell 1 (widgets at their defaults)");
      String dataDefault = System.getProperty("notebook.widget.data_dir");
      String modelDefault = System.getProperty("notebook.widget.model_dir");
      assertEquals("dbfs:/FileStore/meshgrad/a9a", dataDefault);
      assertEquals("dbfs:/FileStore/meshgrad/a9a-pipeline", modelDefault);
      String data = onLocalRoot(dataDefault);
      Path dataDir = Path.of(java.net.URI.create(data));
      Files.createDirectories(dataDir);
      for (String file : List.of("a9a", "a9a.t")) {
        Files.copy(TrainAppTest.repo().resolve("data/a9a").resolve(file), dataDir.resolve(file));
      }
      System.setProperty("notebook.widget.data_dir", data);
      System.setProperty("notebook.widget.model_dir", onLocalRoot(modelDefault));
      for (int i = 0; i < cells.size(); i++) {
        runner.run(cells.get(i), "cell " + (i + 1) + " of " + notebook.getFileName());
      }
      assertTrue(Files.isDirectory(dbfsRoot.resolve("FileStore/meshgrad/a9a-pipeline/stages")),
          "the pipeline was saved under the model_dir default");
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
