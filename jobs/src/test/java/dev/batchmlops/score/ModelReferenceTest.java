package dev.batchmlops.score;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import org.junit.jupiter.api.Test;

class ModelReferenceTest {
  @Test
  void aliasesVersionsAndBareNamesAreUnderstood() {
    assertEquals(
        new ModelReference("batchmlops-credit", "champion", null),
        ModelReference.parse(null, "batchmlops-credit"));
    assertEquals(
        new ModelReference("batchmlops-credit", "challenger", null),
        ModelReference.parse("batchmlops-credit@challenger", "x"));
    assertEquals(
        new ModelReference("batchmlops-credit", null, "7"),
        ModelReference.parse("batchmlops-credit/7", "x"));
    assertEquals(new ModelReference("other", "champion", null), ModelReference.parse("other", "x"));
    assertEquals(
        "batchmlops-credit/7", ModelReference.parse("batchmlops-credit/7", "x").toString());
  }

  @Test
  void aMalformedReferenceIsRefusedInOneLine() {
    for (String spec : new String[] {"m@", "@champion", "m/", "m/0", "m/v2", "/3"}) {
      PipelineException e =
          assertThrows(PipelineException.class, () -> ModelReference.parse(spec, "x"), spec);
      assertEquals(
          "score: --model '" + spec + "' is not NAME, NAME@ALIAS or NAME/VERSION", e.getMessage());
    }
  }
}
