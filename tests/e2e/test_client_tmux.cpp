// test_client_tmux.cpp - the client in a real terminal. tmux runs natter in a
// detached pane; the test types with send-keys, reads the screen with
// capture-pane and the cursor with display-message, while a TestClient in
// this process talks to the same in-process server. Built only where CMake
// found tmux (not on Windows). A screen has no readiness signal, so waits
// poll capture-pane until the expected text appears or a deadline passes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "support/process.h"
#include "support/test_client.h"
#include "support/test_server.h"
#include "support/test_socket.h"

extern "C" {
#include "platform/clock.h"
#include "platform/poll.h"
}

namespace {

constexpr int kWait = 10000;

// One private tmux server (its own socket file) with one pane.
class Tmux {
public:
    Tmux() {
        static int counter = 0;
        socket_ = testing::TempDir() + "natter-tmux-" + std::to_string(getpid()) + "-" +
                  std::to_string(++counter);
        // Not nested in whatever tmux may run the test suite.
        unsetenv("TMUX");
    }
    ~Tmux() {
        run({"kill-server"});
        std::remove(socket_.c_str());
    }

    // The first command also starts the tmux server, which would inherit
    // our output pipes: run it with stdio on /dev/null through sh.
    bool start(const std::string &command, int cols, int rows) {
        std::vector<std::string> args = {"-c", "exec \"$@\" </dev/null >/dev/null 2>&1", "sh",
                                         NATTER_TMUX};
        for (const std::string &a : base_args()) args.push_back(a);
        for (const std::string &a : {std::string("new-session"), std::string("-d"),
                                     std::string("-x"), std::to_string(cols), std::string("-y"),
                                     std::to_string(rows), command})
            args.push_back(a);
        return run_program("/bin/sh", args, nullptr);
    }

    // Type text literally (UTF-8 included), or press named keys.
    bool type(const std::string &text) { return run({"send-keys", "-t", "0", "-l", text}); }
    bool press(const std::string &key) { return run({"send-keys", "-t", "0", key}); }

    // The screen's rows, trailing blanks removed.
    std::vector<std::string> screen() {
        std::string out;
        run({"capture-pane", "-p", "-t", "0"}, &out);
        std::vector<std::string> rows;
        std::istringstream in(out);
        std::string line;
        while (std::getline(in, line)) {
            while (!line.empty() && line.back() == ' ') line.pop_back();
            rows.push_back(line);
        }
        return rows;
    }

    // Whether the first character of needle on the screen is dim (SGR 2).
    // capture-pane -e writes an SGR only where the attributes change, even
    // across rows, so the state is followed through the whole capture.
    std::optional<bool> dim_at(const std::string &needle) {
        std::string out;
        run({"capture-pane", "-p", "-e", "-t", "0"}, &out);
        bool dim = false;
        std::string text;
        std::vector<bool> dims;
        for (size_t i = 0; i < out.size(); i++) {
            if (out[i] == '\x1b' && i + 1 < out.size() && out[i + 1] == '[') {
                size_t m = out.find_first_of("ABCDEFGHJKSTfmnsu", i + 2);
                if (m == std::string::npos) break;
                if (out[m] == 'm') {
                    std::istringstream params(out.substr(i + 2, m - i - 2));
                    std::string p;
                    if (m == i + 2) dim = false;
                    while (std::getline(params, p, ';')) {
                        if (p.empty() || p == "0" || p == "22") dim = false;
                        else if (p == "2") dim = true;
                    }
                }
                i = m;
                continue;
            }
            text += out[i];
            dims.push_back(dim);
        }
        size_t at = text.find(needle);
        if (at == std::string::npos) return std::nullopt;
        return dims[at];
    }

    // Row index whose text contains needle, or -1.
    int find_row(const std::string &needle) {
        std::vector<std::string> rows = screen();
        for (size_t i = 0; i < rows.size(); i++)
            if (rows[i].find(needle) != std::string::npos) return static_cast<int>(i);
        return -1;
    }

