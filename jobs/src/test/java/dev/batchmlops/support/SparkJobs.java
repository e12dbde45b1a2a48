package dev.batchmlops.support;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;

/** Counts the Spark jobs a piece of code starts, on the shared test session. */
public final class SparkJobs {
  private SparkJobs() {}

  /** The jobs {@code work} starts (in its own job group, so other work is not counted). */
  public static long count(Runnable work) {
    SparkContext context = TestSpark.session().sparkContext();
    String group = "counted-" + UUID.randomUUID();
    AtomicLong jobs = new AtomicLong();
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart start) {
            if (group.equals(start.properties().getProperty("spark.jobGroup.id"))) {
              jobs.incrementAndGet();
            }
          }
        };
    context.addSparkListener(listener);
    context.setJobGroup(group, "counted", false);
    try {
      work.run();
    } finally {
      context.clearJobGroup();
      // Listeners hear of jobs asynchronously: let the bus deliver what happened.
      try {
        context.listenerBus().waitUntilEmpty();
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("Spark's listener bus did not drain", e);
      }
      context.removeSparkListener(listener);
    }
    return jobs.get();
  }
}
