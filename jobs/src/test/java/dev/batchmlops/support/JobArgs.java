package dev.batchmlops.support;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines for the job in the test environment, with its tables and files under a work dir.
 */
public final class JobArgs {
  private JobArgs() {}

  public static List<String> of(String command, Path work, String trackingUri, String... extra) {
    return of(
        command,
        work.resolve("delta").toString(),
        work.resolve("landing").toString(),
        trackingUri,
        extra);
  }

  /** With the tables under {@code root} and landed files under {@code landing} (any URI). */
  public static List<String> of(
      String command, String root, String landing, String trackingUri, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                command,
                "--conf-dir",
                ProjectPaths.confDir().toString(),
                "--env",
                "test",
                "--set",
                "storage.root=" + root,
                "--set",
                "storage.landing=" + landing,
                "--set",
                "tracking.uri=" + trackingUri));
    args.addAll(List.of(extra));
    return args;
  }
}
