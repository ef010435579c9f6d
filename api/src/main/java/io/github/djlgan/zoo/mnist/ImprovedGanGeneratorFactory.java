package io.github.djlgan.zoo.mnist;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@link BlockFactory} that builds {@link ImprovedGanMnist#generator()}, so a generator saved
 * with {@code Model.save} loads with plain DJL:
 *
 * <pre>{@code
 * Criteria<GeneratorInput, Image[]> criteria = Criteria.builder()
 *         .setTypes(GeneratorInput.class, Image[].class)
 *         .optModelPath(Paths.get("build/mnist-generator"))      // the Model.save directory
 *         .optEngine("PyTorch")                                   // or "MXNet"
 *         .optArgument("blockFactory", ImprovedGanGeneratorFactory.class.getName())
 *         .optArguments(ImprovedGanPackager.Network.GENERATOR.getArguments())  // the translator's
 *         .optTranslatorFactory(new GeneratorTranslatorFactory())
 *         .build();
 * }</pre>
 *
 * <p>The block is returned uninitialized: {@code Model.load} reads the input shape, the data type
 * and every parameter from the {@code .params} file. A model packaged by {@link
 * ImprovedGanPackager} names this factory and the translator's arguments in its {@code
 * serving.properties}, and both arguments can then be left out.
 */
public class ImprovedGanGeneratorFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    /** Creates the factory. */
    public ImprovedGanGeneratorFactory() {}

    /**
     * Builds a new, uninitialized generator.
     *
     * @param model the model the block is for (unused)
     * @param modelPath the model directory (unused)
     * @param arguments the model arguments (unused)
     * @return a new {@link ImprovedGanMnist#generator()}
     */
    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return ImprovedGanMnist.generator();
    }
}
