package io.conveyor.app.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parser of Prometheus' text exposition format (0.0.4), strict enough to fail on what Prometheus would refuse: every
 * line is a comment, a {@code # HELP}/{@code # TYPE} line or a sample {@code name{label="value",...} value}; a sample's
 * family must have been typed before it; label values are unescaped ({@code \\}, {@code \"}, {@code \n}).
 */
public final class PrometheusText {

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+-?\\d+)?");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
    private static final Pattern LABEL = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*(,|$)");

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = samples;
        this.types = types;
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        int number = 0;
        for (String line : text.split("\n")) {
            number++;
            if (line.isBlank() || (line.startsWith("#") && !line.startsWith("# TYPE"))) {
                continue;
            }
            Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                types.put(type.group(1), type.group(2));
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new IllegalArgumentException("line " + number + " is not a sample: " + line);
            }
            String name = sample.group(1);
            if (family(name, types) == null) {
                throw new IllegalArgumentException("line " + number + ": " + name + " has no # TYPE before it");
            }
            samples.add(new Sample(name, labels(sample.group(2), number), value(sample.group(3))));
        }
        return new PrometheusText(samples, types);
    }

    private static String family(String name, Map<String, String> types) {
        for (String suffix : List.of("", "_total", "_bucket", "_count", "_sum", "_created", "_max")) {
            if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return types.containsKey(name) ? name : null;
    }

    private static Map<String, String> labels(String text, int number) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return labels;
        }
        Matcher label = LABEL.matcher(text);
        int at = 0;
        while (at < text.length() && label.find(at) && label.start() == at) {
            labels.put(label.group(1), label.group(2).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\"));
            at = label.end();
        }
        if (at != text.length()) {
            throw new IllegalArgumentException("line " + number + ": bad labels {" + text + "}");
        }
        return labels;
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The metric families and their types ({@code counter}, {@code gauge}, {@code histogram}, ...). */
    public Map<String, String> types() {
        return types;
    }

    public Set<String> names() {
        Set<String> names = new HashSet<>();
        samples.forEach(sample -> names.add(sample.name()));
        return names;
    }

    /** The sum of the samples named {@code name} whose labels include {@code labels}; 0 if there is none. */
    public double value(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(sample -> sample.name().equals(name) && sample.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(Sample::value).sum();
    }

    public double value(String name, String... labelPairs) {
        Map<String, String> labels = new HashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            labels.put(labelPairs[i], labelPairs[i + 1]);
        }
        return value(name, labels);
    }
}
