/**
 * The paper's claims as experiments on the MNIST stream, run by the {@code experiments} command.
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
 * <p>The recurrent experiment of issue 11 (held-out loss on delayed-sum per rule at hidden widths
 * 32, 256 and 1024, against the mean predictor) is not here yet because this build has no RNNs:
 * it is one more {@code Experiment} whose report fills {@link dev.alignstream.experiments.Results#rnn()},
 * listed in {@link dev.alignstream.experiments.ExperimentPlan}. Until then {@code results.json}
 * has {@code "rnn": []} and an {@code rnn_note} saying why.
 */
package dev.alignstream.experiments;
