// redis_server.cpp - see redis_server.h.
#include "support/redis_server.h"

#include "support/test_socket.h"

bool RedisServer::start(std::string *err, const std::vector<std::string> &extra, int port)
{
    port_ = port > 0 ? port : unused_loopback_port();
    if (port_ <= 0) {
        *err = "no free loopback port";
        return false;
    }
    std::vector<std::string> args = {"--port", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--daemonize", "no",
                                     "--loglevel", "notice"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (!proc_.start(NATTER_REDIS_SERVER, args, err))
        return false;
    // Redis says so on stdout once it listens.
    if (!proc_.wait_stdout("Ready to accept connections", 10000)) {
        *err = "redis-server did not start: " + proc_.stdout_text() + proc_.stderr_text();
        return false;
    }
    return true;
}

void RedisServer::kill()
{
    proc_.kill();
    int code = 0;
    (void)proc_.wait_exit(5000, &code);
}
