package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.nn.convolutional.FilterPadding;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * {@link GanTrainer#initialize} warns, on PyTorch only, about each unwrapped DJL convolution whose
 * float32 input gradient that engine may get wrong (see {@code Convolutions}), naming the network,
 * the layer and {@code FilterPadding}; a wrapped one and a 16-filter one are not named. The warning
 * goes through slf4j (the tests' slf4j-simple writes to standard error).
 */
public class GanTrainerConvolutionWarningTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public GanTrainerConvolutionWarningTest(String engine) {
        super(engine);
    }

    @Test
    public void initializeWarnsAboutUnwrappedFewFilterConvolutionsOnPyTorch() {
        SequentialBlock discriminator =
                new SequentialBlock()
                        .add(conv(16, 3, 1))
                        .add(FilterPadding.wrap(conv(1, 3, 1)))
                        .add(conv(1, 4, 0));
        SequentialBlock generator =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(16).build())
                        .add(x -> new NDList(x.head().reshape(-1, 1, 4, 4)));
        String log;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (Model g = TinyGan.model("g", generator, engineName);
                Model d = TinyGan.model("d", discriminator, engineName);
                GanTrainer gan =
                        GanTrainer.builder()
                                .setGenerator(g)
                                .setDiscriminator(d)
                                .optLatent(LatentSampler.normal(8))
                                .build()) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                gan.initialize(new Shape(4, 1, 4, 4));
            } finally {
                System.setErr(err);
            }
            log = captured.toString(StandardCharsets.UTF_8);
        }
        if (!"PyTorch".equals(engineName)) {
            assertEquals(log, "", "no warning off PyTorch");
            return;
        }
        String[] lines = log.strip().split("\n");
        assertEquals(lines.length, 1, log);
        assertTrue(lines[0].contains("GanTrainer: the discriminator's 03Conv2d (1 filter)"), log);
        assertTrue(lines[0].contains("FilterPadding"), log);
    }

    private static Conv2d conv(int filters, int kernel, int padding) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(filters)
                .optPadding(new Shape(padding, padding))
                .build();
    }
}
