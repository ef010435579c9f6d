package io.github.djlgan.examples;

import java.util.Random;

/**
 * Random orders of examples, shared by the examples so that a seed gives the same order wherever it
 * is used: Fisher–Yates from the last position down, one {@code random.nextInt(i + 1)} per
 * position.
 */
public final class Shuffle {

    private Shuffle() {}

    /**
     * Returns a random permutation of 0 … n − 1 (Fisher–Yates): an epoch's order of the examples.
     *
     * @param n the number of examples
     * @param random the random source
     * @return the permutation
     */
    public static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return shuffled(p, random);
    }

    /**
     * Returns a shuffled copy of the values (Fisher–Yates, from the last position down).
     *
     * @param values the values
     * @param random the random source
     * @return a new array holding the values in random order
     */
    public static int[] shuffled(int[] values, Random random) {
        int[] p = values.clone();
        for (int i = p.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }
}
