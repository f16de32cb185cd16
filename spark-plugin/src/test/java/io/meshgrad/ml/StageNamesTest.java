package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.ml.param.Params;
import org.junit.jupiter.api.Test;

/**
 * The names of the params interfaces: {@link MeshgradParams} is what every stage has, {@link
 * MeshAdagradParams} the linear stages' (the name code written before 0.1.0 holds them by).
 */
class StageNamesTest {
  @Test
  void everyStageHasTheSharedParamsAndOnlyTheLinearOnesTheLinearName() {
    MeshAdagradParams classifier = new MeshAdagradClassifier();
    MeshAdagradParams regressor = new MeshAdagradRegressor();
    List<Params> others = List.of(new MeshFMClassifier(), new MeshFMRegressor(), new MeshMLPClassifier(),
        new MeshMLPRegressor());
    for (Params p : List.of(classifier, regressor)) {
      assertTrue(p instanceof MeshgradParams, p.getClass().getSimpleName());
    }
    for (Params p : others) {
      assertTrue(p instanceof MeshgradParams, p.getClass().getSimpleName());
      assertFalse(p instanceof MeshAdagradParams, p.getClass().getSimpleName() + " is not a linear stage");
    }
  }
}
