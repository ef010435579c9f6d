package io.github.djlgan.examples.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a bench report as Markdown tables. */
final class Markdown {

    private Markdown() {}

    @SuppressWarnings("unchecked")
    static String of(Map<String, Object> report) {
        StringBuilder sb = new StringBuilder();
        Map<String, Object> machine = (Map<String, Object>) report.get("machine");
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Machine: %s, %s CPUs, %s %s, Java %s%n%n",
                        machine.get("cpu_model"),
                        machine.get("cpus"),
                        machine.get("os"),
                        machine.get("arch"),
                        machine.get("java")));
        for (Map<String, Object> engine : (List<Map<String, Object>>) report.get("engines")) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "### %s %s — 2048³ matMul: %.1f GFLOP/s%n%n",
                            engine.get("engine"),
                            engine.get("version"),
                            (Double) engine.get("matmul_gflops")));
            sb.append(
                    "| case | input | block | runs | median ms | min ms | GFLOP/s | % of matMul |"
                            + " peak extra MiB | RSS growth % |\n");
            sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Map<String, Object> row : (List<Map<String, Object>>) engine.get("cases")) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %s | %s | %s + %s | %.2f | %.2f | %.1f | %.0f%% | %.1f |"
                                        + " %+.1f |%n",
                                row.get("case"),
                                row.get("input"),
                                row.get("block"),
                                row.get("warmup"),
                                row.get("iterations"),
                                (Double) row.get("median_ms"),
                                (Double) row.get("min_ms"),
                                (Double) row.get("gflops"),
                                100 * (Double) row.get("fraction_of_matmul"),
                                (Double) row.get("peak_extra_mib"),
                                (Double) row.get("rss_growth_pct")));
            }
            Map<String, Object> ratios = (Map<String, Object>) engine.get("ratios");
            if (!ratios.isEmpty()) {
                sb.append('\n');
                for (Map.Entry<String, Object> r : ratios.entrySet()) {
                    sb.append(
                            String.format(
                                    Locale.ROOT,
                                    "- %s: %.2f×%n",
                                    r.getKey(),
                                    (Double) r.getValue()));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
