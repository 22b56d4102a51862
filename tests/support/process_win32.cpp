// process_win32.cpp - ChildProcess on Windows (and under wine): anonymous
// pipes and CreateProcess; one thread per output pipe collects what the
// child prints, since pipes cannot be waited on with select(). The POSIX-only
// controls (descriptor limit, SIGTERM, CPU time) report "unsupported".
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "support/process.h"

#include <thread>

#include "support/process_output.h"

struct ChildProcess::Impl {
    HANDLE process = nullptr;
    HANDLE in = nullptr;
    DWORD exit_code = 0;
    bool exited = false;
    ProcessOutput *output = nullptr;  // ChildProcess::output_
    std::thread readers[2];

    void read_pipe(HANDLE h, ProcessOutput::Stream which) {
        char buf[4096];
        DWORD n = 0;
        while (ReadFile(h, buf, sizeof buf, &n, nullptr) && n > 0)
            if (!output->append(which, buf, n)) break;
        CloseHandle(h);
        output->ended(which);
    }

    bool wait_process(DWORD timeout_ms) {
        if (exited) return true;
        if (!process || WaitForSingleObject(process, timeout_ms) != WAIT_OBJECT_0) return false;
        GetExitCodeProcess(process, &exit_code);
        exited = true;
        return true;
    }

    void join_readers() {
        for (std::thread &t : readers)
            if (t.joinable()) t.join();
    }
};

namespace {
// One argument quoted the way the C runtime splits a command line:
// backslashes are literal unless they precede a quote.
std::string quote_arg(const std::string &arg) {
    if (!arg.empty() && arg.find_first_of(" \t\"") == std::string::npos) return arg;
    std::string q = "\"";
    size_t backslashes = 0;
    for (char c : arg) {
        if (c == '\\') {
            backslashes++;
            continue;
        }
        if (c == '"') q.append(backslashes * 2 + 1, '\\');
        else q.append(backslashes, '\\');
        backslashes = 0;
        q += c;
    }
    q.append(backslashes * 2, '\\');
    return q + "\"";
}

// A pipe whose parent end is not inherited by the child.
bool make_pipe(HANDLE *read_end, HANDLE *write_end, bool parent_reads) {
    SECURITY_ATTRIBUTES sa = {sizeof sa, nullptr, TRUE};
    if (!CreatePipe(read_end, write_end, &sa, 0)) return false;
    SetHandleInformation(parent_reads ? *read_end : *write_end, HANDLE_FLAG_INHERIT, 0);
    return true;
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
    if (impl_->process) CloseHandle(impl_->process);
}

bool ChildProcess::start(const std::string &program, const std::vector<std::string> &args,
                         std::string *err) {
    HANDLE in_r, in_w, out_r, out_w, err_r, err_w;
    if (!make_pipe(&in_r, &in_w, false) || !make_pipe(&out_r, &out_w, true) ||
        !make_pipe(&err_r, &err_w, true)) {
        *err = "CreatePipe failed: " + std::to_string(GetLastError());
        return false;
    }
    std::string cmdline = quote_arg(program);
    for (const std::string &a : args) cmdline += " " + quote_arg(a);

    STARTUPINFOA si;
    ZeroMemory(&si, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = in_r;
    si.hStdOutput = out_w;
    si.hStdError = err_w;
    PROCESS_INFORMATION pi;
    BOOL ok = CreateProcessA(program.c_str(), &cmdline[0], nullptr, nullptr, TRUE, 0, nullptr,
                             nullptr, &si, &pi);
    DWORD why = GetLastError();
    // The child has its copies; ours would keep the pipes open forever.
    CloseHandle(in_r);
    CloseHandle(out_w);
    CloseHandle(err_w);
    if (!ok) {
        CloseHandle(in_w);
        CloseHandle(out_r);
        CloseHandle(err_r);
        *err = "CreateProcess(" + program + ") failed: " + std::to_string(why);
        return false;
    }
    CloseHandle(pi.hThread);
    impl_->process = pi.hProcess;
    impl_->in = in_w;
    impl_->readers[0] = std::thread(&Impl::read_pipe, impl_.get(), out_r, ProcessOutput::kStdout);
    impl_->readers[1] = std::thread(&Impl::read_pipe, impl_.get(), err_r, ProcessOutput::kStderr);
    return true;
}

bool ChildProcess::write_stdin(const std::string &data) {
    size_t off = 0;
    while (off < data.size()) {
        DWORD n = 0;
        if (!impl_->in ||
            !WriteFile(impl_->in, data.data() + off, static_cast<DWORD>(data.size() - off), &n,
                       nullptr))
            return false;
        off += n;
    }
    return true;
}

void ChildProcess::close_stdin() {
    if (impl_->in) CloseHandle(impl_->in);
    impl_->in = nullptr;
}

bool ChildProcess::wait_exit(int timeout_ms, int *code) {
    if (!impl_->process) return false;
    if (!impl_->wait_process(static_cast<DWORD>(timeout_ms))) {
        kill();
        return false;
    }
    // The pipes close with the process; bounded in case a grandchild holds them.
    output_->wait_ended(5000);
    if (!output_->wait_ended(0)) return false;
    impl_->join_readers();
    *code = static_cast<int>(impl_->exit_code);
    return true;
}

void ChildProcess::kill() {
    if (!impl_->process || impl_->exited) return;
    TerminateProcess(impl_->process, 1);
    impl_->wait_process(INFINITE);
}

// Lowering a descriptor limit and sending SIGTERM have no Windows
// equivalent worth emulating, so the tests that need them skip.
bool ChildProcess::posix_controls(std::string *why) {
    if (why) *why = "needs POSIX (RLIMIT_NOFILE, SIGTERM); not available on Windows";
    return false;
}

bool ChildProcess::start_with_fd_limit(const std::string &, const std::vector<std::string> &, int,
                                       std::string *err) {
    if (err) *err = "descriptor limits are POSIX-only";
    return false;
}

bool ChildProcess::terminate(int, int *) { return false; }
bool ChildProcess::hangup() { return false; }
double ChildProcess::cpu_seconds() const { return -1.0; }

std::string natter_program(const std::string &name) {
    std::string dir = NATTER_BIN_DIR;
    // A cross build run under wine knows its build tree by a Unix path;
    // wine shows the Unix root as drive Z:.
    if (!dir.empty() && dir[0] == '/') dir = "Z:" + dir;
    return dir + "/" + name + NATTER_EXE_SUFFIX;
}
