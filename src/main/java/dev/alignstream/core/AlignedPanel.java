package dev.alignstream.core;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Per-thread scratch whose rows start on 64-byte boundaries, into which the register-blocked
 * kernels of {@link VectorKernels} copy their term rows (the rows loaded once per term and used
 * for several outputs) before the products.
 *
 * <p>Why: a 512-bit load from a row that starts 16 bytes off a cache line spans two lines. In one
 * JVM, with the step's matrices placed at chosen addresses (Epsilon GC, nothing moves), a
 * {@code bp} batch-32 step of 784-1024-1024-10 ran 20-25% faster with every row on a 64-byte
 * boundary than with the rows where HotSpot happens to put them (the weights alone gave 9-10%,
 * the workspace alone 5-11%; rows in docs/bench-2026-12-03.txt). A Java array cannot be
 * placed on a chosen boundary (8-byte object alignment, objects move when collected), with one
 * exception this class relies on: G1 (the JVM's default collector) puts an object larger than
 * half a heap region at the start of its own region, and regions are at least 1 MiB aligned. So the panel is made larger than half a region,
 * and its aligned rows start at element {@link #START}: a {@code float[]}'s data begins 16 bytes
 * after the object (HotSpot's array header with compressed class pointers, the default on 64-bit
 * JVMs from 17 to 25).
 *
 * <p>What MUST hold: nothing but speed depends on this. If the header is another size, the
 * collector is not G1, or the region size cannot be read, the panel is an ordinary array and the
 * rows sit wherever it lands: the kernels read the same values in the same order either way, so
 * the bits never depend on it.
 *
 * <p>One panel per thread, reused by every model the thread steps (its contents only live within
 * one kernel call), so the memory is bounded by the threads that learn, not by the models: half a
 * region and a little more each (2 MiB on this project's machine, whose heap has 4 MiB regions),
 * or what a call needs if that is more.
 */
final class AlignedPanel {

    /** Floats per 64 bytes: rows of the panel start at multiples of this from {@link #START}. */
    static final int ALIGN_FLOATS = 16;

    /** First element on a 64-byte boundary when the array starts on one (16-byte header, 4-byte floats). */
    static final int START = 12;

    /** Smallest panel G1 places at a region start: more than half a region, in floats; 0 if unknown. */
    private static final int HUMONGOUS_FLOATS = humongousFloats();

    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[0]);

    private AlignedPanel() {
    }

    /** {@code cols} rounded up to whole 64-byte lines: a row stride that keeps every row aligned. */
    static int stride(int cols) {
        return (cols + ALIGN_FLOATS - 1) & -ALIGN_FLOATS;
    }

    /**
     * This thread's panel, with at least {@code floats} elements from {@link #START} on. The
     * contents are scratch: whatever the last call left.
     */
    static float[] get(int floats) {
        float[] p = PANEL.get();
        if (p.length < START + floats) {
            p = new float[Math.max(START + floats, HUMONGOUS_FLOATS)];
            PANEL.set(p);
        }
        return p;
    }

    /** Region size of the running G1 heap, read from HotSpot, as a panel length; 0 without G1. */
    private static int humongousFloats() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (!Boolean.parseBoolean(hotspot.getVMOption("UseG1GC").getValue())) {
                return 0;
            }
            long region = Long.parseLong(hotspot.getVMOption("G1HeapRegionSize").getValue());
            return (int) Math.min(Integer.MAX_VALUE - 64, region / 2 / Float.BYTES + ALIGN_FLOATS);
        } catch (RuntimeException | LinkageError e) {
            // no jdk.management (a trimmed runtime) or not HotSpot: an ordinary array, speed only
            return 0;
        }
    }
}
