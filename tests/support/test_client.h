// test_client.h - a line-oriented TCP client for end-to-end tests. Every read
// waits on socket readiness with a deadline, so a test fails (rather than
// hangs) when the server is down or silent.
#pragma once

#include <optional>
#include <string>

extern "C" {
#include "platform/net.h"
}

class TestClient {
public:
    TestClient();
    ~TestClient();
    TestClient(const TestClient &) = delete;
    TestClient &operator=(const TestClient &) = delete;

    bool connect(int port, const char *host = "127.0.0.1");
    // Connect, read the welcome, send name, read the "*** You are" reply and
    // the default room's join up to "*** Now talking in #lobby.". False if
    // any step fails or the name is refused.
    bool join(int port, const std::string &name);

    // Write all of data (waits for writability, bounded by timeout_ms).
    bool send_raw(const std::string &data, int timeout_ms = 5000);
    bool send_line(const std::string &line) { return send_raw(line + "\n"); }

    // The next line without its CRLF; nullopt on timeout or when the
    // connection closed.
    std::optional<std::string> read_line(int timeout_ms = 5000);
    // Read lines until one contains needle and return it.
    std::optional<std::string> read_until(const std::string &needle, int timeout_ms = 5000);
    // True if the server closes the connection within timeout_ms (data
    // arriving before the close is discarded).
    bool wait_closed(int timeout_ms = 5000);
    // True if no complete line arrives within timeout_ms.
    bool quiet_for(int timeout_ms);

    void close();
    // Close with RST instead of FIN.
    void reset();
    net_socket socket() const { return sock_; }
    bool connected() const { return sock_ != NET_INVALID_SOCKET; }

private:
    // Wait until readable; false on timeout.
    bool wait_readable(long timeout_ms);
    net_socket sock_ = NET_INVALID_SOCKET;
    std::string inbuf_;
    bool eof_ = false;
};

// "[12:34:56] #lobby <alice> hi" -> "<alice> hi" (the time stamp, in
// either form, and the room tag removed); lines without a time stamp are
// returned unchanged.
std::string strip_timestamp(const std::string &line);
