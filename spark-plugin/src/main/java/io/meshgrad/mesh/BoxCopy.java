package io.meshgrad.mesh;

/**
 * Copies a rectangular box between a row-major array and a dense array of the box's shape, in
 * contiguous runs with {@link System#arraycopy}. Works for any primitive array type.
 */
final class BoxCopy {
  private BoxCopy() {}

  /**
   * Copies the box {@code [offset[a], offset[a] + extent[a])} on each axis {@code a >= fromAxis} of
   * {@code full} (row-major with lengths {@code shape[fromAxis..]}) to or from {@code box}
   * (row-major with lengths {@code extent[fromAxis..]}). Axes before {@code fromAxis} are ignored,
   * which lets a single row of a tensor be treated as a tensor of the remaining axes.
   *
   * @param toBox copy from {@code full} into {@code box} if true, else the other way
   */
  static void copy(
      Object full,
      int[] shape,
      int[] offset,
      int[] extent,
      int fromAxis,
      Object box,
      boolean toBox) {
    int end = shape.length;
    int[] stride = new int[end];
    int s = 1;
    for (int axis = end - 1; axis >= fromAxis; axis--) {
      if (extent[axis] == 0) {
        return;
      }
      stride[axis] = s;
      s *= shape[axis];
    }
    // Trailing axes the box covers completely join the run along the axis before them, so the
    // run is as long as the box's contiguous stretch; the remaining outer axes are stepped through.
    int inner = end;
    int run = 1;
    while (inner > fromAxis && extent[inner - 1] == shape[inner - 1]) {
      inner--;
      run *= extent[inner];
    }
    if (inner > fromAxis) {
      inner--;
      run *= extent[inner];
    }
    int fullPos = 0;
    for (int axis = fromAxis; axis < end; axis++) {
      fullPos += offset[axis] * stride[axis];
    }
    int[] counter = new int[end];
    int boxPos = 0;
    while (true) {
      if (toBox) {
        System.arraycopy(full, fullPos, box, boxPos, run);
      } else {
        System.arraycopy(box, boxPos, full, fullPos, run);
      }
      boxPos += run;
      int axis = inner - 1;
      for (; axis >= fromAxis; axis--) {
        counter[axis]++;
        fullPos += stride[axis];
        if (counter[axis] < extent[axis]) {
          break;
        }
        fullPos -= counter[axis] * stride[axis];
        counter[axis] = 0;
      }
      if (axis < fromAxis) {
        return;
      }
    }
  }
}
