package io.meshgrad.ml;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.support.Json;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Saves a meshgrad stage the way Spark ML lays a stage out, so that {@code Pipeline} and {@code
 * PipelineModel} can save and load it:
 *
 * <ul>
 *   <li>{@code path/metadata}: a text file of one JSON line with {@code class}, {@code timestamp},
 *       {@code sparkVersion}, {@code uid}, {@code paramMap} (the params set) and {@code
 *       defaultParamMap} (the defaults), each value as the param's own {@code jsonEncode}, plus
 *       {@code meshgradFormat} (1). The JSON is written here rather than through Spark's
 *       {@code DefaultParamsWriter}, which is not public API.
 *   <li>{@code path/data} (models only): Parquet, one row of the model's data ({@link ModelData}
 *       for the linear models, {@link FMModelData} for factorization machines); never Java
 *       serialization.
 * </ul>
 */
final class StageWriter extends MLWriter {
  /** Version of this layout, written as {@code meshgradFormat}. */
  static final int FORMAT = 1;

  private final Params stage;
  private final StructType dataSchema;
  private final Row data;

  /** @param data the model's data, or {@code null} for an estimator */
  StageWriter(Params stage, ModelData data) {
    this(stage, ModelData.SCHEMA, data == null ? null : data.toRow());
  }

  /** @param data the model's data row of schema {@code dataSchema}, or {@code null} for an estimator */
  StageWriter(Params stage, StructType dataSchema, Row data) {
    this.stage = stage;
    this.dataSchema = dataSchema;
    this.data = data;
  }

  @Override
  public void saveImpl(String path) {
    ObjectNode metadata = Json.MAPPER.createObjectNode();
    metadata.put("class", stage.getClass().getName());
    metadata.put("timestamp", System.currentTimeMillis());
    metadata.put("sparkVersion", sparkSession().version());
    metadata.put("uid", stage.uid());
    ObjectNode set = metadata.putObject("paramMap");
    ObjectNode defaults = metadata.putObject("defaultParamMap");
    for (Param<?> p : stage.params()) {
      @SuppressWarnings("unchecked")
      Param<Object> param = (Param<Object>) p;
      if (stage.isSet(param)) {
        set.set(param.name(), Json.parse(param.jsonEncode(stage.get(param).get())));
      }
      if (stage.hasDefault(param)) {
        defaults.set(param.name(), Json.parse(param.jsonEncode(stage.getDefault(param).get())));
      }
    }
    metadata.put("meshgradFormat", FORMAT);
    StructType text = new StructType().add("value", DataTypes.StringType, false);
    List<Row> line = List.of(RowFactory.create(metadata.toString()));
    sparkSession().createDataFrame(line, text).repartition(1).write().text(path + "/metadata");
    if (data != null) {
      sparkSession().createDataFrame(List.of(data), dataSchema).repartition(1).write()
          .parquet(path + "/data");
    }
  }
}
