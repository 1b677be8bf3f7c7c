package dev.alignstream.stream;

import dev.alignstream.data.BadRecordReason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Writes unusable records to the dead-letter topic: the original bytes (truncated, with headers
 * saying so, only when they would not fit a produce request), the reason, a message and the
 * source topic, partition and offset.
 *
 * <p>Contract for exactly-once: a dead letter MUST be forwarded through the task's
 * {@link ProcessorContext} while its source record is being processed, so it is part of the
 * same transaction as the source offset: committed exactly once with it, or aborted with it and
 * written again when the record is read again. It MUST stay under the producer's request limit
 * ({@link #MAX_VALUE}), since a failed send aborts the whole transaction and the record would be
 * read, and fail, forever. It never touches model state.
 */
final class DeadLetters {

    /**
     * Dead-letter values above this are truncated (headers {@code original.size} and
     * {@code truncated} say so): with key and headers the record stays under the producer's
     * 1,048,576-byte request limit.
     */
    static final int MAX_VALUE = 1_000_000;

    private final ProcessorContext<String, byte[]> context;
    private final String child;
    private final List<LearningListener> listeners;

    DeadLetters(ProcessorContext<String, byte[]> context, String child, List<LearningListener> listeners) {
        this.context = context;
        this.child = child;
        this.listeners = listeners;
    }

    void write(Record<String, byte[]> record, BadRecordReason reason, String message) {
        RecordHeaders h = new RecordHeaders();
        h.add("reason", reason.id().getBytes(StandardCharsets.UTF_8));
        h.add("message", message.getBytes(StandardCharsets.UTF_8));
        context.recordMetadata().ifPresent(m -> {
            h.add("source.topic", m.topic().getBytes(StandardCharsets.UTF_8));
            h.add("source.partition", Integer.toString(m.partition()).getBytes(StandardCharsets.UTF_8));
            h.add("source.offset", Long.toString(m.offset()).getBytes(StandardCharsets.UTF_8));
        });
        byte[] value = record.value();
        if (value != null && value.length > MAX_VALUE) {
            h.add("original.size", Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
            h.add("truncated", "true".getBytes(StandardCharsets.UTF_8));
            value = java.util.Arrays.copyOf(value, MAX_VALUE);
        }
        String key = record.key();
        if (key != null && key.length() > ModelSpec.MAX_ID) {
            key = key.substring(0, ModelSpec.MAX_ID);
        }
        context.forward(new Record<>(key, value, record.timestamp(), h), child);
        for (LearningListener l : listeners) {
            l.onDeadLetter(reason.id());
        }
    }
}
