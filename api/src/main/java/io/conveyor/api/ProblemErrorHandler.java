package io.conveyor.api;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * Makes the errors that Jetty answers before a request reaches Javalin (a malformed request, headers too large)
 * problem+json like every other error of the API, instead of Jetty's HTML page.
 */
final class ProblemErrorHandler extends ErrorHandler {

    private static final HttpField CONTENT_TYPE = new HttpField(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        response.getHeaders().put(CONTENT_TYPE);
        // No instance: for a request Jetty could not parse, its path is a placeholder ("/badMessage").
        response.write(true, ByteBuffer.wrap(problem(code, message).toBytes(null)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(CONTENT_TYPE);
        return ByteBuffer.wrap(problem(status, reason).toBytes(null));
    }

    private static Problem problem(int status, String message) {
        String detail = message == null || message.isBlank() ? HttpStatus.getMessage(status) : message;
        return Problem.status(status, "the request was refused by the HTTP server: " + detail);
    }
}
