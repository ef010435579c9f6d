package io.github.djlgan.examples.plot;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.testng.annotations.Test;

/** Figures of panels: a title wider than the panels breaks into lines above them. */
public class PlotsTest {

    private static final Font FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);

    private static final String LONG =
            "pacgan protocol, ring (8 modes, sigma 0.01): 2500 samples after 400000 iterations;"
                    + " PyTorch 2.7.1";

    private static int width(String text) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            FontMetrics metrics = g.getFontMetrics(FONT);
            return metrics.stringWidth(text);
        } finally {
            g.dispose();
        }
    }

    @Test
    public void aShortTitleIsOneLine() {
        assertEquals(Plots.wrap("gan s2: 5/8", 260, FONT), List.of("gan s2: 5/8"));
    }

    @Test
    public void aLongTitleBreaksAtSpacesIntoLinesThatFit() {
        List<String> lines = Plots.wrap(LONG, 260, FONT);
        assertTrue(lines.size() >= 3, "lines: " + lines);
        assertEquals(String.join(" ", lines), LONG);
        for (String line : lines) {
            assertTrue(width(line) <= 260, line + ": " + width(line) + " px");
        }
    }

    @Test
    public void aWordWiderThanALineGetsALineOfItsOwn() {
        assertEquals(
                Plots.wrap("a 400000-iterations b", 20, FONT),
                List.of("a", "400000-iterations", "b"));
    }

    @Test
    public void theHeaderGrowsByALinePerWrappedLine() {
        BufferedImage panel = new BufferedImage(260, 260, BufferedImage.TYPE_INT_RGB);
        int lines = Plots.wrap(LONG, 260, FONT).size();
        BufferedImage shortTitle = Plots.panels(List.of(panel), 1, "ring");
        BufferedImage longTitle = Plots.panels(List.of(panel), 1, LONG);
        assertEquals(longTitle.getWidth(), shortTitle.getWidth());
        assertEquals(longTitle.getHeight() - shortTitle.getHeight(), 18 * (lines - 1));
        assertEquals(Plots.panels(List.of(panel), 1, null).getHeight(), 6 + 266);
    }
}
