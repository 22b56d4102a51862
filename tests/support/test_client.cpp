// test_client.cpp - see test_client.h.
#include "support/test_client.h"

#include <cstdint>

extern "C" {
#include "platform/clock.h"
#include "platform/poll.h"
}

#include "support/test_socket.h"

TestClient::TestClient() { net_init(); }

TestClient::~TestClient() {
    close();
    net_cleanup();
}

bool TestClient::connect(int port, const char *host) {
    close();
    char err[256];
    std::string port_text = std::to_string(port);
    if (net_connect(host, port_text.c_str(), &sock_, 5000, err, sizeof err) != 0) {
        sock_ = NET_INVALID_SOCKET;
        return false;
    }
    net_set_nonblocking(sock_, true);
    inbuf_.clear();
    eof_ = false;
    return true;
}

bool TestClient::join(int port, const std::string &name) {
    if (!connect(port)) return false;
    if (!read_until("What is your name?")) return false;
    if (!send_line(name)) return false;
    std::optional<std::string> reply = read_line();
    if (!reply || reply->rfind("*** You are ", 0) != 0) return false;
    // Then the default room's join: joined, members, history, and last
    // "*** Now talking in #lobby.".
    return read_until("*** Now talking in ").has_value();
}

bool TestClient::send_raw(const std::string &data, int timeout_ms) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    size_t off = 0;
    while (off < data.size()) {
        long n = net_send(sock_, data.data() + off, data.size() - off);
        if (n > 0) {
            off += static_cast<size_t>(n);
        } else if (n == NET_WOULD_BLOCK) {
            long left = remaining_ms(deadline);
            if (left == 0 || !wait_socket(sock_, NET_POLL_WRITE, left)) return false;
        } else {
            return false;
        }
    }
    return true;
}

bool TestClient::wait_readable(long timeout_ms) {
    return wait_socket(sock_, NET_POLL_READ, timeout_ms);
}

std::optional<std::string> TestClient::read_line(int timeout_ms) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    for (;;) {
        size_t lf = inbuf_.find('\n');
        if (lf != std::string::npos) {
            std::string line = inbuf_.substr(0, lf);
            inbuf_.erase(0, lf + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return line;
        }
        if (eof_ || sock_ == NET_INVALID_SOCKET) return std::nullopt;
        // A zero timeout still polls once, so read_line(0) takes what has
        // already arrived.
        if (!wait_readable(remaining_ms(deadline))) return std::nullopt;
        char buf[65536];
        long n = net_recv(sock_, buf, sizeof buf);
        if (n > 0) {
            inbuf_.append(buf, static_cast<size_t>(n));
        } else if (n == 0 || n == NET_ERROR) {
            eof_ = true;
        }
    }
}

std::optional<std::string> TestClient::read_until(const std::string &needle, int timeout_ms) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    for (;;) {
        long left = remaining_ms(deadline);
        std::optional<std::string> line = read_line(static_cast<int>(left));
        if (!line) return std::nullopt;
        if (line->find(needle) != std::string::npos) return line;
        if (left == 0) return std::nullopt;
    }
}

bool TestClient::wait_closed(int timeout_ms) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    while (!eof_ && sock_ != NET_INVALID_SOCKET) {
        long left = remaining_ms(deadline);
        if (left == 0 || !wait_readable(left)) return false;
        char buf[65536];
        long n = net_recv(sock_, buf, sizeof buf);
        if (n == 0 || n == NET_ERROR) eof_ = true;
    }
    return true;
}

bool TestClient::quiet_for(int timeout_ms) {
    return !read_line(timeout_ms).has_value() && !eof_;
}

void TestClient::close() { close_socket(&sock_); }

void TestClient::reset() { reset_socket(&sock_); }

std::string strip_timestamp(const std::string &line) {
    // "[HH:MM:SS] " is 11 bytes; a history line from an earlier day has
    // "[YYYY-MM-DD HH:MM:SS] " (22 bytes).
    size_t skip = 0;
    if (line.size() >= 11 && line[0] == '[' && line[3] == ':' && line[6] == ':' &&
        line[9] == ']' && line[10] == ' ')
        skip = 11;
    else if (line.size() >= 22 && line[0] == '[' && line[5] == '-' && line[8] == '-' &&
             line[11] == ' ' && line[14] == ':' && line[17] == ':' && line[20] == ']' &&
             line[21] == ' ')
        skip = 22;
    if (skip == 0) return line;
    // Then the room tag of a room line: "#lobby ".
    if (line.size() > skip && line[skip] == '#') {
        size_t space = line.find(' ', skip);
        if (space != std::string::npos) skip = space + 1;
    }
    return line.substr(skip);
}
