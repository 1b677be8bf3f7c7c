package dev.alignstream.cli;

import dev.alignstream.delayed.LabelWait;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The delayed-label bounds of SPEC section 8, shared by {@code train} and {@code serve}. */
public final class LabelWaitOptions {

    @Option(names = "--label-wait", defaultValue = "1h", converter = DurationConverter.class,
            description = "how long (in record time) a sample with an id and no label waits for its label,"
                    + " e.g. 30s, 10m, 1h (default ${DEFAULT-VALUE})")
    Duration labelWait;

    @Option(names = "--max-pending", defaultValue = "100000",
            description = "most samples waiting for a label per stream; the oldest expire first (default ${DEFAULT-VALUE})")
    int maxPending;

    public LabelWait toLabelWait() {
        return new LabelWait(labelWait, maxPending);
    }
}
