package dev.alignstream.data;

/**
 * An event with its record time: the Kafka record timestamp in the service, the line's optional
 * {@code "timestamp"} field in a file.
 *
 * @param event the sample or label
 * @param time  epoch milliseconds, or {@link Long#MIN_VALUE} when unknown
 */
public record TimedEvent(DataEvent event, long time) {

    public static final long UNKNOWN = Long.MIN_VALUE;
}
