package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.testng.annotations.Test;

/** {@link Progress}: a few plain lines into a log, a redrawn line on a terminal. (No engine.) */
public class ProgressTest {

    private static String run(boolean terminal, int every, long total) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress p = new Progress("Training", total, out, terminal, every)) {
            for (long i = 1; i <= total; i++) {
                p.update(i, "loss 0.5");
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void aLogGetsOneLineEveryTenPercent() {
        String log = run(false, 10, 1000);
        String[] lines = log.split("\n");
        assertEquals(lines.length, 10, log);
        assertFalse(log.contains("\r"));
        assertTrue(lines[0].startsWith("Training  10% 100/1000"), lines[0]);
        assertTrue(lines[9].startsWith("Training 100% 1000/1000"), lines[9]);
        assertTrue(lines[9].endsWith("loss 0.5"), lines[9]);
    }

    @Test
    public void fewUpdatesStillGiveOneLineEach() {
        String[] lines = run(false, 10, 3).split("\n");
        assertEquals(lines.length, 3); // 33%, 66%, 100%
        assertTrue(lines[2].startsWith("Training 100% 3/3"), lines[2]);
    }

    @Test
    public void aTerminalGetsARedrawnBar() {
        String out = run(true, 10, 50);
        assertTrue(out.startsWith("\rTraining ["), out);
        assertTrue(out.contains("100% 50/50"), out);
        assertTrue(out.endsWith("\n"));
        assertEquals(out.chars().filter(c -> c == '\n').count(), 1, "one line, redrawn");
    }

    /**
     * A run resumed at 900 of 1,000 that does one unit a second: 1.0/s, not the 10/s of counting
     * the units done before it as done now.
     */
    @Test
    public void skippedWorkCountsInThePercentageNotTheRate() {
        long[] clock = {0};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress p =
                new Progress("Training", 1000, out, false, 10, () -> clock[0] * 1_000_000_000L)) {
            p.skip(900);
            for (long i = 901; i <= 1000; i++) {
                clock[0]++;
                p.update(i, "");
            }
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(lines.length, 2, String.join("|", lines));
        assertEquals(lines[0], "Training  90% 901/1000 1.0/s");
        assertEquals(lines[1], "Training 100% 1000/1000 1.0/s");
    }

    /**
     * A slow loop in a log (ten seconds a unit, 10% = 100 units = 17 minutes) still gets a line
     * every five minutes; the percentage lines stay where they were.
     */
    @Test
    public void aSlowLogGetsALineEveryFiveMinutes() {
        long[] clock = {0};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress p =
                new Progress("Training", 1000, out, false, 10, () -> clock[0] * 1_000_000_000L)) {
            for (long i = 1; i <= 200; i++) {
                clock[0] += 10;
                p.update(i, "");
            }
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(
                lines,
                new String[] {
                    "Training   3% 30/1000 0.1/s",
                    "Training   6% 60/1000 0.1/s",
                    "Training   9% 90/1000 0.1/s",
                    "Training  10% 100/1000 0.1/s",
                    "Training  13% 130/1000 0.1/s",
                    "Training  16% 160/1000 0.1/s",
                    "Training  19% 190/1000 0.1/s",
                    "Training  20% 200/1000 0.1/s"
                },
                String.join("|", lines));
    }

    @Test
    public void badArgumentsAreRefused() {
        String message =
                expectThrows(
                                IllegalArgumentException.class,
                                () -> new Progress("x", 0, System.out, false, 10))
                        .getMessage();
        assertTrue(message.startsWith("Progress:") && message.contains("got total 0"), message);
        message =
                expectThrows(
                                IllegalArgumentException.class,
                                () -> new Progress("x", 10, System.out, false, 0))
                        .getMessage();
        assertTrue(message.startsWith("Progress:") && message.contains("every 0"), message);
        try (Progress p = new Progress("x", 10, System.out, false, 10)) {
            assertTrue(
                    expectThrows(IllegalArgumentException.class, () -> p.skip(-1))
                            .getMessage()
                            .contains("got -1"));
        }
    }
}
