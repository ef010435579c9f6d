package io.github.djlgan.examples.bench;

import ai.djl.engine.Engine;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the engine operations of one run with the PyTorch profiler (DJL's {@code
 * JniUtils.startProfile}/{@code stopProfile}, reached by reflection: the examples have the PyTorch
 * engine at run time only). A top-level event is one not nested in another on the same thread: in
 * the forward pass an ATen operation DJL called, in the backward pass an autograd node. With the
 * system property {@code bench.trace} set to a path prefix, each profiled run's Chrome trace is
 * kept as {@code <prefix>-<nanotime>.json} for a per-operation breakdown (chrome://tracing).
 */
final class OpCount {

    private static final String NODE = "autograd::engine::evaluate_function";
    private static final int TOP = 12;

    private OpCount() {}

    /**
     * Runs {@code work} once under the profiler and counts its operations.
     *
     * @param engine the engine; only PyTorch is profiled
     * @param work the run
     * @return {@code engine_calls} (top-level ATen operations, i.e. calls from Java), {@code
     *     autograd_nodes} (backward nodes), {@code aten_ops} (every ATen event, nested ones
     *     included), {@code in_engine_us} (the time inside top-level events; the rest of the run is
     *     Java, JNI and gaps) and {@code top_level_us} (the names with the most top-level time,
     *     most first), or an empty map on another engine
     */
    static Map<String, Object> of(Engine engine, Runnable work) {
        Map<String, Object> counts = new LinkedHashMap<>();
        if (!"PyTorch".equals(engine.getEngineName())) {
            return counts;
        }
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
            Method start =
                    jni.getMethod("startProfile", boolean.class, boolean.class, boolean.class);
            Method stop = jni.getMethod("stopProfile", String.class);
            Path trace = Files.createTempFile("bench-profile", ".json");
            start.invoke(null, false, false, false);
            try {
                work.run();
            } finally {
                stop.invoke(null, trace.toString());
            }
            counts.putAll(count(JsonParser.parseString(Files.readString(trace))));
            String keep = System.getProperty("bench.trace");
            if (keep != null) {
                Files.copy(
                        trace,
                        Path.of(keep + "-" + System.nanoTime() + ".json"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Files.deleteIfExists(trace);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the PyTorch profiler is not reachable", e);
        }
        return counts;
    }

    /** Counts the top-level events of a Chrome trace (an array, or an object with traceEvents). */
    static Map<String, Object> count(JsonElement trace) {
        JsonArray events =
                trace.isJsonArray()
                        ? trace.getAsJsonArray()
                        : trace.getAsJsonObject().getAsJsonArray("traceEvents");
        List<JsonObject> timed = new ArrayList<>();
        for (JsonElement e : events) {
            JsonObject o = e.getAsJsonObject();
            if (o.has("dur") && o.has("ts")) {
                timed.add(o);
            }
        }
        timed.sort(Comparator.comparingDouble(o -> o.get("ts").getAsDouble()));
        Map<String, Double> openUntil = new HashMap<>();
        int forward = 0;
        int backward = 0;
        int aten = 0;
        double busy = 0;
        Map<String, Double> byName = new HashMap<>();
        for (JsonObject o : timed) {
            String name = o.get("name").getAsString();
            if (name.startsWith("aten::")) {
                aten++;
            }
            String thread = o.get("tid").getAsString();
            double ts = o.get("ts").getAsDouble();
            Double end = openUntil.get(thread);
            if (end == null || ts >= end) {
                double dur = o.get("dur").getAsDouble();
                openUntil.put(thread, ts + dur);
                busy += dur;
                byName.merge(name, dur, Double::sum);
                if (name.startsWith(NODE)) {
                    backward++;
                } else {
                    forward++;
                }
            }
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("engine_calls", forward);
        counts.put("autograd_nodes", backward);
        counts.put("aten_ops", aten);
        counts.put("in_engine_us", busy);
        Map<String, Double> top = new LinkedHashMap<>();
        byName.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .limit(TOP)
                .forEach(e -> top.put(e.getKey(), e.getValue()));
        counts.put("top_level_us", top);
        return counts;
    }
}
