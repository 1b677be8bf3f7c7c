package dev.alignstream.stream;

/**
 * What the service can say about one model without touching its parameters: identity,
 * configuration summary, counters, its state ({@code live}, {@code waiting: ...} or
 * {@code refused}) and, when refused or when a re-declaration was refused, the reason.
 * {@code memoryBytes} is the heap the model is admitted with: its footprint from its config
 * ({@link ModelSpec#footprintBytes}: parameters, frozen copy, accumulators, buffers and
 * serialization copies), what the memory budget reserves for it.
 * Published by the stream thread after every step.
 */
public record ModelStatus(String id, String stream, String arch, String rule, String layers, float learningRate,
                          int batchSize, long samplesSeen, long rejectedSteps, boolean paused, String state,
                          String reason, long memoryBytes) {

    public ModelStatus(String id, String stream, String arch, String rule, String layers, float learningRate,
                       int batchSize, long samplesSeen, long rejectedSteps, boolean paused, String state,
                       long memoryBytes) {
        this(id, stream, arch, rule, layers, learningRate, batchSize, samplesSeen, rejectedSteps, paused, state, null,
                memoryBytes);
    }

    /** The same status with another {@code reason}. */
    ModelStatus withReason(String r) {
        return new ModelStatus(id, stream, arch, rule, layers, learningRate, batchSize, samplesSeen, rejectedSteps,
                paused, state, r, memoryBytes);
    }

    /** The status of a declared model that does not learn here, in {@code state} for {@code reason}. */
    static ModelStatus of(ModelSpec s, String state, String reason) {
        return new ModelStatus(s.id(), s.stream(), s.arch().id(), s.config().rule().id(), s.config().layersString(),
                s.config().learningRate(), s.config().batchSize(), 0, 0, s.paused(), state, reason, s.footprintBytes());
    }
}
