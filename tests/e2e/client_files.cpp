// client_files.cpp - see client_files.h.
#include "e2e/client_files.h"

#include "support/process.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool wait_file(const std::string &path, const std::string &needle, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (read_file(path).find(needle) != std::string::npos) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
}

bool fifo_line(const std::string &path, const std::string &line, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    int fd;
    while ((fd = open(path.c_str(), O_WRONLY | O_NONBLOCK)) < 0) {
        if ((errno != ENXIO && errno != ENOENT) || std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    std::string data = line + "\n";
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n > 0) {
            done += static_cast<size_t>(n);
        } else if (n < 0 && errno == EAGAIN && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        } else {
            close(fd);
            return false;
        }
    }
    close(fd);
    return true;
}

std::string start_weechat(ChildProcess &wee, const std::string &program, const std::string &dir,
                          int port, const std::string &setup, const std::string &server_options,
                          std::string *err) {
    std::filesystem::create_directories(dir);
    {
        // Only the plugins used (faster under load).
        std::ofstream conf(dir + "/weechat.conf");
        conf << "[plugin]\nautoload = \"irc,logger,fifo\"\n";
    }
    const std::string commands =
        "/set logger.file.flush_delay 0;"
        "/set irc.server_default.anti_flood_prio_high 0;"
        "/set irc.server_default.anti_flood_prio_low 0;"
        "/set irc.server_default.autoreconnect off;" +
        setup + (setup.empty() ? "" : ";") + "/server add natter 127.0.0.1/" +
        std::to_string(port) + " " + server_options +
        " -nicks=wendy -username=wendy -realname=Wendy;/connect natter";
    if (!wee.start(program, {"--dir", dir, "-r", commands}, err)) return "";
    const std::string server_log = dir + "/logs/irc.server.natter.weechatlog";
    if (!wait_file(server_log, "Welcome to the natter Network, wendy!")) {
        *err = "weechat was not welcomed: " + read_file(server_log) + read_file(dir + "/weechat.log");
        return "";
    }
    // The fifo is named after weechat's pid.
    for (const auto &e : std::filesystem::directory_iterator(dir))
        if (e.path().filename().string().rfind("weechat_fifo_", 0) == 0) return e.path().string();
    *err = "no weechat_fifo_* in " + dir;
    return "";
}

TempDir::TempDir(const std::string &base) {
    std::filesystem::create_directories(base);
    std::string tmpl = base + "/run-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data())) path_ = buf.data();
}

TempDir::~TempDir() {
    if (!path_.empty() && !testing::Test::HasFailure()) {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
}
