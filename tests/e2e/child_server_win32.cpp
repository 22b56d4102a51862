// child_server_win32.cpp - ChildServer on Windows: not supported. Lowering a
// descriptor limit and sending SIGTERM have no Windows equivalent worth
// emulating here, so the tests that need them skip (see child_server.h).
#include "e2e/child_server.h"

struct ChildServer::Impl {};

ChildServer::ChildServer() = default;
ChildServer::~ChildServer() = default;

bool ChildServer::supported(std::string *why) {
    if (why) *why = "needs POSIX (RLIMIT_NOFILE, SIGTERM, fork/exec); not available on Windows";
    return false;
}

bool ChildServer::start(const std::vector<std::string> &, int, std::string *err, int) {
    if (err) *err = "child servers are POSIX-only";
    return false;
}

std::string ChildServer::output() const { return std::string(); }
bool ChildServer::wait_output(const std::string &, int) { return false; }
size_t ChildServer::count_output(const std::string &) const { return 0; }
double ChildServer::cpu_seconds() const { return -1.0; }
int ChildServer::terminate(int) { return -1; }
