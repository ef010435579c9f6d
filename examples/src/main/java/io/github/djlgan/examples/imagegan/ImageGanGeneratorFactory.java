package io.github.djlgan.examples.imagegan;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import io.github.djlgan.zoo.TranslatorArguments;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@link BlockFactory} of the image GAN's generator, named in the {@code serving.properties} of a
 * packaged generator: the argument {@code generator} ("dcgan" or "progan") chooses the network
 * ({@link ImageGanNetworks#generator}). The block is returned uninitialized: DJL reads the input
 * shape and the parameters from the {@code .params} file.
 */
public class ImageGanGeneratorFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    /** Creates the factory. */
    public ImageGanGeneratorFactory() {}

    /**
     * Builds a new, uninitialized generator.
     *
     * @param model the model the block is for (unused)
     * @param modelPath the model directory (unused)
     * @param arguments the model arguments: {@code generator}, "dcgan" (the default) or "progan"
     * @return the generator
     * @throws IllegalArgumentException for another generator name
     */
    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return ImageGanNetworks.generator(
                ImageGanNetworks.GeneratorKind.of(
                        TranslatorArguments.stringValue(arguments, "generator", "dcgan")));
    }
}
