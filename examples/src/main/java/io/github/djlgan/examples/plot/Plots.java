package io.github.djlgan.examples.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Small PNG plots in plain Java ({@link BufferedImage} + {@link ImageIO}, headless): a 2D scatter
 * with marked modes, a grid of panels, and a grid of grey-scale images. Text labels need a font; on
 * a machine without any, the plots are drawn without labels.
 */
public final class Plots {

    private static final Color BACKGROUND = Color.WHITE;
    private static final Color SAMPLE = new Color(31, 119, 180, 90);
    private static final Color MODE = new Color(214, 39, 40);
    private static final Color AXIS = new Color(200, 200, 200);
    private static final Color TEXT = new Color(30, 30, 30);
    private static volatile boolean fontsWork = true;

    /** The font of a figure's title above its panels. */
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);

    /** The height of one line of that title, in pixels. */
    private static final int TITLE_LINE = 18;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /**
     * Draws a square scatter plot of 2D points over [−extent, extent]², with each mode's mean
     * marked by a red cross and its 3σ circle.
     *
     * @param points the points, flat x0, y0, x1, y1, … (non-finite points are skipped)
     * @param modes the modes' means, one (x, y) pair each
     * @param sigma the modes' standard deviation (the circle has radius 3σ)
     * @param extent the half-width of the plotted square
     * @param size the width and height of the plot area in pixels
     * @param title a title line drawn above the plot, or {@code null}
     * @param subtitle a second line, or {@code null}
     * @return the image
     */
    public static BufferedImage scatter(
            float[] points,
            double[][] modes,
            double sigma,
            double extent,
            int size,
            String title,
            String subtitle) {
        int header = title == null ? 0 : (subtitle == null ? 20 : 36);
        BufferedImage image = new BufferedImage(size, size + header, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, size, size + header);
            double scale = size / (2 * extent);
            g.setColor(AXIS);
            g.drawRect(0, header, size - 1, size - 1);
            int zeroX = (int) Math.round(extent * scale);
            g.drawLine(zeroX, header, zeroX, header + size);
            g.drawLine(0, header + zeroX, size, header + zeroX);
            // plain 3×3 dots, not anti-aliased: the PNG stays small
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
            g.setColor(SAMPLE);
            for (int i = 0; i + 1 < points.length; i += 2) {
                if (!Float.isFinite(points[i]) || !Float.isFinite(points[i + 1])) {
                    continue;
                }
                double px = (points[i] + extent) * scale;
                double py = header + (extent - points[i + 1]) * scale;
                if (px >= -2 && px <= size + 2 && py >= header - 2 && py <= header + size + 2) {
                    g.fillRect((int) Math.round(px) - 1, (int) Math.round(py) - 1, 3, 3);
                }
            }
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(MODE);
            g.setStroke(new BasicStroke(1.2f));
            int r = Math.max(2, (int) Math.round(3 * sigma * scale));
            for (double[] mode : modes) {
                int mx = (int) Math.round((mode[0] + extent) * scale);
                int my = (int) Math.round(header + (extent - mode[1]) * scale);
                g.drawLine(mx - 4, my, mx + 4, my);
                g.drawLine(mx, my - 4, mx, my + 4);
                g.drawOval(mx - r, my - r, 2 * r, 2 * r);
            }
            if (title != null) {
                text(g, title, 6, 15, Font.BOLD, 13);
                if (subtitle != null) {
                    text(g, subtitle, 6, 31, Font.PLAIN, 11);
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /**
     * Lays out panels in a grid, row by row, with a margin, and an optional title above.
     *
     * @param panels the panels (row-major)
     * @param columns the number of columns
     * @param title a title above the grid, or {@code null}
     * @return the figure
     */
    public static BufferedImage panels(List<BufferedImage> panels, int columns, String title) {
        int margin = 6;
        int cellW = panels.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
        int cellH = panels.stream().mapToInt(BufferedImage::getHeight).max().orElse(1);
        int rows = (panels.size() + columns - 1) / columns;
        int width = margin + columns * (cellW + margin);
        List<String> lines = title == null ? List.of() : wrap(title, width - 2 * margin, TITLE);
        int header = lines.isEmpty() ? 0 : 6 + TITLE_LINE * lines.size();
        int height = header + margin + rows * (cellH + margin);
        BufferedImage figure = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = figure.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(new Color(235, 235, 235));
            g.fillRect(0, 0, width, height);
            for (int i = 0; i < lines.size(); i++) {
                text(
                        g,
                        lines.get(i),
                        margin,
                        17 + TITLE_LINE * i,
                        TITLE.getStyle(),
                        TITLE.getSize());
            }
            for (int i = 0; i < panels.size(); i++) {
                int x = margin + (i % columns) * (cellW + margin);
                int y = header + margin + (i / columns) * (cellH + margin);
                g.drawImage(panels.get(i), x, y, null);
            }
        } finally {
            g.dispose();
        }
        return figure;
    }

    /**
     * Draws grey-scale images in a grid (white = 1, black = 0 by default; values are clipped to [0,
     * 1]).
     *
     * @param pixels the images, flat, each {@code height × width} values in row-major order
     * @param count the number of images
     * @param height the height of one image
     * @param width the width of one image
     * @param columns images per row
     * @param scale pixels per image pixel
     * @param title a title above the grid, or {@code null}
     * @return the image
     */
    public static BufferedImage imageGrid(
            float[] pixels,
            int count,
            int height,
            int width,
            int columns,
            int scale,
            String title) {
        int gap = 2;
        int header = title == null ? 0 : 20;
        int rows = (count + columns - 1) / columns;
        int w = gap + columns * (width * scale + gap);
        int h = header + gap + rows * (height * scale + gap);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(new Color(120, 120, 120));
            g.fillRect(0, 0, w, h);
            if (title != null) {
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, w, header);
                text(g, title, 4, 15, Font.BOLD, 12);
            }
        } finally {
            g.dispose();
        }
        for (int k = 0; k < count; k++) {
            int ox = gap + (k % columns) * (width * scale + gap);
            int oy = header + gap + (k / columns) * (height * scale + gap);
            for (int r = 0; r < height; r++) {
                for (int c = 0; c < width; c++) {
                    float v = pixels[(k * height + r) * width + c];
                    int grey = Math.round(255 * Math.max(0f, Math.min(1f, v)));
                    int rgb = (grey << 16) | (grey << 8) | grey;
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            image.setRGB(ox + c * scale + dx, oy + r * scale + dy, rgb);
                        }
                    }
                }
            }
        }
        return image;
    }

    /**
     * Writes an image as PNG, creating the parent directories.
     *
     * @param image the image
     * @param file the file
     * @throws UncheckedIOException if writing fails
     */
    public static void write(BufferedImage image, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Text broken at spaces into lines no wider than {@code width} pixels in {@code font} (a word
     * wider than that gets a line of its own), or the text as one line when no font can be
     * measured.
     *
     * @param text the text
     * @param width the widest line, in pixels
     * @param font the font it is drawn in
     * @return the lines, at least one
     */
    static List<String> wrap(String text, int width, Font font) {
        FontMetrics metrics;
        try {
            Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
            try {
                metrics = g.getFontMetrics(font);
            } finally {
                g.dispose();
            }
        } catch (RuntimeException | Error e) {
            return List.of(text);
        }
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String longer = line.length() == 0 ? word : line + " " + word;
            if (line.length() > 0 && metrics.stringWidth(longer) > width) {
                lines.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(longer);
            }
        }
        lines.add(line.toString());
        return lines;
    }

    /** Draws text if the JVM has a usable font; a machine without fonts gets unlabelled plots. */
    private static void text(Graphics2D g, String text, int x, int y, int style, int size) {
        if (!fontsWork) {
            return;
        }
        try {
            g.setColor(TEXT);
            g.setRenderingHint(
                    RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, style, size));
            g.drawString(text, x, y);
        } catch (RuntimeException | Error e) {
            fontsWork = false;
            System.err.println("note: no usable font (" + e + "); plots are drawn without labels");
        }
    }
}
