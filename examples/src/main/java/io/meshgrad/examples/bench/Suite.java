package io.meshgrad.examples.bench;

import java.util.List;

/** One benchmark suite of {@code bin/meshgrad bench}. */
interface Suite {

  /** The name given to {@code --suite}. */
  String name();

  /** One line for the usage text. */
  String description();

  /** The groups of cases {@code --cases} may choose among; none by default (then it runs every case). */
  default List<String> caseGroups() {
    return List.of();
  }

  /** Runs every case (warm-up, repetitions, peer and meshgrad alternating) and returns them. */
  List<CaseResult> run(BenchContext ctx) throws Exception;
}
