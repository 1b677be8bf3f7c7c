package dev.alignstream.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second, shown only when a
 * terminal is attached (so logs and CI output stay clean). Shows percentage, count, rate and a
 * caller-supplied status such as the running accuracy.
 */
public final class ProgressBar {

    private static final int WIDTH = 30;

    private final String label;
    private final PrintStream out;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;

    public ProgressBar(String label, PrintStream out, boolean enabled) {
        this.label = label;
        this.out = out;
        this.enabled = enabled;
    }

    /** A bar on stderr, enabled when the JVM has a console. */
    public static ProgressBar onTerminal(String label) {
        return new ProgressBar(label, System.err, System.console() != null);
    }

    public void update(long done, long total, String status) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        double frac = total <= 0 ? 1 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(frac * WIDTH);
        double rate = done / Math.max(1e-9, (now - start) / 1e9);
        out.print(String.format(Locale.ROOT, "\r%s [%s%s] %3.0f%% %d/%d  %.0f samples/s  %s", label,
                "#".repeat(filled), " ".repeat(WIDTH - filled), frac * 100, done, total, rate, status));
        if (done >= total) {
            out.println();
        }
        out.flush();
    }
}
