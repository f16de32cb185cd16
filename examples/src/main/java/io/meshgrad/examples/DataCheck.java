package io.meshgrad.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_block_start;
import static org.apache.spark.sql.functions.input_file_name;

import java.io.Serializable;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Checks a training or test input before the fit and reports its first bad row, naming the flag,
 * file, row, column and the allowed values. The check is one pass in which no task fails (a failed
 * task would print an executor stack trace before the driver sees the error): each partition
 * returns its row counts, what it saw and its first problem, and the driver picks the first problem
 * in file order and turns its position into a row number of its file.
 */
final class DataCheck {
  /** Distinct labels kept at most (enough to tell the classes; a regression label has many). */
  private static final int MAX_LABELS = 1000;

  private DataCheck() {}

  /** The labels a model takes. */
  record LabelRule(String model, int numClasses) implements Serializable {
    /** The rule of {@code --model}; {@code numClasses} > 0 limits multinomial labels to the training data's classes. */
    static LabelRule of(String model, int numClasses) {
      return new LabelRule(model, numClasses);
    }

    /** A problem with one label, or null. */
    String problem(double label) {
      boolean ok = switch (model) {
        case "logistic", "hinge", "fm" -> label == 0 || label == 1 || label == -1;
        case "multinomial" -> label >= 0 && label == Math.rint(label)
            && label < (numClasses > 0 ? numClasses : Integer.MAX_VALUE);
        case "mlp" -> label == -1 || (label >= 0 && label == Math.rint(label)
            && label < (numClasses > 0 ? numClasses : Integer.MAX_VALUE));
        default -> Double.isFinite(label);
      };
      return ok ? null : "label " + number(label) + "; allowed for --model " + model + ": " + allowed();
    }

    String allowed() {
      return switch (model) {
        case "logistic", "hinge", "fm" -> "0 and 1, or -1 and +1";
        case "multinomial" -> numClasses > 0 ? "the classes of the training data, 0 to " + (numClasses - 1)
            : "class indices 0, 1, 2, ...";
        case "mlp" -> numClasses > 0 ? "the classes of the training data, 0 to " + (numClasses - 1)
            : "class indices 0, 1, 2, ..., or -1 and +1 for two classes";
        default -> "finite numbers";
      };
    }

    boolean keepsLabels() {
      return !model.equals("linear") && !model.equals("fm-regression");
    }
  }

  /**
   * What a pass saw: rows, the largest LIBSVM feature index (1-based), the largest label and the
   * distinct labels (classification; the first {@value #MAX_LABELS}).
   */
  record Seen(long rows, int maxFeatureIndex, double maxLabel, TreeSet<Double> labels) {}

  /**
   * Checks a LIBSVM file the way Spark's reader parses it (one record a line, {@code LABEL
   * INDEX:VALUE ...} with indices from 1 increasing, blank and {@code #} lines skipped), and that
   * every index is at most {@code numFeatures} (when given) and every value and label allowed.
   */
  static Seen libsvm(SparkSession spark, String flag, String path, Integer numFeatures, String numFeaturesSource,
      LabelRule rule) {
    Dataset<Row> lines = spark.read().text(path)
        .select(input_file_name(), input_file_block_start(), col("value"));
    int limit = numFeatures == null ? -1 : numFeatures;
    Seen seen = scan(lines.javaRDD(), new LibsvmLine(limit, numFeaturesSource, rule), rule, flag, path, "line");
    return requireRows(seen, flag, path, rule);
  }

  /** The size of the first non-null {@code features} vector, -1 if there is none. */
  static int firstVectorSize(Dataset<Row> data) {
    List<Row> first = data.select("features").filter(col("features").isNotNull()).limit(1).collectAsList();
    return first.isEmpty() ? -1 : ((Vector) first.get(0).get(0)).size();
  }

  /**
   * Checks a data set with a features vector column and a double label column ({@code labelName}
   * names it in messages): no nulls, every feature finite, every vector of {@code size} values
   * ({@code sizeSource} says whose size that is) and every label allowed. {@code featureNames}, when
   * not null, names the columns the vector was assembled from.
   */
  static Seen vectors(Dataset<Row> data, String flag, String path, String labelName, List<String> featureNames,
      int size, String sizeSource, LabelRule rule) {
    Dataset<Row> rows = data.select(input_file_name(), input_file_block_start(), col("label"), col("features"));
    Seen seen = scan(rows.javaRDD(), new VectorRow(labelName, featureNames, size, sizeSource, rule), rule, flag,
        path, "row");
    return requireRows(seen, flag, path, rule);
  }

