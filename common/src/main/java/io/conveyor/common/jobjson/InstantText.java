package io.conveyor.common.jobjson;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * An instant as {@link Instant#toString()} writes it and {@link Instant#parse} reads it (ISO-8601 in UTC, the fraction
 * in groups of three digits, none when zero), the form JobRunr's mapper gives every time of a job, without
 * {@code DateTimeFormatter}: a job's JSON holds one to a dozen of them. Years 0 to 9999 only, and the parse only the
 * form {@code toString} writes; anything else is left to {@link Instant}'s own methods.
 */
final class InstantText {

    private static final int SECONDS_PER_DAY = 86_400;
    private static final long FIRST_SECOND = LocalDate.of(0, 1, 1).toEpochDay() * SECONDS_PER_DAY;
    private static final long END_SECOND = LocalDate.of(10_000, 1, 1).toEpochDay() * SECONDS_PER_DAY;
    /** {@code yyyy-MM-ddTHH:mm:ss}, then an optional fraction, then {@code Z}. */
    private static final int SECONDS_END = 19;

    private InstantText() {
    }

    static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_SECOND || seconds >= END_SECOND) {
            return instant.toString();
        }
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, SECONDS_PER_DAY));
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        int nanos = instant.getNano();
        char[] text = new char[SECONDS_END + fractionLength(nanos) + 1];
        digits(text, 0, date.getYear(), 4);
        text[4] = '-';
        digits(text, 5, date.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, date.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, secondOfDay / 3600, 2);
        text[13] = ':';
        digits(text, 14, secondOfDay / 60 % 60, 2);
        text[16] = ':';
        digits(text, 17, secondOfDay % 60, 2);
        int fraction = fractionLength(nanos);
        if (fraction > 0) {
            text[SECONDS_END] = '.';
            digits(text, SECONDS_END + 1, nanos / pow10(9 - (fraction - 1)), fraction - 1);
        }
        text[text.length - 1] = 'Z';
        return new String(text);
    }

    static Instant parse(String text) {
        int length = text.length();
        if (length < SECONDS_END + 1 || length > SECONDS_END + 11 || text.charAt(length - 1) != 'Z' || !shapeOfSeconds(text)) {
            return Instant.parse(text);
        }
        int nanos = 0;
        if (length > SECONDS_END + 1) {
            int digits = length - SECONDS_END - 2;
            if (text.charAt(SECONDS_END) != '.' || digits < 1 || !allDigits(text, SECONDS_END + 1, length - 1)) {
                return Instant.parse(text);
            }
            nanos = number(text, SECONDS_END + 1, digits) * pow10(9 - digits);
        }
        int hour = number(text, 11, 2);
        int minute = number(text, 14, 2);
        int second = number(text, 17, 2);
        if (hour > 23 || minute > 59 || second > 59) {
            return Instant.parse(text); // a leap second, or no time at all: the JDK's rules
        }
        LocalDateTime local = LocalDateTime.of(number(text, 0, 4), number(text, 5, 2), number(text, 8, 2), hour, minute, second);
        return Instant.ofEpochSecond(local.toEpochSecond(ZoneOffset.UTC), nanos);
    }

    /** {@code toString}'s fraction: none, or a dot and 3, 6 or 9 digits. */
    private static int fractionLength(int nanos) {
        if (nanos == 0) {
            return 0;
        }
        if (nanos % 1_000_000 == 0) {
            return 4;
        }
        return nanos % 1_000 == 0 ? 7 : 10;
    }

    private static boolean shapeOfSeconds(String text) {
        return text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == 'T' && text.charAt(13) == ':' && text.charAt(16) == ':'
                && allDigits(text, 0, 4) && allDigits(text, 5, 7) && allDigits(text, 8, 10) && allDigits(text, 11, 13)
                && allDigits(text, 14, 16) && allDigits(text, 17, 19);
    }

    private static boolean allDigits(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static int number(String text, int from, int digits) {
        int value = 0;
        for (int i = from; i < from + digits; i++) {
            value = value * 10 + (text.charAt(i) - '0');
        }
        return value;
    }

    private static void digits(char[] text, int from, int value, int count) {
        for (int i = from + count - 1; i >= from; i--) {
            text[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    private static int pow10(int exponent) {
        int value = 1;
        for (int i = 0; i < exponent; i++) {
            value *= 10;
        }
        return value;
    }
}
