package dev.batchmlops.pipeline;

import dev.batchmlops.Json;
import dev.batchmlops.ServiceUnavailableException;
import dev.batchmlops.table.HadoopFiles;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One training-pipeline command at a time per dataset, on any launcher and any host: a lease file
 * next to the pipeline state, created only when absent and refreshed while its holder works. Two
 * commands on one dataset would otherwise interleave their state, tables and registrations.
 *
 * <p>A holder killed without a chance to let go ({@code kill -9}, a lost node) leaves its file: the
 * next command takes it over at once when the holder was a process on the same host that is gone,
 * else once the lease has not been refreshed for {@link #STALE_AFTER}.
 */
public final class DatasetLock implements AutoCloseable {
  static final Duration REFRESH_EVERY = Duration.ofSeconds(10);
  static final Duration STALE_AFTER = Duration.ofMinutes(2);

  private final HadoopFiles files;
  private final String path;
  private final Holder held;
  private final Optional<Holder> tookOverFrom;
  private final ScheduledExecutorService refresher;

  /**
   * Who holds the lock: the command, its process (pid, and when that process started, as pids are
   * reused) and host, since when, and when it last said it is still working.
   */
  public record Holder(
      String command,
      String host,
      long pid,
      String processStarted,
      Instant since,
      Instant refreshed,
      String token) {

    static Holder current(String command, Instant now) {
      ProcessHandle self = ProcessHandle.current();
      return new Holder(
          command,
          hostName(),
          self.pid(),
          self.info().startInstant().map(Instant::toString).orElse(""),
          now,
          now,
          UUID.randomUUID().toString());
    }

    Holder refreshedAt(Instant now) {
      return new Holder(command, host, pid, processStarted, since, now, token);
    }

    /** Whether this holder is a process on this host that has ended. */
    boolean goneFromThisHost() {
      if (!host.equals(hostName())) {
        return false;
      }
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .flatMap(process -> process.info().startInstant())
          .map(started -> !started.toString().equals(processStarted))
          .orElse(true);
    }

    public String describe() {
      return "`"
          + command
          + "` (pid "
          + pid
          + " on host "
          + host
          + ", since "
          + since.truncatedTo(ChronoUnit.SECONDS)
          + ")";
    }

    String json() {
      Map<String, String> fields = new LinkedHashMap<>();
      fields.put("command", command);
      fields.put("host", host);
      fields.put("pid", Long.toString(pid));
      fields.put("process_started", processStarted);
      fields.put("since", since.toString());
      fields.put("refreshed", refreshed.toString());
      fields.put("token", token);
      return Json.compact(fields);
    }

    static Holder parse(String json) {
      Map<String, String> fields = Json.parseStringMap(json);
      return new Holder(
          fields.get("command"),
          fields.get("host"),
          Long.parseLong(fields.get("pid")),
          fields.get("process_started"),
          Instant.parse(fields.get("since")),
          Instant.parse(fields.get("refreshed")),
          fields.get("token"));
    }
  }

  /** The dataset is another command's for now: worth running again later (exit 75). */
  public static final class BusyException extends ServiceUnavailableException {
    private static final long serialVersionUID = 1L;

    BusyException(String message) {
      super(message, null);
    }
  }

  private DatasetLock(HadoopFiles files, String path, Holder held, Optional<Holder> tookOverFrom) {
    this.files = files;
    this.path = path;
    this.held = held;
    this.tookOverFrom = tookOverFrom;
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "batchmlops-dataset-lock");
              thread.setDaemon(true);
              return thread;
            });
    refresher.scheduleAtFixedRate(
        this::refresh, REFRESH_EVERY.toMillis(), REFRESH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the lock of {@code dataset} at {@code path} for {@code command}, or fails with {@link
   * BusyException} naming the command that holds it.
   */
  public static DatasetLock acquire(
      HadoopFiles files, String path, String dataset, String command) {
    Holder wanted = Holder.current(command, Instant.now());
    Optional<Holder> tookOverFrom = Optional.empty();
    // Twice at most: once more after taking over from a holder that is gone.
    for (int attempt = 0; attempt < 2; attempt++) {
      if (files.createNew(path, wanted.json())) {
        return new DatasetLock(files, path, wanted, tookOverFrom);
      }
      Optional<Holder> holder = readHolder(files, path);
      if (holder.isEmpty()) {
        continue; // let go of between our two steps
      }
      Holder current = holder.get();
      boolean stale =
          current.goneFromThisHost()
              || Duration.between(current.refreshed(), Instant.now()).compareTo(STALE_AFTER) > 0;
      if (!stale || !sameHolder(files, path, current)) {
        throw new BusyException(
            "dataset '"
                + dataset
                + "' is busy: "
                + current.describe()
                + " holds "
                + path
                + "; run again when it ends (a holder that stopped without letting go is replaced"
                + " once it is gone from its host, or after "
                + STALE_AFTER.toMinutes()
                + " minutes without a refresh)");
      }
      files.delete(path);
      tookOverFrom = holder;
    }
    throw new BusyException(
        "dataset '" + dataset + "' is busy: another command took " + path + " at the same time");
  }

  /** The holder this lock replaced, a command that stopped without letting go. */
  public Optional<Holder> tookOverFrom() {
    return tookOverFrom;
  }

  public Holder holder() {
    return held;
  }

  private void refresh() {
    try {
      if (sameHolder(files, path, held)) {
        files.writeString(path, held.refreshedAt(Instant.now()).json());
      }
    } catch (RuntimeException e) {
      // A missed refresh is retried in REFRESH_EVERY; the lease lasts many of them.
    }
  }

  /** Lets go: deletes the file unless another command has taken it over meanwhile. */
  @Override
  public void close() {
    refresher.shutdownNow();
    try {
      refresher.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (sameHolder(files, path, held)) {
      files.delete(path);
    }
  }

  private static boolean sameHolder(HadoopFiles files, String path, Holder holder) {
    return readHolder(files, path).map(h -> h.token().equals(holder.token())).orElse(false);
  }

  /**
   * The holder recorded at {@code path}, or empty when there is none. A file that cannot be read (a
   * holder killed between creating and writing it) counts as refreshed when last written.
   */
  private static Optional<Holder> readHolder(HadoopFiles files, String path) {
    try {
      return Optional.of(Holder.parse(files.readString(path)));
    } catch (UncheckedIOException
        | IllegalArgumentException
        | NullPointerException
        | java.time.format.DateTimeParseException e) {
      return files
          .modifiedAt(path)
          .map(
              written ->
                  new Holder(
                      "(unreadable lock file)", "unknown host", -1, "", written, written, ""));
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown-host");
    }
  }
}
