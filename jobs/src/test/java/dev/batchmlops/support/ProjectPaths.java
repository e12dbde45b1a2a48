package dev.batchmlops.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the build put the things tests use: the conf folder, the Python venv, the job jar. */
public final class ProjectPaths {
  private ProjectPaths() {}

  public static Path confDir() {
    return existing("batchmlops.conf.dir");
  }

  /** The repository's root folder (the parent of conf/). */
  public static Path root() {
    return confDir().getParent();
  }

  public static Path venv() {
    return existing("batchmlops.python.venv");
  }

  /** The environment with the MLflow 2.17 server (scripts/requirements-mlflow2.txt). */
  public static Path legacyMlflowVenv() {
    return existing("batchmlops.python.legacy-mlflow-venv");
  }

  /** The environment with Airflow (scripts/airflow/requirements.txt). */
  public static Path airflowVenv() {
    return existing("batchmlops.python.airflow-venv");
  }

  /** The environment the notebooks run in (notebooks/requirements.txt). */
  public static Path notebooksVenv() {
    return existing("batchmlops.python.notebooks-venv");
  }

  /** The environment with moto's S3-compatible server (scripts/requirements-s3.txt). */
  public static Path s3Venv() {
    return existing("batchmlops.python.s3-venv");
  }

  public static Path jobJar() {
    return existing("batchmlops.job.jar");
  }

  private static Path existing(String property) {
    String value = System.getProperty(property);
    if (value == null) {
      throw new IllegalStateException(
          "system property " + property + " is not set (run through Maven)");
    }
    Path path = Path.of(value).toAbsolutePath().normalize();
    if (!Files.exists(path)) {
      throw new IllegalStateException(property + " points at " + path + ", which does not exist");
    }
    return path;
  }
}
