package io.github.djlgan.init;

/** Plain-Java helpers for the data-init expectations. */
final class WeightNormTestSupport {

    private WeightNormTestSupport() {}

    /** Each of the {@code rows} rows of {@code v} divided by its Euclidean norm. */
    static double[] unitRows(double[] v, int rows) {
        int width = v.length / rows;
        double[] unit = new double[v.length];
        for (int r = 0; r < rows; r++) {
            double sq = 0;
            for (int i = 0; i < width; i++) {
                sq += v[r * width + i] * v[r * width + i];
            }
            for (int i = 0; i < width; i++) {
                unit[r * width + i] = v[r * width + i] / Math.sqrt(sq);
            }
        }
        return unit;
    }
}
