package dev.batchmlops;

/**
 * A service the pipeline needs (the MLflow server, a source database) did not answer. Nothing is
 * wrong with the data or the configuration, so running the command again later may succeed: the CLI
 * exits with {@link #EXIT_CODE}, which schedulers retry, where other errors fail at once.
 */
public class ServiceUnavailableException extends PipelineException {
  private static final long serialVersionUID = 1L;

  /** EX_TEMPFAIL from sysexits.h: a temporary failure, worth retrying. */
  public static final int EXIT_CODE = 75;

  public ServiceUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Whether {@code error}, or an exception it wraps, is of the kind a retry may cure. */
  public static boolean isTransient(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.net.ConnectException
          || cause instanceof java.net.SocketTimeoutException
          || cause instanceof java.net.http.HttpTimeoutException
          || cause instanceof java.net.UnknownHostException) {
        return true;
      }
      // SQLState class 08: connection exception (refused, lost, rejected), in every JDBC driver.
      if (cause instanceof java.sql.SQLException sql
          && sql.getSQLState() != null
          && sql.getSQLState().startsWith("08")) {
        return true;
      }
    }
    return false;
  }
}
