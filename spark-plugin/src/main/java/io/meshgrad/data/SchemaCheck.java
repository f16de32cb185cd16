package io.meshgrad.data;

import java.util.Arrays;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/** Up-front checks of the training columns' presence and types. */
final class SchemaCheck {
  private SchemaCheck() {}

  static void check(StructType schema, Columns columns) {
    DataType features = type(schema, columns.features(), "features");
    if (!features.equals(SQLDataTypes.VectorType())) {
      throw new IllegalArgumentException(
          "features column '" + columns.features() + "' must be of type "
              + SQLDataTypes.VectorType().simpleString()
              + " (org.apache.spark.ml.linalg.Vector), got " + features.simpleString());
    }
    checkNumeric(schema, columns.label(), "label");
    if (columns.weight() != null) {
      checkNumeric(schema, columns.weight(), "weight");
    }
  }

  private static void checkNumeric(StructType schema, String column, String role) {
    DataType type = type(schema, column, role);
    if (!(type instanceof NumericType)) {
      throw new IllegalArgumentException(
          role + " column '" + column + "' must be numeric (byte, short, int, long, float,"
              + " double or decimal), got " + type.simpleString());
    }
  }

  private static DataType type(StructType schema, String column, String role) {
    if (column == null) {
      throw new IllegalArgumentException(role + " column name must be non-null, got null");
    }
    String[] names = schema.fieldNames();
    if (!Arrays.asList(names).contains(column)) {
      throw new IllegalArgumentException(
          role + " column '" + column + "' does not exist; available columns: "
              + Arrays.toString(names));
    }
    return schema.apply(column).dataType();
  }
}
