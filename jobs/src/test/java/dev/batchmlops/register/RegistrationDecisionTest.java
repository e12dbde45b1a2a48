package dev.batchmlops.register;

import static org.junit.jupiter.api.Assertions.*;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class RegistrationDecisionTest {
  @Test
  void notRegisteredUnlessItBeatsTheBaselineByTheMargin() {
    RegistrationDecision d =
        RegistrationDecision.decide("auc", 0.51, 0.50, OptionalDouble.empty(), 0.02, 0.0);
    assertFalse(d.register());
    assertFalse(d.promote());
    assertTrue(d.reason().contains("baseline"), d.reason());
  }

  @Test
  void firstRegisteredModelBecomesChampion() {
    RegistrationDecision d =
        RegistrationDecision.decide("auc", 0.75, 0.50, OptionalDouble.empty(), 0.02, 0.0);
    assertTrue(d.register());
    assertTrue(d.promote());
  }

  @Test
  void championMovesOnlyWhenBeaten() {
    assertFalse(
        RegistrationDecision.decide("auc", 0.75, 0.5, OptionalDouble.of(0.75), 0.02, 0.0).promote(),
        "a tie keeps the champion");
    RegistrationDecision worse =
        RegistrationDecision.decide("auc", 0.74, 0.5, OptionalDouble.of(0.75), 0.02, 0.0);
    assertTrue(worse.register());
    assertFalse(worse.promote());
    assertTrue(
        RegistrationDecision.decide("auc", 0.77, 0.5, OptionalDouble.of(0.75), 0.02, 0.01)
            .promote());
    assertFalse(
        RegistrationDecision.decide("auc", 0.755, 0.5, OptionalDouble.of(0.75), 0.02, 0.01)
            .promote());
  }
}
