package io.github.djlgan.testing;

import org.testng.annotations.DataProvider;

/**
 * The engine matrix of every test module: the engines each engine-dependent test runs on.
 *
 * <p>An engine-matrix test class of {@code engines-test} declares one constructor annotated
 * {@code @Factory(dataProvider = "engines", dataProviderClass = Engines.class)}, so TestNG creates
 * one instance per engine; a test method of {@code examples} takes the engine name as its parameter
 * with {@code @Test(dataProvider = "engines", dataProviderClass = Engines.class)}.
 */
public final class Engines {

    /** The engines every test runs on. */
    public static final String[] NAMES = {"PyTorch", "MXNet"};

    private Engines() {}

    /**
     * The TestNG data provider named {@code "engines"}.
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
