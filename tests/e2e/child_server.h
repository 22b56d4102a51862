// child_server.h - natter-server started as a child process, for the hostile
// tests that need what an in-process server cannot give: a lowered
// descriptor limit, a real SIGTERM, and a separate CPU-time account.
// A thin layer over ChildProcess (support/process.h); those controls are
// POSIX-only, so on Windows supported() is false and the tests skip.
#pragma once

#include <string>
#include <vector>

#include "support/process.h"

class ChildServer {
public:
    // False (with the reason) where child servers cannot be run.
    static bool supported(std::string *why) { return ChildProcess::posix_controls(why); }

    // Run NATTER_BIN_DIR/natter-server --bind 127.0.0.1 --port 0 plus args,
    // with RLIMIT_NOFILE lowered to nofile when nofile > 0, and wait (up to
    // timeout_ms) until it says where it listens. False with a reason in err.
    bool start(const std::vector<std::string> &args, int nofile, std::string *err,
               int timeout_ms = 10000);
    int port() const { return port_; }
    // The port of another listener, from its "listening on 127.0.0.1:N
    // (protocol)" line ("natter over TLS"), waiting for the line; 0 if none.
    int listener_port(const std::string &protocol, int timeout_ms = 5000);
    // SIGHUP (reload the TLS certificate and key); false if it has exited.
    bool hangup() { return process_.hangup(); }

    // Everything the child printed on stdout so far.
    std::string output() const { return process_.stdout_text(); }
    // What it printed on stderr (sanitizer reports land there).
    std::string errors() const { return process_.stderr_text(); }
    // Wait until the output contains needle.
    bool wait_output(const std::string &needle, int timeout_ms) {
        return process_.wait_stdout(needle, timeout_ms);
    }
    // Stop reading its stdout (the log) / read it again; close it for good.
    void hold_output(bool on) { process_.hold_stdout(on); }
    void close_output() { process_.close_stdout(); }

    // How many times needle occurs in the output so far.
    size_t count_output(const std::string &needle) const;

    // User + system CPU seconds the child has used, or -1 if unknown.
    double cpu_seconds() const { return process_.cpu_seconds(); }

    // SIGTERM, then wait up to timeout_ms for it to exit. Returns its exit
    // status, or -1 if it was killed by a signal or did not exit in time.
    int terminate(int timeout_ms);
    // SIGKILL: a crash, no goodbye.
    void kill() { process_.kill(); }

private:
    ChildProcess process_;  // killed, if still running, when this is destroyed
    int port_ = 0;
};
