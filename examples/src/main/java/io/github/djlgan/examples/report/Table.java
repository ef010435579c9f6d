package io.github.djlgan.examples.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A table of strings that prints itself to the console and writes itself as Markdown and CSV. */
public final class Table {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    /**
     * Creates a table with the given column names.
     *
     * @param header the column names
     */
    public Table(String... header) {
        this.header = List.of(header);
    }

    /**
     * Adds a row.
     *
     * @param cells one value per column
     * @return this table
     * @throws IllegalArgumentException if the number of cells is not the number of columns
     */
    public Table add(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException(
                    "Table: expected " + header.size() + " cells, got " + Arrays.toString(cells));
        }
        List<String> row = new ArrayList<>();
        for (Object cell : cells) {
            row.add(String.valueOf(cell));
        }
        rows.add(row);
        return this;
    }

    /**
     * Returns the table as GitHub Markdown.
     *
     * @return the Markdown text, one line per row, ending with a newline
     */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        line(sb, header, "| ", " | ", " |");
        sb.append('|');
        for (int i = 0; i < header.size(); i++) {
            sb.append(i == 0 ? "---|" : "---:|");
        }
        sb.append('\n');
        for (List<String> row : rows) {
            line(sb, row, "| ", " | ", " |");
        }
        return sb.toString();
    }

    /**
     * Returns the table as CSV (RFC 4180 quoting where needed).
     *
     * @return the CSV text, ending with a newline
     */
    public String toCsv() {
        StringBuilder sb = new StringBuilder();
        csvLine(sb, header);
        for (List<String> row : rows) {
            csvLine(sb, row);
        }
        return sb.toString();
    }

    /**
     * Returns the table with aligned columns, for the console.
     *
     * @return the text, ending with a newline
     */
    public String toText() {
        int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        padded(sb, header, widths);
        int total = Arrays.stream(widths).sum() + 2 * (widths.length - 1);
        sb.append("-".repeat(total)).append('\n');
        for (List<String> row : rows) {
            padded(sb, row, widths);
        }
        return sb.toString();
    }

    /**
     * Writes the Markdown and CSV forms.
     *
     * @param markdown the Markdown file, or {@code null}
     * @param csv the CSV file, or {@code null}
     * @throws UncheckedIOException if writing fails
     */
    public void write(Path markdown, Path csv) {
        try {
            if (markdown != null) {
                Files.writeString(markdown, toMarkdown(), StandardCharsets.UTF_8);
            }
            if (csv != null) {
                Files.writeString(csv, toCsv(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void line(
            StringBuilder sb, List<String> cells, String open, String sep, String close) {
        sb.append(open).append(String.join(sep, cells)).append(close).append('\n');
    }

    private static void csvLine(StringBuilder sb, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            if (c.contains(",") || c.contains("\"") || c.contains("\n")) {
                c = '"' + c.replace("\"", "\"\"") + '"';
            }
            sb.append(i == 0 ? "" : ",").append(c);
        }
        sb.append('\n');
    }

    private static void padded(StringBuilder sb, List<String> cells, int[] widths) {
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            if (i == 0) {
                sb.append(c).append(" ".repeat(widths[i] - c.length()));
            } else {
                sb.append("  ").append(" ".repeat(widths[i] - c.length())).append(c);
            }
        }
        sb.append('\n');
    }
}
