package io.meshgrad.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Cuts the rows of one input partition (columns: features, label and weight as doubles, already
 * checked by {@link RowScan}) into {@link RowChunk}s of consecutive rows, each keyed by the global
 * number of its first row, for the shuffle that moves rows into their data partitions. A chunk
 * never spans two data partitions, so its key sends all of its rows where they belong, and
 * sorting the chunks of a data partition by key puts its rows in order. A chunk holds at most
 * {@value #MAX_CHUNK_ROWS} rows and about {@value #MAX_CHUNK_VALUES} feature values (1 MiB of
 * doubles), so a task holds one chunk at a time whatever the size of its partition.
 */
final class RowNumbering implements Function2<Integer, Iterator<Row>, Iterator<Tuple2<Long, RowChunk>>> {
  private static final long serialVersionUID = 1L;

  static final int MAX_CHUNK_ROWS = 1 << 16;
  static final int MAX_CHUNK_VALUES = 1 << 17;

  private final long[] inputCounts;
  private final long[] inputStarts;
  private final IndexRangePartitioner partitioner;
  private final int numFeatures;

  /**
   * @param inputCounts number of rows of each input partition, as counted before
   * @param inputStarts global number of each input partition's first row
   * @param partitioner the data partitions the rows go to
   * @param numFeatures size of every row's features vector
   */
  RowNumbering(long[] inputCounts, long[] inputStarts, IndexRangePartitioner partitioner, int numFeatures) {
    this.inputCounts = inputCounts;
    this.inputStarts = inputStarts;
    this.partitioner = partitioner;
    this.numFeatures = numFeatures;
  }

  @Override
  public Iterator<Tuple2<Long, RowChunk>> call(Integer inputPartition, Iterator<Row> rows) {
    int ip = inputPartition;
    RowChunk.Builder chunk = new RowChunk.Builder(numFeatures);
    return new Iterator<>() {
      private long position;

      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Tuple2<Long, RowChunk> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        checkCounted();
        long first = inputStarts[ip] + position;
        long end = partitioner.startOf(partitioner.getPartition(first) + 1);
        for (long index = first; index < end && rows.hasNext() && chunk.numRows() < MAX_CHUNK_ROWS
            && chunk.numValues() < MAX_CHUNK_VALUES; index++) {
          checkCounted();
          Row row = rows.next();
          chunk.add((Vector) row.get(0), row.getDouble(1), row.getDouble(2));
          position++;
        }
        return new Tuple2<>(first, chunk.build());
      }

      /** Fails when there is a row beyond those counted. */
      private void checkCounted() {
        if (position >= inputCounts[ip]) {
          throw new IllegalStateException("input partition " + ip + " of the training data had " + inputCounts[ip]
              + " rows when counted and more when read again: the input Dataset is not deterministic; cache or"
              + " checkpoint it before training");
        }
      }
    };
  }
}
