package dev.alignstream.experiments;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws the experiments' PNG plots with XChart, headless (no display needed). Widths and sample
 * counts are spaced evenly (they grow geometrically), learning curves are plotted against samples
 * seen. Every plot has a title, labelled axes and a legend; each rule keeps one colour in all plots.
 */
public final class Plotter {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    /** Colour-blind-safe palette (Okabe-Ito), one colour per rule in SPEC order. */
    private static final Color[] PALETTE = {
        new Color(0x00, 0x00, 0x00), new Color(0xE6, 0x9F, 0x00), new Color(0x56, 0xB4, 0xE9),
        new Color(0x00, 0x9E, 0x73), new Color(0xD5, 0x5E, 0x00), new Color(0xCC, 0x79, 0xA7),
        new Color(0x00, 0x72, 0xB2), new Color(0xF0, 0xE4, 0x42)};
    /** Layers: blue, vermillion, bluish green, reddish purple (Okabe-Ito). */
    private static final Color[] LAYER_COLORS = {
        new Color(0x00, 0x72, 0xB2), new Color(0xD5, 0x5E, 0x00), new Color(0x00, 0x9E, 0x73),
        new Color(0xCC, 0x79, 0xA7)};

    private Plotter() {
    }

    /** Writes every plot the results support into {@code out}; returns the file names written, in order. */
    public static List<String> writeAll(Path out, Results r) throws IOException {
        Files.createDirectories(out);
        List<String> written = new ArrayList<>();
        if (!r.alignmentVsWidth().isEmpty()) {
            save(out, "alignment-vs-width.png", alignmentVsWidth(r), written);
        }
        if (!r.accuracyVsWidth().isEmpty()) {
            save(out, "accuracy-vs-width.png", accuracyVsWidth(r), written);
        }
        if (!r.lowData().isEmpty()) {
            save(out, "accuracy-vs-samples.png", accuracyVsSamples(r), written);
        }
        for (int w : Summaries.sweepWidths(r)) {
            save(out, "learning-curves-w" + w + ".png", learningCurves(r, w), written);
        }
        written.addAll(writeRnn(out, r));
        return written;
    }

    /** The plots of experiment 4 alone (none when it did not run); returns the file names written. */
    public static List<String> writeRnn(Path out, Results r) throws IOException {
        Files.createDirectories(out);
        List<String> written = new ArrayList<>();
        if (!r.rnn().isEmpty()) {
            save(out, RNN_LOSS_VS_WIDTH, rnnLossVsWidth(r), written);
            save(out, RNN_LOSS_CURVES, rnnLossCurves(r), written);
        }
        return written;
    }

    public static final String RNN_LOSS_VS_WIDTH = "rnn-loss-vs-width.png";
    public static final String RNN_LOSS_CURVES = "rnn-loss-curves.png";

    /** Held-out loss vs hidden width per rule, log y, with the mean predictor's loss as a dashed line. */
    static CategoryChart rnnLossVsWidth(Results r) {
        List<Integer> widths = r.rnn().stream().map(Results.RnnRow::width).distinct().sorted().toList();
        int epochs = r.rnn().get(0).epochs();
        CategoryChart c = categoryChart("RNN held-out loss vs width (delayed sum, " + epochs + " epoch"
                + (epochs == 1 ? "" : "s") + ")", "hidden width", "held-out loss (log scale)");
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setYAxisDecimalPattern("0.#####");
        List<String> x = widths.stream().map(String::valueOf).toList();
        List<String> rules = r.rnn().stream().map(Results.RnnRow::rule).distinct().toList();
        for (int i = 0; i < rules.size(); i++) {
            String rule = rules.get(i);
            List<Double> y = widths.stream().map(w -> r.rnn().stream()
                    .filter(k -> k.rule().equals(rule) && k.width() == w).mapToDouble(Results.RnnRow::testLoss)
                    .findFirst().orElse(Double.NaN)).toList();
            style(c.addSeries(rule, x, y), ruleColor(rule, i), false);
        }
        double mean = r.rnn().get(0).meanPredictorLoss();
        style(c.addSeries("mean predictor", x, widths.stream().map(w -> mean).toList()), Color.GRAY, true);
        return c;
    }

    /** Held-out loss after each epoch per rule at the largest width, log y, with the mean predictor's loss. */
    static XYChart rnnLossCurves(Results r) {
        int width = r.rnn().stream().mapToInt(Results.RnnRow::width).max().orElseThrow();
        List<Results.RnnRow> rows = r.rnn().stream().filter(k -> k.width() == width).toList();
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("RNN held-out loss per epoch, w = " + width + " (delayed sum)")
                .xAxisTitle("epochs learned").yAxisTitle("held-out loss (log scale)").build();
        common(c.getStyler());
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setYAxisDecimalPattern("0.#####");
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setMarkerSize(6);
        double[] epochs = new double[rows.get(0).testLosses().length];
        for (int j = 0; j < epochs.length; j++) {
            epochs[j] = j + 1;
        }
        for (int i = 0; i < rows.size(); i++) {
            Results.RnnRow k = rows.get(i);
            XYSeries s = c.addSeries(k.rule() + " (lr " + ReproduceCommand.number(k.lr()) + ")", epochs, k.testLosses());
            Color color = ruleColor(k.rule(), i);
            s.setLineColor(color);
            s.setMarkerColor(color);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineStyle(new BasicStroke(2f));
        }
        double[] mean = new double[epochs.length];
        java.util.Arrays.fill(mean, rows.get(0).meanPredictorLoss());
        XYSeries m = c.addSeries("mean predictor", epochs, mean);
        m.setLineColor(Color.GRAY);
        m.setMarker(SeriesMarkers.NONE);
        m.setLineStyle(SeriesLines.DASH_DASH);
        return c;
    }

