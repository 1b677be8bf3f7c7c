package dev.alignstream.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The paper's claims, each checked against the results by a stated, mechanical criterion, so the
 * report says plainly where a claim does not hold at these sizes rather than leaving it to the
 * reader. The criteria are deliberately simple (monotone trends, shrinking gaps); the numbers
 * they read are listed as evidence.
 */
final class ClaimChecks {

    /** Whether a claim holds here. */
    enum Verdict {
        HOLDS("holds"), PARTLY("partly holds"), DOES_NOT_HOLD("does not hold"), NOT_RUN("not run");

        final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    /**
     * @param claim     the paper's claim in one sentence
     * @param criterion what is checked
     * @param verdict   the outcome
     * @param evidence  the numbers read
     */
    record Claim(String claim, String criterion, Verdict verdict, String evidence) {
    }

    private static final List<String> ALIGN = List.of("align-zero", "align-ada");
    private static final List<String> BASELINES = List.of("fa", "dfa", "readout");

    private ClaimChecks() {
    }

    static List<Claim> check(Results r) {
        List<Claim> out = new ArrayList<>();
        out.add(alignmentRises(r));
        out.add(alignApproachesBp(r));
        out.add(alignBeatsBaselines(r));
        out.add(lowData(r));
        out.add(recurrent(r));
        return out;
    }

    static final String RNN_CLAIM = "Align rules train wide recurrent networks comparably to BPTT (delayed-sum task).";

    /**
     * Claim of experiment 4, at the largest width: holds when both Align rules beat the mean
     * predictor and {@code readout} and are within 1.5x of {@code bp}'s held-out loss; partly when
     * they beat the mean predictor only.
     */
    static Claim recurrent(Results r) {
        String criterion = "at the largest width, align-zero and align-ada beat the mean predictor and readout "
                + "and have at most 1.5x bp's held-out loss";
        if (r.rnn().isEmpty()) {
            return new Claim(RNN_CLAIM, criterion, Verdict.NOT_RUN, r.rnnNote() == null ? "" : r.rnnNote());
        }
        int w = r.rnn().stream().mapToInt(Results.RnnRow::width).max().orElseThrow();
        java.util.function.Function<String, Double> loss = rule -> r.rnn().stream()
                .filter(x -> x.width() == w && x.rule().equals(rule)).mapToDouble(Results.RnnRow::testLoss)
                .findFirst().orElse(Double.NaN);
        double mean = r.rnn().get(0).meanPredictorLoss();
        double bp = loss.apply("bp");
        double readout = loss.apply("readout");
        StringBuilder ev = new StringBuilder(String.format(Locale.ROOT, "w = %d: mean predictor %.5f, bp %.5f", w,
                mean, bp));
        boolean beatMean = true;
        boolean close = true;
        for (String rule : ALIGN) {
            double l = loss.apply(rule);
            ev.append(String.format(Locale.ROOT, ", %s %.5f (%.2fx bp)", rule, l, l / bp));
            beatMean &= l < mean;
            close &= l <= 1.5 * bp && (Double.isNaN(readout) || l < readout);
        }
        if (!Double.isNaN(readout)) {
            ev.append(String.format(Locale.ROOT, ", readout %.5f", readout));
        }
        Verdict v = Double.isNaN(bp) ? Verdict.NOT_RUN
                : beatMean && close ? Verdict.HOLDS : beatMean ? Verdict.PARTLY : Verdict.DOES_NOT_HOLD;
        return new Claim(RNN_CLAIM, criterion, v, ev.toString());
    }

    /** Claim of experiment 1: the mean score of every layer increases from each width to the next. */
    static Claim alignmentRises(Results r) {
        String claim = "Under bp, each layer's weight change aligns with its error-weighted input correlation, "
                + "more so as the network widens (score toward 1).";
        String criterion = "mean score over seeds increases with width, for every layer";
        List<Integer> widths = Summaries.alignmentWidths(r);
        List<Integer> layers = Summaries.alignmentLayers(r);
        if (widths.size() < 2) {
            return new Claim(claim, criterion, Verdict.NOT_RUN, "fewer than two widths");
        }
        int rising = 0;
        List<String> ev = new ArrayList<>();
        for (int l : layers) {
            boolean up = true;
            StringBuilder sb = new StringBuilder("layer " + l + ": ");
            double prev = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < widths.size(); i++) {
                double m = Summaries.alignment(r, widths.get(i), l, false).mean();
                sb.append(i == 0 ? "" : " -> ").append(f3(m)).append(" (w=").append(widths.get(i)).append(')');
                up &= m > prev;
                prev = m;
            }
            sb.append(", permuted baseline ").append(f3(Summaries.alignment(r, widths.get(widths.size() - 1), l, true).mean()));
            rising += up ? 1 : 0;
            ev.add(sb.toString());
        }
        Verdict v = rising == layers.size() ? Verdict.HOLDS : rising == 0 ? Verdict.DOES_NOT_HOLD : Verdict.PARTLY;
        return new Claim(claim, criterion, v, String.join("; ", ev));
    }

