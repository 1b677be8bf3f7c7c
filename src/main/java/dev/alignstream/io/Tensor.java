package dev.alignstream.io;

/**
 * A named float32 tensor as stored in a safetensors file: shape and row-major values.
 *
 * @param name  tensor name, e.g. {@code layers.0.weight}
 * @param shape dimensions, outermost first
 * @param data  row-major values; length is the product of {@code shape}
 */
public record Tensor(String name, int[] shape, float[] data) {

    public Tensor {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension");
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + data.length + " values for shape "
                    + java.util.Arrays.toString(shape));
        }
    }
}
