package io.meshgrad.data;

import io.meshgrad.loss.Instance;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A <b>synthetic</b> click-through data set, generated on the fly from a seed (no file, nothing
 * held in memory): each row has {@code fields} categorical fields whose values follow a power law
 * (a few values are very frequent, most are rare, as user, ad and site ids are), each {@code (field,
 * value)} pair hashed to one of {@code 2^hashBits} features with value 1 (colliding pairs add up);
 * the label is a click drawn from a <em>planted</em> factorization machine on those features:
 * {@code P(click | x) = sigmoid(b + sum_j w_j x_j + sum_{j<l} <V_j, V_l> x_j x_l)}.
 *
 * <p>The planted weights are themselves a function of the seed and the feature index ({@code w_j =
 * linearStd * N_j}, {@code V_jf = factorStd * N_jf} with {@code N} standard normals from a hash), so
 * the generator stays small whatever {@code 2^hashBits} is, and every row carries the planted
 * margin: the AUC of {@code plantedMargin} against {@code label} on any set of rows ({@link
 * #plantedAuc}) is what a perfect model would score there, the ceiling against which a learned
 * model's AUC is read.
 *
 * <p>Row {@code r} depends only on the seed, the settings and {@code r} (not on how the rows are
 * partitioned), so the same rows come out of {@link #rows} in process and of {@link #dataFrame} on
 * any number of partitions. Value ranks are drawn from the continuous power law {@code p(r) ~
 * r^-zipfExponent} on {@code [1, valuesPerField + 1)} and floored, which gives Zipf-like
 * frequencies in O(1) per draw.
 */
public final class SyntheticClicks implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Schema of {@link #dataFrame}: {@code features} (vector), {@code label} (0/1), {@code plantedMargin}. */
  public static final StructType SCHEMA = new StructType()
      .add("features", SQLDataTypes.VectorType(), false)
      .add("label", DataTypes.DoubleType, false)
      .add("plantedMargin", DataTypes.DoubleType, false);

  private final long seed;
  private final int hashBits;
  private final int fields;
  private final int valuesPerField;
  private final double zipfExponent;
  private final int factorSize;
  private final double bias;
  private final double linearStd;
  private final double factorStd;

  private SyntheticClicks(Builder b) {
    this.seed = b.seed;
    this.hashBits = b.hashBits;
    this.fields = b.fields;
    this.valuesPerField = b.valuesPerField;
    this.zipfExponent = b.zipfExponent;
    this.factorSize = b.factorSize;
    this.bias = b.bias;
    this.linearStd = b.linearStd;
    this.factorStd = b.factorStd;
  }

  /** A builder with the defaults: seed 0, 2^20 features, 16 fields of 100000 values, exponent 1.1, k = 8. */
  public static Builder builder() {
    return new Builder();
  }

  /** Number of features, {@code 2^hashBits}. */
  public int numFeatures() {
    return 1 << hashBits;
  }

  /** Factor size of the planted model. */
  public int factorSize() {
    return factorSize;
  }

  /** Row {@code r}'s features, label and planted margin. */
  public Instance row(long r) {
    SparseVector x = features(r);
    double margin = plantedMargin(x);
    double u = uniform(mix(seed ^ 0x5DEECE66DL, r, -2));
    double p = 1.0 / (1.0 + Math.exp(-margin));
    return new Instance(u < p ? 1.0 : 0.0, 1.0, x);
  }

  /** Row {@code r}'s features: one hashed one-hot entry per field, colliding entries summed. */
  public SparseVector features(long r) {
    int[] idx = new int[fields];
    for (int f = 0; f < fields; f++) {
      long rank = valueRank(uniform(mix(seed, r, f)));
      idx[f] = (int) (mix(seed ^ 0x2545F4914F6CDD1DL, f, rank) & (numFeatures() - 1));
    }
    Arrays.sort(idx);
    int[] outIdx = new int[fields];
    double[] outVal = new double[fields];
    int n = 0;
    for (int j : idx) {
      if (n > 0 && outIdx[n - 1] == j) {
        outVal[n - 1] += 1.0;
      } else {
        outIdx[n] = j;
        outVal[n++] = 1.0;
      }
    }
    return new SparseVector(numFeatures(), Arrays.copyOf(outIdx, n), Arrays.copyOf(outVal, n));
  }

  /** The planted model's margin {@code b + sum_j w_j x_j + sum_{j<l} <V_j, V_l> x_j x_l} of {@code x}. */
  public double plantedMargin(SparseVector x) {
    int[] idx = x.indices();
    double[] val = x.values();
    double linear = 0.0;
    double interaction = 0.0;
    for (int f = 0; f < factorSize; f++) {
      double sum = 0.0;
      double squares = 0.0;
      for (int p = 0; p < idx.length; p++) {
        double vx = plantedFactor(idx[p], f) * val[p];
        sum += vx;
        squares += vx * vx;
      }
      interaction += sum * sum - squares;
    }
    for (int p = 0; p < idx.length; p++) {
      linear += plantedLinear(idx[p]) * val[p];
    }
    return bias + linear + 0.5 * interaction;
  }

  /** The planted linear weight {@code w_j}. */
  public double plantedLinear(int j) {
    return linearStd * gaussian(mix(seed ^ 0x632BE59BD9B4E019L, j, -1));
  }

  /** The planted factor {@code V_jf}. */
  public double plantedFactor(int j, int f) {
    return factorStd * gaussian(mix(seed ^ 0x632BE59BD9B4E019L, j, f));
  }

  /** Rows {@code [from, to)}, made one at a time as the iterator is read. */
  public Iterator<Instance> rows(long from, long to) {
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("rows must be a range 0 <= from <= to, got [" + from + ", " + to + ")");
    }
    return new Iterator<>() {
      private long next = from;

      @Override
      public boolean hasNext() {
        return next < to;
      }

      @Override
      public Instance next() {
        if (next >= to) {
          throw new NoSuchElementException("no row after " + (to - 1));
        }
        return row(next++);
      }
    };
  }

  /**
   * Rows {@code [0, numRows)} as a DataFrame of {@link #SCHEMA} in {@code numPartitions}
   * contiguous ranges; each partition generates its rows when computed (not cached: persist it if it
   * is read more than once).
   */
  public Dataset<Row> dataFrame(SparkSession spark, long numRows, int numPartitions) {
    if (numRows < 1) {
      throw new IllegalArgumentException("numRows must be >= 1, got " + numRows);
    }
    if (numPartitions < 1) {
      throw new IllegalArgumentException("numPartitions must be >= 1, got " + numPartitions);
    }
    List<long[]> ranges = new ArrayList<>();
    for (int p = 0; p < numPartitions; p++) {
      ranges.add(new long[] {numRows * p / numPartitions, numRows * (p + 1) / numPartitions});
    }
    SyntheticClicks generator = this;
    JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(ranges, numPartitions)
        .flatMap(range -> {
          Iterator<Instance> it = generator.rows(range[0], range[1]);
          return new Iterator<Row>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Row next() {
              Instance i = it.next();
              SparseVector x = (SparseVector) i.features();
              return RowFactory.create(x, i.label(), generator.plantedMargin(x));
            }
          };
        });
    return spark.createDataFrame(rows, SCHEMA);
  }

  /** The AUC of the planted margin against the label on {@code rows} (columns of {@link #SCHEMA}). */
  public static double plantedAuc(Dataset<Row> rows) {
    return new org.apache.spark.ml.evaluation.BinaryClassificationEvaluator().setRawPredictionCol("plantedMargin")
        .setLabelCol("label").setMetricName("areaUnderROC").evaluate(rows);
  }

  /** The rank in {@code [0, valuesPerField)} of a uniform draw {@code u} under the power law. */
  private long valueRank(double u) {
    double n = valuesPerField + 1.0;
    double s = zipfExponent;
    double x = Math.abs(s - 1.0) < 1e-9
        ? Math.exp(u * Math.log(n))
        : Math.pow(1.0 + u * (Math.pow(n, 1.0 - s) - 1.0), 1.0 / (1.0 - s));
    return Math.min(valuesPerField - 1, Math.max(0, (long) Math.floor(x) - 1));
  }

  /** A hash of three longs (SplitMix64's finalizer, chained). */
  private static long mix(long a, long b, long c) {
    return mix64(mix64(mix64(a) ^ b) + c);
  }

  private static long mix64(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in {@code [0, 1)} from the top 53 bits. */
  private static double uniform(long h) {
    return (h >>> 11) * 0x1.0p-53;
  }

  /** A standard normal from one hash (Box-Muller on two derived uniforms). */
  private static double gaussian(long h) {
    double u1 = uniform(mix64(h)) + 0x1.0p-54;
    double u2 = uniform(mix64(h ^ 0x7F4A7C159E3779B9L));
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  @Override
  public String toString() {
    return "SyntheticClicks(seed=" + seed + ", 2^" + hashBits + " features, " + fields + " fields of "
        + valuesPerField + " values, zipfExponent=" + zipfExponent + ", planted FM k=" + factorSize + ", bias="
        + bias + ", linearStd=" + linearStd + ", factorStd=" + factorStd + ")";
  }

  /** Settings of a {@link SyntheticClicks}; every setter checks its value and names it on error. */
  public static final class Builder {
    private long seed = 0L;
    private int hashBits = 20;
    private int fields = 16;
    private int valuesPerField = 100_000;
    private double zipfExponent = 1.1;
    private int factorSize = 8;
    private double bias = -1.5;
    private double linearStd = 0.3;
    private double factorStd = 0.25;

    private Builder() {}

    public Builder seed(long value) {
      seed = value;
      return this;
    }

    /** Features are {@code 2^hashBits}, {@code 1 <= hashBits <= 30}. */
    public Builder hashBits(int value) {
      require(value >= 1 && value <= 30, "hashBits must be in [1, 30], got " + value);
      hashBits = value;
      return this;
    }

    /** Categorical fields per row, {@code >= 1}. */
    public Builder fields(int value) {
      require(value >= 1, "fields must be >= 1, got " + value);
      fields = value;
      return this;
    }

    /** Distinct values of each field, {@code >= 1}. */
    public Builder valuesPerField(int value) {
      require(value >= 1, "valuesPerField must be >= 1, got " + value);
      valuesPerField = value;
      return this;
    }

    /** Power-law exponent of the value frequencies, {@code > 0} (about 1: Zipf). */
    public Builder zipfExponent(double value) {
      require(Double.isFinite(value) && value > 0, "zipfExponent must be a finite number > 0, got " + value);
      zipfExponent = value;
      return this;
    }

    /** Factor size of the planted FM, {@code >= 1}. */
    public Builder factorSize(int value) {
      require(value >= 1, "factorSize must be >= 1, got " + value);
      factorSize = value;
      return this;
    }

    /** The planted bias (sets the click rate: about {@code sigmoid(bias)} when the rest is small). */
    public Builder bias(double value) {
      require(Double.isFinite(value), "bias must be finite, got " + value);
      bias = value;
      return this;
    }

    /** Standard deviation of the planted linear weights, {@code >= 0}. */
    public Builder linearStd(double value) {
      require(Double.isFinite(value) && value >= 0, "linearStd must be a finite number >= 0, got " + value);
      linearStd = value;
      return this;
    }

    /** Standard deviation of the planted factors, {@code >= 0}. */
    public Builder factorStd(double value) {
      require(Double.isFinite(value) && value >= 0, "factorStd must be a finite number >= 0, got " + value);
      factorStd = value;
      return this;
    }

    public SyntheticClicks build() {
      return new SyntheticClicks(this);
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
