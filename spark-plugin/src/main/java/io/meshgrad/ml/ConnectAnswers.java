package io.meshgrad.ml;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Answers what a Spark Connect client asks a fitted meshgrad model, through {@code transform}.
 *
 * <p>Spark Connect's ML server (Spark 4.0 and later) lets a client without a JVM fit, transform,
 * save and load third-party stages, but calls only a fixed allow-list of model attributes (those
 * of Spark's own classes: {@code coefficients} of a meshgrad model is refused), and has no
 * extension point for that list. {@code transform} of a cached model is always allowed, so the
 * Python stages ask their questions as a transform of a DataFrame that has a <em>query column</em>:
 * a column named {@code __meshgrad_query__<query>} (its values are not read). The model then
 * returns the answer instead of predictions:
 *
 * <ul>
 *   <li>{@code attributes}: one row, a column per attribute of the model (every public no-argument
 *       method of the meshgrad class returning a vector, matrix, number, boolean, string or array,
 *       e.g. {@code coefficients}, {@code intercept}, {@code factors}, {@code weights}, {@code
 *       numClasses}, {@code hasSummary}, {@code toString}; {@code layers} for networks), and
 *       {@value #ERRORS}: a map of attribute to the Java exception it threw (e.g. {@code
 *       coefficients} of a multinomial model), whose column is then null;
 *   <li>{@code summary}: one row of the training summary's values (as above);
 *   <li>{@code evaluate}: {@code model.evaluate(rows)} of the other columns' rows: one row of the
 *       evaluation summary's metrics, and {@value #SUMMARY_CLASS}, its class's simple name;
 *   <li>{@code evaluate:<name>}: the DataFrame-valued metric {@code name} of that evaluation (e.g.
 *       {@code roc}, {@code predictions}, {@code residuals}).
 * </ul>
 *
 * <p>This needs nothing on the server but the meshgrad jar: no server plugin, so it works where a
 * user cannot configure the Connect server (Databricks serverless and standard access mode).
 */
final class ConnectAnswers {
  /** Prefix of the query column's name. */
  static final String QUERY_PREFIX = "__meshgrad_query__";
  /** Column of the attributes that threw, with their Java exception. */
  static final String ERRORS = "__errors__";
  /** Column naming the evaluation summary's class. */
  static final String SUMMARY_CLASS = "__summaryClass__";

  private static final Set<String> NOT_ATTRIBUTES = Set.of("hashCode", "copy", "write", "summary",
      "meshgradParams", "fmParams", "networkParams", "params", "explainParams", "extractParamMap",
      "transformSchema", "asBinary", "withoutProbability", "estimatedSize", "findSummaryModel");

  private ConnectAnswers() {}

  /** The query of {@code dataset}'s query column, or {@code null} when it has none. */
  static String query(Dataset<?> dataset) {
    for (String column : dataset.columns()) {
      if (column.startsWith(QUERY_PREFIX)) {
        return column.substring(QUERY_PREFIX.length());
      }
    }
    return null;
  }

