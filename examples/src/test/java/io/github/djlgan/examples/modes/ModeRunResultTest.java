package io.github.djlgan.examples.modes;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.Test;

/** A run's result survives its file bit for bit, as the parent of a child JVM reads it. */
public class ModeRunResultTest {

    @Test
    public void writeThenReadGivesTheSameBits() throws IOException {
        float[] samples = {1.5f, -0.0f, Float.NaN, Float.MIN_VALUE, 3.4e38f, -7.25e-12f};
        List<ModeRun.Point> curve =
                List.of(
                        new ModeRun.Point(
                                10,
                                new ModeMetrics(8, 3, 2, 100.0 / 3, 0.1 + 0.2, new int[] {1, 0, 1}),
                                0.6931472f,
                                Float.POSITIVE_INFINITY),
                        new ModeRun.Point(
                                20,
                                new ModeMetrics(8, 3, 0, 0, Math.log(8), new int[] {0, 0, 0}),
                                -0.0f,
                                1e-40f));
        ModeRun.Result written = new ModeRun.Result(curve, samples, 12.345678901234);
        Path file = Files.createTempFile("mode-run", ".bin");
        try {
            written.write(file);
            ModeRun.Result read = ModeRun.Result.read(file);

            assertEquals(
                    Double.doubleToRawLongBits(read.seconds()),
                    Double.doubleToRawLongBits(12.345678901234));
            assertEquals(read.samples().length, samples.length);
            for (int i = 0; i < samples.length; i++) {
                assertEquals(
                        Float.floatToRawIntBits(read.samples()[i]),
                        Float.floatToRawIntBits(samples[i]),
                        "sample " + i);
            }
            assertEquals(read.curve().size(), 2);
            for (int i = 0; i < 2; i++) {
                ModeRun.Point a = curve.get(i);
                ModeRun.Point b = read.curve().get(i);
                assertEquals(b.iteration(), a.iteration());
                assertEquals(
                        Float.floatToRawIntBits(b.lossD()), Float.floatToRawIntBits(a.lossD()));
                assertEquals(
                        Float.floatToRawIntBits(b.lossG()), Float.floatToRawIntBits(a.lossG()));
                ModeMetrics x = a.metrics();
                ModeMetrics y = b.metrics();
                assertEquals(y.numModes(), x.numModes());
                assertEquals(y.numSamples(), x.numSamples());
                assertEquals(y.modesCaptured(), x.modesCaptured());
                assertEquals(
                        Double.doubleToRawLongBits(y.highQualityPercent()),
                        Double.doubleToRawLongBits(x.highQualityPercent()));
                assertEquals(
                        Double.doubleToRawLongBits(y.reverseKl()),
                        Double.doubleToRawLongBits(x.reverseKl()));
                assertEquals(y.histogram(), x.histogram());
            }
        } finally {
            TempDirs.delete(file);
        }
    }

    @Test
    public void anotherFileIsRefused() throws IOException {
        Path file = Files.createTempFile("not-a-run", ".bin");
        try {
            Files.writeString(file, "hello, world");
            IOException e = expectThrows(IOException.class, () -> ModeRun.Result.read(file));
            assertEquals(e.getMessage(), "not a ModeRun result: " + file);
        } finally {
            TempDirs.delete(file);
        }
    }
}
