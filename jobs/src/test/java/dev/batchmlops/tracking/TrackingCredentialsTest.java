package dev.batchmlops.tracking;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrackingCredentialsTest {
  @Test
  void aUserAndPasswordAreSentAsBasicAuthenticationAndOnlyTheUserIsEverNamed() {
    TrackingCredentials credentials =
        TrackingCredentials.from(
            Map.of(
                TrackingCredentials.USERNAME, "pipeline",
                TrackingCredentials.PASSWORD, "s3cret-pw"));
    assertEquals("pipeline", credentials.actor());
    assertEquals("Basic cGlwZWxpbmU6czNjcmV0LXB3", credentials.authorization().orElseThrow());
    assertFalse(credentials.toString().contains("s3cret-pw"), credentials.toString());
    assertTrue(credentials.toString().contains("pipeline"));
  }

  @Test
  void aTokenIsSentAsABearerAndTheActorIsTheOperatingSystemUser() {
    TrackingCredentials credentials =
        TrackingCredentials.from(Map.of(TrackingCredentials.TOKEN, "tok-123"));
    assertEquals("Bearer tok-123", credentials.authorization().orElseThrow());
    assertEquals(System.getProperty("user.name"), credentials.actor());
    assertFalse(credentials.toString().contains("tok-123"));
  }

  @Test
  void noVariablesMeanAnOpenServer() {
    assertTrue(TrackingCredentials.from(Map.of()).authorization().isEmpty());
  }

  @Test
  void halfAPairFailsNamingBothVariables() {
    ConfigException error =
        assertThrows(
            ConfigException.class,
            () -> TrackingCredentials.from(Map.of(TrackingCredentials.USERNAME, "pipeline")));
    assertTrue(error.getMessage().contains(TrackingCredentials.PASSWORD), error.getMessage());
    assertTrue(error.getMessage().contains(TrackingCredentials.USERNAME), error.getMessage());
  }
}
