package io.meshgrad.runtime;

import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import scala.Tuple2;

/**
 * The compact binary form of the engine's per-step messages between the tasks of a sharded job
 * (partials for the shards' owners, the shards' sums of squares, their updates, row requests and
 * answers): the fields and arrays, every bit of every value kept, instead of Java serialization's
 * class descriptors and reflection on every message of every step. {@link PartialSums#toBytes}
 * is the replicated path's message.
 */
public final class EngineWire {
  private EngineWire() {}

  /** Partials routed to one owner: (state partition, partial) pairs. */
  public static byte[] encodePartials(List<Tuple2<Integer, ShardPartial>> partials) {
    Out out = new Out();
    out.putInt(partials.size());
    for (Tuple2<Integer, ShardPartial> t : partials) {
      out.putInt(t._1());
      t._2().writeTo(out);
    }
    return out.toBytes();
  }

  public static List<Tuple2<Integer, ShardPartial>> decodePartials(byte[] bytes) {
    In in = new In(bytes);
    int n = in.getInt();
    List<Tuple2<Integer, ShardPartial>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Tuple2<>(in.getInt(), ShardPartial.readFrom(in)));
    }
    return in.done(out);
  }

  /** Each shard's (state partition's) sum of squares. */
  public static byte[] encodeSquares(Map<Integer, Double> squares) {
    Out out = new Out();
    out.putInt(squares.size());
    squares.forEach((p, s) -> {
      out.putInt(p);
      out.putDouble(s);
    });
    return out.toBytes();
  }

  public static TreeMap<Integer, Double> decodeSquares(byte[] bytes) {
    In in = new In(bytes);
    int n = in.getInt();
    TreeMap<Integer, Double> out = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      out.put(in.getInt(), in.getDouble());
    }
    return in.done(out);
  }

  public static byte[] encodeUpdates(List<ShardUpdate> updates) {
    Out out = new Out();
    out.putInt(updates.size());
    for (ShardUpdate u : updates) {
      u.writeTo(out);
    }
    return out.toBytes();
  }

  public static List<ShardUpdate> decodeUpdates(byte[] bytes) {
    In in = new In(bytes);
    int n = in.getInt();
    List<ShardUpdate> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(ShardUpdate.readFrom(in));
    }
    return in.done(out);
  }

  /** Row requests for one owner: (state partition, requests) pairs. */
  public static byte[] encodeRequests(List<Tuple2<Integer, RowRequests>> requests) {
    Out out = new Out();
    out.putInt(requests.size());
    for (Tuple2<Integer, RowRequests> t : requests) {
      out.putInt(t._1());
      RowRequests.writeTo(t._2(), out);
    }
    return out.toBytes();
  }

  public static List<Tuple2<Integer, RowRequests>> decodeRequests(byte[] bytes) {
    In in = new In(bytes);
    int n = in.getInt();
    List<Tuple2<Integer, RowRequests>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Tuple2<>(in.getInt(), RowRequests.readFrom(in)));
    }
    return in.done(out);
  }

  /** Answers for one task: (state partition, answer) pairs. */
  public static byte[] encodeAnswers(List<Tuple2<Integer, RowAnswer>> answers) {
    Out out = new Out();
    out.putInt(answers.size());
    for (Tuple2<Integer, RowAnswer> t : answers) {
      out.putInt(t._1());
      RowAnswer.writeTo(t._2(), out);
    }
    return out.toBytes();
  }

  public static List<Tuple2<Integer, RowAnswer>> decodeAnswers(byte[] bytes) {
    In in = new In(bytes);
    int n = in.getInt();
    List<Tuple2<Integer, RowAnswer>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Tuple2<>(in.getInt(), RowAnswer.readFrom(in)));
    }
    return in.done(out);
  }

  /** A growing buffer the message's parts write into. */
  static final class Out {
    private ByteBuffer buf = ByteBuffer.allocate(256);

    /** The buffer, with room for {@code bytes} more. */
    ByteBuffer room(int bytes) {
      if (buf.remaining() < bytes) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + bytes));
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
      return buf;
    }

    void putByte(byte b) {
      room(1).put(b);
    }

    void putInt(int i) {
      room(4).putInt(i);
    }

    void putLong(long l) {
      room(8).putLong(l);
    }

    void putDouble(double d) {
      room(8).putDouble(d);
    }

    void putBoolean(boolean b) {
      putByte((byte) (b ? 1 : 0));
    }

    /** An int array, or {@code null}. */
    void putInts(int[] a) {
      if (a == null) {
        putInt(-1);
        return;
      }
      ByteBuffer b = room(4 + 4 * a.length);
      b.putInt(a.length);
      b.asIntBuffer().put(a);
      b.position(b.position() + 4 * a.length);
    }

    /** A tensor (dtype, shape, elements), or {@code null}. */
    void putTensor(Tensor t) {
      if (t == null) {
        putByte((byte) 0);
        return;
      }
      putByte((byte) (t.dtype() == DType.FLOAT64 ? 2 : 1));
      putInts(t.shape());
      ByteBuffer b = room((int) t.byteSize());
      if (t.dtype() == DType.FLOAT64) {
        b.asDoubleBuffer().put(t.doubles());
        b.position(b.position() + 8 * t.size());
      } else {
        b.asFloatBuffer().put(t.floats());
        b.position(b.position() + 4 * t.size());
      }
    }

    void putRowSums(RowSums s) {
      if (s == null) {
        putBoolean(false);
        return;
      }
      putBoolean(true);
      s.writeTo(room(s.encodedSize()));
    }

    byte[] toBytes() {
      return java.util.Arrays.copyOf(buf.array(), buf.position());
    }
  }

  /** Reads what {@link Out} wrote, in the same order. */
  static final class In {
    private final ByteBuffer buf;

    In(byte[] bytes) {
      this.buf = ByteBuffer.wrap(bytes);
    }

    byte getByte() {
      return buf.get();
    }

    int getInt() {
      return buf.getInt();
    }

    long getLong() {
      return buf.getLong();
    }

    double getDouble() {
      return buf.getDouble();
    }

    boolean getBoolean() {
      return buf.get() != 0;
    }

    int[] getInts() {
      int n = buf.getInt();
      if (n < 0) {
        return null;
      }
      int[] a = new int[n];
      buf.asIntBuffer().get(a);
      buf.position(buf.position() + 4 * n);
      return a;
    }

    Tensor getTensor() {
      byte kind = buf.get();
      if (kind == 0) {
        return null;
      }
      int[] shape = getInts();
      int n = Math.toIntExact(Tensor.numElements(shape));
      if (kind == 2) {
        double[] d = new double[n];
        buf.asDoubleBuffer().get(d);
        buf.position(buf.position() + 8 * n);
        return Tensor.of(d, shape);
      }
      float[] f = new float[n];
      buf.asFloatBuffer().get(f);
      buf.position(buf.position() + 4 * n);
      return Tensor.of(f, shape);
    }

    RowSums getRowSums() {
      return getBoolean() ? RowSums.readFrom(buf) : null;
    }

    /** {@code value}, after checking that the whole message was read. */
    <X> X done(X value) {
      if (buf.hasRemaining()) {
        throw new IllegalArgumentException("engine message: " + buf.remaining() + " bytes left after its last part");
      }
      return value;
    }
  }
}
