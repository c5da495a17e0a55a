package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.InvalidJobException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The streamed read of a {@code POST /batches} body: what it hands on, and the problem for each thing wrong. */
class BatchBodyReaderTest {

    private static final int MEMBER_LIMIT = 5;
    private static final int MAX_MEMBER_BYTES = 2048;
    private static final long MAX_BODY_BYTES = 16 * 1024;

    private final BatchBodyReader reader = new BatchBodyReader(MAX_BODY_BYTES, MAX_MEMBER_BYTES, MEMBER_LIMIT);
    private final List<JsonNode> members = new ArrayList<>();

    @Test
    void theMembersAreHandedOnInOrderAndTheRestIsReturnedWhateverTheFieldsOrder() {
        BatchBodyReader.Batch batch = read("{\"thenWhen\":\"ended\",\"then\":{\"type\":\"summary\"},\"jobs\":[{\"type\":\"a\"},{\"type\":\"b\",\"payload\":{\"n\":[1,{\"m\":2}]}}]}");

        assertThat(members).extracting(member -> member.get("type").asText()).containsExactly("a", "b");
        assertThat(members.get(1).get("payload").get("n").get(1).get("m").asInt()).isEqualTo(2);
        assertThat(batch.members()).isEqualTo(2);
        assertThat(batch.then().get("type").asText()).isEqualTo("summary");
        assertThat(batch.thenWhen()).isEqualTo("ended");
    }

    @Test
    void aMemberTheSinkRefusesIs422NamingItsIndex() {
        Problem problem = problem("{\"jobs\":[{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"bad\"}],\"then\":{\"type\":\"summary\"}}", (index, member) -> {
            if (member.get("type").asText().equals("bad")) {
                throw new InvalidJobException("type", "no such type");
            }
        });

        assertThat(problem.status()).isEqualTo(422);
        assertThat(problem.index()).isEqualTo(2);
        assertThat(problem.field()).isEqualTo("[2].type");
    }

    @Test
    void moreMembersThanTheLimitIs413AtTheFirstOneOver() {
        String jobs = String.join(",", Collections.nCopies(MEMBER_LIMIT + 1, "{\"type\":\"a\"}"));
        Problem problem = problem("{\"jobs\":[" + jobs + "],\"then\":{\"type\":\"summary\"}}", (index, member) -> members.add(member));

        assertThat(problem.status()).isEqualTo(413);
        assertThat(problem.detail()).contains(ApiSettings.BATCH_MEMBERS_LIMIT);
        assertThat(members).hasSize(MEMBER_LIMIT);
    }

    @Test
    void aMemberOverTheLimitOfOneJobIs413NamingItsIndexBeforeItIsReadWhole() {
        String big = "{\"type\":\"a\",\"payload\":{\"s\":\"" + "x".repeat(MAX_MEMBER_BYTES) + "\"}}";
        Problem problem = problem("{\"jobs\":[{\"type\":\"a\"}," + big + "],\"then\":{\"type\":\"summary\"}}", (index, member) -> members.add(member));

        assertThat(problem.status()).isEqualTo(413);
        assertThat(problem.detail()).contains("job at index 1").contains(ApiSettings.MAX_BODY_BYTES);
        assertThat(members).hasSize(1);
    }

    @Test
    void aBodyOverTheBatchLimitIs413EvenWithoutADeclaredLength() {
        byte[] spaces = " ".repeat((int) MAX_BODY_BYTES).getBytes(StandardCharsets.US_ASCII);
        InputStream body = new SequenceInputStream(new ByteArrayInputStream("{\"jobs\":[{\"type\":\"a\"}".getBytes(StandardCharsets.UTF_8)),
                new ByteArrayInputStream(spaces));

        Problem problem = catchThrowableOfType(ProblemException.class, () -> reader.read(body, -1, (index, member) -> members.add(member))).problem();

        assertThat(problem.status()).isEqualTo(413);
        assertThat(problem.detail()).contains(ApiSettings.BATCH_MAX_BODY_BYTES);
        assertThat(members).hasSize(1);
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413WithNothingParsed() {
        Problem problem = catchThrowableOfType(ProblemException.class, () -> reader.read(new ByteArrayInputStream(new byte[0]), MAX_BODY_BYTES + 1,
                (index, member) -> members.add(member))).problem();

        assertThat(problem.status()).isEqualTo(413);
        assertThat(members).isEmpty();
    }

    @Test
    void whatIsNotOneJsonDocumentIs400() {
        assertThat(problem("{\"jobs\":[{\"type\":\"a\"}],\"then\":{\"type\":\"b\"}}}").status()).isEqualTo(400);
        assertThat(problem("{\"jobs\":[{\"type\":\"a\"}],\"jobs\":[{\"type\":\"a\"}],\"then\":{\"type\":\"b\"}}").status()).as("a field twice").isEqualTo(400);
        assertThat(problem("{\"jobs\":[{\"type\":\"a\"},\n{\"type\" \"b\"}]").detail()).contains("line 2");
        assertThat(problem("").status()).isEqualTo(400);
    }

    @Test
    void aBodyOfTheWrongShapeIs422NamingTheField() {
        assertThat(problem("[{\"type\":\"a\"}]").detail()).contains("JSON object").contains("an array");
        assertThat(problem("{\"jobs\":[],\"then\":{\"type\":\"b\"}}").field()).isEqualTo("jobs");
        assertThat(problem("{\"jobs\":{},\"then\":{\"type\":\"b\"}}").field()).isEqualTo("jobs");
        assertThat(problem("{\"then\":{\"type\":\"b\"}}").field()).isEqualTo("jobs");
        assertThat(problem("{\"jobs\":[{\"type\":\"a\"}]}").field()).isEqualTo("then");
        assertThat(problem("{\"jobs\":[{\"type\":\"a\"}],\"then\":[]}").field()).isEqualTo("then");
        assertThat(problem("{\"jobs\":[{\"type\":\"a\"}],\"then\":{\"type\":\"b\"},\"thenWhen\":1}").field()).isEqualTo("thenWhen");
        assertThat(problem("{\"jobs\":[{\"type\":\"a\"}],\"then\":{\"type\":\"b\"},\"than\":1}").field()).isEqualTo("than");
    }

    private BatchBodyReader.Batch read(String body) {
        return reader.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), -1, (index, member) -> {
            assertThat(index).isEqualTo(members.size());
            members.add(member);
        });
    }

    private Problem problem(String body) {
        return problem(body, (index, member) -> { });
    }

    private static Problem problem(String body, BatchBodyReader.MemberSink sink) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return catchThrowableOfType(ProblemException.class, () -> new BatchBodyReader(MAX_BODY_BYTES, MAX_MEMBER_BYTES, MEMBER_LIMIT)
                .read(new ByteArrayInputStream(bytes), bytes.length, sink)).problem();
    }
}