    bool wait_for(const std::string &needle, int timeout_ms = kWait) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < deadline) {
            if (find_row(needle) >= 0) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    // Wait until row `row` reads exactly `text` (the input line settles
    // after the last key has been drawn).
    bool wait_row(int row, const std::string &text, int timeout_ms = kWait) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < deadline) {
            std::vector<std::string> rows = screen();
            if (row < static_cast<int>(rows.size()) && rows[static_cast<size_t>(row)] == text)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    void cursor(int *x, int *y) {
        std::string out;
        run({"display-message", "-p", "-t", "0", "#{cursor_x} #{cursor_y}"}, &out);
        std::istringstream in(out);
        *x = *y = -1;
        in >> *x >> *y;
    }

    std::string dump() {
        std::string s;
        for (const std::string &r : screen()) s += "|" + r + "\n";
        return s;
    }

private:
    std::vector<std::string> base_args() const {
        return {"-u", "-S", socket_, "-f", "/dev/null"};
    }

    bool run(const std::vector<std::string> &args, std::string *out = nullptr) {
        std::vector<std::string> all = base_args();
        all.insert(all.end(), args.begin(), args.end());
        return run_program(NATTER_TMUX, all, out);
    }

    bool run_program(const std::string &program, const std::vector<std::string> &args,
                     std::string *out) {
        ChildProcess p;
        std::string err;
        if (!p.start(program, args, &err)) return false;
        p.close_stdin();
        int code = -1;
        bool ok = p.wait_exit(kWait, &code) && code == 0;
        if (out) *out = p.stdout_text();
        return ok;
    }

    std::string socket_;
};

std::string natter_cmd(int port, const std::string &name) {
    std::string cmd = natter_program("natter");
    if (!name.empty()) cmd += " --name " + name;
    return cmd + " 127.0.0.1 " + std::to_string(port);
}

// A file in the test's temporary directory for the terminal settings that
// the shell in the pane records after natter exits.
std::string stty_file(const char *tag) {
    return testing::TempDir() + "natter-stty-" + std::to_string(getpid()) + "-" + tag;
}

std::string read_file(const std::string &path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// natter, then record the terminal settings and stay open for capture.
std::string natter_then_stty(int port, const std::string &name, const std::string &file) {
    return natter_cmd(port, name) + "; echo \"EXIT=$?\"; stty -a > " + file +
           "; echo STTY-DONE; sleep 60";
}

// stty -a lists each flag as a word, "-flag" when it is off.
bool flag_on(const std::string &stty, const std::string &flag) {
    std::istringstream in(stty);
    std::string word;
    while (in >> word)
        if (word == flag) return true;
    return false;
}

void expect_sane_terminal(const std::string &file) {
    std::string s = read_file(file);
    ASSERT_FALSE(s.empty()) << "no stty output in " << file;
    for (const char *flag : {"icanon", "echo", "isig", "icrnl", "ixon", "iexten"})
        EXPECT_TRUE(flag_on(s, flag)) << flag << " is off:\n" << s;
    std::remove(file.c_str());
}

// A scripted server for one connection: the test writes exactly the lines
// protocol v2 specifies, so the client's v2 handling is tested without the
// v2 server.
class ScriptServer {
public:
    ScriptServer() {
        char err[256];
        net_init();
        if (net_listen("127.0.0.1", "0", &listener_, 1, err, sizeof err) >= 1)
            port_ = net_local_port(listener_);
    }
    ~ScriptServer() {
        close_socket(&conn_);
        close_socket(&listener_);
        net_cleanup();
    }
    int port() const { return port_; }

    bool accept_one() {
        if (!wait_socket(listener_, NET_POLL_READ, kWait) || net_accept(listener_, &conn_) != 0)
            return false;
        return net_set_nonblocking(conn_, false) == 0;
    }
    bool send(const std::string &line) {
        std::string data = line + "\r\n";
        size_t off = 0;
        while (off < data.size()) {
            long n = net_send(conn_, data.data() + off, data.size() - off);
            if (n <= 0) return false;
            off += static_cast<size_t>(n);
        }
        return true;
    }
    // The next line the client sent, without its line end.
    std::optional<std::string> read_line() {
        uint64_t deadline = clock_monotonic_ms() + kWait;
        for (;;) {
            size_t lf = in_.find('\n');
            if (lf != std::string::npos) {
                std::string line = in_.substr(0, lf);
                in_.erase(0, lf + 1);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                return line;
            }
            if (!wait_socket(conn_, NET_POLL_READ, remaining_ms(deadline))) return std::nullopt;
            char buf[512];
            long n = net_recv(conn_, buf, sizeof buf);
            if (n <= 0) return std::nullopt;
            in_.append(buf, static_cast<size_t>(n));
        }
    }

private:
    net_socket listener_ = NET_INVALID_SOCKET;
    net_socket conn_ = NET_INVALID_SOCKET;
    int port_ = 0;
    std::string in_;
};

class ClientTty : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("LANG") && !std::getenv("LC_ALL")) setenv("LANG", "C.UTF-8", 1);
        ASSERT_TRUE(server_.ok()) << server_.error();
        ASSERT_TRUE(bob_.join(server_.port(), "bob"));
    }
    TestServer server_;
    TestClient bob_;
    Tmux tmux_;
};