    /** Claim of experiment 2: bp's lead over each Align rule is smaller at the largest width than at the smallest. */
    static Claim alignApproachesBp(Results r) {
        String claim = "The Align rules approach backprop's accuracy as the network widens.";
        String criterion = "test-accuracy gap bp - rule is smaller at the largest width than at the smallest, "
                + "for align-zero and align-ada";
        List<Integer> widths = Summaries.sweepWidths(r);
        if (widths.size() < 2) {
            return new Claim(claim, criterion, Verdict.NOT_RUN, "fewer than two widths");
        }
        int ok = 0;
        int checked = 0;
        List<String> ev = new ArrayList<>();
        for (String rule : ALIGN) {
            StringBuilder sb = new StringBuilder(rule + " gap: ");
            double first = Double.NaN;
            double last = Double.NaN;
            for (int i = 0; i < widths.size(); i++) {
                double gap = gap(r, "bp", rule, widths.get(i));
                if (i == 0) {
                    first = gap;
                }
                last = gap;
                sb.append(i == 0 ? "" : " -> ").append(signed(gap)).append(" (w=").append(widths.get(i)).append(')');
            }
            if (!Double.isNaN(first) && !Double.isNaN(last)) {
                checked++;
                ok += last < first ? 1 : 0;
            }
            ev.add(sb.toString());
        }
        return new Claim(claim, criterion, verdict(ok, checked), String.join("; ", ev));
    }

    /** Both Align rules beat feedback alignment, direct feedback alignment and readout at the largest width. */
    static Claim alignBeatsBaselines(Results r) {
        String claim = "In wide networks the Align rules outperform the other backprop-free rules (fa, dfa, readout).";
        String criterion = "at the largest width, each Align rule's test accuracy exceeds each of fa, dfa, readout";
        List<Integer> widths = Summaries.sweepWidths(r);
        if (widths.isEmpty()) {
            return new Claim(claim, criterion, Verdict.NOT_RUN, "no runs");
        }
        int w = widths.get(widths.size() - 1);
        return beats(r, claim, criterion, a -> test(r, a, w), "w=" + w);
    }

    /** Experiment 3: at the fewest samples the Align rules are at least as close to bp as after the whole stream, and beat the baselines. */
    static Claim lowData(Results r) {
        String claim = "The Align rules are particularly effective with little data.";
        List<Integer> counts = Summaries.lowDataSamples(r);
        String criterion = "at the fewest samples, each Align rule beats fa, dfa and readout and its gap to bp "
                + "is no larger than after the whole stream";
        if (counts.size() < 2) {
            return new Claim(claim, criterion, Verdict.NOT_RUN, "fewer than two sample counts");
        }
        int few = counts.get(0);
        int all = counts.get(counts.size() - 1);
        Claim beats = beats(r, claim, criterion, a -> low(r, a, few), few + " samples");
        int ok = 0;
        int checked = 0;
        List<String> ev = new ArrayList<>();
        for (String rule : ALIGN) {
            double g0 = low(r, "bp", few) - low(r, rule, few);
            double g1 = low(r, "bp", all) - low(r, rule, all);
            if (!Double.isNaN(g0) && !Double.isNaN(g1)) {
                checked++;
                ok += g0 <= g1 ? 1 : 0;
            }
            ev.add(rule + " gap to bp " + signed(g0) + " at " + few + " vs " + signed(g1) + " at " + all);
        }
        Verdict gaps = verdict(ok, checked);
        Verdict v = beats.verdict() == gaps ? gaps
                : beats.verdict() == Verdict.NOT_RUN || gaps == Verdict.NOT_RUN ? Verdict.NOT_RUN : Verdict.PARTLY;
        return new Claim(claim, criterion, v, beats.evidence() + "; " + String.join("; ", ev));
    }

    private static Claim beats(Results r, String claim, String criterion,
                               java.util.function.ToDoubleFunction<String> acc, String where) {
        int ok = 0;
        int checked = 0;
        List<String> ev = new ArrayList<>();
        for (String a : ALIGN) {
            double mine = acc.applyAsDouble(a);
            boolean all = true;
            boolean any = false;
            for (String b : BASELINES) {
                double theirs = acc.applyAsDouble(b);
                if (Double.isNaN(mine) || Double.isNaN(theirs)) {
                    continue;
                }
                any = true;
                all &= mine > theirs;
            }
            if (any) {
                checked++;
                ok += all ? 1 : 0;
            }
        }
        for (String x : concat(List.of("bp"), ALIGN, BASELINES)) {
            double v = acc.applyAsDouble(x);
            if (!Double.isNaN(v)) {
                ev.add(x + " " + f3(v));
            }
        }
        return new Claim(claim, criterion, verdict(ok, checked), "test accuracy at " + where + ": " + String.join(", ", ev));
    }

    private static Verdict verdict(int ok, int checked) {
        if (checked == 0) {
            return Verdict.NOT_RUN;
        }
        return ok == checked ? Verdict.HOLDS : ok == 0 ? Verdict.DOES_NOT_HOLD : Verdict.PARTLY;
    }

    private static double gap(Results r, String a, String b, int width) {
        return test(r, a, width) - test(r, b, width);
    }

    private static double test(Results r, String rule, int width) {
        return Summaries.accuracy(r, rule, width).map(Results.AccuracyRow::testAccuracy).orElse(Double.NaN);
    }

    private static double low(Results r, String rule, int samples) {
        Optional<Results.LowDataRow> row = Summaries.lowData(r, rule, samples);
        return row.map(Results.LowDataRow::testAccuracy).orElse(Double.NaN);
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> out = new ArrayList<>();
        for (List<String> l : lists) {
            out.addAll(l);
        }
        return out;
    }

    static String f3(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String signed(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.3f", v);
    }
}