    static CategoryChart alignmentVsWidth(Results r) {
        List<Integer> widths = Summaries.alignmentWidths(r);
        int seeds = (int) r.alignmentVsWidth().stream().map(Results.AlignmentRow::seed).distinct().count();
        int samples = r.alignmentVsWidth().get(0).samples();
        CategoryChart c = categoryChart("Alignment score vs width (bp, " + samples + " samples, "
                        + seeds + " seed" + (seeds == 1 ? "" : "s") + ")",
                "hidden width", "alignment score (mean ± sd over seeds)");
        c.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        List<String> x = widths.stream().map(String::valueOf).toList();
        List<Integer> layers = Summaries.alignmentLayers(r);
        for (int i = 0; i < layers.size(); i++) {
            int l = layers.get(i);
            List<Double> mean = new ArrayList<>();
            List<Double> sd = new ArrayList<>();
            List<Double> base = new ArrayList<>();
            for (int w : widths) {
                Summaries.Stat s = Summaries.alignment(r, w, l, false);
                mean.add(s.mean());
                sd.add(s.std());
                base.add(Summaries.alignment(r, w, l, true).mean());
            }
            Color color = LAYER_COLORS[i % LAYER_COLORS.length];
            CategorySeries s = c.addSeries("layer " + l, x, mean, sd);
            style(s, color, false);
            CategorySeries b = c.addSeries("layer " + l + " permuted baseline", x, base);
            style(b, color, true);
        }
        return c;
    }

    static CategoryChart accuracyVsWidth(Results r) {
        List<Integer> widths = Summaries.sweepWidths(r);
        int samples = r.accuracyVsWidth().get(0).samples();
        CategoryChart c = categoryChart("Test accuracy vs width (after " + samples + " samples, best lr per rule)",
                "hidden width", "test accuracy");
        List<String> x = widths.stream().map(String::valueOf).toList();
        List<String> rules = Summaries.rules(r);
        for (int i = 0; i < rules.size(); i++) {
            String rule = rules.get(i);
            List<Double> y = widths.stream().map(w -> Summaries.accuracy(r, rule, w)
                    .map(Results.AccuracyRow::testAccuracy).orElse(Double.NaN)).toList();
            style(c.addSeries(rule, x, y), ruleColor(rule, i), false);
        }
        return c;
    }

    static CategoryChart accuracyVsSamples(Results r) {
        List<Integer> counts = Summaries.lowDataSamples(r);
        int width = r.lowData().get(0).width();
        CategoryChart c = categoryChart("Test accuracy vs samples learned (w = " + width + ", best lr per rule)",
                "samples learned (one pass)", "test accuracy");
        List<String> x = counts.stream().map(String::valueOf).toList();
        List<String> rules = r.lowData().stream().map(Results.LowDataRow::rule).distinct().toList();
        for (int i = 0; i < rules.size(); i++) {
            String rule = rules.get(i);
            List<Double> y = counts.stream().map(n -> Summaries.lowData(r, rule, n)
                    .map(Results.LowDataRow::testAccuracy).orElse(Double.NaN)).toList();
            style(c.addSeries(rule, x, y), ruleColor(rule, i), false);
        }
        return c;
    }

    static XYChart learningCurves(Results r, int width) {
        List<Results.CurveRow> curves = r.learningCurves().stream().filter(k -> k.width() == width).toList();
        int block = curves.isEmpty() ? 0 : curves.get(0).block();
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Learning curves, w = " + width + " (best lr per rule)")
                .xAxisTitle("samples seen")
                .yAxisTitle("prequential accuracy (per " + block + "-sample block)").build();
        common(c.getStyler());
        c.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        c.getStyler().setMarkerSize(4);
        for (int i = 0; i < curves.size(); i++) {
            Results.CurveRow k = curves.get(i);
            double[] x = new double[k.samples().length];
            for (int j = 0; j < x.length; j++) {
                x[j] = k.samples()[j];
            }
            XYSeries s = c.addSeries(k.rule() + " (lr " + ReproduceCommand.number(k.lr()) + ")", x, k.accuracy());
            Color color = ruleColor(k.rule(), i);
            s.setLineColor(color);
            s.setMarkerColor(color);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineStyle(new BasicStroke(2f));
        }
        return c;
    }

    private static CategoryChart categoryChart(String title, String xTitle, String yTitle) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        common(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        c.getStyler().setOverlapped(true);
        c.getStyler().setMarkerSize(8);
        c.getStyler().setErrorBarsColorSeriesColor(true);
        return c;
    }

    private static void common(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(0xDD, 0xDD, 0xDD));
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setLegendBorderColor(Color.WHITE);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setYAxisDecimalPattern("0.00");
        s.setAntiAlias(true);
    }

    private static void style(CategorySeries s, Color color, boolean dashed) {
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(dashed ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        s.setLineStyle(dashed ? SeriesLines.DASH_DASH : new BasicStroke(2.5f));
    }

    /** One colour per rule across all plots (SPEC order), falling back to the series index. */
    private static Color ruleColor(String rule, int index) {
        int i = ExperimentConfig.ALL_RULES.stream().map(x -> x.id()).toList().indexOf(rule);
        return PALETTE[(i >= 0 ? i : index) % PALETTE.length];
    }

    private static void save(Path out, String name, Chart<?, ?> chart, List<String> written) throws IOException {
        ResultsWriter.atomicWrite(out.resolve(name), BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        written.add(name);
    }
}