  private static Seen requireRows(Seen seen, String flag, String path, LabelRule rule) {
    if (seen.rows() == 0) {
      throw new InputException(flag + " " + path + ": no data rows");
    }
    if (List.of("logistic", "hinge", "fm").contains(rule.model()) && seen.labels().contains(-1.0)
        && seen.labels().contains(0.0)) {
      throw new InputException(flag + " " + path + ": labels -1 and 0 both occur; allowed for --model "
          + rule.model() + ": " + rule.allowed());
    }
    return seen;
  }

  /** One check of a row's payload (the columns after the file name and block start). */
  interface RowCheck extends Serializable {
    /** The problem with the row, or null; may record what it saw in {@code stats}. */
    String problem(Row row, PartitionScan stats);
  }

  /** What one partition saw. */
  static final class PartitionScan implements Serializable {
    private static final long serialVersionUID = 1L;
    final int partition;
    /** Rows per (file, block start) in this partition, up to and excluding the first problem. */
    final LinkedHashMap<String, Long> counts = new LinkedHashMap<>();
    final TreeSet<Double> labels = new TreeSet<>();
    int maxFeatureIndex;
    double maxLabel = Double.NEGATIVE_INFINITY;
    long rows;
    String badFile;
    long badBlock;
    long badIndexInBlock;
    String problem;

    PartitionScan(int partition) {
      this.partition = partition;
    }

    void label(double label, boolean keep) {
      maxLabel = Math.max(maxLabel, label);
      if (keep && labels.size() < MAX_LABELS) {
        labels.add(label);
      }
    }
  }

  private static String key(String file, long block) {
    return block + "\u0000" + file;
  }

  static Seen scan(JavaRDD<Row> rows, RowCheck check, LabelRule rule, String flag, String path, String unit) {
    List<PartitionScan> scans = rows.mapPartitionsWithIndex((p, it) -> {
      PartitionScan s = new PartitionScan(p);
      while (it.hasNext() && s.problem == null) {
        Row r = it.next();
        String file = r.isNullAt(0) ? "" : r.getString(0);
        long block = r.isNullAt(1) ? -1 : r.getLong(1);
        String k = key(file, block);
        long before = s.counts.getOrDefault(k, 0L);
        String problem;
        try {
          problem = check.problem(r, s);
        } catch (RuntimeException e) {
          problem = "cannot be read: " + e;
        }
        if (problem != null) {
          s.problem = problem;
          s.badFile = file;
          s.badBlock = block;
          s.badIndexInBlock = before;
        } else {
          s.counts.put(k, before + 1);
          s.rows++;
        }
      }
      return Collections.singletonList(s).iterator();
    }, true).collect();

    PartitionScan bad = scans.stream().filter(s -> s.problem != null)
        .min(Comparator.<PartitionScan, String>comparing(s -> s.badFile).thenComparingLong(s -> s.badBlock)
            .thenComparingInt(s -> s.partition))
        .orElse(null);
    if (bad != null) {
      long before = 0;
      for (PartitionScan s : scans) {
        for (Map.Entry<String, Long> e : s.counts.entrySet()) {
          int sep = e.getKey().indexOf('\u0000');
          long block = Long.parseLong(e.getKey().substring(0, sep));
          String file = e.getKey().substring(sep + 1);
          if (file.equals(bad.badFile)
              && (block < bad.badBlock || (block == bad.badBlock && s.partition < bad.partition))) {
            before += e.getValue();
          }
        }
      }
      String where = bad.badFile.isEmpty() || isTheInput(bad.badFile, path) ? path
          : path + " (" + shown(bad.badFile) + ")";
      throw new InputException(flag + " " + where + " " + unit + " " + (before + bad.badIndexInBlock + 1) + ": "
          + bad.problem);
    }
    long total = 0;
    int maxIndex = 0;
    double maxLabel = Double.NEGATIVE_INFINITY;
    TreeSet<Double> labels = new TreeSet<>();
    for (PartitionScan s : scans) {
      total += s.rows;
      maxIndex = Math.max(maxIndex, s.maxFeatureIndex);
      maxLabel = Math.max(maxLabel, s.maxLabel);
      if (rule.keepsLabels()) {
        labels.addAll(s.labels);
      }
    }
    return new Seen(total, maxIndex, maxLabel, labels);
  }

  /** Whether Spark's file URI {@code file} is the file the user named (then the name alone is enough). */
  private static boolean isTheInput(String file, String path) {
    java.nio.file.Path local = PathChecks.local(path);
    return local != null && shown(file).equals(local.toAbsolutePath().normalize().toString());
  }

