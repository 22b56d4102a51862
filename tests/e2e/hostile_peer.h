// hostile_peer.h - the clients of the hostile-input suite. A Peer is a raw
// loopback TCP client that never blocks the test: it can push as much as the
// kernel takes right now (an attacker sending "as fast as it can"), reads
// lines with deadlines, notes when each line arrived (to measure stalls),
// and audits every line it receives: a watcher must never get a byte that
// could drive a terminal (C0, DEL, C1), invalid UTF-8, or a line break that
// is not the server's own CRLF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include "platform/net.h"
}

// Why text (one line, without its CRLF) is unsafe to show on a terminal, or
// "" if it is safe: any byte below 0x20 (TAB included: nothing in this suite
// sends one), DEL, a C1 control, or invalid UTF-8.
std::string terminal_problem(const std::string &text);

// Printable form of arbitrary bytes for failure messages ("\x1b[31m").
std::string escape_bytes(const std::string &bytes);

class Peer {
public:
    explicit Peer(std::string label = "peer");
    ~Peer();
    Peer(const Peer &) = delete;
    Peer &operator=(const Peer &) = delete;

    // Connect to 127.0.0.1:port; rcvbuf > 0 shrinks the receive buffer so a
    // peer that stops reading backs up quickly.
    bool connect(int port, int rcvbuf = 0);
    // Connect and read up to the name prompt; no name is sent.
    bool connect_to_prompt(int port, int rcvbuf = 0);
    // Connect, read the welcome, send the name, read up to "*** You are".
    bool join(int port, const std::string &name, int rcvbuf = 0);
    const std::string &name() const { return name_; }

    // Write all of data, waiting for writability up to timeout_ms.
    bool send_all(const std::string &data, int timeout_ms = 10000);
    // Write as much of data[off..] (at most max_len bytes) as the kernel
    // takes now; returns the bytes taken (0 when it would block or the
    // connection failed).
    size_t push(const std::string &data, size_t off, size_t max_len = SIZE_MAX);

    // The next line (without CRLF), or nullopt on timeout / close.
    std::optional<std::string> line(int timeout_ms);
    // Read lines until one contains needle; nullopt on timeout / close.
    std::optional<std::string> until(const std::string &needle, int timeout_ms);
    // A line already received and buffered, without any I/O.
    std::optional<std::string> take_line();
    // One non-blocking recv into the buffer; false once closed.
    bool receive_available();
    // When the data holding the last returned line arrived (monotonic ms).
    uint64_t last_at() const { return chunk_at_; }

    // True once the server has closed the connection (within timeout_ms);
    // whatever arrives first is read and audited, then discarded.
    bool wait_closed(int timeout_ms);
    bool closed() const { return eof_ || sock_ == NET_INVALID_SOCKET; }

    void close();
    void reset();             // RST instead of FIN
    bool shutdown_write();    // half-close: no more sending, still reading
    net_socket socket() const { return sock_; }

    // Audit failures so far ("alice: C0 byte 0x1b in ...").
    const std::vector<std::string> &problems() const { return problems_; }
    const std::string &label() const { return label_; }

private:
    void audit(const std::string &raw_line);
    std::string label_;
    std::string name_;
    net_socket sock_ = NET_INVALID_SOCKET;
    std::string buf_;
    size_t pos_ = 0;
    bool eof_ = false;
    uint64_t chunk_at_ = 0;
    std::vector<std::string> problems_;
};

using LineFn = std::function<void(Peer &, const std::string &)>;

// Wait until one of peers is readable (or timeout_ms passes), read what each
// readable one has, and hand every complete line to on_line. Returns false
// if nothing at all happened before the timeout.
bool poll_peers(const std::vector<Peer *> &peers, const LineFn &on_line, long timeout_ms,
                Peer *writer = nullptr);

// Send data from sender while reading every peer in readers (the sender may
// be one of them). With delivered (how many bytes of data every reader is
// known to have received back, as counted by on_line), the sender keeps at
// most window bytes ahead of the slowest reader: the test reads three
// relayed copies more slowly than it can write one, and without a window a
// watcher would fall behind and be dropped as too slow. False on timeout or
// if the sender's connection fails.
bool pump_send(Peer &sender, const std::string &data, const std::vector<Peer *> &readers,
               const LineFn &on_line, int timeout_ms,
               const std::function<size_t()> &delivered = nullptr, size_t window = 256 * 1024);

// Keep reading readers until done() is true; false on timeout.
bool pump_until(const std::vector<Peer *> &readers, const std::function<bool()> &done,
                const LineFn &on_line, int timeout_ms);
