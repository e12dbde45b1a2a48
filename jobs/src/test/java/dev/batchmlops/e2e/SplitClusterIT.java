package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.SparkCluster;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.Commit;
import dev.batchmlops.table.DeltaTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The same data gives the same stratified split on local[2], on local[1] and on a real standalone
 * cluster: the split table's fingerprint and every row's assignment agree.
 */
class SplitClusterIT {
  @Test
  void theSplitIsTheSameInLocalModeAndOnAStandaloneCluster() throws Exception {
    Path work = Files.createTempDirectory("batchmlops-cluster-");
    String tracking = MlflowTestServer.shared().uri();
    // The split is the subject: one trial, and whether its model passes the gates (exit 3) or not.
    SparkSubmit.Result pipeline =
        SparkSubmit.run(
            work,
            JobArgs.of(
                "run",
                work,
                tracking,
                "--set",
                "generate.rows=2000",
                "--set",
                "train.search.max-trials=1"));
    assertTrue(
        pipeline.exitCode() == 0 || pipeline.exitCode() == 3,
        pipeline.stdout() + pipeline.stderr());

    try (SparkCluster cluster = SparkCluster.start(work.resolve("cluster"))) {
      SparkSubmit.Result onCluster =
          SparkSubmit.run(cluster.masterUrl(), work, JobArgs.of("split", work, tracking));
      assertEquals(0, onCluster.exitCode(), onCluster.stderr());
      assertTrue(onCluster.stdout().contains("splits@v1"), onCluster.stdout());
    }
    SparkSubmit.Result singleCore =
        SparkSubmit.run("local[1]", work, JobArgs.of("split", work, tracking));
    assertEquals(0, singleCore.exitCode(), singleCore.stderr());

    String table = work.resolve("delta/credit/splits").toString();
    DeltaTables tables = new DeltaTables(TestSpark.session());
    List<String> fingerprints =
        tables.history(table).stream()
            .map(Commit::metadata)
            .map(m -> m.get("fingerprint"))
            .toList();
    assertEquals(3, fingerprints.size(), fingerprints.toString());
    assertTrue(
        tables.history(table).stream()
            .allMatch(
                c ->
                    c.metadata().get("method").equals("stratified")
                        && !c.metadata().containsKey("extends")),
        "each version is a stratified split made afresh, on its own master");
    assertEquals(1, fingerprints.stream().distinct().count(), fingerprints.toString());

    Dataset<Row> local = assignments(tables, table, 0);
    for (long version : List.of(1L, 2L)) {
      Dataset<Row> other = assignments(tables, table, version);
      assertEquals(2000, other.count());
      assertEquals(0, local.except(other).count(), "version " + version + " assigns alike");
    }
  }

  private static Dataset<Row> assignments(DeltaTables tables, String table, long version) {
    return tables.read(tables.pinned(table, version)).select("application_id", "split");
  }
}
