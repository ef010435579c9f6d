package io.github.djlgan.examples.report;

import java.util.Locale;

/** Mean and sample standard deviation of a few numbers, formatted as "mean ± sd". */
public final class Stats {

    private Stats() {}

    /**
     * Returns the arithmetic mean.
     *
     * @param values the values (at least one)
     * @return the mean
     */
    public static double mean(double... values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /**
     * Returns the sample standard deviation (divisor n − 1); 0 for a single value.
     *
     * @param values the values (at least one)
     * @return the standard deviation
     */
    public static double sd(double... values) {
        if (values.length < 2) {
            return 0;
        }
        double mean = mean(values);
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / (values.length - 1));
    }

    /**
     * Formats "mean ± sd" with the given number of decimals.
     *
     * @param decimals digits after the decimal point
     * @param values the values
     * @return the text
     */
    public static String meanSd(int decimals, double... values) {
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " ± " + f, mean(values), sd(values));
    }

    /**
     * Returns the resident set size of this process in MiB, from {@code /proc/self/status} (Linux);
     * −1 where it cannot be read.
     *
     * @return the RSS in MiB, or −1
     */
    public static long rssMiB() {
        try {
            for (String line :
                    java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
