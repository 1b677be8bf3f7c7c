package dev.alignstream.api;

/**
 * How an instance's HTTP side listens and how the other instances reach it.
 *
 * @param bindHost          address to listen on ({@code 0.0.0.0}: every interface)
 * @param port              port to listen on, 0 for any free one
 * @param advertisedAddress {@code host:port} the other instances use to reach this one (relayed
 *                          requests), or null for {@code 127.0.0.1:<port>} (one machine)
 * @param adminToken        token guarding export and model changes, or null for none (open)
 */
public record HttpSettings(String bindHost, int port, String advertisedAddress, String adminToken) {

    /** Every interface, the given port, advertised as {@code 127.0.0.1:<port>}. */
    public static HttpSettings onPort(int port, String adminToken) {
        return new HttpSettings("0.0.0.0", port, null, adminToken);
    }
}
