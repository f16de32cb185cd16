package io.meshgrad.examples.bench;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A JFR event spanning one timed repetition of one side, so that {@code bench --jfr-summary} can
 * keep only the samples taken while meshgrad (or the peer) was being measured. Costs nothing when
 * no recording runs.
 */
@Name("io.meshgrad.bench.Region")
@Label("Bench region")
@Category("meshgrad")
@Description("One timed repetition of one side of a bench case")
final class BenchRegion extends Event {
  @Label("Side")
  String side;

  @Label("Case")
  String caseName;

  /** Runs {@code rep} inside a region of {@code side}. */
  static double time(String side, String caseName, Measure.Rep rep) throws Exception {
    BenchRegion e = new BenchRegion();
    e.side = side;
    e.caseName = caseName;
    e.begin();
    try {
      return rep.run();
    } finally {
      e.commit();
    }
  }
}
