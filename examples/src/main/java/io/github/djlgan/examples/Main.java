package io.github.djlgan.examples;

import io.github.djlgan.examples.bench.Bench;
import io.github.djlgan.examples.bench.MinibatchDiscriminationBench;
import io.github.djlgan.examples.fashion.FashionMnistGan;
import io.github.djlgan.examples.imagegan.ImageGan;
import io.github.djlgan.examples.modes.ModeCoverage;
import io.github.djlgan.examples.plot.PlotCurves;
import io.github.djlgan.examples.report.CurvesTable;
import io.github.djlgan.examples.soak.Soak;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The examples program: one command with a subcommand per example. */
@Command(
        name = "djl-gan-examples",
        mixinStandardHelpOptions = true,
        description = "Runnable examples of djl-gan-blocks.",
        subcommands = {
            // one line per example; the help command last
            ModeCoverage.class,
            PlotCurves.class,
            CurvesTable.class,
            FashionMnistGan.class,
            ImageGan.class,
            NinDemo.class,
            Bench.class,
            MinibatchDiscriminationBench.class,
            PackageModel.class,
            Soak.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    /**
     * Runs the program.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        // the examples never download anything: natives come from the jars in lib/
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        // plots are drawn off-screen; no display needed
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** {@inheritDoc} */
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
