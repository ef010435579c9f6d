package io.github.djlgan.examples;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.testing.TempDirs;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;
import picocli.CommandLine;

/** The {@code package} command: a thin wrapper over {@code ModelPackager}. */
public class PackageModelTest {

    private Path tmp;

    @BeforeMethod
    public void createTemporaryDirectory() throws IOException {
        tmp = Files.createTempDirectory("djlgan-package");
    }

    @AfterMethod(alwaysRun = true)
    public void deleteTemporaryDirectory() throws IOException {
        TempDirs.delete(tmp);
    }

    private int run(String... args) {
        return new CommandLine(new PackageModel()).execute(args);
    }

    @Test
    public void writesTheZipNamedAfterTheModel() throws IOException {
        Path modelDir = tmp.resolve("model");
        try (Model model = Model.newInstance("mnist-generator", "PyTorch")) {
            model.setBlock(ImprovedGanMnist.generator());
            model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 100));
            model.save(modelDir, "mnist-generator");
        }
        int code =
                run(
                        "--model-dir", modelDir.toString(),
                        "--network", "generator",
                        "--out", tmp.resolve("out").toString());
        assertEquals(code, 0);
        Path zip = tmp.resolve("out/mnist-generator.zip");
        try (ZipFile file = new ZipFile(zip.toFile())) {
            List<String> names = new ArrayList<>();
            file.stream().map(ZipEntry::getName).forEach(names::add);
            assertEquals(
                    names,
                    List.of(
                            "mnist-generator/",
                            "mnist-generator/mnist-generator-0000.params",
                            "mnist-generator/serving.properties",
                            "mnist-generator/README.md"));
        }
    }

    @Test
    public void rejectsAnUnknownNetworkAndAMissingDirectory() {
        assertEquals(run("--model-dir", tmp.toString(), "--network", "critic"), 2);
        int code =
                run(
                        "--model-dir", tmp.resolve("missing").toString(),
                        "--network", "discriminator",
                        "--out", tmp.resolve("out").toString());
        assertEquals(code, 1);
        assertTrue(Files.notExists(tmp.resolve("out")));
    }
}
