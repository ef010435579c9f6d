package io.github.djlgan.examples;

import io.github.djlgan.zoo.ModelPackager;
import io.github.djlgan.zoo.mnist.ImprovedGanPackager;
import io.github.djlgan.zoo.mnist.ImprovedGanPackager.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Packages a trained improved-gan generator or discriminator as a zip that DJL's {@code Criteria}
 * loads: a thin command over {@link ModelPackager} with {@link ImprovedGanPackager}'s settings.
 */
@Command(
        name = "package",
        mixinStandardHelpOptions = true,
        description = {
            "Package a trained improved-gan MNIST generator or discriminator (a directory written"
                    + " by Model.save) as a zip that DJL loads through Criteria.",
            "The zip holds <name>/<name>-<epoch>.params, serving.properties and a README.md with"
                    + " the loading code."
        })
public final class PackageModel implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = "--model-dir",
            required = true,
            description = "Directory written by Model.save, holding <name>-<epoch>.params.")
    Path modelDir;

    @Option(
            names = "--network",
            required = true,
            description = "The network the parameters belong to: generator or discriminator.")
    String network;

    @Option(
            names = "--name",
            description = "Model name, the prefix of the parameter file (default: the only one).")
    String name;

    @Option(names = "--epoch", description = "Epoch of the parameter file (default: the latest).")
    Integer epoch;

    @Option(
            names = "--engine",
            defaultValue = "PyTorch",
            description =
                    "Engine written to serving.properties, used when Criteria names none"
                            + " (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(
            names = "--out",
            defaultValue = "out",
            description =
                    "Output directory; the zip is <out>/<name>.zip (default: ${DEFAULT-VALUE}).")
    Path out;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException {
        Network kind;
        try {
            kind = Network.valueOf(network.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--network must be generator or discriminator, got " + network);
        }
        ModelPackager.Builder builder =
                ImprovedGanPackager.builder(kind)
                        .setModelDir(modelDir)
                        .optModelName(name)
                        .optEngine(engine);
        if (epoch != null) {
            builder.optEpoch(epoch);
        }
        ModelPackager packager = builder.build();
        try {
            String modelName = packager.modelName();
            Path zip = out.resolve(modelName + ".zip");
            boolean replaced = Files.exists(zip);
            packager.writeZip(zip);
            System.out.printf(
                    Locale.ROOT,
                    "Wrote %s: %s/%s, serving.properties, README.md%n%n",
                    zip,
                    modelName,
                    packager.findParamsFile().getFileName());
            System.out.print(packager.readme(zip.getFileName().toString()));
            if (replaced) {
                System.out.printf(
                        Locale.ROOT,
                        "%nNote: %s was replaced. DJL unpacks a zip once per path (under"
                            + " ~/.djl.ai/cache/repo/model/undefined/ai/djl/localmodelzoo/) and"
                            + " reuses that copy: if the old zip was loaded before, delete the copy"
                            + " (ZooModel.getModelPath() shows it) or use another file name.%n",
                        zip);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }
}
