// test_tls_e2e.cpp - TLS end to end against a real server with throwaway
// certificates (support/test_certs): the natter client with --ca, without
// it, with --insecure and against the wrong name; `openssl s_client` as an
// independent client on both TLS ports; plain text and garbage on a TLS
// port; a handshake stalled half way while others chat; the handshake
// timeout; bad certificate files at start; SIGHUP reloading the files in a
// natter-server child. Every wait has a deadline; nothing sleeps for
// synchronisation. POSIX with the OpenSSL backend (CMake registers it there).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "e2e/child_server.h"
#include "e2e/client_files.h"
#include "support/process.h"
#include "support/test_certs.h"
#include "support/test_client.h"
#include "support/test_server.h"
#include "support/test_socket.h"

extern "C" {
#include "apps/bench/bench.h"
#include "core/transport.h"
#include "platform/clock.h"
#include "platform/poll.h"
#include "platform/tls.h"
}

namespace {

constexpr int kWait = 10000;  // generous: sanitizers and -j2 are slow

class Tls : public testing::Test {
protected:
    void SetUp() override {
        std::string err;
        ASSERT_FALSE(test_certs_dir(&err).empty()) << err;
    }

    // A server with both TLS ports on server.pem, plain natter and IRC too.
    void start_server(const std::function<void(server_config &)> &more = nullptr) {
        cert_ = test_cert("server.pem");
        key_ = test_cert("server.key");
        server_ = std::make_unique<TestServer>([&](server_config &c) {
            c.irc_port = "0";
            c.rate = 0;
            c.tls_cert = cert_.c_str();
            c.tls_key = key_.c_str();
            if (more) more(c);
        });
        ASSERT_TRUE(server_->ok()) << server_->error();
        ASSERT_GT(server_->tls_port(), 0);
        ASSERT_GT(server_->irc_tls_port(), 0);
    }

    // The natter client in pipe mode with args, then 127.0.0.1 and the
    // natter TLS port.
    void start_client(ChildProcess &p, std::vector<std::string> args) {
        args.push_back("127.0.0.1");
        args.push_back(std::to_string(server_->tls_port()));
        std::string err;
        ASSERT_TRUE(p.start(natter_program("natter"), args, &err)) << err;
    }

    // openssl s_client to port, trusting ca.pem and failing on a bad
    // certificate; it relays stdin and stdout like nc.
    void start_s_client(ChildProcess &p, int port) {
        std::string err;
        ASSERT_TRUE(p.start(NATTER_OPENSSL,
                            {"s_client", "-quiet", "-verify_return_error", "-CAfile",
                             test_cert("ca.pem"), "-connect", "127.0.0.1:" + std::to_string(port)},
                            &err))
            << err;
    }

