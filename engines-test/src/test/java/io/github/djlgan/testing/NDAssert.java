package io.github.djlgan.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Locale;

/** Tolerant array comparisons whose failure message prints both arrays. */
public final class NDAssert {

    private static final int MAX_PRINTED = 64;

    private NDAssert() {}

    /**
     * Asserts {@code |actual - expected| <= atol + rtol * |expected|} element-wise, and equal
     * shapes.
     *
     * @param actual the computed array
     * @param expected the expected values, row-major
     * @param expectedShape the expected shape
     * @param rtol the relative tolerance
     * @param atol the absolute tolerance
     */
    public static void assertClose(
            NDArray actual, double[] expected, Shape expectedShape, double rtol, double atol) {
        if (!actual.getShape().equals(expectedShape)) {
            throw new AssertionError(
                    "shape: expected " + expectedShape + ", got " + actual.getShape());
        }
        double[] got = toDoubles(actual);
        if (got.length != expected.length) {
            throw new AssertionError(
                    "expected " + expected.length + " values, got " + got.length + " values");
        }
        int worst = -1;
        double worstExcess = 0;
        int failures = 0;
        for (int i = 0; i < got.length; i++) {
            double diff = Math.abs(got[i] - expected[i]);
            double allowed = atol + rtol * Math.abs(expected[i]);
            boolean ok = diff <= allowed; // false for NaN
            if (!ok) {
                failures++;
                double excess = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff - allowed;
                if (worst < 0 || excess > worstExcess) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (failures > 0) {
            throw new AssertionError(
                    String.format(
                            Locale.ROOT,
                            "%d of %d values differ (rtol=%g, atol=%g); worst at flat index %d"
                                    + " (%s): got %.9g, expected %.9g%n  actual   %s%n"
                                    + "  expected %s",
                            failures,
                            got.length,
                            rtol,
                            atol,
                            worst,
                            index(expectedShape, worst),
                            got[worst],
                            expected[worst],
                            print(got),
                            print(expected)));
        }
    }

    /**
     * Asserts two arrays are element-wise close and of equal shape.
     *
     * @param actual the computed array
     * @param expected the expected array
     * @param rtol the relative tolerance
     * @param atol the absolute tolerance
     */
    public static void assertClose(NDArray actual, NDArray expected, double rtol, double atol) {
        assertClose(actual, toDoubles(expected), expected.getShape(), rtol, atol);
    }

    /**
     * Asserts every element of {@code actual} is close to {@code value}.
     *
     * @param actual the computed array
     * @param value the expected value of every element
     * @param rtol the relative tolerance
     * @param atol the absolute tolerance
     */
    public static void assertAllClose(NDArray actual, double value, double rtol, double atol) {
        double[] expected = new double[Math.toIntExact(actual.size())];
        Arrays.fill(expected, value);
        assertClose(actual, expected, actual.getShape(), rtol, atol);
    }

    /**
     * Asserts two arrays are bit-for-bit equal in shape, type and values.
     *
     * @param actual the computed array
     * @param expected the expected array
     */
    public static void assertEqual(NDArray actual, NDArray expected) {
        if (actual.getDataType() != expected.getDataType()) {
            throw new AssertionError(
                    "data type: expected "
                            + expected.getDataType()
                            + ", got "
                            + actual.getDataType());
        }
        assertClose(actual, expected, 0, 0);
    }

    /**
     * Asserts that the largest error |actual − expected| is at most {@code fraction} of the largest
     * |expected| — the comparison of a float32 gradient with its float64 reference — and that the
     * reference is not all zero (which would test nothing).
     *
     * @param actual the computed values
     * @param expected the reference, of the same size
     * @param fraction the allowed error as a fraction of the largest |expected|
     * @param what what is compared, for the message
     */
    public static void assertCloseToLargest(
            NDArray actual, NDArray expected, double fraction, String what) {
        double[] got = toDoubles(actual);
        double[] reference = toDoubles(expected);
        if (got.length != reference.length) {
            throw new AssertionError(
                    what + ": " + got.length + " values, expected " + reference.length);
        }
        double largest = 0;
        double error = 0;
        for (int i = 0; i < reference.length; i++) {
            largest = Math.max(largest, Math.abs(reference[i]));
            error = Math.max(error, Math.abs(got[i] - reference[i]));
        }
        if (!(largest > 0)) {
            throw new AssertionError(what + ": an all-zero reference tests nothing");
        }
        if (!(error <= fraction * largest)) {
            throw new AssertionError(what + ": off by " + error + " (largest " + largest + ")");
        }
    }

    /**
     * Reads an array of any numeric type as doubles.
     *
     * @param array the array
     * @return its values, row-major
     */
    public static double[] toDoubles(NDArray array) {
        if (array.getDataType() == DataType.FLOAT64) {
            return array.toDoubleArray();
        }
        try (NDArray copy = array.toType(DataType.FLOAT64, true)) {
            return copy.toDoubleArray();
        }
    }

    private static String index(Shape shape, int flat) {
        long[] idx = new long[shape.dimension()];
        long rest = flat;
        for (int d = shape.dimension() - 1; d >= 0; d--) {
            long size = Math.max(shape.get(d), 1);
            idx[d] = rest % size;
            rest /= size;
        }
        return Arrays.toString(idx);
    }

    private static String print(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        int n = Math.min(values.length, MAX_PRINTED);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(String.format(Locale.ROOT, "%.6g", values[i]));
        }
        if (values.length > n) {
            sb.append(", ... (").append(values.length - n).append(" more)");
        }
        return sb.append(']').toString();
    }
}
