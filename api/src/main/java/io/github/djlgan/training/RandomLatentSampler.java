package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.util.BlockChecks;
import java.util.Arrays;

/**
 * Normal or uniform latent vectors, drawn in Java (the default) or by the engine.
 *
 * <p><b>Java source</b> (the default): the numbers come from SplitMix64 (Steele, Lea &amp; Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014) seeded with {@link
 * Builder#optSeed(long)}; a uniform coordinate is the top 24 bits of one output scaled to [0, 1), a
 * normal one comes from the 256-layer ziggurat method (Marsaglia &amp; Tsang 2000, in Doornik's
 * form) in double precision, usually from one output. The numbers are therefore identical on every
 * engine and device, and the stream's state ({@link #getState()}) is saved with a {@link
 * GanTrainer} checkpoint, so a resumed run draws the same latents as an uninterrupted one.
 *
 * <p><b>Engine source</b>: {@code manager.randomNormal}/{@code randomUniform}, on the device of the
 * result; faster for very large batches, seeded globally by {@code Engine.setRandomSeed}, different
 * from engine to engine, and not saved with a checkpoint.
 */
public final class RandomLatentSampler implements LatentSampler {

    /** The distribution of each coordinate. */
    public enum Distribution {
        /** N(0, 1). */
        NORMAL,
        /** U[low, high). */
        UNIFORM
    }

    /** Where the random numbers come from. */
    public enum Source {
        /** SplitMix64 in Java: the same numbers on every engine; state saved with checkpoints. */
        JAVA,
        /** The engine's generator on the result's device. */
        ENGINE
    }

    private static final double TWO_POW_M24 = 0x1.0p-24;
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private final Shape shape;
    private final Distribution distribution;
    private final float low;
    private final float high;
    private final Source source;
    private final long seed;
    private long state;

    RandomLatentSampler(Builder builder) {
        shape = new Shape(builder.shape);
        distribution = builder.distribution;
        low = builder.low;
        high = builder.high;
        source = builder.source;
        seed = builder.seed;
        state = builder.seed;
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@inheritDoc} */
    @Override
    public Shape getShape() {
        return shape;
    }

    /**
     * Returns the seed the Java stream started from.
     *
     * @return the seed
     */
    public long getSeed() {
        return seed;
    }