TEST_F(ClientTty, IncomingMessageLeavesHalfTypedLineIntact) {
    ASSERT_TRUE(tmux_.start(natter_cmd(server_.port(), "alice"), 60, 12));
    ASSERT_TRUE(tmux_.wait_for("*** Now talking in #lobby.")) << tmux_.dump();
    ASSERT_TRUE(bob_.read_until("*** alice joined"));

    ASSERT_TRUE(tmux_.type("hello wor"));
    ASSERT_TRUE(tmux_.wait_for("alice #lobby> hello wor")) << tmux_.dump();
    ASSERT_TRUE(bob_.send_line("ping from bob"));
    ASSERT_TRUE(tmux_.wait_for("<bob> ping from bob")) << tmux_.dump();

    int msg_row = tmux_.find_row("<bob> ping from bob");
    int input_row = tmux_.find_row("alice #lobby> ");
    EXPECT_GT(input_row, msg_row) << tmux_.dump();
    ASSERT_TRUE(tmux_.wait_row(input_row, "alice #lobby> hello wor")) << tmux_.dump();
    int x, y;
    tmux_.cursor(&x, &y);
    EXPECT_EQ(x, 23);  // "alice #lobby> hello wor" is 23 columns
    EXPECT_EQ(y, input_row);

    ASSERT_TRUE(tmux_.type("ld 世界"));
    ASSERT_TRUE(tmux_.press("Enter"));
    std::optional<std::string> got = bob_.read_until("<alice>");
    ASSERT_TRUE(got);
    EXPECT_EQ(strip_timestamp(*got), "<alice> hello world 世界");
    EXPECT_TRUE(tmux_.wait_for("<alice> hello world 世界")) << tmux_.dump();
}

// Names come from the v1 welcome line and from joins; works the same with
// v2's member lists.
TEST_F(ClientTty, TabCompletesNamesIncludingUtf8AndListsOnSecondTab) {
    TestClient zhang, bobby;
    ASSERT_TRUE(zhang.join(server_.port(), "张三"));
    ASSERT_TRUE(tmux_.start(natter_cmd(server_.port(), "alice"), 60, 12));
    ASSERT_TRUE(tmux_.wait_for("*** Now talking in #lobby.")) << tmux_.dump();
    ASSERT_TRUE(bobby.join(server_.port(), "bobby"));
    ASSERT_TRUE(tmux_.wait_for("*** bobby joined")) << tmux_.dump();

    ASSERT_TRUE(tmux_.type("hi 张"));
    ASSERT_TRUE(tmux_.press("Tab"));
    ASSERT_TRUE(tmux_.wait_for("alice #lobby> hi 张三")) << tmux_.dump();
    ASSERT_TRUE(tmux_.type("and BO"));   // the space after 张三 came with it
    ASSERT_TRUE(tmux_.press("Tab"));     // bob, bobby: the common prefix
    ASSERT_TRUE(tmux_.wait_for("alice #lobby> hi 张三 and bob")) << tmux_.dump();
    ASSERT_TRUE(tmux_.press("Tab"));     // nothing to add: the list
    ASSERT_TRUE(tmux_.wait_for("bob  bobby")) << tmux_.dump();
    int list_row = tmux_.find_row("bob  bobby");
    int input_row = tmux_.find_row("alice #lobby> ");
    EXPECT_GT(input_row, list_row) << tmux_.dump();
    ASSERT_TRUE(tmux_.type("b"));
    ASSERT_TRUE(tmux_.press("Tab"));
    ASSERT_TRUE(tmux_.wait_row(input_row, "alice #lobby> hi 张三 and bobby")) << tmux_.dump();
    ASSERT_TRUE(tmux_.type("!"));
    ASSERT_TRUE(tmux_.press("Enter"));
    std::optional<std::string> got = bob_.read_until("<alice>");
    ASSERT_TRUE(got);
    EXPECT_EQ(strip_timestamp(*got), "<alice> hi 张三 and bobby !");
}

