package io.github.djlgan.examples.modes;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.testng.annotations.Test;
import picocli.CommandLine;

/**
 * The pacgan generator's batch norm: one batch per packing slot by default (PacGAN's code), one
 * joint batch on request, and the checkpoint identity of each.
 */
public class GeneratorBatchNormTest {

    /** Every LasagneBatchNorm in a block tree. */
    private static List<LasagneBatchNorm> batchNorms(Block block) {
        List<LasagneBatchNorm> found = new ArrayList<>();
        if (block instanceof LasagneBatchNorm bn) {
            found.add(bn);
        }
        block.getChildren().values().forEach(child -> found.addAll(batchNorms(child)));
        return found;
    }

    /** A property of each batch norm of the generator that {@link ModeRun#networks} builds. */
    private static <T> List<T> perBatchNorm(
            String engine,
            Protocol protocol,
            String variant,
            ModeRun.Settings settings,
            java.util.function.Function<LasagneBatchNorm, T> property) {
        try (ModeRun.Networks n =
                ModeRun.networks(
                        Engine.getEngine(engine), protocol, Variant.of(variant), settings, 1)) {
            return batchNorms(n.generator().getBlock()).stream().map(property).toList();
        }
    }

    private static List<Integer> groups(
            String engine, Protocol protocol, String variant, boolean joint) {
        ModeRun.Settings settings =
                ModeRun.Settings.builder(protocol).jointBatchNorm(joint).build();
        return perBatchNorm(engine, protocol, variant, settings, LasagneBatchNorm::getBatchGroups);
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void packedPacganGeneratorsNormaliseEachSlot(String engine) {
        assertEquals(groups(engine, Protocol.PACGAN, "pac4", false), List.of(4, 4, 4, 4));
        assertEquals(groups(engine, Protocol.PACGAN, "pac2", false), List.of(2, 2, 2, 2));
        assertEquals(groups(engine, Protocol.PACGAN, "pac4", true), List.of(1, 1, 1, 1));
        assertEquals(groups(engine, Protocol.PACGAN, "gan", false), List.of(1, 1, 1, 1));
        assertEquals(groups(engine, Protocol.METZ, "pac2", false), List.of());
    }

    /**
     * A joint run's identity is the one written before the groups existed (the literal below is
     * from a checkpoint of 2026-12-01), so such checkpoints resume with {@code joint}; a per-slot
     * run's names its groups.
     */
    @Test
    public void identitiesOfJointAndPerSlotRuns() {
        GaussianMixture grid = GaussianMixture.named("grid");
        ModeRun.Builder b = ModeRun.Settings.builder(Protocol.PACGAN);
        String old =
                "engine PyTorch, protocol pacgan, data grid, variant pac4, seed 2, eval every 1000,"
                        + " group size 4, kernels 100 x 5, lr D 1.0E-4, lr G 1.0E-4";
        String joint =
                RunCheckpoints.identity(
                        "PyTorch",
                        Protocol.PACGAN,
                        grid,
                        Variant.of("pac4"),
                        b.jointBatchNorm(true).build(),
                        2);
        assertEquals(joint, old);
        String perSlot =
                RunCheckpoints.identity(
                        "PyTorch",
                        Protocol.PACGAN,
                        grid,
                        Variant.of("pac4"),
                        b.jointBatchNorm(false).build(),
                        2);
        assertEquals(perSlot, old + ", generator batch-norm groups 4");
        // the plain GAN has one slot: the same run either way
        assertEquals(
                RunCheckpoints.identity(
                        "PyTorch", Protocol.PACGAN, grid, Variant.of("gan"), b.build(), 2),
                RunCheckpoints.identity(
                        "PyTorch",
                        Protocol.PACGAN,
                        grid,
                        Variant.of("gan"),
                        b.jointBatchNorm(true).build(),
                        2));
        assertNotEquals(joint, perSlot);
    }

    private static List<Boolean> averagesStdDev(
            String engine, Protocol protocol, String variant, boolean invStd) {
        ModeRun.Settings settings =
                ModeRun.Settings.builder(protocol).invStdAverages(invStd).build();
        return perBatchNorm(engine, protocol, variant, settings, LasagneBatchNorm::isAverageStdDev);
    }

    /** PacGAN's Blocks batch norm averages σ; Lasagne's invStd on request. */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void pacganGeneratorsAverageTheStandardDeviation(String engine) {
        List<Boolean> yes = List.of(true, true, true, true);
        List<Boolean> no = List.of(false, false, false, false);
        assertEquals(averagesStdDev(engine, Protocol.PACGAN, "gan", false), yes);
        assertEquals(averagesStdDev(engine, Protocol.PACGAN, "pac4", false), yes);
        assertEquals(averagesStdDev(engine, Protocol.PACGAN, "pac2", true), no);
        assertEquals(averagesStdDev(engine, Protocol.METZ, "gan", false), List.of());
    }

    /**
     * The averages serve only the evaluation: the same losses at every step either way, other
     * evaluation samples, and the same checkpoint identity.
     */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void theAverageChangesTheEvaluationOnly(String engine) {
        Engine e = Engine.getEngine(engine);
        ModeRun.Builder b = ModeRun.Settings.builder(Protocol.PACGAN).iterations(40).evalEvery(20);
        ModeRun.Settings stdev = b.invStdAverages(false).build();
        ModeRun.Settings invStd = b.invStdAverages(true).build();
        Variant pac2 = Variant.of("pac2");
        ModeRun.Result a = ModeCoverageSmokeTest.trainGrid(e, pac2, stdev, RunCheckpoints.none());
        ModeRun.Result c = ModeCoverageSmokeTest.trainGrid(e, pac2, invStd, RunCheckpoints.none());
        assertEquals(a.curve().size(), 2);
        for (int i = 0; i < 2; i++) {
            assertEquals(a.curve().get(i).lossD(), c.curve().get(i).lossD());
            assertEquals(a.curve().get(i).lossG(), c.curve().get(i).lossG());
        }
        assertTrue(!java.util.Arrays.equals(a.samples(), c.samples()));
        GaussianMixture grid = GaussianMixture.named("grid");
        assertEquals(
                RunCheckpoints.identity(engine, Protocol.PACGAN, grid, pac2, stdev, 1),
                RunCheckpoints.identity(engine, Protocol.PACGAN, grid, pac2, invStd, 1));
    }

    /**
     * The monitoring pass (PacGAN's: 50 batches before each evaluation on pacgan, none on metz)
     * changes the evaluation only, the same way every time.
     */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void theMonitoringPassChangesTheEvaluationOnly(String engine) {
        assertEquals(ModeRun.Settings.builder(Protocol.PACGAN).build().monitoringBatches(), 50);
        assertEquals(ModeRun.Settings.builder(Protocol.METZ).build().monitoringBatches(), 0);
        Engine e = Engine.getEngine(engine);
        // one evaluation: a pass after it, or at the evaluation before, would leave it unchanged
        ModeRun.Builder b = ModeRun.Settings.builder(Protocol.PACGAN).iterations(20).evalEvery(20);
        Variant pac2 = Variant.of("pac2");
        ModeRun.Result none =
                ModeCoverageSmokeTest.trainGrid(
                        e, pac2, b.monitoringBatches(0).build(), RunCheckpoints.none());
        ModeRun.Settings three = b.monitoringBatches(3).build();
        ModeRun.Result a = ModeCoverageSmokeTest.trainGrid(e, pac2, three, RunCheckpoints.none());
        ModeRun.Result c = ModeCoverageSmokeTest.trainGrid(e, pac2, three, RunCheckpoints.none());
        assertEquals(a.curve().size(), 1);
        assertEquals(a.last().lossD(), none.last().lossD());
        assertEquals(a.last().lossG(), none.last().lossG());
        assertTrue(!java.util.Arrays.equals(a.samples(), none.samples()));
        assertEquals(a.samples(), c.samples());
    }

    /** The monitoring pass moves every batch-norm average and leaves every other parameter. */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void theMonitoringPassMovesOnlyTheAverages(String engine) {
        ModeRun.Settings settings = ModeRun.Settings.builder(Protocol.PACGAN).build();
        try (ModeRun.Networks n =
                ModeRun.networks(
                        Engine.getEngine(engine),
                        Protocol.PACGAN,
                        Variant.of("pac2"),
                        settings,
                        1)) {
            List<ai.djl.util.Pair<String, ai.djl.nn.Parameter>> params = new ArrayList<>();
            n.generator().getBlock().getParameters().forEach(params::add);
            List<float[]> before = params.stream().map(p -> values(p.getValue())).toList();
            ModeRun.monitoringPass(n, Protocol.PACGAN, 2, 1, 1000);
            int averages = 0;
            for (int i = 0; i < params.size(); i++) {
                String name = params.get(i).getKey();
                float[] after = values(params.get(i).getValue());
                if (name.endsWith("_mean") || name.endsWith("_invStd")) {
                    averages++;
                    assertTrue(!java.util.Arrays.equals(after, before.get(i)), name);
                } else {
                    assertEquals(after, before.get(i), name);
                }
            }
            assertEquals(averages, 8);
        }
    }

    private static float[] values(ai.djl.nn.Parameter p) {
        return p.getArray().toFloatArray();
    }

    /**
     * A run resumed with other evaluation options trains on and says on standard error from which
     * iteration its points are evaluated with the new ones; with the same options it says nothing.
     */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void resumingWithOtherEvaluationOptionsIsAnnounced(String engine) throws IOException {
        Path dir = Files.createTempDirectory("mode-coverage-evaluation");
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try {
            Engine e = Engine.getEngine(engine);
            ModeRun.Builder b = ModeRun.Settings.builder(Protocol.PACGAN).monitoringBatches(1);
            Variant gan = Variant.of("gan");
            ModeCoverageSmokeTest.trainGrid(
                    e,
                    gan,
                    b.iterations(5).invStdAverages(true).build(),
                    RunCheckpoints.in(dir, 5, false));
            System.setErr(new java.io.PrintStream(captured, true, "UTF-8"));
            ModeCoverageSmokeTest.trainGrid(
                    e,
                    gan,
                    b.iterations(7).invStdAverages(false).build(),
                    RunCheckpoints.in(dir, 5, true));
            ModeCoverageSmokeTest.trainGrid(
                    e,
                    gan,
                    b.iterations(9).invStdAverages(false).build(),
                    RunCheckpoints.in(dir, 5, true));
        } finally {
            System.setErr(err);
            TempDirs.delete(dir);
        }
        String said = captured.toString("UTF-8");
        assertTrue(
                said.contains(
                        "was evaluated with generator batch-norm averages invstd, monitoring"
                                + " batches 1 up to iteration 5; the points after it are"
                                + " evaluated with generator batch-norm averages stdev,"
                                + " monitoring batches 1"),
                said);
        assertEquals(said.split("was evaluated with", -1).length, 2, said);
    }

    /**
     * A version-1 checkpoint state (written before the evaluation options were recorded: magic
     * 0x4d430001 and no evaluation string after the identity) is read as evaluated with the
     * options' earlier values, invstd averages and no monitoring pass: it resumes exactly as the
     * same state written as version 2 under those options, and the resume names them.
     */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void aVersionOneStateResumesAsEvaluatedTheEarlierWay(String engine) throws IOException {
        Path twoDir = Files.createTempDirectory("mode-coverage-v2");
        Path oneDir = twoDir.resolveSibling(twoDir.getFileName() + "-as-v1");
        try {
            Engine e = Engine.getEngine(engine);
            Variant gan = Variant.of("gan");
            ModeRun.Builder b = ModeRun.Settings.builder(Protocol.PACGAN);
            ModeCoverageSmokeTest.trainGrid(
                    e,
                    gan,
                    b.iterations(5).invStdAverages(true).monitoringBatches(0).build(),
                    RunCheckpoints.in(twoDir, 5, false));
            copyTree(twoDir, oneDir);
            rewriteAsVersionOne(
                    stateFile(oneDir),
                    "generator batch-norm averages invstd, monitoring batches 0");
            ModeRun.Settings on =
                    b.iterations(7).invStdAverages(false).monitoringBatches(1).build();
            StringBuilder saidTwo = new StringBuilder();
            StringBuilder saidOne = new StringBuilder();
            ModeRun.Result fromTwo = resumeSaying(e, gan, on, twoDir, saidTwo);
            ModeRun.Result fromOne = resumeSaying(e, gan, on, oneDir, saidOne);
            assertEquals(described(fromOne), described(fromTwo));
            assertEquals(fromOne.samples(), fromTwo.samples());
            String notice =
                    "was evaluated with generator batch-norm averages invstd, monitoring batches 0"
                            + " up to iteration 5; the points after it are evaluated with"
                            + " generator batch-norm averages stdev, monitoring batches 1";
            assertTrue(saidOne.toString().contains(notice), saidOne.toString());
            assertTrue(saidTwo.toString().contains(notice), saidTwo.toString());
        } finally {
            TempDirs.delete(oneDir, twoDir);
        }
    }

    /** A run's curve as text, its histograms included (a record compares arrays by reference). */
    private static List<String> described(ModeRun.Result r) {
        return r.curve().stream()
                .map(
                        p ->
                                p.iteration()
                                        + " "
                                        + java.util.Arrays.toString(p.metrics().histogram())
                                        + " "
                                        + p.lossD()
                                        + " "
                                        + p.lossG())
                .toList();
    }

    /** Resumes a grid run from {@code dir}, appending what it prints on standard error to said. */
    private static ModeRun.Result resumeSaying(
            Engine e, Variant variant, ModeRun.Settings settings, Path dir, StringBuilder said)
            throws IOException {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(captured, true, "UTF-8"));
            return ModeCoverageSmokeTest.trainGrid(
                    e, variant, settings, RunCheckpoints.in(dir, 5, true));
        } finally {
            System.setErr(err);
            said.append(captured.toString("UTF-8"));
        }
    }

    /** The one checkpoint state file under a checkpoint directory. */
    private static Path stateFile(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            List<Path> states =
                    all.filter(p -> p.getFileName().toString().equals("run.state")).toList();
            assertEquals(states.size(), 1, states.toString());
            return states.get(0);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /**
     * Rewrites a version-2 state (int magic 0x4d430002, UTF identity, UTF evaluation, the rest) in
     * version 1's layout (int magic 0x4d430001, UTF identity, the rest), after checking that it was
     * saved under the expected evaluation options.
     */
    private static void rewriteAsVersionOne(Path state, String evaluation) throws IOException {
        java.io.ByteArrayOutputStream one = new java.io.ByteArrayOutputStream();
        try (java.io.DataInputStream in = new java.io.DataInputStream(Files.newInputStream(state));
                java.io.DataOutputStream out = new java.io.DataOutputStream(one)) {
            assertEquals(in.readInt(), 0x4d430002);
            String identity = in.readUTF();
            assertEquals(in.readUTF(), evaluation);
            out.writeInt(0x4d430001);
            out.writeUTF(identity);
            out.write(in.readAllBytes());
        }
        Files.write(state, one.toByteArray());
    }

    /**
     * Options the generator's batch norm does not accept: exit code 2 and a message naming them.
     */
    @Test
    public void badBatchNormOptionsAreUsageErrors() {
        String[][] cases = {
            // protocol, option, value, part of the message
            {"pacgan", "--monitoring-batches", "-1", "--monitoring-batches: expected >= 0"},
            {"metz", "--monitoring-batches", "5", "0 on metz, whose generator has no batch norm"},
            {"pacgan", "--generator-bn-average", "x", "expected stdev or invstd, got x"},
            {"pacgan", "--generator-batch-norm", "x", "expected per-slot or joint, got x"},
        };
        for (String[] c : cases) {
            CommandLine cli = new CommandLine(new io.github.djlgan.examples.Main());
            java.io.StringWriter err = new java.io.StringWriter();
            cli.setErr(new java.io.PrintWriter(err));
            assertEquals(cli.execute("mode-coverage", "--protocol", c[0], c[1], c[2]), 2, c[1]);
            assertTrue(err.toString().contains(c[3]), err.toString());
        }
    }

    /** A joint run's checkpoint refuses a per-slot resume and says how to resume it. */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void aJointCheckpointNamesTheOptionThatResumesIt(String engine) throws IOException {
        Path dir = Files.createTempDirectory("mode-coverage-joint");
        try {
            Engine e = Engine.getEngine(engine);
            ModeRun.Builder five = ModeRun.Settings.builder(Protocol.PACGAN).iterations(5);
            ModeRun.Settings joint = five.jointBatchNorm(true).build();
            ModeRun.Settings perSlot = five.jointBatchNorm(false).build();
            Variant pac2 = Variant.of("pac2");
            ModeCoverageSmokeTest.trainGrid(e, pac2, joint, RunCheckpoints.in(dir, 5, false));
            String message =
                    expectThrows(
                                    IllegalArgumentException.class,
                                    () ->
                                            ModeCoverageSmokeTest.trainGrid(
                                                    e,
                                                    pac2,
                                                    perSlot,
                                                    RunCheckpoints.in(dir, 5, true)))
                            .getMessage();
            assertTrue(message.contains("is of another run"), message);
            assertTrue(message.contains("resume it with --generator-batch-norm joint"), message);
        } finally {
            TempDirs.delete(dir);
        }
    }
}
