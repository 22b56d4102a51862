// redis_server.h - a throwaway redis-server for the cluster tests, on a free
// loopback port, with persistence off (--save '' --appendonly no), run as a
// child process and killed at the end. POSIX builds with hiredis only.
#pragma once

#include <string>
#include <vector>

#include "support/process.h"

class RedisServer {
public:
    // Start redis-server on port (0: a free one) with extra arguments
    // (e.g. {"--requirepass", "secret"}); true once it accepts connections.
    bool start(std::string *err, const std::vector<std::string> &extra = {}, int port = 0);
    // SIGKILL, as a crash or a pulled plug would.
    void kill();
    int port() const { return port_; }

private:
    ChildProcess proc_;
    int port_ = 0;
};
