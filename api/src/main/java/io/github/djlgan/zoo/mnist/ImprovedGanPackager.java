package io.github.djlgan.zoo.mnist;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.nn.BlockFactory;
import ai.djl.translate.TranslatorFactory;
import io.github.djlgan.zoo.GeneratorInput;
import io.github.djlgan.zoo.GeneratorTranslator;
import io.github.djlgan.zoo.GeneratorTranslatorFactory;
import io.github.djlgan.zoo.ModelPackager;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link ModelPackager} needs to package a trained {@link ImprovedGanMnist} network: its block
 * factory, translator factory, translator arguments and README text.
 *
 * <pre>{@code
 * Path zip = ImprovedGanPackager.builder(ImprovedGanPackager.Network.GENERATOR)
 *         .setModelDir(Paths.get("build/model"))          // written by Model.save(dir, "mnist-generator")
 *         .build()
 *         .writeZip(Paths.get("mnist-generator.zip"));
 * }</pre>
 */
public final class ImprovedGanPackager {

    private ImprovedGanPackager() {}

    /** The networks of {@link ImprovedGanMnist}. */
    public enum Network {
        /** {@link ImprovedGanMnist#generator()}: latent (N, 100) → images (N, 784). */
        GENERATOR(
                "The improved-gan MNIST generator of djl-gan-blocks"
                        + " (`io.github.djlgan.zoo.mnist.ImprovedGanMnist`): latent (N, 100)"
                        + " uniform on [0, 1) → images (N, 784) in (0, 1).",
                ImprovedGanMnist.LATENT,
                GeneratorInput.class,
                Image[].class,
                "Image[] images = predictor.predict(GeneratorInput.of(16, 42)); // seed 42"),
        /** {@link ImprovedGanMnist#discriminator()}: images (N, 784) → logits (N, 10). */
        DISCRIMINATOR(
                "The improved-gan MNIST discriminator of djl-gan-blocks"
                        + " (`io.github.djlgan.zoo.mnist.ImprovedGanMnist`), a semi-supervised"
                        + " classifier: images (N, 784) in [0, 1] → class logits (N, 10).",
                ImprovedGanMnist.IMAGE,
                Image.class,
                Classifications.class,
                "Classifications c = predictor.predict(ImageFactory.getInstance().fromFile(png));");

        private final String description;
        private final long inputSize;
        private final Class<?> input;
        private final Class<?> output;
        private final String call;

        Network(String description, long inputSize, Class<?> input, Class<?> output, String call) {
            this.description = description;
            this.inputSize = inputSize;
            this.input = input;
            this.output = output;
            this.call = call;
        }

        /**
         * Returns the number of input features per sample (100 or 784).
         *
         * @return the size of the last input axis
         */
        public long getInputSize() {
            return inputSize;
        }

        /**
         * Returns the block factory written to {@code serving.properties}.
         *
         * @return a new block factory
         */
        public BlockFactory blockFactory() {
            return this == GENERATOR
                    ? new ImprovedGanGeneratorFactory()
                    : new ImprovedGanDiscriminatorFactory();
        }

        /**
         * Returns the translator factory written to {@code serving.properties}.
         *
         * @return a new translator factory
         */
        public TranslatorFactory translatorFactory() {
            return this == GENERATOR
                    ? new GeneratorTranslatorFactory()
                    : new DiscriminatorTranslatorFactory();
        }

        /**
         * Returns the translator arguments written to {@code serving.properties}: {@code width} and
         * {@code height} 28, and for the generator {@code latentSize} 100 and {@code latent}
         * uniform (its output range is the translator's default, [0, 1]).
         *
         * @return the arguments, in key order
         */
        public Map<String, String> getArguments() {
            Map<String, String> arguments = new TreeMap<>();
            if (this == GENERATOR) {
                arguments.put("latentSize", Long.toString(ImprovedGanMnist.LATENT));
                arguments.put("latent", GeneratorTranslator.Latent.UNIFORM.argument());
            }
            arguments.put("width", "28");
            arguments.put("height", "28");
            return arguments;
        }
    }

    /**
     * Returns a packager builder set up for one network; the model directory is left to set.
     *
     * @param network the network the parameter file holds
     * @return the builder, with block factory, translator factory, arguments, description and the
     *     README's example
     */
    public static ModelPackager.Builder builder(Network network) {
        return ModelPackager.builder()
                .setBlockFactory(network.blockFactory())
                .setTranslatorFactory(network.translatorFactory())
                .optArguments(network.getArguments())
                .optDescription(network.description)
                .optExample(network.input, network.output, network.call);
    }
}
