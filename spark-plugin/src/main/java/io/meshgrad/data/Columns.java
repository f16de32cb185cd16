package io.meshgrad.data;

import java.io.Serializable;

/** The names of the training columns; {@code weight} is null when all rows weigh 1. */
record Columns(String features, String label, String weight) implements Serializable {

  /** The weight column's name for messages. */
  String weightName() {
    return weight == null ? "(constant weight 1)" : weight;
  }
}
