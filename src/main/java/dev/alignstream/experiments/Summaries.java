package dev.alignstream.experiments;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Look-ups and seed statistics over {@link Results} that the table, the claims and the plots share. */
final class Summaries {

    private Summaries() {
    }

    /** Mean, sample standard deviation (0 for one value) and count. */
    record Stat(double mean, double std, int n) {
        static Stat of(List<Double> v) {
            int n = v.size();
            if (n == 0) {
                return new Stat(Double.NaN, Double.NaN, 0);
            }
            double m = 0;
            for (double x : v) {
                m += x;
            }
            m /= n;
            double s = 0;
            for (double x : v) {
                s += (x - m) * (x - m);
            }
            return new Stat(m, n > 1 ? Math.sqrt(s / (n - 1)) : 0, n);
        }
    }

    static List<Integer> alignmentWidths(Results r) {
        return r.alignmentVsWidth().stream().map(Results.AlignmentRow::width).distinct().sorted().toList();
    }

    static List<Integer> alignmentLayers(Results r) {
        return r.alignmentVsWidth().stream().map(Results.AlignmentRow::layer).distinct().sorted().toList();
    }

    static Stat alignment(Results r, int width, int layer, boolean baseline) {
        return Stat.of(r.alignmentVsWidth().stream().filter(a -> a.width() == width && a.layer() == layer)
                .map(a -> baseline ? a.baseline() : a.score()).collect(Collectors.toList()));
    }

    /** Rules in the order the results list them. */
    static List<String> rules(Results r) {
        return r.accuracyVsWidth().stream().map(Results.AccuracyRow::rule).distinct().toList();
    }

    static List<Integer> sweepWidths(Results r) {
        return r.accuracyVsWidth().stream().map(Results.AccuracyRow::width).distinct().sorted().toList();
    }

    static Optional<Results.AccuracyRow> accuracy(Results r, String rule, int width) {
        return r.accuracyVsWidth().stream().filter(a -> a.rule().equals(rule) && a.width() == width).findFirst();
    }

    static List<Integer> lowDataSamples(Results r) {
        return r.lowData().stream().map(Results.LowDataRow::samples).distinct().sorted().toList();
    }

    static Optional<Results.LowDataRow> lowData(Results r, String rule, int samples) {
        return r.lowData().stream().filter(a -> a.rule().equals(rule) && a.samples() == samples).findFirst();
    }
}
