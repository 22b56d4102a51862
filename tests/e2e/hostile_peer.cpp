// hostile_peer.cpp - see hostile_peer.h.
#include "e2e/hostile_peer.h"

#include <algorithm>
#include <cstdio>
#include <memory>

extern "C" {
#include "platform/clock.h"
#include "platform/poll.h"
}

#include "support/test_socket.h"

namespace {

constexpr size_t kRecvChunk = 256 * 1024;

// Length of the valid UTF-8 sequence at s[i..], or 0 if none starts there.
// Written from the Unicode standard's table of well-formed byte sequences,
// independently of core/utf8.c, so the suite does not grade the sanitiser
// with itself.
size_t utf8_sequence_length(const unsigned char *s, size_t n) {
    unsigned char b = s[0];
    if (b < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b == 0xE0) { len = 3; lo = 0xA0; }
    else if (b == 0xED) { len = 3; hi = 0x9F; }
    else if (b >= 0xE1 && b <= 0xEF) len = 3;
    else if (b == 0xF0) { len = 4; lo = 0x90; }
    else if (b >= 0xF1 && b <= 0xF3) len = 4;
    else if (b == 0xF4) { len = 4; hi = 0x8F; }
    else return 0;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF) return 0;
    return len;
}

}  // namespace

std::string escape_bytes(const std::string &bytes) {
    std::string out;
    for (unsigned char c : bytes) {
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out;
}

std::string terminal_problem(const std::string &text) {
    const unsigned char *s = reinterpret_cast<const unsigned char *>(text.data());
    size_t n = text.size();
    char what[64];
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x20 || s[i] == 0x7F) {
            std::snprintf(what, sizeof what, "control byte 0x%02x at %lu", s[i], static_cast<unsigned long>(i));
            return what;
        }
        size_t len = utf8_sequence_length(s + i, n - i);
        if (len == 0) {
            std::snprintf(what, sizeof what, "invalid UTF-8 at %lu", static_cast<unsigned long>(i));
            return what;
        }
        // C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8.
        if (len == 2 && s[i] == 0xC2 && s[i + 1] <= 0x9F) {
            std::snprintf(what, sizeof what, "C1 control U+%04X at %lu", s[i + 1], static_cast<unsigned long>(i));
            return what;
        }
        i += len;
    }
    return "";
}

Peer::Peer(std::string label) : label_(std::move(label)) { net_init(); }

Peer::~Peer() {
    close();
    net_cleanup();
}

bool Peer::connect(int port, int rcvbuf) {
    close();
    char err[256];
    std::string port_text = std::to_string(port);
    if (net_connect("127.0.0.1", port_text.c_str(), &sock_, 5000, err, sizeof err) != 0) {
        sock_ = NET_INVALID_SOCKET;
        return false;
    }
    if (rcvbuf > 0) net_set_buffer_sizes(sock_, rcvbuf, 0);
    net_set_nonblocking(sock_, true);
    buf_.clear();
    pos_ = 0;
    eof_ = false;
    return true;
}

bool Peer::connect_to_prompt(int port, int rcvbuf) {
    return connect(port, rcvbuf) && until("What is your name?", 5000);
}

bool Peer::join(int port, const std::string &name, int rcvbuf) {
    name_ = name;
    if (!connect_to_prompt(port, rcvbuf)) return false;
    if (!send_all(name + "\n")) return false;
    std::optional<std::string> reply = line(5000);
    return reply && reply->rfind("*** You are ", 0) == 0;
}

bool Peer::send_all(const std::string &data, int timeout_ms) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    size_t off = 0;
    while (off < data.size()) {
        if (sock_ == NET_INVALID_SOCKET) return false;
        long n = net_send(sock_, data.data() + off, data.size() - off);
        if (n > 0) {
            off += static_cast<size_t>(n);
        } else if (n == NET_WOULD_BLOCK) {
            long left = remaining_ms(deadline);
            if (left == 0) return false;
            wait_socket(sock_, NET_POLL_WRITE, left);
        } else {
            return false;
        }
    }
    return true;
}

size_t Peer::push(const std::string &data, size_t off, size_t max_len) {
    if (sock_ == NET_INVALID_SOCKET || off >= data.size() || max_len == 0) return 0;
    long n = net_send(sock_, data.data() + off, std::min(max_len, data.size() - off));
    if (n == NET_ERROR) eof_ = true;  // reset by the server: nothing more will come either
    return n > 0 ? static_cast<size_t>(n) : 0;
}

bool Peer::receive_available() {
    if (closed()) return false;
    // Compact now and then instead of erasing every line from the front.
    if (pos_ > 0 && (pos_ == buf_.size() || pos_ > (1u << 20))) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    size_t old = buf_.size();
    buf_.resize(old + kRecvChunk);
    long n = net_recv(sock_, &buf_[old], kRecvChunk);
    buf_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n > 0) chunk_at_ = clock_monotonic_ms();
    if (n == 0 || n == NET_ERROR) eof_ = true;
    return !eof_;
}

