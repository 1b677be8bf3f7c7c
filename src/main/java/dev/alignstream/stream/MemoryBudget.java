package dev.alignstream.stream;

import java.util.HashMap;
import java.util.Map;

/**
 * The heap this instance lets its models hold, shared by all its stream tasks. A model is built
 * only after {@link #reserve} granted its whole {@link dev.alignstream.core.ModelFootprint}, and
 * gives it back with {@link #release} when it leaves (deleted, refused, moved to another
 * instance, task closed). So no declaration, however large, can make the service allocate past
 * the budget: the model is refused instead, with "needs X MB, Y MB left".
 *
 * <p>The default budget is {@link #DEFAULT_FRACTION} of the JVM's maximum heap, leaving the rest
 * to Kafka's clients and RocksDB's JVM-side buffers, the HTTP server and transient copies.
 */
public final class MemoryBudget {

    /** The share of {@code Runtime.maxMemory()} models may use when no budget is configured. */
    public static final double DEFAULT_FRACTION = 0.6;

    private final long total;
    private final Map<String, Long> reserved = new HashMap<>();
    private long used;

    /** @param totalBytes the budget; 0 or less for the default fraction of the max heap */
    public MemoryBudget(long totalBytes) {
        this.total = totalBytes > 0 ? totalBytes : (long) (Runtime.getRuntime().maxMemory() * DEFAULT_FRACTION);
    }

    public long total() {
        return total;
    }

    /**
     * Reserves {@code bytes} for {@code key} (replacing what it held) when they fit.
     *
     * @return null when granted, else the refusal reason ("needs X MB, Y MB left of Z MB")
     */
    public synchronized String reserve(String key, long bytes) {
        long held = reserved.getOrDefault(key, 0L);
        long left = total - (used - held);
        if (bytes > left) {
            return "needs " + mb(bytes) + " MB, " + mb(Math.max(0, left)) + " MB left of the " + mb(total)
                    + " MB memory budget (serve --memory-budget)";
        }
        reserved.put(key, bytes);
        used += bytes - held;
        return null;
    }

    public synchronized void release(String key) {
        Long held = reserved.remove(key);
        if (held != null) {
            used -= held;
        }
    }

    public synchronized long used() {
        return used;
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }

    /**
     * Parses a size such as {@code 512m}, {@code 2g}, {@code 1048576} or {@code 64k}
     * (binary units, case-insensitive).
     */
    public static long parseSize(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g")) {
            unit = switch (t.charAt(t.length() - 1)) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                default -> 1L << 30;
            };
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t);
            if (v <= 0 || v > Long.MAX_VALUE / unit) {
                throw new NumberFormatException();
            }
            return v * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("memory size must be a positive number with an optional k, m or g suffix,"
                    + " like 512m or 2g; got '" + s + "'");
        }
    }
}
