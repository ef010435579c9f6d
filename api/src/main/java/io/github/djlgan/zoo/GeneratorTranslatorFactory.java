package io.github.djlgan.zoo;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import java.io.Serializable;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link TranslatorFactory} of {@link GeneratorTranslator}s, for {@code Criteria}. It supports
 * two type pairs:
 *
 * <ul>
 *   <li>({@link GeneratorInput}, {@code Image[]}): count and seed given with each call;
 *   <li>({@link Integer}, {@code Image[]}): the count is the input; the seed is the argument {@code
 *       seed} if given (then the same count always gives the same images), otherwise a fresh random
 *       seed for every call.
 * </ul>
 *
 * <p>Arguments, from {@code serving.properties} or {@code Criteria.optArgument}: those of {@link
 * GeneratorTranslator#builder(Map)} ({@code latentSize}, {@code width}, {@code height}, {@code
 * latent}, {@code outputLow}, {@code outputHigh}), and {@code seed} (Integer input only).
 */
public class GeneratorTranslatorFactory implements TranslatorFactory, Serializable {

    private static final long serialVersionUID = 1L;

    private static final Set<Pair<Type, Type>> TYPES =
            Set.of(
                    new Pair<>(GeneratorInput.class, Image[].class),
                    new Pair<>(Integer.class, Image[].class));

    /** Creates the factory. */
    public GeneratorTranslatorFactory() {}

    /** {@inheritDoc} */
    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return TYPES;
    }

    /**
     * Creates a translator for one of the supported type pairs.
     *
     * @param input {@code GeneratorInput.class} or {@code Integer.class}
     * @param output {@code Image[].class}
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
                    "GeneratorTranslatorFactory: unsupported types ("
                            + input.getName()
                            + ", "
                            + output.getName()
                            + "); supported: (GeneratorInput, Image[]), (Integer, Image[])");
        }
        GeneratorTranslator translator = GeneratorTranslator.builder(arguments).build();
        if (input == GeneratorInput.class) {
            return (Translator<I, O>) translator;
        }
        Long seed = TranslatorArguments.longValue(arguments, "seed", "GeneratorTranslatorFactory");
        return (Translator<I, O>) new CountTranslator(translator, seed);
    }

    /** Count → images: a {@link GeneratorTranslator} with a fixed or a fresh seed. */
    private static final class CountTranslator implements NoBatchifyTranslator<Integer, Image[]> {

        private final GeneratorTranslator translator;
        private final Long seed;

        CountTranslator(GeneratorTranslator translator, Long seed) {
            this.translator = translator;
            this.seed = seed;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, Integer count) {
            long s = seed != null ? seed : ThreadLocalRandom.current().nextLong();
            return translator.processInput(ctx, GeneratorInput.of(count, s));
        }

        @Override
        public Image[] processOutput(TranslatorContext ctx, NDList list) {
            return translator.processOutput(ctx, list);
        }
    }
}