void Peer::audit(const std::string &raw) {
    std::string why;
    if (raw.empty() || raw.back() != '\r')
        why = "line not ended by CRLF";
    else
        why = terminal_problem(raw.substr(0, raw.size() - 1));
    if (!why.empty() && problems_.size() < 20)
        problems_.push_back(label_ + ": " + why + " in \"" + escape_bytes(raw) + "\"");
}

std::optional<std::string> Peer::take_line() {
    size_t lf = buf_.find('\n', pos_);
    if (lf == std::string::npos) return std::nullopt;
    std::string raw = buf_.substr(pos_, lf - pos_);
    pos_ = lf + 1;
    audit(raw);
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    return raw;
}

std::optional<std::string> Peer::line(int timeout_ms) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    for (;;) {
        if (auto l = take_line()) return l;
        if (closed()) return std::nullopt;
        long left = remaining_ms(deadline);
        wait_socket(sock_, NET_POLL_READ, left);
        long before = static_cast<long>(buf_.size());
        receive_available();
        if (static_cast<long>(buf_.size()) == before && left == 0 && !closed()) return std::nullopt;
    }
}

std::optional<std::string> Peer::until(const std::string &needle, int timeout_ms) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    for (;;) {
        auto l = line(static_cast<int>(remaining_ms(deadline)));
        if (!l) return std::nullopt;
        if (l->find(needle) != std::string::npos) return l;
    }
}

bool Peer::wait_closed(int timeout_ms) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    while (!closed()) {
        while (take_line()) {
        }
        long left = remaining_ms(deadline);
        if (left == 0) return false;
        wait_socket(sock_, NET_POLL_READ, left);
        receive_available();
    }
    while (take_line()) {
    }
    return true;
}

void Peer::close() { close_socket(&sock_); }

void Peer::reset() { reset_socket(&sock_); }

bool Peer::shutdown_write() {
    return sock_ != NET_INVALID_SOCKET && net_shutdown_write(sock_) == 0;
}

bool poll_peers(const std::vector<Peer *> &peers, const LineFn &on_line, long timeout_ms,
                Peer *writer) {
    std::unique_ptr<net_poll, void (*)(net_poll *)> p(net_poll_create(), net_poll_destroy);
    if (!p) return false;
    net_poll_clear(p.get());
    bool any = false;
    bool writer_is_reader = false;
    for (Peer *peer : peers) {
        // Lines already buffered need no waiting.
        while (auto l = peer->take_line()) {
            on_line(*peer, *l);
            any = true;
        }
        if (peer->closed()) continue;
        int events = NET_POLL_READ;
        if (peer == writer) {
            events |= NET_POLL_WRITE;
            writer_is_reader = true;
        }
        net_poll_add(p.get(), peer->socket(), events);
    }
    if (writer && !writer_is_reader && !writer->closed())
        net_poll_add(p.get(), writer->socket(), NET_POLL_WRITE);
    int ready = net_poll_wait(p.get(), any ? 0 : timeout_ms);
    if (ready <= 0) return any;
    for (Peer *peer : peers) {
        if (peer->closed() || !(net_poll_ready(p.get(), peer->socket()) & NET_POLL_READ)) continue;
        peer->receive_available();
        while (auto l = peer->take_line()) on_line(*peer, *l);
    }
    return true;
}

bool pump_send(Peer &sender, const std::string &data, const std::vector<Peer *> &readers,
               const LineFn &on_line, int timeout_ms, const std::function<size_t()> &delivered,
               size_t window) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    size_t off = 0;
    while (off < data.size()) {
        if (sender.closed()) return false;
        size_t allowed = data.size() - off;
        if (delivered) {
            size_t limit = delivered() + window;
            allowed = limit > off ? std::min(allowed, limit - off) : 0;
        }
        size_t n = sender.push(data, off, allowed);
        off += n;
        if (off >= data.size()) break;
        long left = remaining_ms(deadline);
        if (left == 0) return false;
        // When nothing was written, wait for input (and for writability, if
        // the window allows writing); otherwise just take what has arrived.
        poll_peers(readers, on_line, n > 0 ? 0 : std::min(left, 50L), allowed > 0 ? &sender : nullptr);
    }
    return true;
}

bool pump_until(const std::vector<Peer *> &readers, const std::function<bool()> &done,
                const LineFn &on_line, int timeout_ms) {
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    while (!done()) {
        long left = remaining_ms(deadline);
        if (left == 0) return false;
        poll_peers(readers, on_line, std::min(left, 100L));
    }
    return true;
}
