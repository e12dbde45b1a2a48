package dev.batchmlops.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Facts about the running code, baked into the jar at build time. */
public final class BuildInfo {
  private static final Properties GIT = load("/batchmlops-git.properties");
  private static final Properties LIBRARIES = load("/batchmlops-libraries.properties");

  private BuildInfo() {}

  /** The git commit the jar was built from, with "-dirty" when the tree had changes. */
  public static String gitCommit() {
    String commit = GIT.getProperty("git.commit.id.full", "unknown");
    return Boolean.parseBoolean(GIT.getProperty("git.dirty", "false")) ? commit + "-dirty" : commit;
  }

  /** The versions of the libraries bundled in the jar, by name (delta, deequ, mlflow_client). */
  public static java.util.Map<String, String> libraries() {
    java.util.Map<String, String> versions = new java.util.TreeMap<>();
    LIBRARIES
        .stringPropertyNames()
        .forEach(name -> versions.put(name, LIBRARIES.getProperty(name)));
    return versions;
  }

  public static String version() {
    String version = BuildInfo.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  private static Properties load(String resource) {
    Properties properties = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(resource)) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource + " from the jar", e);
    }
    return properties;
  }
}
