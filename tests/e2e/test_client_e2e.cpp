// test_client_e2e.cpp - the natter client as a child process in pipe mode
// (stdin and stdout are pipes) against a real server in this process: lines
// go both ways, end of input quits cleanly, failures are one line on stderr
// with exit status 1. Every wait has a deadline.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/process.h"
#include "support/test_client.h"
#include "support/test_server.h"
#include "support/test_socket.h"

extern "C" {
#include "platform/net.h"
#include "platform/poll.h"
}

namespace {

constexpr int kWait = 10000;  // generous: wine and sanitizers are slow

std::string natter() { return natter_program("natter"); }

// Start natter with args; fails the test if it cannot be started.
void start(ChildProcess &p, const std::vector<std::string> &args) {
    std::string err;
    ASSERT_TRUE(p.start(natter(), args, &err)) << err;
}

std::vector<std::string> to(int port, const std::string &name = "") {
    std::vector<std::string> args;
    if (!name.empty()) {
        args.push_back("--name");
        args.push_back(name);
    }
    args.push_back("127.0.0.1");
    args.push_back(std::to_string(port));
    return args;
}

// A hand-made "server" that sends whatever a test wants.
class RawListener {
public:
    RawListener() {
        net_init();
        char err[256];
        if (net_listen("127.0.0.1", "0", &listener_, 1, err, sizeof err) == 1)
            port_ = net_local_port(listener_);
    }
    ~RawListener() {
        if (conn_ != NET_INVALID_SOCKET) net_close(conn_);
        if (listener_ != NET_INVALID_SOCKET) net_close(listener_);
        net_cleanup();
    }
    int port() const { return port_; }
    // Accept one connection (with a deadline); the socket is blocking.
    bool accept_one(int timeout_ms) {
        net_poll *p = net_poll_create();
        net_poll_clear(p);
        net_poll_add(p, listener_, NET_POLL_READ);
        bool ready = net_poll_wait(p, timeout_ms) > 0;
        net_poll_destroy(p);
        if (!ready || net_accept(listener_, &conn_) != 0) return false;
        net_set_nonblocking(conn_, false);
        return true;
    }
    bool send(const std::string &data) {
        return net_send(conn_, data.data(), data.size()) == static_cast<long>(data.size());
    }
    void close() {
        net_close(conn_);
        conn_ = NET_INVALID_SOCKET;
    }

private:
    net_socket listener_ = NET_INVALID_SOCKET;
    net_socket conn_ = NET_INVALID_SOCKET;
    int port_ = -1;
};

TEST(ClientCommandLine, HelpExitsZero) {
    ChildProcess p;
    start(p, {"--help"});
    int code = -1;
    ASSERT_TRUE(p.wait_exit(kWait, &code));
    EXPECT_EQ(code, 0);
    EXPECT_NE(p.stdout_text().find(
                  "Usage: natter [--name NAME] [--tls [--ca FILE | --insecure]] [HOST [PORT]]"),
              std::string::npos);
    EXPECT_EQ(p.stderr_text(), "");
}

TEST(ClientCommandLine, VersionExitsZero) {
    ChildProcess p;
    start(p, {"--version"});
    int code = -1;
    ASSERT_TRUE(p.wait_exit(kWait, &code));
    EXPECT_EQ(code, 0);
    EXPECT_EQ(p.stdout_text().rfind("natter ", 0), 0u);
}

TEST(ClientCommandLine, BadArgumentsExitTwoWithOneMessage) {
    const std::vector<std::vector<std::string>> cases = {
        {"--frobnicate"}, {"--name"}, {"host", "notaport"}, {"host:1", "2"},
        {"a", "1", "extra"}, {"[::1"}, {"host:70000"}};
    for (const auto &args : cases) {
        ChildProcess p;
        start(p, args);
        int code = -1;
        ASSERT_TRUE(p.wait_exit(kWait, &code));
        EXPECT_EQ(code, 2) << args[0];
        EXPECT_EQ(p.stderr_text().rfind("natter: ", 0), 0u) << p.stderr_text();
        EXPECT_EQ(p.stdout_text(), "");
    }
}

TEST(ClientPipe, ConnectionRefusedExitsOneWithOneLine) {
    int port = unused_loopback_port();
    ASSERT_GT(port, 0);
    ChildProcess p;
    start(p, to(port, "x"));
    p.close_stdin();
    int code = -1;
    ASSERT_TRUE(p.wait_exit(kWait, &code));
    EXPECT_EQ(code, 1);
    std::string err = p.stderr_text();
    std::string expected = "natter: cannot connect to 127.0.0.1:" + std::to_string(port) + ": ";
    EXPECT_EQ(err.rfind(expected, 0), 0u) << err;
    // The OS's reason, on one line (the wording differs on Windows).
    EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
    EXPECT_GT(err.size(), expected.size() + 1);
    EXPECT_EQ(p.stdout_text(), "");
}

TEST(ClientPipe, TwoClientsExchangeLines) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    ChildProcess alice, bob;
    start(alice, to(server.port(), "alice"));
    ASSERT_TRUE(alice.wait_stdout("*** You are alice.", kWait)) << alice.stdout_text();
    start(bob, to(server.port(), "bob"));
    ASSERT_TRUE(bob.wait_stdout("*** You are bob.", kWait)) << bob.stdout_text();

