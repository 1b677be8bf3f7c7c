/**
 * The paper's claims as experiments on the MNIST stream (and an RNN task), run by the {@code experiments} command.
 *
 * <p>Shape: an {@link dev.alignstream.experiments.Experiment} is a list of independent,
 * deterministic jobs plus a {@code report} that turns their outcomes into rows of
 * {@link dev.alignstream.experiments.Results}; {@link dev.alignstream.experiments.ExperimentRunner}
 * runs all jobs on a thread pool and reports in plan order, so the outputs do not depend on the
 * thread count. Each job trains a fresh model through {@link dev.alignstream.core.Learner}, the
 * code path of {@code train} and of the streaming service
 * ({@link dev.alignstream.experiments.StreamRun}), and every accuracy carries the {@code train} /
 * {@code evaluate} command lines that reproduce it ({@link dev.alignstream.experiments.ReproduceCommand}).
 * {@link dev.alignstream.experiments.ResultsWriter} writes {@code results.json} and
 * {@code results.md}, {@link dev.alignstream.experiments.Plotter} the PNG plots (XChart, headless),
 * and {@link dev.alignstream.experiments.ClaimChecks} states for each claim whether it holds here.
 *
 * <p>Experiment 4 ({@link dev.alignstream.experiments.RnnVsWidth}, grid
 * {@link dev.alignstream.experiments.RnnGrid}) trains Elman RNNs through
 * {@link dev.alignstream.train.RnnOfflineTrainer}, the code path of {@code train --arch rnn}, on
 * delayed-sum sequences generated in memory from the seed of {@code datasets delayed-sum}, and
 * reports held-out loss per rule and width against the mean predictor. It needs no MNIST files, so
 * {@code experiments --only rnn} runs it alone and merges it into earlier results
 * ({@link dev.alignstream.experiments.ResultsWriter#mergeRnn}).
 */
package dev.alignstream.experiments;
