package io.github.djlgan.examples;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.testng.annotations.Test;

/**
 * Every relative link of README.md and of the Markdown files under docs/ points at a file or
 * directory of the repository, and every {@code #fragment} into a Markdown file at one of its
 * headings, as GitHub names them (lower case; letters, digits, spaces, hyphens and underscores
 * kept, spaces as hyphens, other characters dropped; a repeated name gets {@code -1}, {@code -2},
 * …). Fenced code blocks are skipped.
 */
public class DocsLinksTest {

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*)$");

    @Test
    public void everyRelativeLinkOfTheDocsResolves() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(root.resolve("README.md")), "project root " + root);
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<String> broken = new ArrayList<>();
        for (Path f : files) {
            broken.addAll(brokenLinks(root, f));
        }
        assertEquals(broken, List.of(), "broken links:\n" + String.join("\n", broken) + "\n");
        assertTrue(files.size() > 5, "Markdown files found: " + files.size());
    }

    @Test
    public void aMissingFileOrHeadingIsReported() throws IOException {
        Path dir = Files.createTempDirectory("docs-links");
        try {
            Files.writeString(
                    dir.resolve("a.md"),
                    "# Why `metz` gives ≈ 1 % (measurements)\n\n"
                        + "## Two\n\n"
                        + "## Two\n\n"
                        + "[ok](b.md#two-1) [ok](#two) ![ok](b.md)\n"
                        + "[bad](c.md) [bad](b.md#three) [bad](#why-metz-gives-≈-1--measurements)\n"
                        + "[ok](#why-metz-gives--1--measurements) [web](https://x.org/#y)\n"
                        + "```\n"
                        + "[in code](nowhere.md)\n"
                        + "```\n",
                    StandardCharsets.UTF_8);
            Files.writeString(
                    dir.resolve("b.md"), "# One\n## Two\n## Two\n", StandardCharsets.UTF_8);
            List<String> broken = brokenLinks(dir, dir.resolve("a.md"));
            assertEquals(broken.size(), 3, broken.toString());
            assertTrue(broken.get(0).endsWith("c.md (no such file)"), broken.get(0));
            assertTrue(broken.get(1).endsWith("b.md#three (no such heading)"), broken.get(1));
            assertTrue(broken.get(2).contains("≈"), broken.get(2));
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** The broken relative links of one Markdown file, as "file: link (reason)". */
    private static List<String> brokenLinks(Path root, Path file) throws IOException {
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> anchors = new HashMap<>();
        for (String line : prose(file)) {
            Matcher m = LINK.matcher(line);
            while (m.find()) {
                String link = m.group(1);
                if (link.matches("^[a-z]+:.*")) {
                    continue; // http:, https:, mailto:
                }
                int hash = link.indexOf('#');
                String path = hash < 0 ? link : link.substring(0, hash);
                Path target = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
                String where = root.relativize(file) + ": " + link;
                if (!Files.exists(target)) {
                    broken.add(where + " (no such file)");
                } else if (hash >= 0 && target.toString().endsWith(".md")) {
                    Set<String> names = anchors.get(target);
                    if (names == null) {
                        names = headings(target);
                        anchors.put(target, names);
                    }
                    if (!names.contains(link.substring(hash + 1))) {
                        broken.add(where + " (no such heading)");
                    }
                }
            }
        }
        return broken;
    }

    /** The file's lines outside fenced code blocks. */
    private static List<String> prose(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean code = false;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("```")) {
                code = !code;
            } else if (!code) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** The anchors GitHub gives the file's headings. */
    private static Set<String> headings(Path file) throws IOException {
        Set<String> names = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(file)) {
            Matcher m = HEADING.matcher(line);
            if (m.matches()) {
                String slug = slug(m.group(1));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                names.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return names;
    }

    private static String slug(String heading) {
        return heading.replaceAll("<[^>]+>", "")
                .trim()
                .toLowerCase(Locale.ROOT)
                .codePoints()
                .filter(c -> Character.isLetterOrDigit(c) || c == ' ' || c == '-' || c == '_')
                .map(c -> c == ' ' ? '-' : c)
                .mapToObj(Character::toString)
                .collect(Collectors.joining());
    }
}
