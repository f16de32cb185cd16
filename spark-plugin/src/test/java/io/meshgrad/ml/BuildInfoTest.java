package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The jar's build facts are Maven's: the Spark on the test classpath is the one built against. */
class BuildInfoTest {
  @Test
  void reportsTheSparkAndScalaVersionsOfTheBuild() {
    assertEquals(org.apache.spark.package$.MODULE$.SPARK_VERSION(), BuildInfo.sparkVersion());
    assertEquals(scala.util.Properties.versionNumberString().replaceAll("^(\\d+\\.\\d+).*", "$1"),
        BuildInfo.scalaBinaryVersion());
    assertEquals("0.1.0-SNAPSHOT", BuildInfo.version());
  }
}
