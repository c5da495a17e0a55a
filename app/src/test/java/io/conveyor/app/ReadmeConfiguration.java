package io.conveyor.app;

import org.commonmark.ext.gfm.tables.TableBlock;
import org.commonmark.ext.gfm.tables.TableBody;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TableRow;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Heading;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The "Configuration" section of README.md, read with a Markdown parser: the table of variables (one row each:
 * variable, default, read by, meaning) and the code spans of the prose around it.
 */
record ReadmeConfiguration(Map<String, Row> rows, List<String> codeOutsideTable) {

    static final String FILE = "README.md";
    static final String SECTION = "Configuration";

    /** One row of the table, each cell as plain text; {@code defaultCode} is the first code span of the default cell. */
    record Row(String variable, String defaultText, Optional<String> defaultCode, String readBy, String meaning) {
    }

    static ReadmeConfiguration load() {
        Node document = Parser.builder().extensions(List.of(TablesExtension.create())).build().parse(ProjectFiles.read(FILE));
        Node heading = null;
        for (Node node = document.getFirstChild(); node != null; node = node.getNext()) {
            if (node instanceof Heading h && h.getLevel() == 2 && plainText(h).equals(SECTION)) {
                heading = node;
                break;
            }
        }
        if (heading == null) {
            throw new AssertionError(FILE + " has no \"## " + SECTION + "\" section");
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        List<String> codeOutsideTable = new ArrayList<>();
        TableBlock table = null;
        for (Node node = heading.getNext(); node != null && !(node instanceof Heading h && h.getLevel() <= 2); node = node.getNext()) {
            if (node instanceof TableBlock block && table == null) {
                table = block;
                readRows(block, rows);
            } else {
                codeOutsideTable.addAll(codeSpans(node));
            }
        }
        if (table == null) {
            throw new AssertionError(FILE + ": the \"" + SECTION + "\" section has no table");
        }
        return new ReadmeConfiguration(rows, codeOutsideTable);
    }

    private static void readRows(TableBlock table, Map<String, Row> rows) {
        for (Node part = table.getFirstChild(); part != null; part = part.getNext()) {
            if (!(part instanceof TableBody)) {
                continue; // the header row
            }
            for (Node row = part.getFirstChild(); row != null; row = row.getNext()) {
                List<TableCell> cells = new ArrayList<>();
                for (Node cell = row.getFirstChild(); cell != null; cell = cell.getNext()) {
                    cells.add((TableCell) cell);
                }
                if (!(row instanceof TableRow) || cells.size() != 4) {
                    throw new AssertionError(FILE + ": a configuration row needs 4 cells (variable, default, read by, meaning): " + plainText(row));
                }
                List<String> variable = codeSpans(cells.get(0));
                if (variable.size() != 1) {
                    throw new AssertionError(FILE + ": the first cell should be one `VARIABLE`, was: " + plainText(cells.get(0)));
                }
                List<String> defaultCode = codeSpans(cells.get(1));
                Row previous = rows.put(variable.getFirst(), new Row(variable.getFirst(), plainText(cells.get(1)),
                        defaultCode.isEmpty() ? Optional.empty() : Optional.of(defaultCode.getFirst()),
                        plainText(cells.get(2)), plainText(cells.get(3))));
                if (previous != null) {
                    throw new AssertionError(FILE + ": " + variable.getFirst() + " has two rows");
                }
            }
        }
    }

    private static List<String> codeSpans(Node node) {
        return MarkdownFile.codeSpans(node);
    }

    private static String plainText(Node node) {
        return MarkdownFile.plainText(node);
    }
}
