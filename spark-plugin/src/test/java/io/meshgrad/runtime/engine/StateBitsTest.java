package io.meshgrad.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The engine's state comparisons read raw bits: every element, NaN payloads and signed zeros included. */
class StateBitsTest {

  private static float[] ramp(int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = 0.25f * i - 3;
    }
    return f;
  }

  @Test
  void sameTellsEveryBitApart() {
    // 19 elements: the fingerprint's eight chains and its tail of three both see a change
    for (int at : new int[] {0, 7, 8, 15, 16, 18}) {
      float[] a = ramp(19);
      a[at] = Float.intBitsToFloat(0x7fc00001);
      Tensor t = Tensor.of(a, 19);
      assertTrue(StateBits.same(t, t.copy()));
      assertEquals(StateBits.of(t), StateBits.of(t.copy()));
      float[] b = a.clone();
      b[at] = Float.intBitsToFloat(0x7fc00002); // another NaN: Arrays.equals and Float.equals take it for the same
      Tensor u = Tensor.of(b, 19);
      assertFalse(StateBits.same(t, u), "NaN payload at " + at);
      assertNotEquals(StateBits.of(t), StateBits.of(u), "NaN payload at " + at);
      float[] z = ramp(19);
      z[at] = 0.0f;
      float[] nz = z.clone();
      nz[at] = -0.0f;
      assertFalse(StateBits.same(Tensor.of(z, 19), Tensor.of(nz, 19)), "signed zero at " + at);
      assertNotEquals(StateBits.of(Tensor.of(z, 19)), StateBits.of(Tensor.of(nz, 19)), "signed zero at " + at);
    }
    double[] d = {1, Double.longBitsToDouble(0x7ff8000000000001L), 3};
    double[] e = {1, Double.longBitsToDouble(0x7ff8000000000002L), 3};
    assertFalse(StateBits.same(Tensor.of(d, 3), Tensor.of(e, 3)));
    assertTrue(StateBits.same(Tensor.of(d, 3), Tensor.of(d.clone(), 3)));
    assertNotEquals(StateBits.of(Tensor.of(d, 3)), StateBits.of(Tensor.of(e, 3)));
  }

  @Test
  void sameNeedsTheSameLayout() {
    float[] a = ramp(6);
    assertFalse(StateBits.same(Tensor.of(a, 6), Tensor.of(a.clone(), 2, 3)));
    assertFalse(StateBits.same(Tensor.of(a, 6), Tensor.of(new double[6], 6)));
  }

  @Test
  void theFingerprintCoversTheIterationCountAndWhereEachTensorIs() {
    Tensor[] values = {Tensor.of(ramp(10), 10)};
    Tensor[] slots = {Tensor.of(ramp(3), 3)};
    long f = StateBits.fingerprint(values, slots, 5);
    assertEquals(f, StateBits.fingerprint(new Tensor[] {values[0].copy()}, new Tensor[] {slots[0].copy()}, 5));
    assertNotEquals(f, StateBits.fingerprint(values, slots, 6));
    assertNotEquals(f, StateBits.fingerprint(slots, values, 5));
    assertNotEquals(f, StateBits.fingerprint(new Tensor[] {values[0], slots[0]}, new Tensor[0], 5));
  }
}