    std::string cert_, key_;
    std::unique_ptr<TestServer> server_;
};

// What bob (plain text, in #lobby) hears next that contains needle, or "".
std::string hears(TestClient &c, const std::string &needle) {
    auto line = c.read_until(needle, kWait);
    return line ? strip_timestamp(*line) : "";
}

TEST_F(Tls, ClientWithCaChatsWithAPlainTextUser) {
    start_server();
    TestClient bob;
    ASSERT_TRUE(bob.join(server_->port(), "bob"));
    ChildProcess alice;
    start_client(alice, {"--name", "alice", "--ca", test_cert("ca.pem")});
    ASSERT_TRUE(alice.wait_stdout("*** Now talking in #lobby.", kWait))
        << alice.stdout_text() << alice.stderr_text();
    EXPECT_EQ(hears(bob, "joined"), "*** alice joined");
    // The log says which connections are TLS, and which version.
    EXPECT_TRUE(server_->log_contains("TLS TLSv1.3 with 127.0.0.1:"));
    ASSERT_TRUE(alice.write_stdin("hello over TLS\n"));
    EXPECT_EQ(hears(bob, "<alice>"), "<alice> hello over TLS");
    ASSERT_TRUE(bob.send_line("hi alice, in clear text"));
    EXPECT_TRUE(alice.wait_stdout("<bob> hi alice, in clear text", kWait)) << alice.stdout_text();
    alice.close_stdin();
    int code = -1;
    ASSERT_TRUE(alice.wait_exit(kWait, &code));
    EXPECT_EQ(code, 0) << alice.stderr_text();
    EXPECT_EQ(alice.stderr_text(), "");
    EXPECT_EQ(hears(bob, "left"), "*** alice left (quit)");
}

TEST_F(Tls, ClientChecksTheHostNameAsWellAsTheCa) {
    start_server();
    ChildProcess alice;
    std::string err;
    // "localhost" is in the certificate: verified by name, not address.
    ASSERT_TRUE(alice.start(natter_program("natter"),
                            {"--name", "alice", "--ca", test_cert("ca.pem"), "localhost",
                             std::to_string(server_->tls_port())},
                            &err))
        << err;
    // localhost may resolve to ::1 first, where the test server is not
    // listening; the client then tries 127.0.0.1.
    EXPECT_TRUE(alice.wait_stdout("*** You are alice.", kWait)) << alice.stderr_text();
    alice.close_stdin();
    int code = -1;
    ASSERT_TRUE(alice.wait_exit(kWait, &code));
    EXPECT_EQ(code, 0) << alice.stderr_text();
}

TEST_F(Tls, ClientRefusesACertificateItCannotVerify) {
    start_server();
    TestClient bob;
    ASSERT_TRUE(bob.join(server_->port(), "bob"));
    ChildProcess alice;
    // No --ca: the system's trust store knows nothing of the test CA.
    start_client(alice, {"--name", "alice", "--tls"});
    int code = -1;
    ASSERT_TRUE(alice.wait_exit(kWait, &code));
    EXPECT_EQ(code, 1);
    EXPECT_EQ(alice.stderr_text(),
              "natter: TLS: certificate verify failed (unable to get local issuer certificate); "
              "use --ca FILE to trust it\n");
    EXPECT_EQ(alice.stdout_text(), "");
    // The server saw a failed handshake, and nobody joined.
    EXPECT_TRUE(bob.quiet_for(300));

    ChildProcess eve;
    start_client(eve, {"--name", "eve", "--ca", test_cert("other-ca.pem")});
    ASSERT_TRUE(eve.wait_exit(kWait, &code));
    EXPECT_EQ(code, 1);
    EXPECT_EQ(eve.stderr_text(),
              "natter: TLS: certificate verify failed (unable to get local issuer certificate); "
              "is --ca the right file?\n");
}

TEST_F(Tls, ClientRefusesACertificateForAnotherName) {
    cert_ = test_cert("wrongname.pem");
    key_ = test_cert("wrongname.key");
    server_ = std::make_unique<TestServer>([&](server_config &c) {
        c.tls_cert = cert_.c_str();
        c.tls_key = key_.c_str();
    });
    ASSERT_TRUE(server_->ok()) << server_->error();
    ChildProcess alice;
    start_client(alice, {"--name", "alice", "--ca", test_cert("ca.pem")});
    int code = -1;
    ASSERT_TRUE(alice.wait_exit(kWait, &code));
    EXPECT_EQ(code, 1);
    // Trusted but for another address: the hint is the name, not --ca.
    EXPECT_EQ(alice.stderr_text(),
              "natter: TLS: certificate verify failed (IP address mismatch); the certificate "
              "is not for 127.0.0.1 (connect by a name it lists)\n");
}

TEST_F(Tls, InsecureSkipsVerificationWithAWarning) {
    cert_ = test_cert("self.pem");
    key_ = test_cert("self.key");
    server_ = std::make_unique<TestServer>([&](server_config &c) {
        c.tls_cert = cert_.c_str();
        c.tls_key = key_.c_str();
    });
    ASSERT_TRUE(server_->ok()) << server_->error();
    ChildProcess alice;
    start_client(alice, {"--name", "alice", "--insecure"});
    ASSERT_TRUE(alice.wait_stdout("*** You are alice.", kWait)) << alice.stderr_text();
    EXPECT_EQ(alice.stderr_text(),
              "natter: warning: --insecure: the server's certificate is not checked; anyone on "
              "the way can read and change this chat\n");
    alice.close_stdin();
    int code = -1;
    ASSERT_TRUE(alice.wait_exit(kWait, &code));
    EXPECT_EQ(code, 0);
}

TEST_F(Tls, OpensslSClientTalksOnBothTlsPorts) {
    start_server();
    TestClient bob;
    ASSERT_TRUE(bob.join(server_->port(), "bob"));

    ChildProcess sam;
    start_s_client(sam, server_->tls_port());
    ASSERT_TRUE(sam.wait_stdout("What is your name?", kWait)) << sam.stderr_text();
    ASSERT_TRUE(sam.write_stdin("sam\nhello from s_client\n"));
    EXPECT_EQ(hears(bob, "<sam>"), "<sam> hello from s_client");
    EXPECT_NE(sam.stderr_text().find("verify return:1"), std::string::npos) << sam.stderr_text();

    ChildProcess ivy;
    start_s_client(ivy, server_->irc_tls_port());
    ASSERT_TRUE(ivy.write_stdin("NICK ivy\r\nUSER ivy 0 * :Ivy\r\nJOIN #lobby\r\n"));
    ASSERT_TRUE(ivy.wait_stdout(" 001 ivy :Welcome", kWait)) << ivy.stdout_text();
    ASSERT_TRUE(ivy.wait_stdout(" 366 ivy #lobby ", kWait)) << ivy.stdout_text();
    ASSERT_TRUE(ivy.write_stdin("PRIVMSG #lobby :hello over IRC and TLS\r\n"));
    EXPECT_EQ(hears(bob, "<ivy>"), "<ivy> hello over IRC and TLS");
    ASSERT_TRUE(bob.send_line("welcome, both"));
    EXPECT_TRUE(ivy.wait_stdout(":bob!bob@natter PRIVMSG #lobby :welcome, both", kWait))
        << ivy.stdout_text();
    EXPECT_TRUE(sam.wait_stdout("<bob> welcome, both", kWait)) << sam.stdout_text();
    ASSERT_TRUE(sam.write_stdin("/quit\n"));
    EXPECT_EQ(hears(bob, "left"), "*** sam left (quit)");
    ASSERT_TRUE(ivy.write_stdin("QUIT :bye\r\n"));
    EXPECT_EQ(hears(bob, "left"), "*** ivy left (quit: bye)");
}

// TLS 1.2 renegotiation (s_client's "R" command) is refused: the client gets
// a no_renegotiation alert and is gone; nobody else notices.
TEST_F(Tls, RenegotiationIsRefused) {
    start_server();
    TestClient bob;
    ASSERT_TRUE(bob.join(server_->port(), "bob"));
    ChildProcess rita;
    std::string err;
    ASSERT_TRUE(rita.start(NATTER_OPENSSL,
                           {"s_client", "-tls1_2", "-CAfile", test_cert("ca.pem"), "-connect",
                            "127.0.0.1:" + std::to_string(server_->tls_port())},
                           &err))
        << err;
    ASSERT_TRUE(rita.wait_stdout("What is your name?", kWait)) << rita.stderr_text();
    ASSERT_TRUE(rita.write_stdin("rita\n"));
    EXPECT_EQ(hears(bob, "joined"), "*** rita joined");
    ASSERT_TRUE(rita.write_stdin("R\n"));
    EXPECT_TRUE(rita.wait_stderr("no renegotiation", kWait)) << rita.stderr_text();
    EXPECT_EQ(hears(bob, "left"), "*** rita left (connection closed)");
    ASSERT_TRUE(bob.send_line("carry on"));
    EXPECT_EQ(hears(bob, "<bob>"), "<bob> carry on");
}

TEST_F(Tls, PlainTextAndGarbageOnATlsPortAreClosedAndLogged) {
    start_server();
    TestClient bob;
    ASSERT_TRUE(bob.join(server_->port(), "bob"));
    TestClient plain;
    ASSERT_TRUE(plain.connect(server_->tls_port()));
    ASSERT_TRUE(plain.send_line("mallory"));
    EXPECT_TRUE(plain.wait_closed(kWait));
    TestClient garbage;
    ASSERT_TRUE(garbage.connect(server_->irc_tls_port()));
    ASSERT_TRUE(garbage.send_raw(std::string("\x16\x03\x01\x00\x05\xff\xff\xff\xff\xff", 10)));
    EXPECT_TRUE(garbage.wait_closed(kWait));
    // Nobody else noticed.
    ASSERT_TRUE(bob.send_line("still here"));
    EXPECT_EQ(hears(bob, "<bob>"), "<bob> still here");
    EXPECT_TRUE(server_->log_contains("failed: peer did not speak TLS (wrong version number)"));
}

TEST_F(Tls, AStalledHandshakeCostsTheOthersNothingAndTimesOut) {
    start_server([](server_config &c) { c.tls_handshake_timeout_ms = 1500; });
    // Half a ClientHello: a record header promising 512 bytes, then 20.
    TestClient stalled;
    ASSERT_TRUE(stalled.connect(server_->tls_port()));
    std::string half("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
    half.append(9, '\x42');
    ASSERT_TRUE(stalled.send_raw(half));

    // Meanwhile others connect (one over TLS) and chat.
    TestClient bob;
    ASSERT_TRUE(bob.join(server_->port(), "bob"));
    ChildProcess alice;
    start_client(alice, {"--name", "alice", "--ca", test_cert("ca.pem")});
    ASSERT_TRUE(alice.wait_stdout("*** Now talking in #lobby.", kWait)) << alice.stderr_text();
    ASSERT_TRUE(alice.write_stdin("the stalled one does not slow me\n"));
    EXPECT_EQ(hears(bob, "<alice>"), "<alice> the stalled one does not slow me");

    // And the stalled handshake is given up on.
    EXPECT_TRUE(stalled.wait_closed(kWait));
    EXPECT_TRUE(server_->log_contains("TLS handshake with 127.0.0.1:"));
    EXPECT_TRUE(server_->log_contains("timed out"));
}

TEST_F(Tls, NoPlainLeavesOnlyTheTlsPorts) {
    start_server([](server_config &c) { c.no_plain = true; });
    EXPECT_EQ(server_->port(), 0);
    EXPECT_EQ(server_->irc_port(), 0);
    ChildProcess alice;
    start_client(alice, {"--name", "alice", "--ca", test_cert("ca.pem")});
    EXPECT_TRUE(alice.wait_stdout("*** You are alice.", kWait)) << alice.stderr_text();
}

// A client that sends its commands and then only a TCP FIN - no TLS
// close_notify, as a program does that simply exits - still gets every reply:
// the server reads that close as the end of the stream, as on a plain port,
// and sends what it owes before closing (300 /help lists, about 190 KB, more
// than the kernel buffers hold, so it also takes more than one TLS record per
// send).
TEST_F(Tls, ABareTcpCloseAfterTheCommandsStillGetsEveryReply) {
    start_server();
    char err[256] = "";
    tls_client_ctx *ctx = tls_client_ctx_create(test_cert("ca.pem").c_str(), false, err, sizeof err);
    ASSERT_NE(ctx, nullptr) << err;
    std::unique_ptr<tls_client_ctx, void (*)(tls_client_ctx *)> ctx_owner(ctx, tls_client_ctx_free);
    std::unique_ptr<net_poll, void (*)(net_poll *)> poll(net_poll_create(), net_poll_destroy);
    ASSERT_NE(poll, nullptr);
    net_socket s = NET_INVALID_SOCKET;
    ASSERT_EQ(0, net_connect("127.0.0.1", std::to_string(server_->tls_port()).c_str(), &s, kWait,
                             err, sizeof err))
        << err;
    struct Closer {
        net_socket s;
        ~Closer() { net_close(s); }
    } closer{s};
    net_set_nonblocking(s, true);
    transport t;
    transport_init_plain(&t, s);
    ASSERT_EQ(0, transport_init_tls_client(&t, s, ctx, "127.0.0.1", err, sizeof err)) << err;
    std::unique_ptr<transport, void (*)(transport *)> t_owner(&t, transport_free);
    ASSERT_EQ(TRANSPORT_DONE, transport_handshake_wait(&t, poll.get(), kWait))
        << transport_error(&t);
    constexpr int kCommands = 300;
    std::string out = "alice\n";
    for (int i = 0; i < kCommands; i++) out += "/help\n";
    ASSERT_EQ(0, transport_send_wait(&t, poll.get(), out.data(), out.size(), kWait));
    net_shutdown_write(s);

    std::string got;
    char buf[16384];
    const uint64_t deadline = clock_monotonic_ms() + kWait;
    for (;;) {
        long n = transport_recv(&t, buf, sizeof buf);
        if (n > 0) {
            got.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n != NET_WOULD_BLOCK) break;  // the end (0) or an error: all there is
        const uint64_t now = clock_monotonic_ms();
        ASSERT_LT(now, deadline) << "no end of stream; " << got.size() << " bytes so far";
        net_poll_clear(poll.get());
        ASSERT_EQ(0, net_poll_add(poll.get(), s, transport_poll_events(&t, true, false)));
        net_poll_wait(poll.get(), static_cast<long>(deadline - now));
    }
    size_t lists = 0;
    for (size_t at = 0; (at = got.find("***   /help ", at)) != std::string::npos; at++) lists++;
    EXPECT_EQ(lists, static_cast<size_t>(kCommands)) << got.size() << " bytes received";
}

// server_create's answer for a configuration, "" if it started.
std::string start_error(const std::string &cert, const std::string &key, bool no_plain = false) {
    TestServer s([&](server_config &c) {
        c.tls_cert = cert.empty() ? nullptr : cert.c_str();
        c.tls_key = key.empty() ? nullptr : key.c_str();
        c.no_plain = no_plain;
    });
    return s.ok() ? "" : s.error();
}

TEST_F(Tls, BadCertificateFilesAreOneClearError) {
    const std::string cert = test_cert("server.pem"), key = test_cert("server.key");
    EXPECT_EQ(start_error(cert, ""), "TLS needs both --tls-cert and --tls-key");
    EXPECT_EQ(start_error("", "", true), "--no-plain needs --tls-cert and --tls-key");
    EXPECT_EQ(
        start_error(test_cert("missing.pem"), key),
        "cannot read certificate " + test_cert("missing.pem") + ": No such file or directory");
    EXPECT_EQ(start_error(cert, test_cert("other.key")),
              test_cert("other.key") + " does not match the certificate in " + cert);
    EXPECT_EQ(start_error(key, key).rfind(key + " is not a PEM certificate", 0), 0u)
        << start_error(key, key);
    EXPECT_EQ(start_error(cert, cert).rfind(cert + " is not a PEM private key", 0), 0u)
        << start_error(cert, cert);
    // OpenSSL would ask for the pass phrase on the terminal and stop the
    // loop; natter refuses the key instead.
    const std::string encrypted = test_cert("encrypted.key");
    EXPECT_EQ(start_error(cert, encrypted),
              encrypted + " is encrypted; natter needs the key without a pass phrase (openssl pkey -in " +
                  encrypted + " -out plain.key)");
}

// weechat-headless on the IRC TLS port, verifying the certificate against
// the test CA (weechat uses GnuTLS: a third TLS implementation).
TEST_F(Tls, WeechatTalksOverIrcTls) {
    start_server();
    TestClient bob;
    ASSERT_TRUE(bob.join(server_->port(), "bob"));
    TempDir tmp(NATTER_TLS_TMP);
    ASSERT_TRUE(tmp.ok());
    const std::string dir = tmp.path();
    ChildProcess wee;
    std::string err;
    const std::string fifo =
        start_weechat(wee, NATTER_WEECHAT, dir, server_->irc_tls_port(),
                      "/set weechat.network.gnutls_ca_user " + test_cert("ca.pem"),
                      "-ssl -ssl_verify", &err);
    ASSERT_FALSE(fifo.empty()) << err;
    const std::string server_log = dir + "/logs/irc.server.natter.weechatlog";
    const std::string lobby_log = dir + "/logs/irc.natter.#lobby.weechatlog";
    EXPECT_NE(read_file(server_log).find("gnutls: peer's certificate is trusted"),
              std::string::npos)
        << read_file(server_log);

    ASSERT_TRUE(fifo_line(fifo, "irc.server.natter */join #lobby"));
    EXPECT_EQ(hears(bob, "joined"), "*** wendy joined");
    // The channel's buffer exists once weechat has seen its own JOIN.
    ASSERT_TRUE(wait_file(lobby_log, "wendy (~wendy@natter) has joined #lobby"))
        << read_file(lobby_log);
    ASSERT_TRUE(fifo_line(fifo, "irc.natter.#lobby *hello from weechat over TLS"));
    EXPECT_EQ(hears(bob, "<wendy>"), "<wendy> hello from weechat over TLS");
    ASSERT_TRUE(bob.send_line("hi wendy"));
    EXPECT_TRUE(wait_file(lobby_log, "bob\thi wendy")) << read_file(lobby_log);
    ASSERT_TRUE(fifo_line(fifo, "irc.server.natter */quit encrypted goodbye"));
    EXPECT_EQ(hears(bob, "left"), "*** wendy left (quit: encrypted goodbye)");
    int code = -1;
    EXPECT_TRUE(wee.wait_exit(kWait, &code)) << read_file(dir + "/weechat.log");
}

// natter-bench over TLS: every client handshakes, every message arrives.
TEST_F(Tls, BenchRunOverTlsLosesNothing) {
    start_server();
    const std::string port = std::to_string(server_->tls_port());
    const std::string ca = test_cert("ca.pem");
    bench_config cfg;
    bench_config_defaults(&cfg);
    cfg.port = port.c_str();
    cfg.clients = 20;
    cfg.senders = 3;
    cfg.messages = 200;
    cfg.window = 8;
    cfg.size = 900;  // near --max-line: records carry several lines, and split them
    cfg.hello = "t%d";
    cfg.tls = true;
    cfg.ca_file = ca.c_str();
    cfg.duration_limit_s = 60;
    bench_result res;
    char err[512] = "";
    ASSERT_EQ(bench_run(&cfg, &res, err, sizeof err), 0) << err;
    EXPECT_EQ(res.clients_connected, 20);
    EXPECT_GT(res.handshake_total_ms, 0.0);
    EXPECT_EQ(res.delivered, 600u * 19u);
    EXPECT_TRUE(bench_result_clean(&res));

    const std::string other = test_cert("other-ca.pem");
    cfg.ca_file = other.c_str();
    EXPECT_EQ(bench_run(&cfg, &res, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("certificate verify failed"), std::string::npos) << err;
}

// SIGHUP in a real natter-server: the files are read again for new
// connections, those already connected stay, and a broken file keeps the
// certificate in use.
TEST_F(Tls, SighupReloadsTheCertificateWithoutDroppingAnyone) {
    std::string why;
    if (!ChildServer::supported(&why)) GTEST_SKIP() << why;
    // The certificate directory is this process's own.
    const std::string dir = test_cert("reload");
    std::filesystem::create_directories(dir);
    const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
    auto install = [&](const std::string &name) {
        std::filesystem::copy_file(test_cert(name + ".pem"), cert,
                                   std::filesystem::copy_options::overwrite_existing);
        std::filesystem::copy_file(test_cert(name + ".key"), key,
                                   std::filesystem::copy_options::overwrite_existing);
    };
    install("server");
    ChildServer srv;
    std::string err;
    // --tls-port 0 turns the port off, so the child is given a free one.
    const int tls_port = unused_loopback_port();
    ASSERT_GT(tls_port, 0);
    ASSERT_TRUE(srv.start({"--tls-cert", cert, "--tls-key", key, "--tls-port",
                           std::to_string(tls_port), "--irc-tls-port", "0", "--rate", "0"},
                          0, &err))
        << err;
    ASSERT_EQ(srv.listener_port("natter over TLS"), tls_port) << srv.output();
    auto client = [&](ChildProcess &p, const std::string &name, const std::string &ca) {
        std::string e;
        ASSERT_TRUE(p.start(
            natter_program("natter"),
            {"--name", name, "--ca", test_cert(ca), "127.0.0.1", std::to_string(tls_port)}, &e))
            << e;
    };

    ChildProcess alice;
    client(alice, "alice", "ca.pem");
    ASSERT_TRUE(alice.wait_stdout("*** Now talking in #lobby.", kWait)) << alice.stderr_text();

    install("other");
    ASSERT_TRUE(srv.hangup());
    ASSERT_TRUE(srv.wait_output("TLS certificate and key reloaded from " + cert, kWait))
        << srv.output();
    ChildProcess bob;
    client(bob, "bob", "other-ca.pem");
    ASSERT_TRUE(bob.wait_stdout("*** Now talking in #lobby.", kWait)) << bob.stderr_text();
    // alice, connected with the old certificate, is still there.
    ASSERT_TRUE(alice.write_stdin("still connected\n"));
    EXPECT_TRUE(bob.wait_stdout("<alice> still connected", kWait)) << bob.stdout_text();
    // A newcomer trusting only the old CA is refused now.
    ChildProcess carol;
    client(carol, "carol", "ca.pem");
    int code = -1;
    ASSERT_TRUE(carol.wait_exit(kWait, &code));
    EXPECT_EQ(code, 1);

    // A broken file (a renewal copied half way) keeps what is in use.
    {
        std::ofstream broken(cert, std::ios::trunc);
        broken << "-----BEGIN CERTIFICATE-----\nnot really\n";
    }
    ASSERT_TRUE(srv.hangup());
    ASSERT_TRUE(srv.wait_output("TLS reload failed: ", kWait)) << srv.output();
    EXPECT_TRUE(srv.wait_output("keeping the certificate in use", kWait)) << srv.output();
    ChildProcess dave;
    client(dave, "dave", "other-ca.pem");
    EXPECT_TRUE(dave.wait_stdout("*** You are dave.", kWait)) << dave.stderr_text();
    EXPECT_TRUE(alice.wait_stdout("*** dave joined", kWait)) << alice.stdout_text();
    EXPECT_EQ(srv.terminate(kWait), 0) << srv.errors();
}

}  // namespace
