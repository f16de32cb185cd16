package io.meshgrad.ml;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgrad.support.Json;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;

/**
 * Loads what {@link StageWriter} saved, for one class. Errors are {@link
 * IllegalArgumentException}s that name the path and what is wrong: no metadata, metadata of
 * another class (naming both), an unknown param, missing or corrupt model data.
 */
final class StageReader<T extends Params> extends MLReader<T> {

  /** Creates the stage from its saved uid and, for models, its data. */
  @FunctionalInterface
  interface Factory<T> {
    T create(String uid, ModelData data);
  }

  /** Creates a model from its saved uid and its data row (checked by the factory). */
  @FunctionalInterface
  interface RowFactory<T> {
    T create(String uid, Row data, String path);
  }

  private final Class<T> cls;
  private final boolean hasData;
  private final RowFactory<T> factory;

  StageReader(Class<T> cls, boolean hasData, Factory<T> factory) {
    this((uid, row, path) -> factory.create(uid, row == null ? null : ModelData.fromRow(row, path)), cls, hasData);
  }

  /** A reader of a model whose data row is not {@link ModelData}. */
  StageReader(Class<T> cls, RowFactory<T> factory) {
    this(factory, cls, true);
  }

  private StageReader(RowFactory<T> factory, Class<T> cls, boolean hasData) {
    this.cls = cls;
    this.hasData = hasData;
    this.factory = factory;
  }

  @Override
  public T load(String path) {
    JsonNode metadata = metadata(path);
    String saved = metadata.path("class").asText("");
    if (!cls.getName().equals(saved)) {
      String simple = saved.substring(saved.lastIndexOf('.') + 1);
      throw new IllegalArgumentException("cannot load " + path + " as a " + cls.getName() + ": it holds a "
          + (saved.isEmpty() ? "stage of unknown class" : saved) + (saved.isEmpty() ? "" : "; load it with "
          + simple + ".load(path)"));
    }
    String uid = metadata.path("uid").asText("");
    if (uid.isEmpty()) {
      throw new IllegalArgumentException("the metadata at " + path + "/metadata has no uid");
    }
    Row data = hasData ? data(path) : null;
    T stage;
    try {
      stage = factory.create(uid, data, path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the model data at " + path + "/data is corrupt: " + e.getMessage(), e);
    }
    setParams(stage, metadata.path("paramMap"), false, path);
    setParams(stage, metadata.path("defaultParamMap"), true, path);
    return stage;
  }

  private JsonNode metadata(String path) {
    List<Row> lines;
    try {
      lines = sparkSession().read().text(path + "/metadata").takeAsList(1);
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot load a " + cls.getSimpleName() + " from " + path
          + ": no readable metadata at " + path + "/metadata (" + firstLine(e) + ")", e);
    }
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("cannot load a " + cls.getSimpleName() + " from " + path + ": "
          + path + "/metadata is empty");
    }
    try {
      JsonNode node = Json.parse(lines.get(0).getString(0));
      if (!node.isObject()) {
        throw new IllegalArgumentException("expected a JSON object");
      }
      return node;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot load a " + cls.getSimpleName() + " from " + path + ": "
          + path + "/metadata is corrupt: " + e.getMessage(), e);
    }
  }

  private Row data(String path) {
    List<Row> rows;
    try {
      rows = sparkSession().read().parquet(path + "/data").collectAsList();
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot load a " + cls.getSimpleName() + " from " + path
          + ": the model data is missing or unreadable at " + path + "/data (" + firstLine(e) + ")", e);
    }
    if (rows.size() != 1) {
      throw new IllegalArgumentException("the model data at " + path + "/data is corrupt: expected 1 row, got "
          + rows.size());
    }
    return rows.get(0);
  }

  private void setParams(T stage, JsonNode values, boolean defaults, String path) {
    if (values.isMissingNode() || values.isNull()) {
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> it = values.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!stage.hasParam(e.getKey())) {
        if (defaults) {
          continue; // a default this version no longer has
        }
        throw new IllegalArgumentException("cannot load " + path + ": param '" + e.getKey() + "' is set there, but "
            + cls.getSimpleName() + " has no such param");
      }
      Param<Object> param = stage.getParam(e.getKey());
      Object value;
      try {
        value = param.jsonDecode(e.getValue().toString());
      } catch (RuntimeException ex) {
        throw new IllegalArgumentException("cannot load " + path + ": param '" + e.getKey() + "' has an unreadable"
            + " value " + e.getValue() + " (" + ex.getMessage() + ")", ex);
      }
      if (defaults) {
        stage.setDefault(param, value);
      } else {
        stage.set(param, value);
      }
    }
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
