package dev.batchmlops.tracking;

import dev.batchmlops.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;

/**
 * Who the pipeline is on the tracking server: the variables MLflow's own clients read
 * (MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD for basic authentication, or
 * MLFLOW_TRACKING_TOKEN for a bearer token), or nobody on an open server. Only ever read from the
 * environment, so they never reach the configuration, a command line or a log; {@link #toString}
 * names the user and nothing else.
 */
public final class TrackingCredentials {
  public static final String USERNAME = "MLFLOW_TRACKING_USERNAME";
  public static final String PASSWORD = "MLFLOW_TRACKING_PASSWORD";
  public static final String TOKEN = "MLFLOW_TRACKING_TOKEN";

  private static final TrackingCredentials NONE = new TrackingCredentials(null, null, null);

  private final String user;
  private final String password;
  private final String token;

  private TrackingCredentials(String user, String password, String token) {
    this.user = user;
    this.password = password;
    this.token = token;
  }

  public static TrackingCredentials none() {
    return NONE;
  }

  public static TrackingCredentials basic(String user, String password) {
    return new TrackingCredentials(user, password, null);
  }

  /** From this process's environment. */
  public static TrackingCredentials fromEnvironment() {
    return from(System.getenv());
  }

  /** From {@code env}; half a pair of user and password is an error naming both variables. */
  public static TrackingCredentials from(Map<String, String> env) {
    String user = blankToNull(env.get(USERNAME));
    String password = blankToNull(env.get(PASSWORD));
    String token = blankToNull(env.get(TOKEN));
    if ((user == null) != (password == null)) {
      throw new ConfigException(
          (user == null ? PASSWORD : USERNAME)
              + " is set but "
              + (user == null ? USERNAME : PASSWORD)
              + " is not: set both for basic authentication on the tracking server, or neither");
    }
    if (user != null) {
      return new TrackingCredentials(user, password, null);
    }
    return token == null ? NONE : new TrackingCredentials(null, null, token);
  }

  /** The MLflow user these credentials name (none for a token or an open server). */
  public Optional<String> user() {
    return Optional.ofNullable(user);
  }

  /**
   * Who acts, for the runs and the audit trail: the MLflow user, else the operating system user
   * that runs the job.
   */
  public String actor() {
    return user().orElseGet(() -> System.getProperty("user.name", "unknown"));
  }

  /** The value of an Authorization header, when there are credentials. */
  Optional<String> authorization() {
    if (user != null) {
      String pair = user + ":" + password;
      return Optional.of(
          "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }
    return Optional.ofNullable(token).map(t -> "Bearer " + t);
  }

  /** The same credentials for the MLflow Java client. */
  BasicMlflowHostCreds hostCreds(String host) {
    if (user != null) {
      return new BasicMlflowHostCreds(host, user, password);
    }
    return token == null ? new BasicMlflowHostCreds(host) : new BasicMlflowHostCreds(host, token);
  }

  /** How a refusal names who was refused: never the password or token. */
  String describe() {
    if (user != null) {
      return "user '" + user + "'";
    }
    return token != null ? "the token in " + TOKEN : "no credentials (" + USERNAME + " unset)";
  }

  @Override
  public String toString() {
    return describe();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
