package io.github.djlgan.examples.modes;

import java.util.List;

/**
 * The published rows our runs are compared with: VEEGAN's Table 1 (Srivastava et al. 2017, 5 runs;
 * GDPP's Table 1 repeats them and adds WGAN-GP and GDPP) for {@link Protocol#METZ}, and PacGAN's
 * Table 1 (Lin et al. 2018, 10 trials, mean ± standard error) for {@link Protocol#PACGAN}. Reverse
 * KL is not published for the Metz protocol.
 *
 * @param protocol the protocol
 * @param data {@code ring} or {@code grid}
 * @param method the method's name in the paper
 * @param modes modes captured, as published
 * @param highQuality high-quality samples in percent, as published
 * @param reverseKl reverse KL, as published, or "—"
 * @param source the table it comes from
 */
public record Published(
        Protocol protocol,
        String data,
        String method,
        String modes,
        String highQuality,
        String reverseKl,
        String source) {

    private static final String VEEGAN = "VEEGAN Table 1";
    private static final String GDPP = "GDPP Table 1";
    private static final String PACGAN = "PacGAN Table 1";

    /** Every published row. */
    public static final List<Published> ROWS =
            List.of(
                    metz("ring", "GAN", "1", "99.3", VEEGAN),
                    metz("ring", "Unrolled GAN (5 steps)", "7.6", "35.6", VEEGAN),
                    metz("ring", "VEEGAN", "8", "52.9", VEEGAN),
                    metz("ring", "WGAN-GP", "6.8", "59.6", GDPP),
                    metz("ring", "GDPP-GAN", "8.0", "71.7", GDPP),
                    metz("grid", "GAN", "3.3", "0.5", VEEGAN),
                    metz("grid", "Unrolled GAN (5 steps)", "23.6", "16", VEEGAN),
                    metz("grid", "VEEGAN", "24.6", "40", VEEGAN),
                    metz("grid", "WGAN-GP", "24.2", "28.7", GDPP),
                    metz("grid", "GDPP-GAN", "24.8", "68.5", GDPP),
                    pacgan("ring", "GAN", "6.3 ± 0.5", "98.2 ± 0.2", "0.45 ± 0.09"),
                    pacgan("ring", "PacGAN2", "7.9 ± 0.1", "95.6 ± 2.0", "0.07 ± 0.03"),
                    pacgan("ring", "PacGAN4", "7.8 ± 0.1", "95.9 ± 1.4", "0.07 ± 0.02"),
                    pacgan("grid", "GAN", "17.3 ± 0.8", "94.8 ± 0.7", "0.70 ± 0.07"),
                    pacgan("grid", "PacGAN2", "23.8 ± 0.7", "91.3 ± 0.8", "0.13 ± 0.04"),
                    pacgan("grid", "PacGAN4", "24.8 ± 0.2", "93.6 ± 0.6", "0.04 ± 0.01"));

    private static Published metz(
            String data, String method, String modes, String hq, String source) {
        return new Published(Protocol.METZ, data, method, modes, hq, "—", source);
    }

    private static Published pacgan(
            String data, String method, String modes, String hq, String rkl) {
        return new Published(Protocol.PACGAN, data, method, modes, hq, rkl, PACGAN);
    }

    /**
     * The published rows of one protocol and data set.
     *
     * @param protocol the protocol
     * @param data the data set's name
     * @return the rows, in the papers' order
     */
    public static List<Published> of(Protocol protocol, String data) {
        return ROWS.stream().filter(r -> r.protocol == protocol && r.data.equals(data)).toList();
    }
}
