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
                        "Machine: %s, %s CPUs, %s %s, Java %s%s%s%n%n",
                        machine.get("cpu_model"),
                        integer(machine.get("cpus")),
                        machine.get("os"),
                        machine.get("arch"),
                        machine.get("java"),
                        machine.containsKey("date") ? ", " + machine.get("date") : "",
                        machine.containsKey("load_average")
                                ? String.format(
                                        Locale.ROOT,
                                        ", load average %.1f at the start",
                                        Comparison.number(machine.get("load_average")))
                                : ""));
        Object allocator = machine.get("allocator");
        if (allocator instanceof Map<?, ?> env && !env.isEmpty()) {
            sb.append("Allocator environment: ").append(env).append("\n\n");
        }
        Map<String, Object> peer = (Map<String, Object>) report.get("peer");
        if (peer != null) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "Peer (%s): %s %s, %s threads, 2048³ matmul %.1f GFLOP/s%n%n",
                            peer.get("source"),
                            peer.get("engine"),
                            peer.get("version"),
                            integer(peer.get("threads")),
                            Comparison.number(peer.get("matmul_gflops"))));
        }
        for (Map<String, Object> engine : (List<Map<String, Object>>) report.get("engines")) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "### %s %s — 2048³ matMul: %.1f GFLOP/s%s%n%n",
                            engine.get("engine"),
                            engine.get("version"),
                            Comparison.number(engine.get("matmul_gflops")),
                            engine.containsKey("threads")
                                    ? ", " + integer(engine.get("threads")) + " threads"
                                    : ""));
            if (peer != null
                    && engine.containsKey("threads")
                    && Comparison.number(engine.get("threads"))
                            != Comparison.number(peer.get("threads"))) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "**Not comparable: %s threads here, %s for the peer** (rerun one"
                                        + " with --threads).%n%n",
                                integer(engine.get("threads")),
                                integer(peer.get("threads"))));
            }
            List<Map<String, Object>> cases = (List<Map<String, Object>>) engine.get("cases");
            if (!cases.isEmpty()) {
                table(sb, cases);
            }
            Map<String, Object> ratios = (Map<String, Object>) engine.get("ratios");
            if (ratios != null && !ratios.isEmpty()) {
                sb.append('\n');
                for (Map.Entry<String, Object> r : ratios.entrySet()) {
                    sb.append(
                            String.format(
                                    Locale.ROOT,
                                    "- %s: %.2f×%n",
                                    r.getKey(),
                                    Comparison.number(r.getValue())));
                }
            }
            List<Map<String, Object>> pairs = (List<Map<String, Object>>) engine.get("interleaved");
            if (pairs != null && !pairs.isEmpty()) {
                sb.append("\nInterleaved (A, B, A, B, …):\n\n");
                sb.append(
                        "| A | B | rounds | A median ms | B median ms | A min ms | B min ms |"
                                + " A/B of medians | A/B of minima | median of round ratios A/B"
                                + " |\n");
                sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
                for (Map<String, Object> p : pairs) {
                    sb.append(
                            String.format(
                                    Locale.ROOT,
                                    "| %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.3f | %.3f |"
                                            + " %.3f |%n",
                                    p.get("a"),
                                    p.get("b"),
                                    integer(p.get("rounds")),
                                    Comparison.number(p.get("a_median_ms")),
                                    Comparison.number(p.get("b_median_ms")),
                                    Comparison.number(p.get("a_min_ms")),
                                    Comparison.number(p.get("b_min_ms")),
                                    Comparison.number(p.get("ratio_of_medians")),
                                    Comparison.number(p.get("ratio_of_minima")),
                                    Comparison.number(p.get("median_of_round_ratios"))));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void table(StringBuilder sb, List<Map<String, Object>> cases) {
        boolean alone = cases.stream().anyMatch(r -> r.containsKey("alone_min_ms"));
        boolean peer = cases.stream().anyMatch(r -> r.containsKey("peer_median_ms"));
        boolean ops = cases.stream().anyMatch(r -> r.containsKey("engine_calls"));
        sb.append(
                "| case | input | block | runs | median ms | min ms | first ms | GFLOP/s | % of"
                        + " matMul | peak extra MiB | RSS growth %");
        StringBuilder align =
                new StringBuilder("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:");
        if (alone) {
            sb.append(" | alone min ms | min / alone min");
            align.append("|---:|---:");
        }
        if (ops) {
            sb.append(" | engine calls | autograd nodes");
            align.append("|---:|---:");
        }
        if (peer) {
            sb.append(" | peer median ms | peer min ms | ours / peer (median) | ours / peer (min)");
            align.append("|---:|---:|---:|---:");
        }
        sb.append(" |\n").append(align).append("|\n");
        for (Map<String, Object> row : cases) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %s | %s + %s | %.2f | %.2f | %.2f | %.1f | %.0f%% | %.1f |"
                                    + " %+.1f |",
                            row.get("case"),
                            row.get("input"),
                            row.get("block"),
                            integer(row.get("warmup")),
                            integer(row.get("iterations")),
                            Comparison.number(row.get("median_ms")),
                            Comparison.number(row.get("min_ms")),
                            Comparison.number(row.get("first_ms")),
                            Comparison.number(row.get("gflops")),
                            100 * Comparison.number(row.get("fraction_of_matmul")),
                            Comparison.number(row.get("peak_extra_mib")),
                            Comparison.number(row.get("rss_growth_pct"))));
            if (alone) {
                sb.append(
                        cells(
                                "%.2f | %.2f×",
                                row.get("alone_min_ms"), row.get("min_over_alone_min")));
            }
            if (ops) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                " %s | %s |",
                                integer(row.get("engine_calls")),
                                integer(row.get("autograd_nodes"))));
            }
            if (peer) {
                sb.append(
                        cells(
                                "%.2f | %.2f | %.2f× | %.2f×",
                                row.get("peer_median_ms"),
                                row.get("peer_min_ms"),
                                row.get("ours_over_peer_median"),
                                row.get("ours_over_peer_min")));
            }
            sb.append('\n');
        }
    }

    /** Table cells for numbers that may be absent ("—" for each). */
    private static String cells(String format, Object... values) {
        for (Object v : values) {
            if (v == null) {
                return " —".repeat(values.length).replace(" —", " — |");
            }
        }
        Object[] numbers = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            numbers[i] = Comparison.number(values[i]);
        }
        return " " + String.format(Locale.ROOT, format, numbers) + " |";
    }

    /** Integers read back from JSON are doubles: print them without a fraction. */
    private static String integer(Object value) {
        if (value instanceof Number n) {
            return Long.toString(Math.round(n.doubleValue()));
        }
        return String.valueOf(value);
    }
}
