package io.github.djlgan.examples;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import io.github.djlgan.examples.modes.ModeRun;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.testng.annotations.Test;

/** Child JVMs: a failing child fails the run by name; progress lines reach the parent. */
public class ChildJobsTest {

    @Test
    public void aFailingChildFailsTheRunNamingTheJobAndItsLog() throws IOException {
        Path logs = Files.createTempDirectory("child-jobs-fail");
        try {
            List<ChildJobs.Job> jobs =
                    List.of(
                            new ChildJobs.Job(
                                    "bad protocol",
                                    List.of("mode-coverage", "--protocol", "bogus")),
                            new ChildJobs.Job("never started", List.of("--version")));
            IllegalStateException e =
                    expectThrows(
                            IllegalStateException.class,
                            () -> ChildJobs.run(jobs, 1, logs, (done, skipped, finished) -> {}));
            Path log = logs.resolve("bad-protocol.log");
            assertEquals(
                    e.getMessage(),
                    "job 'bad protocol' failed (exit status 2); its log: " + log.toAbsolutePath());
            assertTrue(Files.readString(log).contains("bogus"), Files.readString(log));
            assertTrue(Files.notExists(logs.resolve("never-started.log")));
        } finally {
            TempDirs.delete(logs);
        }
    }

    @Test
    public void aModeCoverageRunReportsProgressAndWritesItsResult() throws Exception {
        Path dir = Files.createTempDirectory("child-jobs-run");
        try {
            Path result = dir.resolve("result.bin");
            List<ChildJobs.Job> jobs =
                    List.of(
                            new ChildJobs.Job(
                                    "ring gan",
                                    List.of(
                                            "mode-coverage",
                                            "--iterations",
                                            "20",
                                            "--eval-every",
                                            "10",
                                            "--run-one",
                                            "ring,gan,3",
                                            "--result",
                                            result.toString())),
                            new ChildJobs.Job("version", List.of("--version")));
            AtomicLong lastDone = new AtomicLong(-1);
            AtomicReference<Integer> lastFinished = new AtomicReference<>();
            ChildJobs.run(
                    jobs,
                    2,
                    dir,
                    (done, skipped, finished) -> {
                        assertEquals(done.length, 2);
                        lastDone.set(done[0]);
                        lastFinished.set(finished);
                    });
            assertEquals(lastDone.get(), 20);
            assertEquals(lastFinished.get(), Integer.valueOf(2));
            String log = Files.readString(dir.resolve("ring-gan.log"));
            assertTrue(log.contains("ring gan seed 3: 20 iterations"), log);
            assertTrue(!log.contains(ChildJobs.PROGRESS.trim()), log);
            ModeRun.Result r = ModeRun.Result.read(result);
            assertEquals(r.curve().size(), 2);
            assertEquals(r.last().iteration(), 20);
            assertEquals(r.samples().length, 2 * 2500);
        } finally {
            TempDirs.delete(dir);
        }
    }

    /**
     * A child that resumes a run tells the parent how many of its iterations were done before, also
     * when none are left to train.
     */
    @Test
    public void aResumedChildReportsTheIterationsDoneBefore() throws Exception {
        Path dir = Files.createTempDirectory("child-jobs-resume");
        try {
            AtomicLong lastDone = new AtomicLong(-1);
            AtomicLong lastSkipped = new AtomicLong(-1);
            // fresh to 10, resumed at 10 to 20, resumed at 20 with nothing left to train
            String[] runs = {"10", "20", "20"};
            long[] before = {0, 10, 20};
            for (int k = 0; k < runs.length; k++) {
                String iterations = runs[k];
                ChildJobs.run(
                        List.of(
                                new ChildJobs.Job(
                                        "ring gan",
                                        List.of(
                                                "mode-coverage",
                                                "--iterations",
                                                iterations,
                                                "--eval-every",
                                                "10",
                                                "--checkpoint-every",
                                                "10",
                                                "--resume",
                                                "--out",
                                                dir.resolve("out").toString(),
                                                "--run-one",
                                                "ring,gan,3",
                                                "--result",
                                                dir.resolve("result.bin").toString()))),
                        1,
                        dir,
                        (done, skipped, finished) -> {
                            lastDone.set(done[0]);
                            lastSkipped.set(skipped[0]);
                        });
                assertEquals(lastDone.get(), Long.parseLong(iterations));
                assertEquals(lastSkipped.get(), before[k], "run " + k);
            }
            String log = Files.readString(dir.resolve("ring-gan.log"));
            assertTrue(!log.contains(ChildJobs.SKIPPED.trim()), log);
        } finally {
            TempDirs.delete(dir);
        }
    }
}
