// process_posix.cpp - ChildProcess on POSIX: pipes, fork and execv; one
// thread per output pipe collects what the child prints.
#include "support/process.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
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
    ProcessOutput output;
    std::thread readers[2];

    // Poll with a short timeout rather than block in read(): a grandchild
    // (a daemon the child started) may hold the pipe open forever, and the
    // thread must still end when the ChildProcess does.
    void read_pipe(int fd, ProcessOutput::Stream which) {
        char buf[4096];
        while (!stop_reading) {
            struct pollfd pfd = {fd, POLLIN, 0};
            int r = ::poll(&pfd, 1, 50);
            if (r < 0 && errno != EINTR) break;
            if (r <= 0) continue;
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            output.append(which, buf, static_cast<size_t>(n));
        }
        ::close(fd);
        output.ended(which);
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

ChildProcess::ChildProcess() : impl_(new Impl) {}

ChildProcess::~ChildProcess() {
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

    pid_t pid = fork();
    if (pid < 0) {
        *err = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(errp[1], 2);
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

bool ChildProcess::wait_stdout(const std::string &needle, int timeout_ms) {
    return impl_->output.wait_for(ProcessOutput::kStdout, needle, timeout_ms);
}

bool ChildProcess::wait_stderr(const std::string &needle, int timeout_ms) {
    return impl_->output.wait_for(ProcessOutput::kStderr, needle, timeout_ms);
}

std::string ChildProcess::stdout_text() const { return impl_->output.text(ProcessOutput::kStdout); }
std::string ChildProcess::stderr_text() const { return impl_->output.text(ProcessOutput::kStderr); }

bool ChildProcess::wait_exit(int timeout_ms, int *code) {
    if (impl_->pid < 0) return false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    // Normally the child closing its output is the signal that it is done.
    // A child that left a daemon holding the pipes is seen through waitpid;
    // its daemon's output is then not waited for.
    while (std::chrono::steady_clock::now() < deadline) {
        if (impl_->output.wait_ended(20)) break;
        if (impl_->reap()) break;
    }
    while (!impl_->reap() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!impl_->reap()) {
        kill();
        return false;
    }
    // The pipes normally end with the child; bounded for the daemon case.
    if (impl_->output.wait_ended(1000)) impl_->join_readers();
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

std::string natter_program(const std::string &name) {
    return std::string(NATTER_BIN_DIR) + "/" + name + NATTER_EXE_SUFFIX;
}
