package dev.batchmlops.tracking;

import dev.batchmlops.PipelineException;

/** The tracking server refused who the pipeline is (HTTP 401) or what it asked for (HTTP 403). */
public final class AccessDeniedException extends PipelineException {
  private static final long serialVersionUID = 1L;

  AccessDeniedException(String message) {
    super(message);
  }
}
