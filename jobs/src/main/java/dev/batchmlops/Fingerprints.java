package dev.batchmlops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content fingerprints, so two runs can prove they saw the same configuration, schema or data. */
public final class Fingerprints {
  private Fingerprints() {}

  /** SHA-256 of a text's UTF-8 bytes, as lowercase hex. */
  public static String sha256(String text) {
    return HexFormat.of().formatHex(newSha256().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
