package dev.alignstream.api;

import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The admin token that guards export and every call that changes models: a request is admitted
 * when no token is configured, or when it carries {@code Authorization: Bearer <token>}. The
 * scheme name is case-insensitive (RFC 9110); the token is compared in constant time.
 */
final class AdminToken {

    private static final String BEARER = "bearer ";

    private final byte[] token;

    /** @param token the token, or null/empty for none (everything admitted) */
    AdminToken(String token) {
        this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    boolean isConfigured() {
        return token != null;
    }

    boolean admits(HttpExchange ex) {
        if (token == null) {
            return true;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || h.length() < BEARER.length() || !h.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(token, h.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8));
    }

    /** Throws the 401 answer unless the request is admitted. */
    void require(HttpExchange ex, String what) {
        if (!admits(ex)) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "unauthorized", what + " needs 'Authorization: Bearer <admin token>'");
        }
    }
}
