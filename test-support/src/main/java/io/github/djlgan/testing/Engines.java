package io.github.djlgan.testing;

import org.testng.annotations.DataProvider;

/** The engine matrix: every test class is instantiated once per engine named here. */
public final class Engines {

    /** The engines every test runs on. */
    public static final String[] NAMES = {"PyTorch", "MXNet"};

    private Engines() {}

    /**
     * The TestNG data provider used by every test-class factory.
     *
     * @return one row per engine name
     */
    @DataProvider(name = "engines")
    public static Object[][] engines() {
        Object[][] rows = new Object[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            rows[i] = new Object[] {NAMES[i]};
        }
        return rows;
    }
}
