// test_server.h - a real natter server running in a background thread on an
// ephemeral loopback port, for end-to-end tests. The constructor returns once
// the server is listening (server_create has bound the port), so tests never
// sleep waiting for it.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "core/server.h"
}

class TestServer {
public:
    // tweak may change the configuration (limits, rate) before the server
    // starts; bind_host and port are set to 127.0.0.1 and 0. IRC is off
    // unless the tweak sets irc_port ("0": an ephemeral port).
    explicit TestServer(const std::function<void(server_config &)> &tweak = nullptr);
    ~TestServer();
    TestServer(const TestServer &) = delete;
    TestServer &operator=(const TestServer &) = delete;

    bool ok() const { return server_ != nullptr; }
    const std::string &error() const { return error_; }
    int port() const { return port_; }
    // The IRC port (0 unless the tweak set irc_port, e.g. to "0").
    int irc_port() const { return irc_port_; }
    // The TLS ports: ephemeral when the tweak sets tls_cert and tls_key
    // (tls_port / irc_tls_port NULL turn one off), 0 otherwise.
    int tls_port() const { return tls_port_; }
    int irc_tls_port() const { return irc_tls_port_; }
    // Ask the server to stop and wait for its thread; returns server_run's result.
    int stop();
    // The server's counters; only after stop() (the loop thread owns them).
    server_stats stats() const;
    // Copy of the log lines so far.
    std::vector<std::string> log() const;
    // True if some log line so far contains needle.
    bool log_contains(const std::string &needle) const;

private:
    static void on_log(void *ctx, int kind, const char *text);
    server *server_ = nullptr;
    std::thread thread_;
    int port_ = 0;
    int irc_port_ = 0;
    int tls_port_ = 0;
    int irc_tls_port_ = 0;
    int run_result_ = -1;
    bool stopped_ = false;
    std::string error_;
    mutable std::mutex log_mutex_;
    std::vector<std::string> log_;
};
