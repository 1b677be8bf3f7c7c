package dev.alignstream.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP error answer: a status and the JSON body {@code {"error": "...", "detail": "..."}} of
 * SPEC section 9. {@code error} is a short fixed summary, {@code detail} says what to do about it.
 * Neither may carry exception text or stack traces: unexpected failures are logged on the server
 * and answered with a generic detail.
 */
public final class ApiError extends RuntimeException {

    private static final long serialVersionUID = 1L;
    /** Longest echo of client input in a detail, so an error never mirrors a huge request. */
    private static final int MAX_ECHO = 200;

    private final int status;
    private final String error;
    private final String detail;

    public ApiError(int status, String error, String detail) {
        super(error + ": " + detail, null, false, false);
        this.status = status;
        this.error = error;
        this.detail = detail;
    }

    public static ApiError badRequest(String detail) {
        return new ApiError(400, "bad request", detail);
    }

    public static ApiError unknownModel(String id) {
        return new ApiError(404, "unknown model", "no model '" + abbreviate(id) + "' is declared");
    }

    public int status() {
        return status;
    }

    /** The JSON body. */
    public byte[] body() {
        return body(error, detail);
    }

    /** {@code {"error": error, "detail": detail}}, detail omitted when null. */
    public static byte[] body(String error, String detail) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("error", error);
        if (detail != null) {
            o.put("detail", detail);
        }
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Client input cut to a length fit for an error message. */
    public static String abbreviate(String s) {
        return s == null || s.length() <= MAX_ECHO ? s : s.substring(0, MAX_ECHO) + "...";
    }
}