// Protocol v2 from a script: the prompt names the room, history is dim
// (checked in the pane's attributes), and Tab completes rooms and members.
TEST(ClientTtyV2, PromptShowsTheRoomHistoryIsDimTabCompletesRooms) {
    if (!std::getenv("LANG") && !std::getenv("LC_ALL")) setenv("LANG", "C.UTF-8", 1);
    ScriptServer srv;
    ASSERT_GT(srv.port(), 0);
    Tmux tmux;
    ASSERT_TRUE(tmux.start("env -u NO_COLOR TERM=xterm-256color " + natter_cmd(srv.port(), "alice"),
                           70, 16));
    ASSERT_TRUE(srv.accept_one());
    ASSERT_TRUE(srv.send("*** Welcome to natter. 2 user(s) online. What is your name?"));
    ASSERT_EQ(srv.read_line(), std::optional<std::string>("alice"));
    for (const char *line : {
             "*** You are alice. 3 user(s) online in 2 room(s). Type /help for commands.",
             "[19:00:05] #lobby *** alice joined",
             "*** Members of #lobby (3): @bob, carol, alice",
             "*** History of #lobby (2 lines):",
             "[19:00:01] #lobby <bob> earlier text",
             "[2026-11-30 19:00:01] #lobby * bob waved yesterday",
             "*** End of history of #lobby.",
             "*** Now talking in #lobby.",
             "[19:00:06] #lobby <carol> live text",
         })
        ASSERT_TRUE(srv.send(line));
    ASSERT_TRUE(tmux.wait_for("alice #lobby>")) << tmux.dump();
    ASSERT_TRUE(tmux.wait_for("<carol> live text")) << tmux.dump();
    EXPECT_EQ(tmux.dim_at("earlier text"), std::optional<bool>(true)) << tmux.dump();
    EXPECT_EQ(tmux.dim_at("<bob> earlier"), std::optional<bool>(true));
    EXPECT_EQ(tmux.dim_at("waved yesterday"), std::optional<bool>(true));
    EXPECT_EQ(tmux.dim_at("live text"), std::optional<bool>(false));
    EXPECT_EQ(tmux.dim_at("[19:00:06]"), std::optional<bool>(true));   // timestamps as before

    // Rooms and members from the lines above complete.
    ASSERT_TRUE(srv.send("*** Now talking in #rust."));
    ASSERT_TRUE(tmux.wait_for("alice #rust>")) << tmux.dump();
    ASSERT_TRUE(tmux.type("/join #lo"));
    ASSERT_TRUE(tmux.press("Tab"));
    ASSERT_TRUE(tmux.wait_for("alice #rust> /join #lobby")) << tmux.dump();
    ASSERT_TRUE(tmux.type("ca"));
    ASSERT_TRUE(tmux.press("Tab"));
    ASSERT_TRUE(tmux.wait_for("alice #rust> /join #lobby carol")) << tmux.dump();
    ASSERT_TRUE(tmux.press("Enter"));
    ASSERT_EQ(srv.read_line(), std::optional<std::string>("/join #lobby carol "));

    ASSERT_TRUE(srv.send("*** Now talking in no room. Type /join ROOM to join one."));
    ASSERT_TRUE(tmux.wait_row(tmux.find_row("Type /join ROOM") + 1, "alice>")) << tmux.dump();
    ASSERT_TRUE(srv.send("[19:00:07] *** alice is now known as Alice"));
    ASSERT_TRUE(tmux.wait_for("Alice>")) << tmux.dump();
}

TEST_F(ClientTty, WideCharactersEditByWholeCharacters) {
    ASSERT_TRUE(tmux_.start(natter_cmd(server_.port(), "alice"), 60, 12));
    ASSERT_TRUE(tmux_.wait_for("*** Now talking in #lobby.")) << tmux_.dump();
    ASSERT_TRUE(tmux_.type("你好世界"));
    ASSERT_TRUE(tmux_.wait_for("alice #lobby> 你好世界")) << tmux_.dump();
    ASSERT_TRUE(tmux_.press("Left"));
    ASSERT_TRUE(tmux_.press("Left"));
    ASSERT_TRUE(tmux_.press("BSpace"));
    ASSERT_TRUE(tmux_.type("x"));
    int row = tmux_.find_row("alice #lobby> ");
    ASSERT_TRUE(tmux_.wait_row(row, "alice #lobby> 你x世界")) << tmux_.dump();
    int x, y;
    tmux_.cursor(&x, &y);
    EXPECT_EQ(x, 14 + 2 + 1);  // prompt, one wide character, x
    ASSERT_TRUE(tmux_.press("Enter"));
    std::optional<std::string> got = bob_.read_until("<alice>");
    ASSERT_TRUE(got);
    EXPECT_EQ(strip_timestamp(*got), "<alice> 你x世界");
}

