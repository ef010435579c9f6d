package io.github.djlgan.examples.bench;

import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Two cases run alternately, A, B, A, B, …, in one process: both steps are set up, warmed up in
 * turn, then timed in rounds of one run each. Slow drifts of a shared machine's load then hit both
 * alike, so their ratio is measured side by side; the median of the per-round ratios A/B is the
 * most robust figure.
 */
final class Interleaved {

    private Interleaved() {}

    /**
     * Runs a pair.
     *
     * @param pair the case names, "a,b"
     * @param manager the engine's manager
     * @param warmup untimed runs of each case (capped by the case)
     * @param iterations rounds (capped by the case)
     * @return the medians, minima and ratios
     */
    static Map<String, Object> run(String pair, NDManager manager, int warmup, int iterations) {
        String[] names = pair.split(",");
        if (names.length != 2) {
            throw new IllegalArgumentException("--interleave needs two cases a,b, got " + pair);
        }
        BenchCase a = find(names[0].trim());
        BenchCase b = find(names[1].trim());
        int warm = Math.min(a.warmup(warmup), b.warmup(warmup));
        int rounds = Math.min(a.iterations(iterations), b.iterations(iterations));
        double[] ta = new double[rounds];
        double[] tb = new double[rounds];
        double[] ratio = new double[rounds];
        try (BenchCase.Step sa = a.setup().create(manager);
                BenchCase.Step sb = b.setup().create(manager)) {
            for (int i = 0; i < warm; i++) {
                sa.run();
                sb.run();
            }
            for (int i = 0; i < rounds; i++) {
                ta[i] = time(sa);
                tb[i] = time(sb);
                ratio[i] = ta[i] / tb[i];
            }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("a", a.name());
        row.put("b", b.name());
        row.put("warmup", warm);
        row.put("rounds", rounds);
        row.put("a_median_ms", Bench.median(ta));
        row.put("a_min_ms", ta[0]);
        row.put("b_median_ms", Bench.median(tb));
        row.put("b_min_ms", tb[0]);
        row.put(
                "ratio_of_medians",
                (Double) row.get("a_median_ms") / (Double) row.get("b_median_ms"));
        row.put("ratio_of_minima", ta[0] / tb[0]);
        row.put("median_of_round_ratios", Bench.median(ratio));
        System.err.printf(
                java.util.Locale.ROOT,
                "interleaved %s / %s: medians %.2f / %.2f ms, minima %.2f / %.2f ms, median of"
                        + " round ratios %.3f%n",
                a.name(),
                b.name(),
                row.get("a_median_ms"),
                row.get("b_median_ms"),
                ta[0],
                tb[0],
                row.get("median_of_round_ratios"));
        return row;
    }

    private static double time(BenchCase.Step step) {
        long t0 = System.nanoTime();
        step.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static BenchCase find(String name) {
        for (BenchCase c : BenchCases.all()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown bench case: " + name);
    }
}
