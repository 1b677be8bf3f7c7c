package dev.alignstream.core;

import java.util.Locale;

/**
 * Decides once per JVM whether {@link Kernels} use {@link VectorKernels} (the JDK Vector API) or
 * their scalar code. Both give the same bits, so the choice changes speed only: a model trained
 * with one resumes bit-identically with the other.
 *
 * <p>The vector path is on when the incubator module {@code jdk.incubator.vector} is in the boot
 * layer (the JVM was started with {@code --add-modules jdk.incubator.vector}, or with it in
 * {@code JDK_JAVA_OPTIONS}) and the system property {@value #PROPERTY} is not {@code false}.
 * Without the module nothing of it is loaded, nothing is printed, and the scalar code runs.
 */
final class VectorPath {

    /** System property that turns the vector path off ({@code -Dalignstream.vector=false}), read once. */
    static final String PROPERTY = "alignstream.vector";

    static final String MODULE = "jdk.incubator.vector";

    /** Whether the vector kernels are in use. */
    static final boolean ENABLED;

    /** One line saying which path is in use and why, for {@code bench} and the service's log. */
    static final String DESCRIPTION;

    static {
        String property = System.getProperty(PROPERTY, "true").trim().toLowerCase(Locale.ROOT);
        boolean enabled = false;
        String description;
        if (property.equals("false")) {
            description = "off (-D" + PROPERTY + "=false)";
        } else if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            description = "off (module " + MODULE + " not loaded; start java with --add-modules " + MODULE + ")";
        } else {
            try {
                enabled = selfCheck();
                description = enabled ? "on (" + MODULE + ", 256-bit dot products, " + VectorKernels.batchBits()
                        + "-bit batch kernels, same bits as the scalar path)"
                        : "off (the vector kernels disagreed with the scalar ones)";
            } catch (LinkageError | RuntimeException e) {
                description = "off (" + MODULE + " unusable: " + e + ")";
            }
        }
        ENABLED = enabled;
        DESCRIPTION = description;
    }

    private VectorPath() {
    }

    /** Loads {@link VectorKernels} and checks one awkward-length dot product against the scalar one. */
    private static boolean selfCheck() {
        int n = 37;
        RowMatrix m = new RowMatrix(1, n);
        float[] y = new float[n];
        for (int k = 0; k < n; k++) {
            m.row(0)[k] = 1f / (k + 1);
            y[k] = (k % 3) - 0.7f;
        }
        float[] dots = new float[1];
        VectorKernels.dot8Rows(m, new int[] {0}, 1, y, n, new float[VectorKernels.LANES], dots);
        return Float.floatToRawIntBits(dots[0]) == Float.floatToRawIntBits(Kernels.dot8(m.row(0), y, new float[n], n));
    }
}
