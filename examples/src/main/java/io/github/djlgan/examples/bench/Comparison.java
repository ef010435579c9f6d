package io.github.djlgan.examples.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds a peer's times to a bench report: for every case the peer ran, {@code peer_median_ms},
 * {@code peer_min_ms}, {@code ours_over_peer_median} and {@code ours_over_peer_min} (below 1: we
 * are faster). The peer's report has the bench's schema (examples/peer/bench_peer.py writes one);
 * its first engine entry is the peer.
 */
final class Comparison {

    private Comparison() {}

    @SuppressWarnings("unchecked")
    static void add(Map<String, Object> report, Map<String, Object> peerReport, String source) {
        Map<String, Object> peer = ((List<Map<String, Object>>) peerReport.get("engines")).get(0);
        Map<String, Map<String, Object>> peerCases = new LinkedHashMap<>();
        for (Map<String, Object> row : (List<Map<String, Object>>) peer.get("cases")) {
            peerCases.put((String) row.get("case"), row);
        }
        Map<String, Object> about = new LinkedHashMap<>();
        about.put("source", source);
        about.put("engine", peer.get("engine"));
        about.put("version", peer.get("version"));
        about.put("threads", peer.get("threads"));
        about.put("matmul_gflops", peer.get("matmul_gflops"));
        about.put("machine", peerReport.get("machine"));
        report.put("peer", about);
        for (Map<String, Object> engine : (List<Map<String, Object>>) report.get("engines")) {
            for (Map<String, Object> row : (List<Map<String, Object>>) engine.get("cases")) {
                Map<String, Object> p = peerCases.get((String) row.get("case"));
                if (p == null) {
                    continue;
                }
                double median = number(p.get("median_ms"));
                double min = number(p.get("min_ms"));
                row.put("peer_median_ms", median);
                row.put("peer_min_ms", min);
                row.put("ours_over_peer_median", number(row.get("median_ms")) / median);
                row.put("ours_over_peer_min", number(row.get("min_ms")) / min);
            }
        }
    }

    static double number(Object value) {
        return value == null ? Double.NaN : ((Number) value).doubleValue();
    }
}
