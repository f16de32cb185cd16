package io.meshgrad.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The flags of {@link TrainApp} (the same for {@code spark-submit} and {@code bin/meshgrad train}).
 * Parsing checks every value and names the flag and the allowed values on error.
 */
record TrainOptions(
    String data,
    String test,
    String format,
    Integer numFeatures,
    String labelCol,
    List<String> featuresCols,
    String model,
    String mesh,
    int steps,
    int epochs,
    int batchSize,
    String optimizerJson,
    double regParam,
    String dtype,
    long seed,
    String master,
    String checkpointDir,
    boolean resume,
    String output,
    int[] layers,
    String activation) {

  static final String USAGE = """
      usage: TrainApp --data PATH_OR_TABLE --output DIR [options]
        --data PATH            training data (a file, a directory, or a table name with --format table)
        --test PATH            test data in the same format; adds test metrics to summary.json
        --format F             libsvm (default) | parquet | csv | table
        --num-features N       number of features of LIBSVM data (recommended: a test file may lack the last ones)
        --label-col NAME       label column of parquet/csv/table data (default label)
        --features-cols A,B    numeric columns assembled into the features vector (csv/parquet/table);
                               without it a vector column named 'features' is expected
        --model M              logistic (default) | multinomial | linear | hinge | mlp
        --layers A,B,...       mlp: layer sizes input,hidden...,classes as MLlib's (e.g. 784,128,10); without it
                               one hidden layer of 100 and the input size and classes from the data
        --activation F         mlp: hidden activation relu (default) | sigmoid | tanh
        --mesh batch=B,model=M mesh of the fit (default batch=<default parallelism>)
        --steps N              optimizer steps (default 100)
        --epochs N             stop after N passes over the data as well (default 0: no limit)
        --batch-size N         rows per step, 0 = full batch (default 0)
        --optimizer FILE|JSON  a Keras Adagrad config (get_config() JSON) instead of the defaults
        --reg-param R          L2 strength on the coefficients (default 0)
        --dtype D              float32 (default) | float64
        --seed N               mini-batch shuffle seed (default 0)
        --master URL           Spark master when not set by spark-submit (default local[*])
        --checkpoint-dir PATH  checkpoints: PATH/state gets the optimizer state every 10 steps (the newest 3
                               kept), PATH/spark the SparkContext's lineage checkpoints
        --resume               continue from the newest valid checkpoint under --checkpoint-dir (same flags)
        --output DIR           where model/, summary.json and loss-curve.png go
      """;

  static final List<String> FORMATS = List.of("libsvm", "parquet", "csv", "table");
  static final List<String> MODELS = List.of("logistic", "multinomial", "linear", "hinge", "mlp");

  static TrainOptions parse(String[] args) {
    String data = null;
    String test = null;
    String format = "libsvm";
    Integer numFeatures = null;
    String labelCol = "label";
    List<String> featuresCols = List.of();
    String model = "logistic";
    String mesh = null;
    int steps = 100;
    int epochs = 0;
    int batchSize = 0;
    String optimizer = null;
    double regParam = 0;
    String dtype = "float32";
    long seed = 0;
    String master = null;
    String checkpointDir = null;
    boolean resume = false;
    String output = null;
    int[] layers = null;
    String activation = "relu";
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--resume")) {
        resume = true;
        continue;
      }
      if (!flag.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + flag + "'\n" + USAGE);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
      }
      String v = args[++i];
      switch (flag) {
        case "--data" -> data = v;
        case "--test" -> test = v;
        case "--format" -> format = oneOf(flag, v, FORMATS);
        case "--num-features" -> numFeatures = positiveInt(flag, v);
        case "--label-col" -> labelCol = v;
        case "--features-cols" -> featuresCols = new ArrayList<>(Arrays.asList(v.split(",")));
        case "--model" -> model = oneOf(flag, v, MODELS);
        case "--mesh" -> mesh = v;
        case "--steps" -> steps = nonNegativeInt(flag, v);
        case "--epochs" -> epochs = nonNegativeInt(flag, v);
        case "--batch-size" -> batchSize = nonNegativeInt(flag, v);
        case "--optimizer" -> optimizer = readJson(v);
        case "--reg-param" -> regParam = nonNegativeDouble(flag, v);
        case "--dtype" -> dtype = oneOf(flag, v, List.of("float32", "float64"));
        case "--seed" -> seed = parseLong(flag, v);
        case "--master" -> master = v;
        case "--checkpoint-dir" -> checkpointDir = v;
        case "--output" -> output = v;
        case "--layers" -> layers = layerSizes(flag, v);
        case "--activation" -> activation = oneOf(flag, v, List.of("relu", "sigmoid", "tanh"));
        default -> throw new IllegalArgumentException("unknown flag " + flag + "\n" + USAGE);
      }
    }
    if (data == null || output == null) {
      throw new IllegalArgumentException("--data and --output are required\n" + USAGE);
    }
    if (resume && checkpointDir == null) {
      throw new IllegalArgumentException("--resume needs --checkpoint-dir (where the checkpoints are)");
    }
    if (layers != null && !model.equals("mlp")) {
      throw new IllegalArgumentException("--layers is for --model mlp, got --model " + model);
    }
    return new TrainOptions(data, test, format, numFeatures, labelCol, List.copyOf(featuresCols), model, mesh, steps,
        epochs, batchSize, optimizer, regParam, dtype, seed, master, checkpointDir, resume, output, layers,
        activation);
  }

  private static int[] layerSizes(String flag, String v) {
    String[] parts = v.split(",");
    if (parts.length < 2) {
      throw new IllegalArgumentException(flag + " must list at least the input size and the number of classes,"
          + " e.g. 784,128,10; got '" + v + "'");
    }
    int[] sizes = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      sizes[i] = positiveInt(flag, parts[i].strip());
    }
    return sizes;
  }

  boolean binary() {
    return model.equals("logistic") || model.equals("hinge");
  }

  private static String oneOf(String flag, String v, List<String> allowed) {
    String lower = v.toLowerCase(Locale.ROOT);
    if (!allowed.contains(lower)) {
      throw new IllegalArgumentException(flag + " must be one of " + String.join(", ", allowed) + "; got '" + v + "'");
    }
    return lower;
  }

  private static int positiveInt(String flag, String v) {
    int n = parseInt(flag, v);
    if (n < 1) {
      throw new IllegalArgumentException(flag + " must be an integer >= 1, got " + v);
    }
    return n;
  }

  private static int nonNegativeInt(String flag, String v) {
    int n = parseInt(flag, v);
    if (n < 0) {
      throw new IllegalArgumentException(flag + " must be an integer >= 0, got " + v);
    }
    return n;
  }

  private static int parseInt(String flag, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got '" + v + "'");
    }
  }

  private static long parseLong(String flag, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got '" + v + "'");
    }
  }

  private static double nonNegativeDouble(String flag, String v) {
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a number, got '" + v + "'");
    }
    if (!(Double.isFinite(d) && d >= 0)) {
      throw new IllegalArgumentException(flag + " must be a finite number >= 0, got " + v);
    }
    return d;
  }

  /** A JSON text, or the contents of the file it names. */
  private static String readJson(String v) {
    String trimmed = v.strip();
    if (trimmed.startsWith("{")) {
      return trimmed;
    }
    Path p = Path.of(v);
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("--optimizer must be a JSON object or a readable file, got '" + v + "' ("
          + e.getMessage() + ")");
    }
  }
}