    ASSERT_TRUE(alice.write_stdin("hello bob\n"));
    EXPECT_TRUE(bob.wait_stdout("<alice> hello bob\n", kWait)) << bob.stdout_text();
    EXPECT_TRUE(alice.wait_stdout("<alice> hello bob\n", kWait)) << alice.stdout_text();
    ASSERT_TRUE(bob.write_stdin("你好 alice, CRLF too\r\n"));
    EXPECT_TRUE(alice.wait_stdout("<bob> 你好 alice, CRLF too\n", kWait)) << alice.stdout_text();
    EXPECT_TRUE(bob.wait_stdout("<bob> 你好 alice, CRLF too\n", kWait)) << bob.stdout_text();

    for (ChildProcess *p : {&alice, &bob}) {
        p->close_stdin();
        int code = -1;
        ASSERT_TRUE(p->wait_exit(kWait, &code));
        EXPECT_EQ(code, 0) << p->stderr_text();
        EXPECT_NE(p->stdout_text().find("*** Bye.\n"), std::string::npos);
        EXPECT_EQ(p->stderr_text(), "");
    }
}

TEST(ClientPipe, FirstLineIsTheNameAndEndOfInputQuits) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient watcher;
    ASSERT_TRUE(watcher.join(server.port(), "watcher"));

    ChildProcess p;
    start(p, to(server.port()));
    ASSERT_TRUE(p.write_stdin("carol\nhi all\nno newline at the end"));
    p.close_stdin();
    int code = -1;
    ASSERT_TRUE(p.wait_exit(kWait, &code));
    EXPECT_EQ(code, 0) << p.stderr_text();

    std::string out = p.stdout_text();
    size_t you = out.find("*** You are carol.");
    size_t said = out.find("<carol> hi all\n");
    size_t last = out.find("<carol> no newline at the end\n");
    size_t bye = out.find("*** Bye.\n");
    ASSERT_NE(you, std::string::npos) << out;
    ASSERT_NE(said, std::string::npos) << out;
    ASSERT_NE(last, std::string::npos) << out;
    ASSERT_NE(bye, std::string::npos) << out;
    EXPECT_LT(you, said);
    EXPECT_LT(said, last);
    EXPECT_LT(last, bye);

    EXPECT_TRUE(watcher.read_until("<carol> hi all"));
    EXPECT_TRUE(watcher.read_until("<carol> no newline at the end"));
    EXPECT_TRUE(watcher.read_until("*** carol left (quit)"));
}

TEST(ClientPipe, ExplicitQuitEndsCleanlyBeforeEndOfInput) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    ChildProcess p;
    start(p, to(server.port(), "dave"));
    // stdin stays open: the server's close after /quit ends the client.
    ASSERT_TRUE(p.write_stdin("/quit see you\n"));
    int code = -1;
    ASSERT_TRUE(p.wait_exit(kWait, &code));
    EXPECT_EQ(code, 0) << p.stderr_text();
    EXPECT_NE(p.stdout_text().find("*** Bye.\n"), std::string::npos);
}

TEST(ClientPipe, ServerGoingAwayIsConnectionLost) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    ChildProcess p;
    start(p, to(server.port(), "erin"));
    ASSERT_TRUE(p.wait_stdout("*** You are erin.", kWait));
    server.stop();
    int code = -1;
    ASSERT_TRUE(p.wait_exit(kWait, &code));
    EXPECT_EQ(code, 1);
    EXPECT_NE(p.stdout_text().find("*** Server is shutting down."), std::string::npos);
    EXPECT_EQ(p.stderr_text(), "natter: connection to server lost\n");
}

TEST(ClientPipe, RefusedNameWithNameOptionExitsOne) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient frank;
    ASSERT_TRUE(frank.join(server.port(), "frank"));
    ChildProcess p;
    start(p, to(server.port(), "FRANK"));
    int code = -1;
    ASSERT_TRUE(p.wait_exit(kWait, &code));
    EXPECT_EQ(code, 1);
    EXPECT_EQ(p.stderr_text(), "natter: the server refused the name: Name \"FRANK\" is taken.\n");
}

TEST(ClientPipe, ControlCharactersFromTheNetworkAreReplaced) {
    RawListener fake;
    ASSERT_GT(fake.port(), 0);
    ChildProcess p;
    start(p, to(fake.port(), "gina"));
    ASSERT_TRUE(fake.accept_one(kWait));
    ASSERT_TRUE(fake.send("*** hi \x1b[2J\x1b]0;title\x07 there\x9b\r\n"
                          "[12:00:00] <x> bad \xff\xfe utf8\r\n"));
    ASSERT_TRUE(p.wait_stdout("utf8\n", kWait)) << p.stdout_text();
    fake.close();
    int code = -1;
    ASSERT_TRUE(p.wait_exit(kWait, &code));
    EXPECT_EQ(code, 1);
    EXPECT_EQ(p.stderr_text(), "natter: connection to server lost\n");

    std::string out = p.stdout_text();
    for (char c : out) {
        unsigned char u = static_cast<unsigned char>(c);
        EXPECT_TRUE(u >= 0x20 || c == '\n') << "raw control byte " << int(u);
    }
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_NE(out.find("*** hi " + fffd + "[2J" + fffd + "]0;title" + fffd + " there"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("<x> bad " + fffd), std::string::npos) << out;
}

}  // namespace
