// test_server.cpp - see test_server.h.
#include "support/test_server.h"

extern "C" {
#include "platform/net.h"
}

TestServer::TestServer(const std::function<void(server_config &)> &tweak) {
    net_init();
    server_config cfg;
    server_config_defaults(&cfg);
    cfg.bind_host = "127.0.0.1";
    cfg.port = "0";
    cfg.tls_port = "0";
    cfg.irc_tls_port = "0";
    cfg.log = &TestServer::on_log;
    cfg.log_ctx = this;
    // Test clients usually outlive stop(); do not wait long for them to hang up.
    cfg.shutdown_flush_ms = 500;
    if (tweak) tweak(cfg);
    char err[256] = "";
    server_ = server_create(&cfg, err, sizeof err);
    if (!server_) {
        error_ = err;
        return;
    }
    port_ = server_port(server_);
    irc_port_ = server_irc_port(server_);
    tls_port_ = server_tls_port(server_);
    irc_tls_port_ = server_irc_tls_port(server_);
    thread_ = std::thread([this] { run_result_ = server_run(server_); });
}

TestServer::~TestServer() {
    stop();
    if (server_) server_destroy(server_);
    net_cleanup();
}

int TestServer::stop() {
    if (server_ && !stopped_) {
        server_request_stop(server_);
        thread_.join();
        stopped_ = true;
    }
    return run_result_;
}

server_stats TestServer::stats() const {
    server_stats st{};
    if (server_ && stopped_) server_get_stats(server_, &st);
    return st;
}

void TestServer::on_log(void *ctx, int, const char *text) {
    TestServer *self = static_cast<TestServer *>(ctx);
    std::lock_guard<std::mutex> lock(self->log_mutex_);
    self->log_.emplace_back(text);
}

std::vector<std::string> TestServer::log() const {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
}

bool TestServer::log_contains(const std::string &needle) const {
    std::lock_guard<std::mutex> lock(log_mutex_);
    for (const std::string &line : log_)
        if (line.find(needle) != std::string::npos) return true;
    return false;
}
