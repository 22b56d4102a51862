// process.h - run a program as a child process with its stdin, stdout and
// stderr on pipes, for end-to-end tests of the natter binaries. Threads
// collect the output, so tests wait for what they expect (with a deadline)
// instead of sleeping. process_posix.cpp uses fork/exec, process_win32.cpp
// CreateProcess (which also works under wine); CMake picks one. A few
// controls exist only on POSIX (a lowered descriptor limit, SIGTERM, CPU
// time); posix_controls() says whether they work here.
#pragma once

#include <memory>
#include <string>
#include <vector>

class ProcessOutput;

class ChildProcess {
public:
    ChildProcess();
    ~ChildProcess();  // kills the child if it is still running
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;

    // Start program with args (not including the program itself). False
    // with a reason in err when it cannot be started.
    bool start(const std::string &program, const std::vector<std::string> &args,
               std::string *err);
    // Like start, with the child's descriptor limit (RLIMIT_NOFILE) lowered
    // to nofile. POSIX only: elsewhere false with the reason in err.
    bool start_with_fd_limit(const std::string &program, const std::vector<std::string> &args,
                             int nofile, std::string *err);

    // Write all of data to the child's stdin; false if the pipe is closed.
    bool write_stdin(const std::string &data);
    // End of input for the child.
    void close_stdin();

    // Wait until stdout (or stderr) contains needle; false on timeout or
    // once the stream has ended without it.
    bool wait_stdout(const std::string &needle, int timeout_ms);
    bool wait_stderr(const std::string &needle, int timeout_ms);
    // Stop reading the child's stdout (on) or read it again (off): while
    // held its pipe fills and the child's writes block, as with a paused
    // pager or a stuck log collector.
    void hold_stdout(bool on);
    // Close our end of the child's stdout, as `head` does when it has seen
    // enough: the child's next write fails (EPIPE / SIGPIPE). On Windows the
    // pipe closes only after the child writes once more.
    void close_stdout();

    // Everything read so far, with "\r\n" turned into "\n".
    std::string stdout_text() const;
    std::string stderr_text() const;

    // Wait for the child to exit and collect all its output. True with the
    // exit status in *code; false on timeout (the child is then killed) or
    // if it died from a signal.
    bool wait_exit(int timeout_ms, int *code);

    // Kill the child now (no-op if it has exited).
    void kill();

    // False (with the reason) where the POSIX-only controls below and
    // start_with_fd_limit cannot work.
    static bool posix_controls(std::string *why);
    // Ask the child to stop (SIGTERM), then as wait_exit.
    bool terminate(int timeout_ms, int *code);
    // Send the child SIGHUP (natter-server reloads its TLS files); false if
    // it has exited.
    bool hangup();
    // User + system CPU seconds the running child has used, or -1 if unknown.
    double cpu_seconds() const;

    struct Impl;

private:
    // What the child printed, filled by the Impl's reader threads; read by
    // the OS-neutral methods in process.cpp.
    std::unique_ptr<ProcessOutput> output_;
    std::unique_ptr<Impl> impl_;
};

// The path of a program built into NATTER_BIN_DIR ("natter" gets ".exe"
// on Windows); defined by tests/CMakeLists.txt via NATTER_EXE_SUFFIX.
std::string natter_program(const std::string &name);
