package dev.batchmlops;

/**
 * An error the user can act on: bad configuration, bad input, an unreachable service, a failed
 * gate. The CLI prints its message as one line and exits non-zero, without a stack trace.
 */
public class PipelineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PipelineException(String message) {
    super(message);
  }

  public PipelineException(String message, Throwable cause) {
    super(message, cause);
  }
}
