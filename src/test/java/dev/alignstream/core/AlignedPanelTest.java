package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AlignedPanelTest {

    @Test
    void stridesAreWholeCacheLines() {
        assertEquals(16, AlignedPanel.stride(1));
        assertEquals(16, AlignedPanel.stride(16));
        assertEquals(32, AlignedPanel.stride(17));
        assertEquals(32, AlignedPanel.stride(32));
        assertEquals(784, AlignedPanel.stride(784));
        assertEquals(1024, AlignedPanel.stride(1017));
        // the first aligned element of an array whose 16-byte header starts on a 64-byte boundary
        assertEquals(64, 16 + 4 * AlignedPanel.START);
    }

    @Test
    void aPanelIsReusedByItsThreadAndGrowsOnDemand() throws InterruptedException {
        float[] small = AlignedPanel.get(10);
        assertTrue(small.length >= AlignedPanel.START + 10);
        assertSame(small, AlignedPanel.get(5), "a smaller request reuses the thread's panel");
        int big = small.length + 1000;
        float[] grown = AlignedPanel.get(big);
        assertTrue(grown.length >= AlignedPanel.START + big);
        AtomicReference<float[]> other = new AtomicReference<>();
        Thread t = new Thread(() -> other.set(AlignedPanel.get(10)));
        t.start();
        t.join();
        assertNotSame(grown, other.get(), "each thread has its own panel");
    }

    @Test
    void underG1ThePanelIsLargerThanHalfARegionSoItStartsARegion() {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (!Boolean.parseBoolean(hotspot.getVMOption("UseG1GC").getValue())) {
            return; // another collector: the panel is an ordinary array (speed only)
        }
        long region = Long.parseLong(hotspot.getVMOption("G1HeapRegionSize").getValue());
        long bytes = 16L + 4L * AlignedPanel.get(1).length;
        assertTrue(bytes > region / 2, bytes + " bytes for a " + region + "-byte region: not humongous, so not aligned");
    }
}
