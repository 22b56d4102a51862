// process_posix.cpp - ChildProcess on POSIX: pipes, fork and execv; one
// thread per output pipe collects what the child prints. Also the POSIX-only
// controls: a descriptor limit set by the shell, SIGTERM, CPU time from /proc.
#include "support/process.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/process_output.h"

struct ChildProcess::Impl {
    pid_t pid = -1;
    int in_fd = -1;
    int status = 0;
    bool exited = false;
    std::atomic<bool> stop_reading{false};
    ProcessOutput *output = nullptr;  // ChildProcess::output_
    std::thread readers[2];

    // Poll with a short timeout rather than block in read(): a grandchild
    // (a daemon the child started) may hold the pipe open forever, and the
    // thread must still end when the ChildProcess does.
    void read_pipe(int fd, ProcessOutput::Stream which) {
        char buf[4096];
        while (!stop_reading && !output->stopped(which)) {
            struct pollfd pfd = {fd, POLLIN, 0};
            int r = ::poll(&pfd, 1, 50);
            if (r < 0 && errno != EINTR) break;
            if (r <= 0) continue;
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            if (!output->append(which, buf, static_cast<size_t>(n))) break;
        }
        ::close(fd);
        output->ended(which);
    }

    // Reap the child if it has exited (without blocking).
    bool reap() {
        if (exited || pid < 0) return true;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) exited = true;
        return exited;
    }

    void join_readers() {
        stop_reading = true;
        for (std::thread &t : readers)
            if (t.joinable()) t.join();
    }
};

namespace {
void set_cloexec(int fd) {
    fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
}
}  // namespace

ChildProcess::ChildProcess() : output_(new ProcessOutput), impl_(new Impl) {
    impl_->output = output_.get();
}

ChildProcess::~ChildProcess() {
    output_->hold(ProcessOutput::kStdout, false);
    kill();
    close_stdin();
    impl_->join_readers();
}

bool ChildProcess::start(const std::string &program, const std::vector<std::string> &args,
                         std::string *err) {
    int in[2], out[2], errp[2];
    if (pipe(in) != 0 || pipe(out) != 0 || pipe(errp) != 0) {
        *err = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    // Our ends must not leak into other children started by the tests.
    set_cloexec(in[1]);
    set_cloexec(out[0]);
    set_cloexec(errp[0]);

    std::vector<char *> argv;
    argv.push_back(const_cast<char *>(program.c_str()));
    for (const std::string &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    // The highest descriptor the test process may have open, for closing
    // them in the child (sockets of earlier tests are not close-on-exec, and
    // would count against a lowered descriptor limit).
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536) max_fd = 65536;

    pid_t pid = fork();
    if (pid < 0) {
        *err = std::string("fork: ") + std::strerror(errno);
        for (int fd : {in[0], in[1], out[0], out[1], errp[0], errp[1]}) ::close(fd);
        return false;
    }
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(errp[1], 2);
        for (long fd = 3; fd < max_fd; fd++) ::close(static_cast<int>(fd));
        execv(program.c_str(), argv.data());
        _exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(errp[1]);
    // A child that exits early must not kill the test with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    impl_->pid = pid;
    impl_->in_fd = in[1];
    impl_->readers[0] = std::thread(&Impl::read_pipe, impl_.get(), out[0], ProcessOutput::kStdout);
    impl_->readers[1] = std::thread(&Impl::read_pipe, impl_.get(), errp[0], ProcessOutput::kStderr);
    return true;
}

bool ChildProcess::start_with_fd_limit(const std::string &program,
                                       const std::vector<std::string> &args, int nofile,
                                       std::string *err) {
    // The limit is set by a shell's ulimit rather than setrlimit() between
    // fork and exec: valgrind fakes setrlimit(RLIMIT_NOFILE) for the process
    // it runs, so under memcheck the child would never see the limit.
    std::vector<std::string> sh_args = {"-c", "ulimit -n " + std::to_string(nofile) +
                                                  " && exec \"$0\" \"$@\"",
                                        program};
    sh_args.insert(sh_args.end(), args.begin(), args.end());
    return start("/bin/sh", sh_args, err);
}

bool ChildProcess::write_stdin(const std::string &data) {
    size_t off = 0;
    while (off < data.size()) {
        if (impl_->in_fd < 0) return false;
        ssize_t n = ::write(impl_->in_fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

void ChildProcess::close_stdin() {
    if (impl_->in_fd >= 0) ::close(impl_->in_fd);
    impl_->in_fd = -1;
}

bool ChildProcess::wait_exit(int timeout_ms, int *code) {
    if (impl_->pid < 0) return false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    // Normally the child closing its output is the signal that it is done.
    // A child that left a daemon holding the pipes is seen through waitpid;
    // its daemon's output is then not waited for.
    while (std::chrono::steady_clock::now() < deadline) {
        if (output_->wait_ended(20)) break;
        if (impl_->reap()) break;
    }
    while (!impl_->reap() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!impl_->reap()) {
        kill();
        return false;
    }
    // The pipes normally end with the child; bounded for the daemon case.
    if (output_->wait_ended(1000)) impl_->join_readers();
    if (!WIFEXITED(impl_->status)) return false;
    *code = WEXITSTATUS(impl_->status);
    return true;
}

void ChildProcess::kill() {
    if (impl_->pid < 0 || impl_->reap()) return;
    ::kill(impl_->pid, SIGKILL);
    waitpid(impl_->pid, &impl_->status, 0);
    impl_->exited = true;
}

bool ChildProcess::posix_controls(std::string *) { return true; }

bool ChildProcess::terminate(int timeout_ms, int *code) {
    if (impl_->pid < 0) return false;
    if (!impl_->reap()) ::kill(impl_->pid, SIGTERM);
    return wait_exit(timeout_ms, code);
}

bool ChildProcess::hangup() {
    if (impl_->pid < 0 || impl_->reap()) return false;
    return ::kill(impl_->pid, SIGHUP) == 0;
}

// Linux: fields 14 and 15 of /proc/PID/stat (utime, stime) in clock ticks.
// Elsewhere there is no /proc and the answer is "unknown".
double ChildProcess::cpu_seconds() const {
    if (impl_->pid < 0 || impl_->exited) return -1.0;
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

std::string natter_program(const std::string &name) {
    return std::string(NATTER_BIN_DIR) + "/" + name + NATTER_EXE_SUFFIX;
}
