package io.github.djlgan.examples.bench;

import ai.djl.engine.Engine;

/** The thread count an engine computes with, for the report (a peer must use the same). */
final class EngineThreads {

    private EngineThreads() {}

    /**
     * Returns the engine's intra-op threads: PyTorch's own count (read through its JNI class, which
     * the examples have at run time only), MXNet's from OMP_NUM_THREADS or one per core.
     *
     * @param engine the engine
     * @return the thread count, or -1 if unknown
     */
    static int describe(Engine engine) {
        if ("PyTorch".equals(engine.getEngineName())) {
            try {
                Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
                return (Integer) jni.getMethod("getNumThreads").invoke(null);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return -1;
            }
        }
        String omp = System.getenv("OMP_NUM_THREADS");
        if (omp != null) {
            try {
                return Integer.parseInt(omp.trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }
}