  /** A {@code file:} URI as a local path, other URIs as they are. */
  private static String shown(String file) {
    if (!file.startsWith("file:")) {
      return file;
    }
    String p = file.substring("file:".length());
    while (p.startsWith("//")) {
      p = p.substring(1);
    }
    return java.net.URLDecoder.decode(p.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
  }

  static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%d", (long) v);
    }
    return Double.toString(v);
  }

  /** One LIBSVM line, parsed as Spark's reader does (MLUtils.parseLibSVMRecord). */
  private record LibsvmLine(int numFeatures, String numFeaturesSource, LabelRule rule) implements RowCheck {
    @Override
    public String problem(Row row, PartitionScan stats) {
      String line = row.isNullAt(2) ? "" : row.getString(2).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        return null;
      }
      String[] items = line.split(" ");
      double label;
      try {
        label = Double.parseDouble(items[0]);
      } catch (NumberFormatException e) {
        return "label '" + items[0] + "' is not a number; LIBSVM lines are LABEL INDEX:VALUE ...";
      }
      String labelProblem = rule.problem(label);
      if (labelProblem != null) {
        return labelProblem;
      }
      int previous = 0;
      for (int i = 1; i < items.length; i++) {
        String item = items[i];
        if (item.isEmpty()) {
          continue;
        }
        int colon = item.indexOf(':');
        if (colon < 0 || item.indexOf(':', colon + 1) >= 0) {
          return "'" + item + "' is not INDEX:VALUE";
        }
        int index;
        try {
          index = Integer.parseInt(item.substring(0, colon));
        } catch (NumberFormatException e) {
          return "feature index '" + item.substring(0, colon) + "' is not an integer";
        }
        if (index < 1) {
          return "feature index " + index + "; LIBSVM feature indices start at 1";
        }
        if (index <= previous) {
          return "feature index " + index + " follows " + previous + "; indices must increase along a line";
        }
        if (numFeatures > 0 && index > numFeatures) {
          return "feature index " + index + " is beyond " + numFeaturesSource + " (allowed: 1 to " + numFeatures
              + ")";
        }
        double value;
        try {
          value = Double.parseDouble(item.substring(colon + 1));
        } catch (NumberFormatException e) {
          return "value '" + item.substring(colon + 1) + "' of feature " + index + " is not a number";
        }
        if (!Double.isFinite(value)) {
          return "feature " + index + " is " + value + "; allowed: finite numbers";
        }
        previous = index;
      }
      stats.maxFeatureIndex = Math.max(stats.maxFeatureIndex, previous);
      stats.label(label, rule.keepsLabels());
      return null;
    }
  }

  /** One row of a data set with a label and a features vector. */
  private record VectorRow(String labelName, List<String> featureNames, int size, String sizeSource,
      LabelRule rule) implements RowCheck {
    @Override
    public String problem(Row row, PartitionScan stats) {
      if (row.isNullAt(2)) {
        return "label column '" + labelName + "' is null or not a number; allowed for --model " + rule.model()
            + ": " + rule.allowed();
      }
      double label = row.getDouble(2);
      String labelProblem = rule.problem(label);
      if (labelProblem != null) {
        return "column '" + labelName + "': " + labelProblem;
      }
      if (row.isNullAt(3)) {
        return "the features are null";
      }
      Vector v = (Vector) row.get(3);
      if (size >= 0 && v.size() != size) {
        return "the features have " + v.size() + " values; " + sizeSource + " has " + size;
      }
      int bad = firstNonFinite(v);
      if (bad >= 0) {
        double x = v.apply(bad);
        String name = featureNames != null && bad < featureNames.size()
            ? "column '" + featureNames.get(bad) + "'" : "feature " + bad + " (0-based)";
        return name + " is " + (Double.isNaN(x) ? "null or NaN" : Double.toString(x)) + "; allowed: finite numbers";
      }
      stats.label(label, rule.keepsLabels());
      return null;
    }
  }

  /** The index of the first NaN or infinite value of {@code v}, -1 if all are finite. */
  static int firstNonFinite(Vector v) {
    if (v instanceof SparseVector sv) {
      for (int k = 0; k < sv.values().length; k++) {
        if (!Double.isFinite(sv.values()[k])) {
          return sv.indices()[k];
        }
      }
      return -1;
    }
    double[] values = v.toArray();
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        return i;
      }
    }
    return -1;
  }
}