    /**
     * {@inheritDoc}
     *
     * @param manager the manager (and device) of the result
     * @param n the number of samples, &ge; 0 (0 gives an empty batch and draws nothing)
     * @param dataType the data type of the result (the generator's)
     * @return an array of shape (n, {@link #getShape()}...)
     * @throws IllegalArgumentException if {@code n} is negative
     */
    @Override
    public NDArray sample(NDManager manager, long n, DataType dataType) {
        BlockChecks.checkArgument(
                n >= 0, "RandomLatentSampler", "sample needs n >= 0 samples, got %d", n);
        Shape out = new Shape(n).addAll(shape);
        if (source == Source.ENGINE) {
            return distribution == Distribution.NORMAL
                    ? manager.randomNormal(0f, 1f, out, dataType)
                    : manager.randomUniform(low, high, out, dataType);
        }
        float[] values = new float[Math.toIntExact(out.size())];
        if (distribution == Distribution.NORMAL) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) nextGaussian();
            }
        } else {
            double width = (double) high - low;
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (low + width * nextUniform());
            }
        }
        NDArray z = manager.create(values, out);
        return dataType == DataType.FLOAT32 ? z : z.toType(dataType, false);
    }

    /** {@inheritDoc} */
    @Override
    public RandomLatentSampler withSeed(long newSeed) {
        return new Builder()
                .setShape(shape.getShape())
                .optDistribution(distribution)
                .optRange(low, high)
                .optSource(source)
                .optSeed(newSeed)
                .build();
    }

    /** {@inheritDoc} */
    @Override
    public long[] getState() {
        if (source == Source.ENGINE) {
            return null;
        }
        return new long[] {state};
    }

    /** {@inheritDoc} */
    @Override
    public void setState(long[] saved) {
        if (source == Source.ENGINE || saved == null || saved.length != 1) {
            throw new IllegalArgumentException(
                    "RandomLatentSampler: expected a state of 1 value from a Java-source sampler,"
                            + " got "
                            + Arrays.toString(saved)
                            + (source == Source.ENGINE
                                    ? " (this sampler draws on the engine)"
                                    : ""));
        }
        state = saved[0];
    }

    /** SplitMix64's next output. */
    private long nextLong() {
        long z = (state += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A uniform on [0, 1) with 24 random bits, exactly representable in float32. */
    private double nextUniform() {
        return (nextLong() >>> 40) * TWO_POW_M24;
    }

    /**
     * A standard normal by the ziggurat method (Marsaglia &amp; Tsang 2000) with 256 layers, in
     * Doornik's form (2005): the layer comes from the low 8 bits of one output and the coordinate
     * from its top 53, so the two are independent. About 99% of the draws take one output.
     */
    private double nextGaussian() {
        while (true) {
            long bits = nextLong();
            int i = (int) (bits & 0xFF);
            double z = (2 * ((bits >>> 11) * 0x1.0p-53) - 1) * Ziggurat.X[i];
            if (Math.abs(z) < Ziggurat.X[i + 1]) {
                return z;
            }
            if (i == 0) {
                return Math.copySign(tail(), z);
            }
            double fi = Ziggurat.F[i];
            if (fi + nextUniform() * (Ziggurat.F[i + 1] - fi) < Math.exp(-0.5 * z * z)) {
                return z;
            }
        }
    }

    /** A draw from the normal tail beyond R (Marsaglia 1964). */
    private double tail() {
        double a;
        double b;
        do {
            a = -Math.log(1 - nextUniform()) / Ziggurat.R;
            b = -Math.log(1 - nextUniform());
        } while (b + b < a * a);
        return Ziggurat.R + a;
    }

    /**
     * The ziggurat's layers for the density f(x) = exp(−x²/2): 256 layers of equal area V, the
     * bottom one (layer 0) the rectangle under f(R) out to V/f(R) plus the tail beyond R. X[i] is
     * layer i's width, F[i] = f(X[i]).
     */
    private static final class Ziggurat {
        static final double R = 3.6541528853610088;
        static final double V = 0.00492867323399;
        static final double[] X = new double[257];
        static final double[] F = new double[257];

        static {
            X[0] = V / Math.exp(-0.5 * R * R);
            X[1] = R;
            for (int i = 1; i < 255; i++) {
                X[i + 1] = Math.sqrt(-2 * Math.log(V / X[i] + Math.exp(-0.5 * X[i] * X[i])));
            }
            X[256] = 0;
            for (int i = 0; i < 257; i++) {
                F[i] = Math.exp(-0.5 * X[i] * X[i]);
            }
        }

        private Ziggurat() {}
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return (distribution == Distribution.NORMAL ? "N(0, 1)" : "U[" + low + ", " + high + ")")
                + " "
                + shape
                + " from "
                + (source == Source.JAVA ? "Java, seed " + seed : "the engine");
    }

    /** The builder of a {@link RandomLatentSampler}. */
    public static final class Builder {

        private long[] shape;
        private Distribution distribution = Distribution.NORMAL;
        private float low;
        private float high = 1f;
        private Source source = Source.JAVA;
        private long seed;

        Builder() {}

        /**
         * Sets the shape of one latent sample, without the batch axis (required).
         *
         * @param shape the per-sample shape, every size &gt; 0
         * @return this builder
         */
        public Builder setShape(long... shape) {
            this.shape = shape.clone();
            return this;
        }

        /**
         * Sets the distribution (default {@link Distribution#NORMAL}).
         *
         * @param distribution the distribution
         * @return this builder
         */
        public Builder optDistribution(Distribution distribution) {
            this.distribution = distribution;
            return this;
        }

        /**
         * Sets the range of the uniform distribution (default [0, 1)).
         *
         * @param low the lower bound
         * @param high the upper bound
         * @return this builder
         */
        public Builder optRange(float low, float high) {
            this.low = low;
            this.high = high;
            return this;
        }

        /**
         * Sets where the numbers come from (default {@link Source#JAVA}).
         *
         * @param source the source
         * @return this builder
         */
        public Builder optSource(Source source) {
            this.source = source;
            return this;
        }

        /**
         * Sets the seed of the Java stream (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Builds the sampler.
         *
         * @return a new sampler
         * @throws IllegalArgumentException if the shape is missing or not positive, or the range is
         *     empty or not finite
         */
        public RandomLatentSampler build() {
            boolean shapeOk = shape != null && shape.length > 0;
            for (int i = 0; shapeOk && i < shape.length; i++) {
                shapeOk = shape[i] > 0;
            }
            if (!shapeOk) {
                throw new IllegalArgumentException(
                        "RandomLatentSampler: setShape needs one or more sizes > 0, got "
                                + (shape == null ? "none" : Arrays.toString(shape)));
            }
            if (!(Float.isFinite(low) && Float.isFinite(high) && low < high)) {
                throw new IllegalArgumentException(
                        "RandomLatentSampler: optRange needs finite low < high, got ["
                                + low
                                + ", "
                                + high
                                + ")");
            }
            return new RandomLatentSampler(this);
        }
    }
}