  /**
   * The answer of {@code model} to {@code query} (see the class documentation).
   *
   * @throws IllegalArgumentException for an unknown query, naming the known ones
   */
  static Dataset<Row> answer(Object model, String query, Dataset<?> dataset) {
    SparkSession spark = dataset.sparkSession();
    if (query.equals("attributes")) {
      return valuesRow(spark, model, List.of(), true);
    }
    if (query.equals("summary")) {
      return valuesRow(spark, invoke(model, "summary"), List.of(), false);
    }
    if (query.equals("evaluate") || query.startsWith("evaluate:")) {
      Dataset<?> rows = dataset.drop(QUERY_PREFIX + query);
      Object summary;
      try {
        summary = model.getClass().getMethod("evaluate", Dataset.class).invoke(model, rows);
      } catch (InvocationTargetException e) {
        throw rethrow(e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new IllegalArgumentException(model.getClass().getSimpleName() + " has no evaluate(Dataset)", e);
      }
      if (query.equals("evaluate")) {
        return valuesRow(spark, summary, List.of(summary.getClass().getSimpleName()), false);
      }
      String name = query.substring("evaluate:".length());
      Method m = method(summary, name);
      if (m == null || !Dataset.class.isAssignableFrom(m.getReturnType())) {
        throw new IllegalArgumentException("query '" + query + "': " + summary.getClass().getSimpleName()
            + " has no DataFrame-valued metric " + name);
      }
      @SuppressWarnings("unchecked")
      Dataset<Row> answer = (Dataset<Row>) invoke(summary, name);
      return answer;
    }
    throw new IllegalArgumentException("unknown meshgrad query '" + query + "' (column " + QUERY_PREFIX + query
        + "); the queries are: attributes, summary, evaluate, evaluate:<DataFrame-valued metric>");
  }

  /**
   * One row of the values of {@code target}'s attributes, with {@value #ERRORS} and, when {@code
   * summaryClass} has an element, {@value #SUMMARY_CLASS}.
   */
  private static Dataset<Row> valuesRow(SparkSession spark, Object target, List<String> summaryClass,
      boolean isModel) {
    StructType schema = new StructType();
    List<Object> values = new ArrayList<>();
    Map<String, String> errors = new LinkedHashMap<>();
    for (Method m : attributes(target)) {
      DataType type = typeOf(m.getReturnType());
      Object value = null;
      try {
        value = toSql(m.invoke(target));
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        errors.put(m.getName(), cause.getClass().getName() + ": " + cause.getMessage());
      } catch (IllegalAccessException e) {
        errors.put(m.getName(), e.toString());
      }
      schema = schema.add(m.getName(), type, true);
      values.add(value);
    }
    if (isModel) {
      String[] layers = {"getLayers"};
      for (String name : layers) {
        Method m = method(target, name);
        if (m != null) {
          try {
            schema = schema.add("layers", DataTypes.createArrayType(DataTypes.IntegerType), true);
            values.add(toSql(m.invoke(target)));
          } catch (ReflectiveOperationException e) {
            values.add(null);
          }
        }
      }
    }
    schema = schema.add(ERRORS, DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), false);
    values.add(errors);
    if (!summaryClass.isEmpty()) {
      schema = schema.add(SUMMARY_CLASS, DataTypes.StringType, false);
      values.add(summaryClass.get(0));
    }
    return spark.createDataFrame(List.of(RowFactory.create(values.toArray())), schema);
  }

  /**
   * The public no-argument instance methods that meshgrad's classes declare on {@code target}
   * with an answerable result type, by name (param getters and builders excluded).
   */
  private static List<Method> attributes(Object target) {
    Map<String, Method> byName = new LinkedHashMap<>();
    for (Method m : target.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.isBridge()
          || !m.getDeclaringClass().getName().startsWith("io.meshgrad.")
          || NOT_ATTRIBUTES.contains(m.getName()) || m.getName().startsWith("get")
          || m.getName().startsWith("set") || typeOf(m.getReturnType()) == null) {
        continue;
      }
      byName.putIfAbsent(m.getName(), m);
    }
    List<Method> sorted = new ArrayList<>(byName.values());
    sorted.sort(Comparator.comparing(Method::getName));
    return sorted;
  }

  private static Method method(Object target, String name) {
    try {
      return target.getClass().getMethod(name);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static Object invoke(Object target, String name) {
    Method m = method(target, name);
    if (m == null) {
      throw new IllegalArgumentException(target.getClass().getSimpleName() + " has no " + name + "()");
    }
    try {
      return m.invoke(target);
    } catch (InvocationTargetException e) {
      throw rethrow(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RuntimeException rethrow(Throwable cause) {
    if (cause instanceof RuntimeException) {
      return (RuntimeException) cause;
    }
    if (cause instanceof Error) {
      throw (Error) cause;
    }
    return new IllegalStateException(cause);
  }

  /** The SQL type of an answerable Java type, or {@code null}. */
  private static DataType typeOf(Class<?> c) {
    if (Vector.class.isAssignableFrom(c)) {
      return SQLDataTypes.VectorType();
    }
    if (Matrix.class.isAssignableFrom(c)) {
      return SQLDataTypes.MatrixType();
    }
    if (c == double.class || c == Double.class) {
      return DataTypes.DoubleType;
    }
    if (c == int.class || c == Integer.class) {
      return DataTypes.IntegerType;
    }
    if (c == long.class || c == Long.class) {
      return DataTypes.LongType;
    }
    if (c == boolean.class || c == Boolean.class) {
      return DataTypes.BooleanType;
    }
    if (c == String.class) {
      return DataTypes.StringType;
    }
    if (c == double[].class) {
      return DataTypes.createArrayType(DataTypes.DoubleType, false);
    }
    if (c == int[].class) {
      return DataTypes.createArrayType(DataTypes.IntegerType, false);
    }
    if (c == long[].class) {
      return DataTypes.createArrayType(DataTypes.LongType, false);
    }
    return null;
  }

  private static Object toSql(Object value) {
    if (value instanceof double[]) {
      return Arrays.stream((double[]) value).boxed().toList();
    }
    if (value instanceof int[]) {
      return Arrays.stream((int[]) value).boxed().toList();
    }
    if (value instanceof long[]) {
      return Arrays.stream((long[]) value).boxed().toList();
    }
    return value;
  }
}
