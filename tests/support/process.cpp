// process.cpp - the parts of ChildProcess that do not depend on the OS:
// waiting for and reading what the child printed (process_output.h). The
// rest is in process_posix.cpp or process_win32.cpp.
#include "support/process.h"

#include "support/process_output.h"

bool ChildProcess::wait_stdout(const std::string &needle, int timeout_ms) {
    return output_->wait_for(ProcessOutput::kStdout, needle, timeout_ms);
}

bool ChildProcess::wait_stderr(const std::string &needle, int timeout_ms) {
    return output_->wait_for(ProcessOutput::kStderr, needle, timeout_ms);
}

void ChildProcess::hold_stdout(bool on) { output_->hold(ProcessOutput::kStdout, on); }

void ChildProcess::close_stdout() { output_->stop(ProcessOutput::kStdout); }

std::string ChildProcess::stdout_text() const { return output_->text(ProcessOutput::kStdout); }
std::string ChildProcess::stderr_text() const { return output_->text(ProcessOutput::kStderr); }
