package io.github.djlgan.examples.imagegan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.examples.fashion.FashionMnistData;

/**
 * Fashion-MNIST images as the image GAN and its classifier see them: (N, 1, 28, 28), grey levels
 * scaled from [0, 255] to [−1, 1] (the range of the generator's tanh output).
 */
final class ImageBatches {

    /** The image shape without the batch axis. */
    static final Shape IMAGE = new Shape(1, FashionMnistData.SIDE, FashionMnistData.SIDE);

    private ImageBatches() {}

    /**
     * Returns examples as an array (n, 1, 28, 28) in [−1, 1].
     *
     * @param manager the manager of the result
     * @param data the split
     * @param indices the examples
     * @return the images
     */
    static NDArray images(NDManager manager, FashionMnistData data, int[] indices) {
        float[] pixels = data.pixels(indices);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = 2 * pixels[i] - 1;
        }
        return manager.create(pixels, new Shape(indices.length).addAll(IMAGE));
    }

    /**
     * Maps values in [−1, 1] to [0, 1] for drawing, in place.
     *
     * @param values the values
     * @return the same array
     */
    static float[] toUnit(float[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (values[i] + 1) / 2;
        }
        return values;
    }

    /**
     * Returns consecutive indices.
     *
     * @param from the first index
     * @param n the count
     * @return the indices from, …, from + n − 1
     */
    static int[] range(int from, int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
