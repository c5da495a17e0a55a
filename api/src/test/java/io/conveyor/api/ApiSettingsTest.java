package io.conveyor.api;

import io.conveyor.common.Env;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiSettingsTest {

    @Test
    void defaultsApplyWhenNothingIsSet() {
        ApiSettings settings = ApiSettings.from(new Env(Map.of()));

        assertThat(settings.port()).isEqualTo(8080);
        assertThat(settings.dashboardPort()).isEqualTo(8000);
        assertThat(settings.maxBodyBytes()).isEqualTo(1024 * 1024);
        assertThat(settings.batchLimit()).isEqualTo(1000);
        assertThat(settings.batchMembersLimit()).isEqualTo(100_000);
        assertThat(settings.batchMaxBodyBytes()).isEqualTo(256L * 1024 * 1024);
        assertThat(settings.submitTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.usesDefaultIdSecret()).isTrue();
    }

    @Test
    void everyVariableIsRead() {
        ApiSettings settings = ApiSettings.from(new Env(Map.of(
                "CONVEYOR_API_PORT", "0",
                "CONVEYOR_DASHBOARD_PORT", "0",
                "CONVEYOR_MAX_BODY_BYTES", "2048",
                "CONVEYOR_BATCH_LIMIT", "10",
                "CONVEYOR_SUBMIT_TIMEOUT_MS", "750",
                "CONVEYOR_ID_SECRET", "sixteen-chars-at-least",
                "CONVEYOR_BATCH_MEMBERS_LIMIT", "200000",
                "CONVEYOR_BATCH_MAX_BODY_BYTES", "5000000000")));

        assertThat(settings).isEqualTo(new ApiSettings(0, 0, 2048, 10, Duration.ofMillis(750), "sixteen-chars-at-least",
                ApiSettings.defaultMaxPendingBytes(), 200_000, 5_000_000_000L));
        assertThat(settings.usesDefaultIdSecret()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({
            "CONVEYOR_API_PORT, 65536",
            "CONVEYOR_API_PORT, -1",
            "CONVEYOR_API_PORT, eighty",
            "CONVEYOR_DASHBOARD_PORT, 70000",
            "CONVEYOR_MAX_BODY_BYTES, 10",
            "CONVEYOR_BATCH_LIMIT, 0",
            "CONVEYOR_BATCH_MEMBERS_LIMIT, 0",
            "CONVEYOR_BATCH_MEMBERS_LIMIT, 1000001",
            "CONVEYOR_BATCH_MAX_BODY_BYTES, 100",
            "CONVEYOR_BATCH_MAX_BODY_BYTES, 68719476737",
            "CONVEYOR_SUBMIT_TIMEOUT_MS, 5",
            "CONVEYOR_SUBMIT_TIMEOUT_MS, 1.5",
            "CONVEYOR_ID_SECRET, short",
    })
    void aBadValueIsRejectedNamingTheVariable(String variable, String value) {
        assertThatThrownBy(() -> ApiSettings.from(new Env(Map.of(variable, value))))
                .isInstanceOf(Env.SettingsException.class)
                .hasMessageContaining(variable);
    }

    @Test
    void theApiAndTheDashboardCannotShareAPort() {
        assertThatThrownBy(() -> ApiSettings.from(new Env(Map.of("CONVEYOR_API_PORT", "9000", "CONVEYOR_DASHBOARD_PORT", "9000"))))
                .isInstanceOf(Env.SettingsException.class)
                .hasMessageContaining("CONVEYOR_API_PORT")
                .hasMessageContaining("CONVEYOR_DASHBOARD_PORT");
    }

    @Test
    void theSecretDoesNotShowInToString() {
        assertThat(ApiSettings.from(new Env(Map.of("CONVEYOR_ID_SECRET", "very-secret-value-123"))).toString())
                .doesNotContain("very-secret-value-123");
    }
}
