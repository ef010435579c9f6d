package io.github.djlgan.zoo.mnist;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@link BlockFactory} that builds {@link ImprovedGanMnist#discriminator()}, so a discriminator
 * saved with {@code Model.save} loads with plain DJL:
 *
 * <pre>{@code
 * Criteria<Image, Classifications> criteria = Criteria.builder()
 *         .setTypes(Image.class, Classifications.class)
 *         .optModelPath(Paths.get("build/mnist-discriminator"))
 *         .optEngine("PyTorch")                                   // or "MXNet"
 *         .optArgument("blockFactory", ImprovedGanDiscriminatorFactory.class.getName())
 *         .optTranslatorFactory(new DiscriminatorTranslatorFactory())
 *         .build();
 * }</pre>
 *
 * <p>The block is returned uninitialized: {@code Model.load} reads the input shape, the data type
 * and every parameter from the {@code .params} file, so nothing else is needed. A model packaged by
 * {@link ImprovedGanPackager} names this factory in its {@code serving.properties}, and the {@code
 * blockFactory} argument can then be left out.
 */
public class ImprovedGanDiscriminatorFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    /** Creates the factory. */
    public ImprovedGanDiscriminatorFactory() {}

    /**
     * Builds a new, uninitialized discriminator.
     *
     * @param model the model the block is for (unused)
     * @param modelPath the model directory (unused)
     * @param arguments the model arguments (unused)
     * @return a new {@link ImprovedGanMnist#discriminator()}
     */
    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return ImprovedGanMnist.discriminator();
    }
}
