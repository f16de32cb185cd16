package io.meshgrad.loss;

import io.meshgrad.support.Checks;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.DoubleConsumer;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * Rows packed for fast evaluation: labels, weights ({@code null} when all are 1), and features,
 * stored either dense row-major ({@code numRows x numFeatures}, element {@code (i, j)} at {@code
 * i * numFeatures + j}) or in CSR form (row pointers, column indices and values of the non-zeros).
 *
 * <p>Immutable and serializable. Build blocks with {@link #blockify}, or from a list of rows with
 * {@link #fromInstances}, {@link #dense} or {@link #sparse}; all of them validate every row.
 */
public final class InstanceBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The default target block size: 1 MiB, as Spark MLlib's {@code maxBlockSizeInMB} default. */
  public static final long DEFAULT_MAX_BYTES = 1L << 20;

  private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
  private static final long ARRAY_HEADER_BYTES = 12L;

  private final int numRows;
  private final int numFeatures;
  private final double[] labels;
  private final double[] weights;
  private final double weightSum;
  private final double[] denseValues;
  private final int[] rowPtr;
  private final int[] colIndices;
  private final double[] csrValues;

  private InstanceBlock(
      int numFeatures,
      double[] labels,
      double[] weights,
      double weightSum,
      double[] denseValues,
      int[] rowPtr,
      int[] colIndices,
      double[] csrValues) {
    this.numRows = labels.length;
    this.numFeatures = numFeatures;
    this.labels = labels;
    this.weights = weights;
    this.weightSum = weightSum;
    this.denseValues = denseValues;
    this.rowPtr = rowPtr;
    this.colIndices = colIndices;
    this.csrValues = csrValues;
  }

  /**
   * Packs rows into blocks of at most {@code maxBytes} estimated bytes each; a row that alone
   * exceeds {@code maxBytes} forms its own block. Each block is stored dense or CSR, whichever is
   * estimated smaller (as Spark's {@code InstanceBlock.blokifyWithMaxMemUsage}). Rows keep their
   * order. The iterator is lazy: it reads rows only as blocks are requested.
   *
   * @throws IllegalArgumentException from {@code next()}, naming the row's 0-based position in
   *     {@code rows}, when a row's features do not have size {@code numFeatures}, a feature, label
   *     or weight is not finite, or a weight is negative
   * @see #estimateSizeInBytes
   */
  public static Iterator<InstanceBlock> blockify(
      Iterator<Instance> rows, int numFeatures, long maxBytes) {
    return blockify(rows, numFeatures, maxBytes, label -> {});
  }

  /**
   * As {@link #blockify(Iterator, int, long)}, also checking each label with {@code
   * labelValidator} (typically {@code loss::validateLabel}); its {@link IllegalArgumentException}
   * is rethrown with the row's position prepended.
   */
  public static Iterator<InstanceBlock> blockify(
      Iterator<Instance> rows, int numFeatures, long maxBytes, DoubleConsumer labelValidator) {
    Checks.require(rows != null, "rows must be an iterator, got null");
    requireNumFeatures(numFeatures);
    Checks.require(maxBytes > 0, "maxBytes must be > 0, got " + maxBytes);
    Checks.require(labelValidator != null, "labelValidator must be non-null, got null");
    return new Blockifier(rows, numFeatures, maxBytes, labelValidator);
  }

  /** One block of {@code rows}, stored dense or CSR, whichever is estimated smaller. */
  public static InstanceBlock fromInstances(List<Instance> rows, int numFeatures) {
    long nnz = validateAll(rows, numFeatures);
    return build(rows, numFeatures, nnz, preferSparse(numFeatures, rows.size(), nnz));
  }

  /** One block of {@code rows}, stored dense row-major. */
  public static InstanceBlock dense(List<Instance> rows, int numFeatures) {
    long nnz = validateAll(rows, numFeatures);
    return build(rows, numFeatures, nnz, false);
  }

  /** One block of {@code rows}, stored CSR. */
  public static InstanceBlock sparse(List<Instance> rows, int numFeatures) {
    long nnz = validateAll(rows, numFeatures);
    return build(rows, numFeatures, nnz, true);
  }

  /**
   * One CSR block of rows of CSR blocks: row {@code i} is row {@code rows[i]} of {@code
   * sources[i]} (all of {@code numFeatures} features). The same block, bit for bit, as {@link
   * #sparse} of those rows ({@link #row}), with the same checks, without building a vector per row:
   * the per-step gathering of a mini-batch.
   *
   * @throws IllegalArgumentException if the lists are empty or of different lengths, a source is
   *     not CSR or has another number of features, or a row is not valid (see {@link #blockify})
   */
  public static InstanceBlock sparseRows(InstanceBlock[] sources, int[] rows, int numFeatures) {
    requireNumFeatures(numFeatures);
    Checks.require(sources != null && rows != null && sources.length == rows.length,
        "sources and rows must be arrays of the same length");
    int n = rows.length;
    Checks.require(n > 0, "a block needs at least 1 row, got 0");
    double[] labels = new double[n];
    double[] weights = new double[n];
    boolean unitWeights = true;
    double weightSum = 0.0;
    long nnz = 0;
    for (int i = 0; i < n; i++) {
      InstanceBlock b = sources[i];
      int r = rows[i];
      Objects.checkIndex(r, b.numRows);
      if (!b.isSparse() || b.numFeatures != numFeatures) {
        throw rowError(i, "expected a row of a CSR block of " + numFeatures + " features, got one of " + b);
      }
      double label = b.labels[r];
      double weight = b.weight(r);
      if (!Double.isFinite(label)) {
        throw rowError(i, "label must be finite, got " + label);
      }
      if (!(Double.isFinite(weight) && weight >= 0)) {
        throw rowError(i, "weight must be finite and >= 0, got " + weight);
      }
      labels[i] = label;
      weights[i] = weight;
      unitWeights &= weight == 1.0;
      weightSum += weight;
      for (int p = b.rowPtr[r], end = b.rowPtr[r + 1]; p < end; p++) {
        nnz += checkFinite(b.csrValues[p], b.colIndices[p], i);
      }
    }
    Checks.require(nnz <= MAX_ARRAY_LENGTH, "a CSR block can hold at most " + MAX_ARRAY_LENGTH + " non-zeros, got " + nnz);
    int[] rowPtr = new int[n + 1];
    int[] colIndices = new int[(int) nnz];
    double[] values = new double[(int) nnz];
    int q = 0;
    for (int i = 0; i < n; i++) {
      InstanceBlock b = sources[i];
      int[] cols = b.colIndices;
      double[] vs = b.csrValues;
      for (int p = b.rowPtr[rows[i]], end = b.rowPtr[rows[i] + 1]; p < end; p++) {
        if (vs[p] != 0.0) {
          colIndices[q] = cols[p];
          values[q++] = vs[p];
        }
      }
      rowPtr[i + 1] = q;
    }
    return new InstanceBlock(numFeatures, labels, unitWeights ? null : weights, weightSum, null, rowPtr, colIndices,
        values);
  }

  /**
   * Estimated heap size of a block, as Spark's {@code InstanceBlock.getBlockMemUsage}: the smaller
   * of the dense ({@code 8 n d}) and CSR ({@code 12 nnz + 4 (n + 1)}) feature matrices plus the
   * labels and, unless all weights are 1, the weights ({@code 8 n} each), plus array headers.
   */
  public static long estimateSizeInBytes(
      int numFeatures, long numRows, long numNonzeros, boolean unitWeights) {
    long matrix =
        Math.min(denseMatrixBytes(numFeatures, numRows), csrMatrixBytes(numRows, numNonzeros));
    return matrix + vectorBytes(numRows, unitWeights);
  }

  /** Number of rows, at least 1. */
  public int numRows() {
    return numRows;
  }

  /** Size of every row's features vector. */
  public int numFeatures() {
    return numFeatures;
  }

  /** Whether the features are stored CSR (otherwise dense row-major). */
  public boolean isSparse() {
    return rowPtr != null;
  }

  /** Sum of the rows' weights (the number of rows when all weights are 1). */
  public double weightSum() {
    return weightSum;
  }

  /** Whether every row has weight 1 (then no weights array is stored). */
  public boolean hasUnitWeights() {
    return weights == null;
  }

  /** Label of row {@code i}. */
  public double label(int i) {
    return labels[i];
  }

  /** Weight of row {@code i}. */
  public double weight(int i) {
    return weights == null ? 1.0 : weights[i];
  }

  /** Number of stored feature values: non-zeros for CSR, {@code numRows * numFeatures} dense. */
  public long numStoredValues() {
    return isSparse() ? csrValues.length : denseValues.length;
  }

  /** Estimated heap size of this block in its actual layout (see {@link #estimateSizeInBytes}). */
  public long estimatedSizeInBytes() {
    long matrix =
        isSparse()
            ? csrMatrixBytes(numRows, csrValues.length)
            : denseMatrixBytes(numFeatures, numRows);
    return matrix + vectorBytes(numRows, hasUnitWeights());
  }

  /** Row {@code i} as an {@link Instance} with a new features vector, dense or sparse as stored. */
  public Instance row(int i) {
    Objects.checkIndex(i, numRows);
    Vector features;
    if (isSparse()) {
      int from = rowPtr[i];
      int to = rowPtr[i + 1];
      features =
          new SparseVector(
              numFeatures,
              Arrays.copyOfRange(colIndices, from, to),
              Arrays.copyOfRange(csrValues, from, to));
    } else {
      int from = i * numFeatures;
      features = new DenseVector(Arrays.copyOfRange(denseValues, from, from + numFeatures));
    }
    return new Instance(labels[i], weight(i), features);
  }

  /**
   * This sparse block over only the features {@code rows}: each stored column {@code j} becomes
   * its position in {@code rows}, and the block has {@code rows.length} features. A kernel run on
   * it with the weights of just those rows computes, in the same order, what it computes on this
   * block with the whole weights (the renumbering is increasing, so each row's values keep their
   * order). Labels, weights and values are shared with this block. O(stored values + rows.length)
   * through a hash table of {@code rows} when the block stores at least as many values as there
   * are rows, else O(stored values * log rows.length) by binary search.
   *
   * @param rows increasing, distinct features that include every column this block stores
   * @throws IllegalArgumentException if this block is dense, {@code rows} is not increasing, or a
   *     stored column is not in {@code rows}
   */
  public InstanceBlock onRows(int[] rows) {
    // checks build their message only when they fail: this runs for every block of every pulled step
    if (!isSparse()) {
      throw new IllegalArgumentException("onRows needs a sparse (CSR) block, got a dense one: " + this);
    }
    for (int i = 1; i < rows.length; i++) {
      if (rows[i] <= rows[i - 1]) {
        throw new IllegalArgumentException("rows must be increasing and distinct, got rows[" + (i - 1) + "]="
            + rows[i - 1] + ", rows[" + i + "]=" + rows[i]);
      }
    }
    int end = rowPtr[numRows];
    int[] positions = end >= rows.length ? positionsByHash(rows, end) : positionsBySearch(rows, end);
    return new InstanceBlock(rows.length, labels, weights, weightSum, null, rowPtr, positions, csrValues);
  }

  private int[] positionsBySearch(int[] rows, int end) {
    int[] positions = new int[end];
    for (int p = 0; p < end; p++) {
      int at = Arrays.binarySearch(rows, colIndices[p]);
      if (at < 0) {
        throw missingColumn(colIndices[p]);
      }
      positions[p] = at;
    }
    return positions;
  }

  /** As {@link #positionsBySearch}, through an open-addressing table of {@code rows} (Fibonacci hashing, linear probing). */
  private int[] positionsByHash(int[] rows, int end) {
    int capacity = Integer.highestOneBit(2 * Math.max(1, rows.length) - 1) << 1; // a power of two >= 2 * rows
    int shift = 32 - Integer.numberOfTrailingZeros(capacity);
    int mask = capacity - 1;
    int[] keys = new int[capacity];
    int[] at = new int[capacity];
    Arrays.fill(keys, -1); // features are >= 0
    for (int i = 0; i < rows.length; i++) {
      int h = (rows[i] * 0x9E3779B9) >>> shift;
      while (keys[h] != -1) {
        h = (h + 1) & mask;
      }
      keys[h] = rows[i];
      at[h] = i;
    }
    int[] positions = new int[end];
    for (int p = 0; p < end; p++) {
      int column = colIndices[p];
      int h = (column * 0x9E3779B9) >>> shift;
      while (keys[h] != column) {
        if (keys[h] == -1) {
          throw missingColumn(column);
        }
        h = (h + 1) & mask;
      }
      positions[p] = at[h];
    }
    return positions;
  }

  private static IllegalArgumentException missingColumn(int column) {
    return new IllegalArgumentException("rows must include every stored column, column " + column + " is missing");
  }

  @Override
  public String toString() {
    return "InstanceBlock(numRows=" + numRows + ", numFeatures=" + numFeatures
        + ", layout=" + (isSparse() ? "CSR, nnz=" + csrValues.length : "dense")
        + ", weightSum=" + weightSum + ")";
  }

  // ---- raw storage, for the kernels of losses and models: read only, never modify ----

  /** The labels, one per row (the block's own array: read only). */
  public double[] labels() {
    return labels;
  }

  /** The weights, one per row, or {@code null} when all are 1 (the block's own array: read only). */
  public double[] weights() {
    return weights;
  }

  /** Row-major {@code numRows x numFeatures} values, or {@code null} when sparse (read only). */
  public double[] denseValues() {
    return denseValues;
  }

  /** CSR row pointers (length {@code numRows + 1}), or {@code null} when dense (read only). */
  public int[] rowPtr() {
    return rowPtr;
  }

  /** CSR column indices of each row's stored values, or {@code null} when dense (read only). */
  public int[] colIndices() {
    return colIndices;
  }

  /** CSR values, or {@code null} when dense (read only). */
  public double[] csrValues() {
    return csrValues;
  }

  // ---- building ----

  private static long denseMatrixBytes(int numFeatures, long numRows) {
    return Double.BYTES * (long) numFeatures * numRows + ARRAY_HEADER_BYTES;
  }

  private static long csrMatrixBytes(long numRows, long numNonzeros) {
    return (Double.BYTES + Integer.BYTES) * numNonzeros
        + Integer.BYTES * (numRows + 1)
        + 3 * ARRAY_HEADER_BYTES;
  }

  private static long vectorBytes(long numRows, boolean unitWeights) {
    return Double.BYTES * numRows * (unitWeights ? 1 : 2) + 2 * ARRAY_HEADER_BYTES;
  }

  private static boolean denseFitsArray(int numFeatures, long numRows) {
    return (long) numFeatures * numRows <= MAX_ARRAY_LENGTH;
  }

  private static boolean preferSparse(int numFeatures, long numRows, long nnz) {
    if (!denseFitsArray(numFeatures, numRows)) {
      return true;
    }
    return csrMatrixBytes(numRows, nnz) < denseMatrixBytes(numFeatures, numRows);
  }

  /** Whether a block of this shape can be stored in Java arrays in its preferred layout. */
  private static boolean representable(int numFeatures, long numRows, long nnz) {
    return numRows <= MAX_ARRAY_LENGTH - 1
        && (preferSparse(numFeatures, numRows, nnz)
            ? nnz <= MAX_ARRAY_LENGTH
            : denseFitsArray(numFeatures, numRows));
  }

  private static void requireNumFeatures(int numFeatures) {
    Checks.require(numFeatures >= 0, "numFeatures must be >= 0, got " + numFeatures);
  }

  private static long validateAll(List<Instance> rows, int numFeatures) {
    Checks.require(rows != null, "rows must be a list, got null");
    requireNumFeatures(numFeatures);
    Checks.require(!rows.isEmpty(), "a block needs at least 1 row, got 0");
    long nnz = 0;
    for (int i = 0; i < rows.size(); i++) {
      nnz += validate(rows.get(i), i, numFeatures, label -> {});
    }
    return nnz;
  }

  /** Checks one row and returns its number of non-zero features. */
  private static long validate(
      Instance row, long position, int numFeatures, DoubleConsumer labelValidator) {
    if (row == null) {
      throw rowError(position, "expected an Instance, got null");
    }
    Vector features = row.features();
    if (features == null) {
      throw rowError(position, "features must be a vector of size " + numFeatures + ", got null");
    }
    if (features.size() != numFeatures) {
      throw rowError(
          position,
          "features must have size " + numFeatures + " (numFeatures), got size " + features.size());
    }
    if (!Double.isFinite(row.label())) {
      throw rowError(position, "label must be finite, got " + row.label());
    }
    if (!(Double.isFinite(row.weight()) && row.weight() >= 0)) {
      throw rowError(position, "weight must be finite and >= 0, got " + row.weight());
    }
    try {
      labelValidator.accept(row.label());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("row " + position + ": " + e.getMessage(), e);
    }
    long nnz = 0;
    if (features instanceof SparseVector sv) {
      int[] indices = sv.indices();
      double[] values = sv.values();
      for (int p = 0; p < values.length; p++) {
        nnz += checkFinite(values[p], indices[p], position);
      }
    } else {
      double[] values = features instanceof DenseVector dv ? dv.values() : features.toArray();
      for (int j = 0; j < values.length; j++) {
        nnz += checkFinite(values[j], j, position);
      }
    }
    return nnz;
  }

  /** Returns 1 for a non-zero, 0 for a zero, throws for a non-finite value. */
  private static int checkFinite(double value, int featureIndex, long position) {
    if (!Double.isFinite(value)) {
      throw rowError(
          position, "features must be finite, got " + value + " at feature index " + featureIndex);
    }
    return value != 0.0 ? 1 : 0;
  }

  private static IllegalArgumentException rowError(long position, String problem) {
    return new IllegalArgumentException("row " + position + ": " + problem);
  }

  /** Packs already validated rows; {@code nnz} is their total number of non-zero features. */
  private static InstanceBlock build(
      List<Instance> rows, int numFeatures, long nnz, boolean sparse) {
    int n = rows.size();
    double[] labels = new double[n];
    double[] weights = new double[n];
    boolean unitWeights = true;
    double weightSum = 0.0;
    for (int i = 0; i < n; i++) {
      Instance row = rows.get(i);
      labels[i] = row.label();
      weights[i] = row.weight();
      unitWeights &= row.weight() == 1.0;
      weightSum += row.weight();
    }
    if (unitWeights) {
      weights = null;
    }
    if (sparse) {
      Checks.require(
          nnz <= MAX_ARRAY_LENGTH,
          "a CSR block can hold at most " + MAX_ARRAY_LENGTH + " non-zeros, got " + nnz);
      int[] rowPtr = new int[n + 1];
      int[] colIndices = new int[(int) nnz];
      double[] values = new double[(int) nnz];
      int p = 0;
      for (int i = 0; i < n; i++) {
        p = appendNonZeros(rows.get(i).features(), colIndices, values, p);
        rowPtr[i + 1] = p;
      }
      return new InstanceBlock(
          numFeatures, labels, weights, weightSum, null, rowPtr, colIndices, values);
    }
    Checks.require(
        denseFitsArray(numFeatures, n),
        "a dense block can hold at most " + MAX_ARRAY_LENGTH + " values, got " + n + " rows x "
            + numFeatures + " features");
    double[] values = new double[n * numFeatures];
    for (int i = 0; i < n; i++) {
      copyDense(rows.get(i).features(), values, i * numFeatures);
    }
    return new InstanceBlock(numFeatures, labels, weights, weightSum, values, null, null, null);
  }

  private static int appendNonZeros(Vector features, int[] colIndices, double[] values, int p) {
    if (features instanceof SparseVector sv) {
      int[] indices = sv.indices();
      double[] vs = sv.values();
      for (int q = 0; q < vs.length; q++) {
        if (vs[q] != 0.0) {
          colIndices[p] = indices[q];
          values[p++] = vs[q];
        }
      }
    } else {
      double[] vs = features instanceof DenseVector dv ? dv.values() : features.toArray();
      for (int j = 0; j < vs.length; j++) {
        if (vs[j] != 0.0) {
          colIndices[p] = j;
          values[p++] = vs[j];
        }
      }
    }
    return p;
  }

  private static void copyDense(Vector features, double[] values, int offset) {
    if (features instanceof SparseVector sv) {
      int[] indices = sv.indices();
      double[] vs = sv.values();
      for (int q = 0; q < vs.length; q++) {
        values[offset + indices[q]] = vs[q];
      }
    } else {
      double[] vs = features instanceof DenseVector dv ? dv.values() : features.toArray();
      System.arraycopy(vs, 0, values, offset, vs.length);
    }
  }

  /** Lazily groups rows into blocks, looking one row ahead to keep each block within budget. */
  private static final class Blockifier implements Iterator<InstanceBlock> {
    private final Iterator<Instance> rows;
    private final int numFeatures;
    private final long maxBytes;
    private final DoubleConsumer labelValidator;
    private long position;
    private Instance pending;
    private long pendingNnz;

    Blockifier(
        Iterator<Instance> rows, int numFeatures, long maxBytes, DoubleConsumer labelValidator) {
      this.rows = rows;
      this.numFeatures = numFeatures;
      this.maxBytes = maxBytes;
      this.labelValidator = labelValidator;
    }

    @Override
    public boolean hasNext() {
      return pending != null || rows.hasNext();
    }

    @Override
    public InstanceBlock next() {
      if (!hasNext()) {
        throw new NoSuchElementException("no more rows to pack into blocks");
      }
      List<Instance> buffer = new ArrayList<>();
      long nnz = 0;
      boolean unitWeights = true;
      while (pending != null || rows.hasNext()) {
        if (pending == null) {
          pending = rows.next();
          pendingNnz = validate(pending, position, numFeatures, labelValidator);
          position++;
        }
        long newNnz = nnz + pendingNnz;
        boolean newUnit = unitWeights && pending.weight() == 1.0;
        long newRows = buffer.size() + 1L;
        boolean fits =
            estimateSizeInBytes(numFeatures, newRows, newNnz, newUnit) <= maxBytes
                && representable(numFeatures, newRows, newNnz);
        if (!buffer.isEmpty() && !fits) {
          break;
        }
        buffer.add(pending);
        nnz = newNnz;
        unitWeights = newUnit;
        pending = null;
      }
      return build(buffer, numFeatures, nnz, preferSparse(numFeatures, buffer.size(), nnz));
    }
  }
}
