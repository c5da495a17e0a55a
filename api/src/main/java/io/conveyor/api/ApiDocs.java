package io.conveyor.api;

import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLConnection;
import java.util.Properties;

/**
 * The API's contract, {@code GET /openapi.json} (the design-first document {@code openapi.json} beside this class, as
 * written), and Swagger UI over it at {@code GET /docs}, from the {@code org.webjars:swagger-ui} jar: no CDN.
 */
final class ApiDocs {

    static final String DOCUMENT = "openapi.json";
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    private static final String PAGE = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>Conveyor API</title>
              <link rel="stylesheet" href="/docs/swagger-ui.css">
            </head>
            <body>
              <div id="swagger-ui"></div>
              <script src="/docs/swagger-ui-bundle.js"></script>
              <script>window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script>
            </body>
            </html>
            """;

    private final byte[] document;
    private final String webjarRoot;

    ApiDocs() {
        this.document = read(ApiDocs.class, DOCUMENT);
        this.webjarRoot = WEBJAR + webjarVersion() + "/";
    }

    /** The OpenAPI document as the repository holds it. */
    static byte[] document() {
        return read(ApiDocs.class, DOCUMENT);
    }

    void openApi(Context ctx) {
        ctx.contentType(Responses.JSON).result(document);
    }

    void page(Context ctx) {
        ctx.html(PAGE);
    }

    void file(Context ctx) {
        String name = ctx.pathParam("file");
        InputStream file = name.matches("[A-Za-z0-9._-]+") ? ApiDocs.class.getClassLoader().getResourceAsStream(webjarRoot + name) : null;
        if (file == null) {
            throw new ProblemException(Problem.status(404, "Swagger UI has no file " + name));
        }
        String type = URLConnection.guessContentTypeFromName(name);
        ctx.contentType(name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : type == null ? "application/octet-stream" : type)
                .result(file);
    }

    private static String webjarVersion() {
        Properties properties = new Properties();
        try (InputStream pom = ApiDocs.class.getClassLoader().getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (pom == null) {
                throw new IllegalStateException("the swagger-ui webjar is not on the class path");
            }
            properties.load(pom);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version");
    }

    private static byte[] read(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing beside " + owner.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
