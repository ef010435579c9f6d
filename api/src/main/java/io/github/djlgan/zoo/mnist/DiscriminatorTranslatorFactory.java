package io.github.djlgan.zoo.mnist;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import java.io.Serializable;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Set;

/**
 * A {@link TranslatorFactory} of {@link DiscriminatorTranslator}s, for {@code Criteria} with types
 * ({@link Image}, {@link Classifications}). Arguments: {@code width} and {@code height} (default
 * 28) and {@code synset} (comma-separated class names, default "0,1,…,9").
 */
public class DiscriminatorTranslatorFactory implements TranslatorFactory, Serializable {

    private static final long serialVersionUID = 1L;

    private static final Set<Pair<Type, Type>> TYPES =
            Set.of(new Pair<>(Image.class, Classifications.class));

    /** Creates the factory. */
    public DiscriminatorTranslatorFactory() {}

    /** {@inheritDoc} */
    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return TYPES;
    }

    /**
     * Creates a translator.
     *
     * @param input {@code Image.class}
     * @param output {@code Classifications.class}
     * @param model the model (unused)
     * @param arguments the translator arguments
     * @return a new translator
     * @throws IllegalArgumentException if the types are not supported or an argument is invalid
     */
    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(
            Class<I> input, Class<O> output, Model model, Map<String, ?> arguments) {
        if (!isSupported(input, output)) {
            throw new IllegalArgumentException(
                    "DiscriminatorTranslatorFactory: unsupported types ("
                            + input.getName()
                            + ", "
                            + output.getName()
                            + "); supported: (Image, Classifications)");
        }
        return (Translator<I, O>) DiscriminatorTranslator.builder(arguments).build();
    }
}
