package io.meshgrad.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Keys each row of one input partition (columns: features, label and weight as doubles, already
 * checked by {@link RowScan}) by its global row number, for the shuffle that moves rows into their
 * data partitions.
 */
final class RowNumbering implements Function2<Integer, Iterator<Row>, Iterator<Tuple2<Long, CheckedRow>>> {
  private static final long serialVersionUID = 1L;

  private final long[] inputCounts;
  private final long[] inputStarts;

  /**
   * @param inputCounts number of rows of each input partition, as counted before
   * @param inputStarts global number of each input partition's first row
   */
  RowNumbering(long[] inputCounts, long[] inputStarts) {
    this.inputCounts = inputCounts;
    this.inputStarts = inputStarts;
  }

  @Override
  public Iterator<Tuple2<Long, CheckedRow>> call(Integer inputPartition, Iterator<Row> rows) {
    int ip = inputPartition;
    return new Iterator<>() {
      private long position;

      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Tuple2<Long, CheckedRow> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row row = rows.next();
        if (position >= inputCounts[ip]) {
          throw new IllegalStateException("input partition " + ip + " of the training data had " + inputCounts[ip]
              + " rows when counted and more when read again: the input Dataset is not deterministic; cache or"
              + " checkpoint it before training");
        }
        long index = inputStarts[ip] + position;
        position++;
        return new Tuple2<>(index, new CheckedRow((Vector) row.get(0), row.getDouble(1), row.getDouble(2)));
      }
    };
  }
}
