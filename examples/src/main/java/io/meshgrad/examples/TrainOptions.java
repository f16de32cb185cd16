package io.meshgrad.examples;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
    Integer steps,
    int epochs,
    double tol,
    Integer batchSize,
    int stepsPerJob,
    String optimizerJson,
    double regParam,
    String dtype,
    Long seed,
    String master,
    String checkpointDir,
    boolean resume,
    String output,
    int factorSize,
    double initStd,
    boolean fitLinear,
    boolean overwrite,
    boolean verbose,
    int[] layers,
    String activation,
    Boolean standardization) {

  static final String USAGE = """
      usage: TrainApp --data PATH_OR_TABLE --output DIR [options]
        --data PATH            training data (a file, a directory, or a table name with --format table)
        --test PATH            test data in the same format; adds test metrics to summary.json
        --format F             libsvm (default) | parquet | csv | table
        --num-features N       number of features of LIBSVM data (recommended: a test file may lack the last ones)
        --label-col NAME       label column of parquet/csv/table data (default label)
        --features-cols A,B    numeric columns assembled into the features vector (csv/parquet/table);
                               without it a vector column named 'features' is expected
        --model M              logistic (default) | multinomial | linear | hinge | fm (factorization machine
                               classifier, labels 0/1 or -1/+1) | fm-regression (factorization machine, squared loss) | mlp (multilayer perceptron classifier)
        --factor-size K        fm: length of each feature's factor vector (default 8)
        --init-std S           fm: standard deviation of the factors' normal initialization (default 0.01)
        --no-linear            fm: leave out the linear term (MLlib's fitLinear=false)
        --layers A,B,...       mlp: layer sizes input,hidden...,classes as MLlib's (e.g. 784,128,10); without it
                               one hidden layer of 100 and the input size and classes from the data
        --activation F         mlp: hidden activation relu (default) | sigmoid | tanh
        --mesh batch=B,model=M mesh of the fit (default batch=<default parallelism>)
        --steps N              optimizer steps: the fit takes N unless --epochs or --tol ends it sooner (default: the
                               model's, 100; mlp 600)
        --epochs N             stop after N passes over the data as well, whichever of --steps and --epochs
                               comes first (default 0: no limit)
        --tol T                also stop once the loss changes by at most T * max(1, |loss|) between two steps
                               (default 0: never; the Spark ML stages' default is MLlib's 1e-6)
        --batch-size N         rows per step, 0 = full batch (default: the model's, 0; mlp 256)
        --steps-per-job K      optimizer steps per Spark job (default 0: automatic, up to 100 steps in one barrier
                               job whose tasks exchange gradients directly where that can run, else one job per
                               step; same result bit for bit; docs/engine.md); 1 = one job per step; K >= 2 = up
                               to K steps per job, or an error saying why it cannot run
        --optimizer FILE|JSON  a Keras Adagrad config (get_config() JSON) instead of the defaults
        --reg-param R          L2 strength on the coefficients (default 0)
        --standardization B    true | false: divide each feature by its standard deviation inside the fit, weights
                               reported on the features' scale, as MLlib's (default: true for mlp, false otherwise;
                               the Spark ML linear stages' default is true)
        --dtype D              float32 (default) | float64
        --seed N               seed of the mini-batch shuffle and the initial weights (default: the stage's)
        --master URL           Spark master when not set by spark-submit (default local[*])
        --checkpoint-dir PATH  checkpoints: PATH/state gets the optimizer state every 10 steps (the newest 3
                               kept), PATH/spark the SparkContext's lineage checkpoints
        --resume               continue from the newest valid checkpoint under --checkpoint-dir (same flags)
        --output DIR           where model/, summary.json and loss-curve.png go: a new or empty directory
        --overwrite            replace the outputs of an earlier run in --output
        --verbose              print the stack trace of an error (errors are one line without it)
      """;

  static final List<String> FORMATS = List.of("libsvm", "parquet", "csv", "table");
  static final List<String> MODELS = List.of("logistic", "multinomial", "linear", "hinge", "fm", "fm-regression",
      "mlp");

  static TrainOptions parse(String[] args) {
    String data = null;
    String test = null;
    String format = "libsvm";
    Integer numFeatures = null;
    String labelCol = "label";
    List<String> featuresCols = List.of();
    String model = "logistic";
    String mesh = null;
    Integer steps = null;
    int epochs = 0;
    double tol = 0;
    Integer batchSize = null;
    int stepsPerJob = 0;
    String optimizer = null;
    double regParam = 0;
    String dtype = "float32";
    Long seed = null;
    String master = null;
    String checkpointDir = null;
    boolean resume = false;
    String output = null;
    int factorSize = 8;
    double initStd = 0.01;
    boolean fitLinear = true;
    boolean overwrite = false;
    boolean verbose = false;
    int[] layers = null;
    String activation = "relu";
    Boolean standardization = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      switch (flag) {
        case "--resume" -> resume = true;
        case "--overwrite" -> overwrite = true;
        case "--verbose" -> verbose = true;
        case "--no-linear" -> fitLinear = false;
        default -> { }
      }
      if (List.of("--resume", "--overwrite", "--verbose", "--no-linear").contains(flag)) {
        continue;
      }
      if (!flag.startsWith("--")) {
        throw new UsageException("unexpected argument '" + flag + "'; flags are --name value pairs (--help lists"
            + " them)");
      }
      if (!FLAGS.contains(flag)) {
        throw new UsageException("unknown flag " + flag + "; allowed: " + String.join(", ", FLAGS)
            + ", --resume, --overwrite, --verbose, --no-linear");
      }
      if (i + 1 >= args.length || (args[i + 1].startsWith("--") && !flag.equals("--optimizer"))) {
        throw new UsageException(flag + " needs a value");
      }
      String v = args[++i];
      switch (flag) {
        case "--data" -> data = v;
        case "--test" -> test = v;
        case "--format" -> format = oneOf(flag, v, FORMATS);
        case "--num-features" -> numFeatures = positiveInt(flag, v);
        case "--label-col" -> labelCol = v;
        case "--features-cols" -> featuresCols = columns(flag, v);
        case "--model" -> model = oneOf(flag, v, MODELS);
        case "--mesh" -> mesh = mesh(v);
        case "--steps" -> steps = nonNegativeInt(flag, v);
        case "--epochs" -> epochs = nonNegativeInt(flag, v);
        case "--tol" -> tol = nonNegativeDouble(flag, v);
        case "--batch-size" -> batchSize = nonNegativeInt(flag, v);
        case "--steps-per-job" -> stepsPerJob = nonNegativeInt(flag, v);
        case "--optimizer" -> optimizer = optimizer(v);
        case "--reg-param" -> regParam = nonNegativeDouble(flag, v);
        case "--dtype" -> dtype = oneOf(flag, v, List.of("float32", "float64"));
        case "--seed" -> seed = parseLong(flag, v);
        case "--master" -> master = v;
        case "--checkpoint-dir" -> checkpointDir = v;
        case "--output" -> output = v;
        case "--factor-size" -> factorSize = positiveInt(flag, v);
        case "--init-std" -> initStd = nonNegativeDouble(flag, v);
        case "--layers" -> layers = layerSizes(flag, v);
        case "--activation" -> activation = oneOf(flag, v, List.of("relu", "sigmoid", "tanh"));
        case "--standardization" -> standardization = Boolean.valueOf(oneOf(flag, v, List.of("true", "false")));
        default -> throw new UsageException("unknown flag " + flag);
      }
    }
    if (data == null || output == null) {
      throw new UsageException((data == null ? "--data" : "--output") + " is required (train --help lists the flags)");
    }
    if (resume && checkpointDir == null) {
      throw new UsageException("--resume needs --checkpoint-dir (where the checkpoints are)");
    }
    if (format.equals("libsvm") && (!featuresCols.isEmpty() || !labelCol.equals("label"))) {
      throw new UsageException((featuresCols.isEmpty() ? "--label-col" : "--features-cols")
          + " applies to --format parquet, csv or table; LIBSVM data has its label and features in place");
    }
    if (!format.equals("libsvm") && numFeatures != null) {
      throw new UsageException("--num-features applies to --format libsvm only; with " + format
          + " the features column or --features-cols fix the number of features");
    }
    if (layers != null && !model.equals("mlp")) {
      throw new UsageException("--layers is for --model mlp, got --model " + model);
    }
    return new TrainOptions(data, test, format, numFeatures, labelCol, List.copyOf(featuresCols), model, mesh, steps,
        epochs, tol, batchSize, stepsPerJob, optimizer, regParam, dtype, seed, master, checkpointDir, resume, output,
        factorSize, initStd, fitLinear, overwrite, verbose, layers, activation, standardization);
  }

  private static int[] layerSizes(String flag, String v) {
    String[] parts = v.split(",");
    if (parts.length < 2) {
      throw new UsageException(flag + " must list at least the input size and the number of classes, e.g."
          + " 784,128,10; got '" + v + "'");
    }
    int[] sizes = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      sizes[i] = positiveInt(flag, parts[i].strip());
    }
    return sizes;
  }

  /** The flags that take a value. */
  static final List<String> FLAGS = List.of("--data", "--test", "--format", "--num-features", "--label-col",
      "--features-cols", "--model", "--mesh", "--steps", "--epochs", "--tol", "--batch-size", "--steps-per-job",
      "--optimizer", "--reg-param", "--dtype", "--seed", "--master", "--checkpoint-dir", "--output", "--factor-size",
      "--init-std", "--layers", "--activation", "--standardization");

  boolean binary() {
    return model.equals("logistic") || model.equals("hinge") || model.equals("fm");
  }

  /** Whether the model is a factorization machine. */
  boolean factorizationMachine() {
    return model.startsWith("fm");
  }

  private static String oneOf(String flag, String v, List<String> allowed) {
    String lower = v.toLowerCase(Locale.ROOT);
    if (!allowed.contains(lower)) {
      throw new UsageException(flag + " must be one of " + String.join(", ", allowed) + "; got '" + v + "'");
    }
    return lower;
  }

  private static int positiveInt(String flag, String v) {
    int n = parseInt(flag, v);
    if (n < 1) {
      throw new UsageException(flag + " must be an integer >= 1, got " + v);
    }
    return n;
  }

  private static int nonNegativeInt(String flag, String v) {
    int n = parseInt(flag, v);
    if (n < 0) {
      throw new UsageException(flag + " must be an integer >= 0, got " + v);
    }
    return n;
  }

  private static int parseInt(String flag, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be an integer, got '" + v + "'");
    }
  }

  private static long parseLong(String flag, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be an integer, got '" + v + "'");
    }
  }

  private static double nonNegativeDouble(String flag, String v) {
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be a number, got '" + v + "'");
    }
    if (!(Double.isFinite(d) && d >= 0)) {
      throw new UsageException(flag + " must be a finite number >= 0, got " + v);
    }
    return d;
  }

  private static List<String> columns(String flag, String v) {
    List<String> cols = new ArrayList<>();
    for (String c : v.split(",", -1)) {
      if (c.isBlank()) {
        throw new UsageException(flag + " must be comma-separated column names, got '" + v + "' (an empty name)");
      }
      cols.add(c.strip());
    }
    return cols;
  }

  /** A mesh spec, checked as the estimators check it. */
  private static String mesh(String v) {
    try {
      Mesh.parse(v);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--mesh: " + e.getMessage());
    }
    return v;
  }

  /**
   * A Keras Adagrad config, as JSON text or the file holding it; parsed and checked here so that a
   * bad config is reported before Spark starts.
   */
  private static String optimizer(String v) {
    boolean inline = v.strip().startsWith("{");
    String json;
    if (inline) {
      json = v.strip();
    } else {
      Path p = Path.of(v);
      if (!Files.isRegularFile(p)) {
        throw new UsageException("--optimizer " + v + ": no such file; allowed: a JSON object or a file holding one");
      }
      try {
        json = Files.readString(p);
      } catch (java.io.IOException e) {
        throw new UsageException("--optimizer " + v + ": cannot be read (" + e.getMessage() + ")");
      }
    }
    String what = "--optimizer" + (inline ? "" : " " + v);
    JsonNode node;
    try {
      node = new ObjectMapper().readTree(json);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new UsageException(what + ": not valid JSON" + (at == null ? "" : " at line " + at.getLineNr()
          + ", column " + at.getColumnNr()) + ": " + e.getOriginalMessage());
    }
    try {
      Adagrad.fromConfig(node);
    } catch (IllegalArgumentException e) {
      throw new UsageException(what + ": " + e.getMessage());
    }
    return json;
  }
}
