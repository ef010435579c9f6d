package io.github.djlgan.util;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.types.DataType;
import org.testng.annotations.Test;

/** {@link Tensors#minNormal}: the smallest normal numbers from the formats' bit layouts. */
public class TensorsTest {

    @Test
    public void minNormalIsTheSmallestNormalOfEachFormat() {
        // exponent field 1, fraction 0: 2^(1 - bias), bias 15 (binary16), 127 (bfloat16, binary32)
        // and 1023 (binary64)
        assertEquals(Tensors.minNormal(DataType.FLOAT16), 6.103515625e-5);
        assertEquals(
                Tensors.minNormal(DataType.BFLOAT16), (double) Float.intBitsToFloat(0x00800000));
        assertEquals(
                Tensors.minNormal(DataType.FLOAT32), (double) Float.intBitsToFloat(0x00800000));
        assertEquals(
                Tensors.minNormal(DataType.FLOAT64), Double.longBitsToDouble(0x0010000000000000L));
    }

    @Test
    public void minNormalRejectsIntegerTypes() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class, () -> Tensors.minNormal(DataType.INT32));
        assertEquals(e.getMessage(), "not a floating-point type: int32");
    }
}