TEST_F(ClientTty, LongLineScrollsInsteadOfWrapping) {
    ASSERT_TRUE(tmux_.start(natter_cmd(server_.port(), "alice"), 30, 16));
    ASSERT_TRUE(tmux_.wait_for("*** Now talking in #lobby.")) << tmux_.dump();
    std::string text;
    for (int i = 0; i < 70; i++) text += static_cast<char>('a' + i % 26);
    ASSERT_TRUE(tmux_.type(text));
    // The end of the line is shown, right before the cursor; nothing wraps
    // onto the row below.
    ASSERT_TRUE(tmux_.wait_for(text.substr(text.size() - 10))) << tmux_.dump();
    std::vector<std::string> rows = tmux_.screen();
    int row = tmux_.find_row(text.substr(text.size() - 10));
    ASSERT_GE(row, 0);
    ASSERT_LT(static_cast<size_t>(row) + 1, rows.size()) << "the input line must not be the last row";
    EXPECT_LT(rows[static_cast<size_t>(row)].size(), 30u);
    EXPECT_EQ(rows[static_cast<size_t>(row) + 1], "") << tmux_.dump();
    int x, y;
    tmux_.cursor(&x, &y);
    EXPECT_EQ(y, row);
    EXPECT_LE(x, 29);
    ASSERT_TRUE(tmux_.press("Home"));
    ASSERT_TRUE(tmux_.wait_for("alice #lobby> abcdefghij")) << tmux_.dump();
    ASSERT_TRUE(tmux_.press("Enter"));
    std::optional<std::string> got = bob_.read_until("<alice>");
    ASSERT_TRUE(got);
    EXPECT_EQ(strip_timestamp(*got), "<alice> " + text);
}

TEST_F(ClientTty, AsksForNameAgainWhenRefusedAndCtrlCRestoresTerminal) {
    std::string file = stty_file("ctrlc");
    ASSERT_TRUE(tmux_.start(natter_then_stty(server_.port(), "", file), 70, 12));
    ASSERT_TRUE(tmux_.wait_for("Your name:")) << tmux_.dump();
    ASSERT_TRUE(tmux_.type("BOB"));
    ASSERT_TRUE(tmux_.press("Enter"));
    ASSERT_TRUE(tmux_.wait_for("is taken")) << tmux_.dump();
    int row = tmux_.find_row("is taken") + 1;
    ASSERT_TRUE(tmux_.wait_row(row, "Your name:")) << tmux_.dump();
    ASSERT_TRUE(tmux_.type("alice"));
    ASSERT_TRUE(tmux_.press("Enter"));
    ASSERT_TRUE(tmux_.wait_for("*** Now talking in #lobby.")) << tmux_.dump();
    ASSERT_TRUE(bob_.read_until("*** alice joined"));

    ASSERT_TRUE(tmux_.type("never sent"));
    ASSERT_TRUE(tmux_.press("C-c"));
    ASSERT_TRUE(tmux_.wait_for("STTY-DONE")) << tmux_.dump();
    EXPECT_GE(tmux_.find_row("EXIT=0"), 0) << tmux_.dump();
    expect_sane_terminal(file);
    std::optional<std::string> left = bob_.read_until("alice left");
    ASSERT_TRUE(left);
    EXPECT_EQ(strip_timestamp(*left), "*** alice left (quit)");
}

TEST_F(ClientTty, ServerHangUpRestoresTerminal) {
    std::string file = stty_file("hangup");
    ASSERT_TRUE(tmux_.start(natter_then_stty(server_.port(), "alice", file), 70, 12));
    ASSERT_TRUE(tmux_.wait_for("*** Now talking in #lobby.")) << tmux_.dump();
    ASSERT_TRUE(tmux_.type("half a line"));
    ASSERT_TRUE(tmux_.wait_for("alice #lobby> half a line")) << tmux_.dump();
    server_.stop();
    ASSERT_TRUE(tmux_.wait_for("STTY-DONE")) << tmux_.dump();
    EXPECT_GE(tmux_.find_row("natter: connection to server lost"), 0) << tmux_.dump();
    EXPECT_GE(tmux_.find_row("EXIT=1"), 0) << tmux_.dump();
    expect_sane_terminal(file);
}

}  // namespace
