package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.data.Sample;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The journal's binary sample form: exact round trips in both feature forms, sizes, corrupt input. */
class SampleCodecTest {

    /** An MNIST-like digit: 784 pixels, about a fifth of them nonzero, values k / 255. */
    private static float[] digit(long seed) {
        Random r = new Random(seed);
        float[] x = new float[784];
        for (int i = 0; i < x.length; i++) {
            if (r.nextInt(5) == 0) {
                x[i] = (1 + r.nextInt(255)) / 255f;
            }
        }
        return x;
    }

    private static void assertSameBits(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "entry " + i);
        }
    }

    @Test
    void aMostlyZeroSampleIsStoredSparseAndDecodesToTheSameBits() {
        float[] x = digit(1);
        int nonzero = 0;
        for (float v : x) {
            nonzero += v != 0f ? 1 : 0;
        }
        byte[] bytes = SampleCodec.encode(new Sample("d-1", x, 7, null));
        // kind, id length, id, length, count, 98-byte bitmap, the values, label
        assertEquals(1 + 4 + 3 + 4 + 4 + 98 + 4 * nonzero + 4, bytes.length);
        assertTrue(bytes.length < 4 * 784 / 3, "sparse form of " + bytes.length + " bytes");
        Sample back = SampleCodec.decode(bytes);
        assertSameBits(x, back.features());
        assertEquals(7, back.label());
        assertEquals("d-1", back.id());
    }

    @Test
    void aDenseSampleKeepsTheDenseForm() {
        Random r = new Random(2);
        float[] x = new float[50];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() - 0.5f;
        }
        x[3] = 0f;
        float[] t = {0.25f, -1.5f};
        byte[] bytes = SampleCodec.encode(new Sample(null, x, null, t));
        assertEquals(1 + 4 + 4 + 4 * 50 + 4 + 4 * 2, bytes.length);
        assertEquals(2, bytes[0], "kind byte of a target sample without the sparse flag");
        Sample back = SampleCodec.decode(bytes);
        assertSameBits(x, back.features());
        assertSameBits(t, back.target());
        assertNull(back.label());
    }

    @Test
    void negativeZeroAndTinyValuesSurviveTheSparseForm() {
        float[] x = new float[100];
        x[0] = -0f;
        x[17] = Float.MIN_VALUE;
        x[99] = -3.5f;
        byte[] bytes = SampleCodec.encode(Sample.unlabelled(x));
        assertEquals(1 + 4 + 4 + 4 + 13 + 4 * 3 + 4, bytes.length);
        float[] back = SampleCodec.decode(bytes).features();
        assertSameBits(x, back);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(back[0]));
    }

    @Test
    void sizeIsWhatWriteWritesInBothForms() {
        for (Sample s : new Sample[] {new Sample("x", digit(3), 1, null), Sample.regression(new float[] {1, 2, 3}, new float[] {4}),
                Sample.unlabelled(new float[0]), Sample.classification(new float[9], 0)}) {
            ByteBuffer b = ByteBuffer.allocate(SampleCodec.size(s) + 16);
            SampleCodec.write(s, b);
            assertEquals(SampleCodec.size(s), b.position());
            assertSameBits(s.features(), SampleCodec.decode(SampleCodec.encode(s)).features());
        }
    }

    @Test
    void entriesInTheOlderDenseLayoutStillDecode() {
        // kind 1 (label), no id, 3 features, label 4: what journals written before the sparse form hold
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 4 + 12 + 4);
        b.put((byte) 1).putInt(-1).putInt(3).putFloat(0f).putFloat(0.5f).putFloat(0f).putInt(4);
        Sample s = SampleCodec.decode(b.array());
        assertArrayEquals(new float[] {0f, 0.5f, 0f}, s.features());
        assertEquals(4, s.label());
    }

    @Test
    void aBitmapThatDisagreesWithItsCountIsRefused() {
        byte[] bytes = SampleCodec.encode(Sample.classification(digit(4), 2));
        int bitmap = 1 + 4 + 4 + 4;
        bytes[bitmap] ^= 1; // one more (or one fewer) marked value than the header's count
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SampleCodec.decode(bytes));
        assertTrue(e.getMessage().contains("corrupt journal sample"), e.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(SampleCodec.encode(Sample.classification(digit(5), 2)), 200);
        assertThrows(IllegalStateException.class, () -> SampleCodec.decode(truncated));
    }
}
