package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docker-compose.yml as the tests read it: its services, and what Compose would hand a container (environment, ports,
 * healthcheck, dependencies), with the few syntax variants Compose accepts folded into one form.
 */
final class ComposeFile {

    static final String FILE = "docker-compose.yml";
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern VARIABLE_WITH_DEFAULT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*:?-(.*)");

    private final JsonNode root;

    private ComposeFile(JsonNode root) {
        this.root = root;
    }

    static ComposeFile load() {
        try {
            return new ComposeFile(new YAMLMapper().readTree(ProjectFiles.path(FILE).toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(FILE + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    /** A published port: {@code published} on the host (empty: Compose picks one) to {@code target} in the container. */
    record PortMapping(Optional<Integer> published, int target) {
    }

    Set<String> serviceNames() {
        Set<String> names = new TreeSet<>();
        root.path("services").fieldNames().forEachRemaining(names::add);
        return names;
    }

    JsonNode service(String name) {
        JsonNode service = root.path("services").path(name);
        if (!service.isObject()) {
            throw new AssertionError(FILE + " has no service '" + name + "'; it has " + serviceNames());
        }
        return service;
    }

    Set<String> topLevelVolumes() {
        Set<String> names = new TreeSet<>();
        root.path("volumes").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * The environment of a service as written, in either of Compose's forms (a map, or a list of {@code KEY=VALUE}),
     * with {@code ${VAR:-default}} interpolated as Compose does when the host sets none of those variables.
     */
    Map<String, String> environment(String serviceName) {
        JsonNode environment = service(serviceName).path("environment");
        Map<String, String> variables = new LinkedHashMap<>();
        if (environment.isArray()) {
            for (JsonNode entry : environment) {
                String[] keyValue = entry.asText().split("=", 2);
                variables.put(keyValue[0], keyValue.length == 2 ? interpolate(keyValue[1]) : "");
            }
        } else {
            environment.fields().forEachRemaining(entry -> variables.put(entry.getKey(), entry.getValue().isNull() ? "" : interpolate(entry.getValue().asText())));
        }
        return variables;
    }

    /** The command a container runs, in exec form; empty when the image's default CMD is kept. */
    List<String> command(String serviceName) {
        JsonNode command = service(serviceName).path("command");
        if (command.isMissingNode()) {
            return List.of();
        }
        if (!command.isArray()) {
            throw new AssertionError(serviceName + ": write `command` as a list (exec form), not as a string a shell splits");
        }
        return strings(command);
    }

    /** The healthcheck's test in exec form ({@code CMD ...}), or {@code CMD-SHELL <string>}; empty without one. */
    List<String> healthcheckTest(String serviceName) {
        JsonNode test = service(serviceName).path("healthcheck").path("test");
        if (test.isMissingNode()) {
            return List.of();
        }
        return test.isArray() ? strings(test) : List.of("CMD-SHELL", test.asText());
    }

    List<PortMapping> ports(String serviceName) {
        List<PortMapping> ports = new ArrayList<>();
        for (JsonNode port : service(serviceName).path("ports")) {
            if (port.isObject()) {
                ports.add(new PortMapping(port.has("published") ? Optional.of(port.get("published").asInt()) : Optional.empty(),
                        port.get("target").asInt()));
            } else {
                // [host_ip:][published:]target[/protocol]
                String[] parts = port.asText().replaceFirst("/(tcp|udp)$", "").split(":");
                Optional<Integer> published = parts.length >= 2 ? Optional.of(Integer.parseInt(parts[parts.length - 2])) : Optional.empty();
                ports.add(new PortMapping(published, Integer.parseInt(parts[parts.length - 1])));
            }
        }
        return ports;
    }

    /** Each service this one depends on, with the condition it waits for ({@code service_started} in the short form). */
    Map<String, String> dependsOn(String serviceName) {
        JsonNode dependsOn = service(serviceName).path("depends_on");
        Map<String, String> conditions = new LinkedHashMap<>();
        if (dependsOn.isArray()) {
            dependsOn.forEach(dependency -> conditions.put(dependency.asText(), "service_started"));
        } else {
            dependsOn.fields().forEachRemaining(entry -> conditions.put(entry.getKey(), entry.getValue().path("condition").asText("service_started")));
        }
        return conditions;
    }

    /** The service's volume mounts as {@code source -> target}, from the short form {@code source:target[:mode]}. */
    Map<String, String> volumes(String serviceName) {
        Map<String, String> mounts = new LinkedHashMap<>();
        for (JsonNode volume : service(serviceName).path("volumes")) {
            if (volume.isObject()) {
                mounts.put(volume.path("source").asText(), volume.path("target").asText());
            } else {
                String[] parts = volume.asText().split(":");
                mounts.put(parts[0], parts[1]);
            }
        }
        return mounts;
    }

    /** A Compose duration such as {@code 30s} or {@code 1m30s}. */
    static Duration duration(String text) {
        Matcher part = DURATION_PART.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (part.find() && part.start() == end) {
            long amount = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            });
            end = part.end();
        }
        if (end == 0 || end != text.length()) {
            throw new AssertionError("not a Compose duration: '" + text + "'");
        }
        return total;
    }

    /**
     * Compose's interpolation with an empty host environment: {@code ${VAR:-default}} and {@code ${VAR-default}} become
     * the default, {@code ${VAR}} and {@code $VAR} nothing, {@code $$} a dollar sign. A required {@code ${VAR:?message}}
     * fails, since the file would not start without that variable either.
     */
    static String interpolate(String value) {
        StringBuilder result = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c != '$' || i + 1 == value.length()) {
                result.append(c);
                i++;
            } else if (value.charAt(i + 1) == '$') {
                result.append('$');
                i += 2;
            } else if (value.charAt(i + 1) == '{') {
                int close = value.indexOf('}', i);
                if (close < 0) {
                    throw new AssertionError("unclosed ${ in '" + value + "'");
                }
                String expression = value.substring(i + 2, close);
                Matcher withDefault = VARIABLE_WITH_DEFAULT.matcher(expression);
                if (withDefault.matches()) {
                    result.append(withDefault.group(1));
                } else if (!VARIABLE.matcher(expression).matches()) {
                    throw new AssertionError("'" + value + "' needs a variable from the host: " + expression);
                }
                i = close + 1;
            } else {
                Matcher name = VARIABLE.matcher(value).region(i + 1, value.length());
                if (name.lookingAt()) {
                    i = name.end(); // $VAR, unset
                } else {
                    result.append(c);
                    i++;
                }
            }
        }
        return result.toString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>();
        array.forEach(element -> strings.add(element.asText()));
        return strings;
    }
}
