package io.meshgrad.examples.bench;

import java.util.List;

/** One benchmark suite of {@code bin/meshgrad bench}. */
interface Suite {

  /** The name given to {@code --suite}. */
  String name();

  /** One line for the usage text. */
  String description();

  /** Runs every case (warm-up, repetitions, peer and meshgrad alternating) and returns them. */
  List<CaseResult> run(BenchContext ctx) throws Exception;
}
