// process.h - run a program as a child process with its stdin, stdout and
// stderr on pipes, for end-to-end tests of the natter binaries. Threads
// collect the output, so tests wait for what they expect (with a deadline)
// instead of sleeping. process_posix.cpp uses fork/exec, process_win32.cpp
// CreateProcess (which also works under wine); CMake picks one.
#pragma once

#include <memory>
#include <string>
#include <vector>

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

    // Write all of data to the child's stdin; false if the pipe is closed.
    bool write_stdin(const std::string &data);
    // End of input for the child.
    void close_stdin();

    // Wait until stdout (or stderr) contains needle; false on timeout.
    bool wait_stdout(const std::string &needle, int timeout_ms);
    bool wait_stderr(const std::string &needle, int timeout_ms);
    // Everything read so far, with "\r\n" turned into "\n".
    std::string stdout_text() const;
    std::string stderr_text() const;

    // Wait for the child to exit and collect all its output. True with the
    // exit status in *code; false on timeout (the child is then killed) or
    // if it died from a signal.
    bool wait_exit(int timeout_ms, int *code);

    // Kill the child now (no-op if it has exited).
    void kill();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// The path of a program built into NATTER_BIN_DIR ("natter" gets ".exe"
// on Windows); defined by tests/CMakeLists.txt via NATTER_EXE_SUFFIX.
std::string natter_program(const std::string &name);
