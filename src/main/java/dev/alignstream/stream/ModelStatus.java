package dev.alignstream.stream;

/**
 * What the service can say about one model without touching its parameters: identity,
 * configuration summary and counters. Published by the stream thread after every step.
 */
public record ModelStatus(String id, String stream, String rule, String layers, float learningRate, int batchSize,
                          long samplesSeen, long rejectedSteps, boolean paused, String state) {
}
