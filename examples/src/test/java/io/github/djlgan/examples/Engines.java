package io.github.djlgan.examples;

import org.testng.annotations.DataProvider;

/** The engines every example test runs on. */
public final class Engines {

    private Engines() {}

    /**
     * The engine names.
     *
     * @return one row per engine
     */
    @DataProvider(name = "engines")
    public static Object[][] engines() {
        return new Object[][] {{"PyTorch"}, {"MXNet"}};
    }
}
