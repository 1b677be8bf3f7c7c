package dev.alignstream.delayed;

import dev.alignstream.data.DataEvent;
import dev.alignstream.data.LabelRecord;
import dev.alignstream.data.Sample;
import java.util.ArrayList;
import java.util.List;

/** Turns labelled samples into a stream with delayed labels, for demos and tests. */
public final class LabelDelay {

    private LabelDelay() {
    }

    /**
     * Each sample is sent with an id ({@code prefix + index}) and without its label; its label
     * follows after {@code delay} more samples (the last ones at the end). With delay 0 the
     * samples are returned unchanged.
     */
    public static List<DataEvent> interleave(List<Sample> samples, int delay, String prefix) {
        if (delay < 0) {
            throw new IllegalArgumentException("label delay must be >= 0, got " + delay);
        }
        if (delay == 0) {
            return new ArrayList<>(samples);
        }
        List<DataEvent> out = new ArrayList<>(2 * samples.size());
        for (int i = 0; i < samples.size() + delay; i++) {
            if (i < samples.size()) {
                Sample s = samples.get(i);
                out.add(new Sample(prefix + i, s.features(), null, null));
            }
            int k = i - delay;
            if (k >= 0) {
                Sample s = samples.get(k);
                out.add(new LabelRecord(prefix + k, s.label(), s.target()));
            }
        }
        return out;
    }
}
