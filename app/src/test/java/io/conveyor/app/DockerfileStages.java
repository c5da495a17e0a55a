package io.conveyor.app;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Dockerfile read into its build stages and their instructions: comments dropped, continued lines joined,
 * keywords upper-cased; the exec (JSON) form of ENTRYPOINT and CMD read as a list.
 */
record DockerfileStages(List<Stage> stages) {

    static final String FILE = "Dockerfile";

    /** One instruction: its keyword and the rest of its (joined) line. */
    record Instruction(String keyword, String arguments) {

        /** The arguments split on whitespace, options such as {@code --from=build} included. */
        List<String> words() {
            return List.of(arguments.trim().split("\\s+"));
        }

        /** The arguments of an exec-form instruction ({@code ["java", "-jar", ...]}). */
        List<String> execForm() {
            try {
                return new ObjectMapper().readValue(arguments, new TypeReference<List<String>>() { });
            } catch (IOException e) {
                throw new AssertionError(keyword + " " + arguments + " is not in exec form (a JSON array)", e);
            }
        }
    }

    /** A build stage: {@code FROM image [AS name]} and what follows it. */
    record Stage(String image, Optional<String> name, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream().filter(instruction -> instruction.keyword().equals(keyword)).toList();
        }

        /** The last instruction of that keyword: the one that counts for USER, ENTRYPOINT and CMD. */
        Optional<Instruction> last(String keyword) {
            List<Instruction> all = all(keyword);
            return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
        }
    }

    static DockerfileStages load() {
        return parse(ProjectFiles.read(FILE));
    }

    static DockerfileStages parse(String text) {
        List<Stage> stages = new ArrayList<>();
        StringBuilder continued = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && continued.isEmpty())) {
                continue; // a comment (also inside a continued line) or a blank line
            }
            if (trimmed.endsWith("\\")) {
                continued.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            String joined = continued.append(trimmed).toString().strip();
            continued.setLength(0);
            String[] keywordAndArguments = joined.split("\\s+", 2);
            Instruction instruction = new Instruction(keywordAndArguments[0].toUpperCase(Locale.ROOT),
                    keywordAndArguments.length > 1 ? keywordAndArguments[1] : "");
            if (instruction.keyword().equals("FROM")) {
                List<String> words = instruction.words().stream().filter(word -> !word.startsWith("--")).toList();
                Optional<String> name = words.size() == 3 && words.get(1).equalsIgnoreCase("AS") ? Optional.of(words.get(2)) : Optional.empty();
                stages.add(new Stage(words.getFirst(), name, new ArrayList<>()));
            } else if (stages.isEmpty()) {
                if (!instruction.keyword().equals("ARG")) {
                    throw new AssertionError(FILE + ": " + instruction.keyword() + " before the first FROM");
                }
            } else {
                stages.getLast().instructions().add(instruction);
            }
        }
        return new DockerfileStages(List.copyOf(stages));
    }

    Stage first() {
        return stages.getFirst();
    }

    /** The stage the image is made of. */
    Stage last() {
        return stages.getLast();
    }
}
