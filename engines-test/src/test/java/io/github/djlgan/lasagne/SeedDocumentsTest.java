package io.github.djlgan.lasagne;

import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.NDAssert;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * The numbers printed in the project's seed documents (run by their authors with Theano and
 * Lasagne), imported through {@link LasagneParams}: a check that shares no code and no reading with
 * the NumPy fixtures of {@code fixtures/lasagne/}.
 *
 * <ul>
 *   <li>"TensorFlow tips — Ported Lasagne's NIN Layer" (Theano 0.9.0, Lasagne 0.2.dev1): {@code
 *       NINLayer(num_units=3, W=[[1, 2, 3], [2, 2, 2]], b=None)} on a (1, 2, 5, 5) input of 0.1
 *       prints an output of 0.30000001, 0.40000001 and 0.5 in its three channels.
 *   <li>"Theano WeightNormLayer": {@code nn.weight_norm(dnn.Conv2DDNNLayer(…, 3, (2, 2), pad=1))}
 *       on a (None, 2, 6, 6) input; the post prints the drawn W (3, 2, 2, 2), the normalised W /
 *       √(ΣW²) over axes (1, 2, 3), and its per-filter norms 0.99999994, 1, 1.
 * </ul>
 */
public class SeedDocumentsTest extends EngineTest {

    /** W_param as printed by the WeightNormLayer post (Lasagne's conv layout (F, C, kh, kw)). */
    private static final float[] WN_W_PARAM = {
        0.04999165f, 0.02313326f, -0.04298718f, 0.09443879f,
        -0.0129938f, 0.01973312f, 0.03871491f, 0.08463974f,
        0.06936961f, 0.01436294f, 0.08334961f, -0.00598382f,
        0.05869503f, -0.12156428f, -0.04094811f, 0.05975082f,
        0.03075594f, -0.03216397f, -0.0249342f, 0.0733012f,
        -0.07199171f, 0.000842f, 0.03408016f, -0.00191294f
    };

    /** W_new as printed by the WeightNormLayer post. */
    private static final double[] WN_W_NEW = {
        0.32947862, 0.15246375, -0.28331444, 0.62241518,
        -0.08563788, 0.13005453, 0.25515732, 0.5578329,
        0.36832467, 0.0762614, 0.4425528, -0.03177166,
        0.31164694, -0.64545727, -0.21741794, 0.31725276,
        0.25697976, -0.2687445, -0.20833649, 0.61246467,
        -0.60152328, 0.00703529, 0.28475517, -0.01598351
    };

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public SeedDocumentsTest(String engine) {
        super(engine);
    }

    /** An {@code .npz} as {@code np.savez(f, *arrays)} writes it: arr_0, arr_1, … */
    private static ByteArrayInputStream npz(NDArray... arrays) throws IOException {
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        new NDList(arrays).encode(os, NDList.Encoding.NPZ);
        return new ByteArrayInputStream(os.toByteArray());
    }

    @Test
    public void ninLayerPrintsPointThreeFourFive() throws IOException {
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).optBias(false).build();
        Shape in = new Shape(1, 2, 5, 5);
        init(nin, DataType.FLOAT32, in);
        NDArray w = manager.create(new float[] {1, 2, 3, 2, 2, 2}, new Shape(2, 3));
        LasagneParams.load(nin, npz(w));
        NDArray y = forward(nin, false, manager.ones(in).mul(0.1f));
        assertEquals(y.getShape(), new Shape(1, 3, 5, 5));
        double[] printed = {0.30000001, 0.40000001, 0.5};
        double[] values = NDAssert.toDoubles(y);
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], printed[i / 25], 1e-6, "output element " + i);
        }
    }

    @Test
    public void weightNormLayerPrintsTheNormalisedFilters() throws IOException {
        WeightNorm wn =
                WeightNorm.wrap(
                        Conv2d.builder()
                                .setKernelShape(new Shape(2, 2))
                                .setFilters(3)
                                .optPadding(new Shape(1, 1))
                                .build());
        init(wn, DataType.FLOAT32, new Shape(1, 2, 6, 6));
        // nn.weight_norm's parameter list: the conv's W, then WeightNormLayer's b (0) and g (1)
        LasagneParams.load(
                wn,
                npz(
                        manager.create(WN_W_PARAM, new Shape(3, 2, 2, 2)),
                        manager.zeros(new Shape(3)),
                        manager.ones(new Shape(3))));
        NDArray w = wn.getEffectiveWeight(manager);
        NDAssert.assertClose(w, WN_W_NEW, new Shape(3, 2, 2, 2), 0, 2e-7);
        double[] values = NDAssert.toDoubles(w);
        for (int f = 0; f < 3; f++) {
            double sum = 0;
            for (int i = 0; i < 8; i++) {
                sum += values[f * 8 + i] * values[f * 8 + i];
            }
            assertEquals(Math.sqrt(sum), 1.0, 1e-6, "norm of filter " + f);
        }
    }
}
