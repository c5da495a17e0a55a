package io.conveyor.app;

import org.commonmark.ext.gfm.tables.TableBlock;
import org.commonmark.ext.gfm.tables.TableBody;
import org.commonmark.ext.gfm.tables.TableHead;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Code;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** A Markdown file of the project, read with a Markdown parser: its tables, links, code spans and code blocks. */
record MarkdownFile(String path, Node document) {

    static MarkdownFile read(String relativePath) {
        return new MarkdownFile(relativePath,
                Parser.builder().extensions(List.of(TablesExtension.create())).build().parse(ProjectFiles.read(relativePath)));
    }

    /** The body rows of the first table whose header cells are {@code header}, each row as its cells' plain text. */
    Optional<List<List<String>>> table(List<String> header) {
        List<List<String>> found = null;
        for (TableBlock table : all(TableBlock.class)) {
            List<List<String>> head = new ArrayList<>();
            List<List<String>> body = new ArrayList<>();
            for (Node part = table.getFirstChild(); part != null; part = part.getNext()) {
                (part instanceof TableHead ? head : part instanceof TableBody ? body : new ArrayList<List<String>>()).addAll(rows(part));
            }
            if (found == null && head.size() == 1 && head.getFirst().equals(header)) {
                found = body;
            }
        }
        return Optional.ofNullable(found);
    }

    List<String> linkDestinations() {
        return all(Link.class).stream().map(Link::getDestination).toList();
    }

    List<String> codeSpans() {
        return codeSpans(document);
    }

    List<FencedCodeBlock> codeBlocks(String info) {
        return all(FencedCodeBlock.class).stream().filter(block -> info.equals(block.getInfo())).toList();
    }

    private <T extends Node> List<T> all(Class<T> type) {
        List<T> found = new ArrayList<>();
        visit(document, node -> {
            if (type.isInstance(node)) {
                found.add(type.cast(node));
            }
        });
        return found;
    }

    private static List<List<String>> rows(Node part) {
        List<List<String>> rows = new ArrayList<>();
        for (Node row = part.getFirstChild(); row != null; row = row.getNext()) {
            List<String> cells = new ArrayList<>();
            for (Node cell = row.getFirstChild(); cell != null; cell = cell.getNext()) {
                cells.add(plainText(cell));
            }
            rows.add(cells);
        }
        return rows;
    }

    static List<String> codeSpans(Node node) {
        List<String> spans = new ArrayList<>();
        visit(node, child -> {
            if (child instanceof Code code) {
                spans.add(code.getLiteral());
            }
        });
        return spans;
    }

    /** The node's text with the code spans' literals, without any Markdown. */
    static String plainText(Node node) {
        StringBuilder text = new StringBuilder();
        visit(node, child -> {
            if (child instanceof Text t) {
                text.append(t.getLiteral());
            } else if (child instanceof Code code) {
                text.append(code.getLiteral());
            }
        });
        return text.toString().strip();
    }

    private static void visit(Node node, Consumer<Node> action) {
        action.accept(node);
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            visit(child, action);
        }
    }
}
