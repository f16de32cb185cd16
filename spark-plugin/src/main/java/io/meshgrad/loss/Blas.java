package io.meshgrad.loss;

import dev.ludovic.netlib.blas.BLAS;

/** The netlib BLAS used for dense blocks: native when available, otherwise the pure-Java one. */
final class Blas {
  static final BLAS INSTANCE = BLAS.getInstance();

  private Blas() {}
}
