// process_output.h - what a child process printed, for ChildProcess
// (process.cpp and the OS files): reader threads append, tests wait on a
// condition variable for a needle or for end of output. A test may also hold
// a stream (its reader stops taking data, so the child's pipe fills up, as
// with a paused pager) or stop it (the reader closes the pipe, as `head`
// does when it has seen enough).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

class ProcessOutput {
public:
    enum Stream { kStdout = 0, kStderr = 1 };

    // Returns false once the stream is stopped: the reader then closes the
    // pipe. Blocks while the stream is held.
    bool append(Stream s, const char *data, size_t n) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return !held_[s] || stopped_[s]; });
        if (stopped_[s]) return false;
        text_[s].append(data, n);
        changed_.notify_all();
        return true;
    }
    void hold(Stream s, bool on) {
        std::lock_guard<std::mutex> lock(mutex_);
        held_[s] = on;
        changed_.notify_all();
    }
    void stop(Stream s) {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_[s] = true;
        changed_.notify_all();
    }
    bool stopped(Stream s) const {
        std::lock_guard<std::mutex> lock(mutex_);
        return stopped_[s];
    }
    void ended(Stream s) {
        std::lock_guard<std::mutex> lock(mutex_);
        eof_[s] = true;
        changed_.notify_all();
    }
    // The text with "\r\n" as "\n" (Windows text-mode output).
    std::string text(Stream s) const {
        std::lock_guard<std::mutex> lock(mutex_);
        return without_cr(text_[s]);
    }
    // Wait until stream s contains needle; false on timeout, or as soon as
    // the stream has ended without it (it can no longer appear).
    bool wait_for(Stream s, const std::string &needle, int timeout_ms) {
        std::unique_lock<std::mutex> lock(mutex_);
        auto found = [&] { return without_cr(text_[s]).find(needle) != std::string::npos; };
        changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                          [&] { return eof_[s] || found(); });
        return found();
    }
    // Both streams closed by the child (it exited, or closed them).
    bool wait_ended(int timeout_ms) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                 [&] { return eof_[kStdout] && eof_[kStderr]; });
    }

private:
    static std::string without_cr(const std::string &s) {
        std::string r;
        r.reserve(s.size());
        for (size_t i = 0; i < s.size(); i++)
            if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) r += s[i];
        return r;
    }
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string text_[2];
    bool eof_[2] = {false, false};
    bool held_[2] = {false, false};
    bool stopped_[2] = {false, false};
};
