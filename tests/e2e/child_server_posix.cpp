// child_server_posix.cpp - ChildServer on POSIX: fork and exec natter-server
// (through "sh -c 'ulimit -n N'" to lower its descriptor limit) with stdout
// on a pipe; a thread collects what it prints, so the tests can wait for a
// log line instead of sleeping.
#include "e2e/child_server.h"

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct ChildServer::Impl {
    pid_t pid = -1;
    int out_fd = -1;
    std::thread reader;
    mutable std::mutex mutex;
    std::condition_variable changed;
    std::string output;
    bool eof = false;

    void read_output() {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(out_fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            std::lock_guard<std::mutex> lock(mutex);
            if (n <= 0) {
                eof = true;
                changed.notify_all();
                return;
            }
            output.append(buf, static_cast<size_t>(n));
            changed.notify_all();
        }
    }

    // Reap the child if it has exited; true once it has (status stored).
    bool reap(int *status) {
        if (pid < 0) return true;
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            pid = -1;
            return true;
        }
        return false;
    }
};

ChildServer::ChildServer() : impl_(new Impl) {}

ChildServer::~ChildServer() {
    if (impl_->pid > 0) {
        kill(impl_->pid, SIGKILL);
        int status;
        waitpid(impl_->pid, &status, 0);
    }
    if (impl_->reader.joinable()) impl_->reader.join();
    if (impl_->out_fd >= 0) ::close(impl_->out_fd);
}

bool ChildServer::supported(std::string *) { return true; }

bool ChildServer::start(const std::vector<std::string> &args, int nofile, std::string *err,
                        int timeout_ms) {
    std::vector<std::string> argv_text;
    // The limit is set by a shell's ulimit rather than setrlimit() between
    // fork and exec: valgrind fakes setrlimit(RLIMIT_NOFILE) for the process
    // it runs, so under memcheck the server would never see the limit.
    if (nofile > 0)
        argv_text = {"/bin/sh", "-c", "ulimit -n " + std::to_string(nofile) + " && exec \"$0\" \"$@\""};
    argv_text.insert(argv_text.end(), {NATTER_BIN_DIR "/natter-server", "--bind", "127.0.0.1", "--port", "0"});
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (std::string &a : argv_text) argv.push_back(&a[0]);
    argv.push_back(nullptr);

    int fds[2];
    if (pipe(fds) != 0) {
        *err = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    // The highest descriptor the test process may have open, for closing
    // them in the child (sockets of earlier tests are not close-on-exec).
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536) max_fd = 65536;

    pid_t pid = fork();
    if (pid < 0) {
        *err = std::string("fork: ") + std::strerror(errno);
        ::close(fds[0]);
        ::close(fds[1]);
        return false;
    }
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        dup2(fds[1], 1);
        for (long fd = 3; fd < max_fd; fd++) ::close(static_cast<int>(fd));
        execv(argv[0], argv.data());
        _exit(127);
    }
    ::close(fds[1]);
    impl_->pid = pid;
    impl_->out_fd = fds[0];
    impl_->reader = std::thread([this] { impl_->read_output(); });

    const std::string marker = "listening on 127.0.0.1:";
    if (!wait_output(marker, timeout_ms)) {
        *err = "natter-server did not start; it printed: " + output();
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

std::string ChildServer::output() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->output;
}

bool ChildServer::wait_output(const std::string &needle, int timeout_ms) {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    return impl_->changed.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
        return impl_->output.find(needle) != std::string::npos || impl_->eof;
    }) && impl_->output.find(needle) != std::string::npos;
}

size_t ChildServer::count_output(const std::string &needle) const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    size_t count = 0;
    for (size_t at = impl_->output.find(needle); at != std::string::npos;
         at = impl_->output.find(needle, at + needle.size()))
        count++;
    return count;
}

// Linux: fields 14 and 15 of /proc/PID/stat (utime, stime) in clock ticks.
// Elsewhere there is no /proc and the answer is "unknown".
double ChildServer::cpu_seconds() const {
    if (impl_->pid <= 0) return -1.0;
    std::ifstream stat("/proc/" + std::to_string(impl_->pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    size_t paren = text.rfind(')');
    if (paren == std::string::npos) return -1.0;
    std::istringstream fields(text.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && (fields >> field); i++) {
        if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
        if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    long ticks = sysconf(_SC_CLK_TCK);
    return ticks > 0 ? static_cast<double>(utime + stime) / static_cast<double>(ticks) : -1.0;
}

int ChildServer::terminate(int timeout_ms) {
    if (impl_->pid <= 0) return -1;
    kill(impl_->pid, SIGTERM);
    // The child closing its stdout (by exiting) is the readiness signal.
    {
        std::unique_lock<std::mutex> lock(impl_->mutex);
        impl_->changed.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                [&] { return impl_->eof; });
    }
    int status = 0;
    auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(2000);
    while (!impl_->reap(&status)) {
        if (std::chrono::steady_clock::now() >= give_up) {
            kill(impl_->pid, SIGKILL);
            waitpid(impl_->pid, &status, 0);
            impl_->pid = -1;
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
