package dev.batchmlops.ingest;

import dev.batchmlops.Fingerprints;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Compares the schema the contract declares with an existing table's: columns the contract adds (an
 * additive change) and changes the table cannot take (a changed type, a dropped column).
 */
public record SchemaCheck(List<String> addedColumns, List<String> incompatibilities) {

  public static SchemaCheck compare(StructType table, StructType contract) {
    Map<String, DataType> tableTypes = types(table);
    Map<String, DataType> contractTypes = types(contract);
    List<String> added = new ArrayList<>();
    List<String> incompatible = new ArrayList<>();
    for (StructField field : contract.fields()) {
      DataType existing = tableTypes.get(field.name());
      if (existing == null) {
        added.add(field.name());
      } else if (!existing.equals(field.dataType())) {
        incompatible.add(
            field.name()
                + " is "
                + existing.simpleString()
                + " in the table but "
                + field.dataType().simpleString()
                + " in the contract");
      }
    }
    for (StructField field : table.fields()) {
      if (!contractTypes.containsKey(field.name())) {
        incompatible.add(field.name() + " is in the table but no longer in the contract");
      }
    }
    return new SchemaCheck(List.copyOf(added), List.copyOf(incompatible));
  }

  private static Map<String, DataType> types(StructType schema) {
    return Arrays.stream(schema.fields())
        .collect(Collectors.toMap(StructField::name, StructField::dataType, (a, b) -> a));
  }

  /** A short stable fingerprint of a schema: column names and types in order. */
  public static String fingerprint(StructType schema) {
    String text =
        Arrays.stream(schema.fields())
            .map(f -> f.name() + ":" + f.dataType().simpleString())
            .collect(Collectors.joining(","));
    return Fingerprints.sha256(text).substring(0, 16);
  }
}
