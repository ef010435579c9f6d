package io.github.djlgan.training;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress display for long loops that suits both a terminal and a log file.
 *
 * <p>On a terminal ({@code System.console() != null}) it redraws one line in place — a bar, the
 * percentage, the rate and a message — at most ten times a second. When the output is redirected it
 * writes one plain line each time another {@code every} percent of the work is done (10 by
 * default), after five minutes without a line (so a log of an hours-long loop still shows its
 * rate), and at the end: a log holds a few lines rather than hundreds of redraws.
 *
 * <p>The rate is the work done while the display has been open over the time it has been open; work
 * reported but done before — the iterations a run resumed from a checkpoint had done, say — is
 * declared with {@link #skip} and counts toward the percentage only.
 */
public final class Progress implements AutoCloseable {

    private static final int BAR = 30;
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long QUIET_NANOS = 300_000_000_000L;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final int every;
    private final LongSupplier nanoTime;
    private final long started;
    private long lastDraw;
    private long lastLine;
    private long nextPercent;
    private long done;
    private long skipped;
    private String message = "";
    private boolean closed;

    /**
     * Creates a display on {@code System.out} that detects a terminal and writes a plain line every
     * 10% (or five minutes) otherwise.
     *
     * @param label what is being done, e.g. {@code "Training"}
     * @param total the amount of work, &gt; 0
     */
    public Progress(String label, long total) {
        this(label, total, System.out, System.console() != null, 10);
    }

    /**
     * Creates a display.
     *
     * @param label what is being done
     * @param total the amount of work, &gt; 0
     * @param out where to write
     * @param terminal whether to redraw one line in place (a terminal) or write plain lines
     * @param every percent of the work between plain lines, 1 to 100
     * @throws IllegalArgumentException if total or every is out of range
     */
    public Progress(String label, long total, PrintStream out, boolean terminal, int every) {
        this(label, total, out, terminal, every, System::nanoTime);
    }

    /** As the public constructor, with a clock for tests. */
    Progress(
            String label,
            long total,
            PrintStream out,
            boolean terminal,
            int every,
            LongSupplier nanoTime) {
        if (total <= 0 || every < 1 || every > 100) {
            throw new IllegalArgumentException(
                    "Progress: needs total > 0 and every in 1..100, got total "
                            + total
                            + ", every "
                            + every);
        }
        this.label = label;
        this.total = total;
        this.out = out;
        this.terminal = terminal;
        this.every = every;
        this.nanoTime = nanoTime;
        started = nanoTime.getAsLong();
        lastLine = started;
        nextPercent = every;
    }

    /**
     * Declares work that later {@link #update}s include but that was not done while this display
     * was open, e.g. the iterations a resumed run had done before its checkpoint: it counts toward
     * the percentage, not toward the rate.
     *
     * @param amount the work, &ge; 0
     * @throws IllegalArgumentException if amount is negative
     */
    public void skip(long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("Progress: need a skip >= 0, got " + amount);
        }
        skipped += amount;
    }

    /**
     * Reports the work done so far.
     *
     * @param done the amount done, 0 to total
     * @param message a short status, e.g. the latest losses; may be empty
     */
    public void update(long done, String message) {
        this.done = Math.max(0, Math.min(done, total));
        this.message = message == null ? "" : message;
        long now = nanoTime.getAsLong();
        if (terminal) {
            if (now - lastDraw >= REDRAW_NANOS || this.done == total) {
                lastDraw = now;
                out.print('\r' + line(true));
                out.flush();
            }
        } else if (this.done * 100 >= nextPercent * total || now - lastLine >= QUIET_NANOS) {
            lastLine = now;
            out.println(line(false));
            long percent = this.done * 100 / total;
            nextPercent = (percent / every + 1) * every;
        }
    }

    private String line(boolean bar) {
        double fraction = (double) done / total;
        double seconds = (nanoTime.getAsLong() - started) / 1e9;
        long worked = Math.max(0, done - skipped);
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (bar) {
            int filled = (int) Math.round(fraction * BAR);
            sb.append('[').append("=".repeat(filled)).append(" ".repeat(BAR - filled)).append("] ");
        }
        sb.append(String.format(Locale.ROOT, "%3d%% %d/%d", (int) (fraction * 100), done, total));
        if (seconds > 0 && worked > 0) {
            sb.append(String.format(Locale.ROOT, " %.1f/s", worked / seconds));
        }
        if (!message.isEmpty()) {
            sb.append(' ').append(message);
        }
        return sb.toString();
    }

    /** Ends the display: finishes the terminal line with a newline. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (terminal) {
                out.print('\r' + line(true));
                out.println();
                out.flush();
            }
        }
    }
}
