package io.conveyor.worker.handlers;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SortOutputTest {

    @Test
    void writesNumbersAsLongToStringDoes() {
        SplittableRandom random = new SplittableRandom(8);
        long[] values = new long[2_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (i) {
                case 0 -> Long.MIN_VALUE;
                case 1 -> Long.MAX_VALUE;
                case 2 -> 0;
                case 3 -> -9;
                case 4 -> 10;
                case 5 -> 1_000_000_000_000_000_000L;
                default -> random.nextLong() >> random.nextInt(64);
            };
        }
        SortOutput.Text text = SortOutput.numberText(values, 0, values.length, null);

        StringBuilder expected = new StringBuilder();
        for (long value : values) {
            expected.append(value).append('\n');
        }
        assertThat(new String(text.bytes(), 0, text.length(), StandardCharsets.US_ASCII)).isEqualTo(expected.toString());
    }
}
