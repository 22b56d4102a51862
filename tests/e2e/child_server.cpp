// child_server.cpp - ChildServer: natter-server's command line, and its port
// read from the "listening on" log line, so tests wait for that line instead
// of sleeping. Process handling is ChildProcess's.
#include "e2e/child_server.h"

#include <cstdlib>

bool ChildServer::start(const std::vector<std::string> &args, int nofile, std::string *err,
                        int timeout_ms) {
    std::vector<std::string> argv = {"--bind", "127.0.0.1", "--port", "0", "--irc-port", "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string program = natter_program("natter-server");
    bool started = nofile > 0 ? process_.start_with_fd_limit(program, argv, nofile, err)
                              : process_.start(program, argv, err);
    if (!started) return false;

    const std::string marker = "listening on 127.0.0.1:";
    if (!wait_output(marker, timeout_ms)) {
        *err = "natter-server did not start; it printed: " + output() + errors();
        return false;
    }
    std::string out = output();
    port_ = std::atoi(out.c_str() + out.find(marker) + marker.size());
    if (port_ <= 0) {
        *err = "cannot read the port from: " + out;
        return false;
    }
    return true;
}

int ChildServer::listener_port(const std::string &protocol, int timeout_ms) {
    const std::string suffix = " (" + protocol + ")\n";
    if (!wait_output(suffix, timeout_ms)) return 0;
    std::string out = output();
    size_t end = out.find(suffix);
    size_t colon = out.rfind(':', end);
    return colon == std::string::npos ? 0 : std::atoi(out.c_str() + colon + 1);
}

size_t ChildServer::count_output(const std::string &needle) const {
    std::string out = output();
    size_t count = 0;
    for (size_t at = out.find(needle); at != std::string::npos;
         at = out.find(needle, at + needle.size()))
        count++;
    return count;
}

int ChildServer::terminate(int timeout_ms) {
    int code = -1;
    return process_.terminate(timeout_ms, &code) ? code : -1;
}
