package io.conveyor.app;

import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import java.util.ArrayList;
import java.util.List;

/** One of the project's pom.xml files, queried with XPath, so tests can compare other files with the build's own settings. */
final class PomFile {

    private final String relativePath;
    private final Document document;

    private PomFile(String relativePath, Document document) {
        this.relativePath = relativePath;
        this.document = document;
    }

    static PomFile read(String relativePath) {
        try {
            // Not namespace-aware, so that XPath can name elements without the POM namespace.
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            return new PomFile(relativePath, factory.newDocumentBuilder().parse(ProjectFiles.path(relativePath).toFile()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + relativePath + ": " + e.getMessage(), e);
        }
    }

    /** The text of the one element {@code xpath} selects; fails if there is none. */
    String text(String xpath) {
        List<String> all = texts(xpath);
        if (all.size() != 1) {
            throw new IllegalStateException(relativePath + ": expected one " + xpath + ", found " + all);
        }
        return all.getFirst();
    }

    List<String> texts(String xpath) {
        try {
            NodeList nodes = (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, document, XPathConstants.NODESET);
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                texts.add(nodes.item(i).getTextContent().trim());
            }
            return texts;
        } catch (XPathExpressionException e) {
            throw new IllegalArgumentException(xpath, e);
        }
    }
}
