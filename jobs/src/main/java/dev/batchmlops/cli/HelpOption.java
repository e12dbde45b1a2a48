package dev.batchmlops.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h, --help} without the standard {@code -V, --version}: for commands whose own {@code
 * --version} names a model version, where picocli's standard help options would lose {@code --help}
 * to the clash.
 */
final class HelpOption {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;
}
