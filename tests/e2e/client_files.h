// client_files.h - the file chores of tests that drive real IRC clients
// (ii, weechat) through their fifos and read what they log: those files
// have no readiness signal, so waits poll a file until the text appears or
// a deadline passes. POSIX only, like the clients.
#pragma once

#include <string>

// The whole file, "" if it cannot be read.
std::string read_file(const std::string &path);

// Poll until the file exists and contains needle (a client appends to it).
bool wait_file(const std::string &path, const std::string &needle, int timeout_ms = 20000);

// Write one line into a client's fifo. Opening for writing without
// blocking fails (ENXIO) while the client has no reader open (ii reopens
// its fifo after each writer), so it is retried until the deadline.
bool fifo_line(const std::string &path, const std::string &line, int timeout_ms = 20000);

class ChildProcess;

// weechat-headless (program) with its home in dir (made if missing), only
// the irc, logger and fifo plugins, logs flushed at once, no anti-flood
// queue and no reconnection, first running the /commands in setup (";"
// separated, may be ""), then connecting to 127.0.0.1:port as wendy with
// server_options ("-notls", or "-ssl -ssl_verify"). Waits until the server
// welcomed wendy and returns the path of weechat's fifo; "" with the reason
// (and weechat's logs) in *err. Commands go into the fifo as "BUFFER *text";
// what weechat received is in dir/logs/*.weechatlog.
std::string start_weechat(ChildProcess &wee, const std::string &program, const std::string &dir,
                          int port, const std::string &setup, const std::string &server_options,
                          std::string *err);

// A fresh directory under base, removed unless the test failed (then it is
// kept, with the clients' files, for a look).
class TempDir {
public:
    explicit TempDir(const std::string &base);
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    bool ok() const { return !path_.empty(); }
    const std::string &path() const { return path_; }

private:
    std::string path_;
};
