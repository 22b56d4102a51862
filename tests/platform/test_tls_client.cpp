// test_tls_client.cpp - the client side of platform/tls.h (OpenSSL natively,
// Schannel under wine) against servers that are not ours: openssl s_server
// -rev instances started by the tls_peer fixture (tests/support/tls_peer.sh),
// which echo each line reversed. Covers the handshake and a round trip with
// a --ca file by name and by IP address, through an intermediate CA, with
// several CAs in the file, TLS 1.2, a large exchange through small socket
// buffers, the system trust store, an unrelated CA, a host name or address
// mismatch, an expired certificate, self-signed certificates (refused,
// trusted as their own CA, accepted with insecure), the peer closing, a
// plain-text peer, one that hangs up, and unreadable CA files. Every wait
// has a deadline.
#include "socket_helpers.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

extern "C" {
#include "platform/tls.h"
}

using natter_test::NetTest;
using natter_test::Socket;

namespace {

// Written by tls_peer.sh start: ports and certificate paths.
std::map<std::string, std::string> read_peer_env()
{
    std::map<std::string, std::string> env;
    std::ifstream in(NATTER_TLS_PEER_ENV);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        size_t eq = line.find('=');
        if (eq != std::string::npos)
            env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
}

bool starts_with(const std::string &s, const std::string &prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

std::string reversed(std::string s)
{
    return std::string(s.rbegin(), s.rend());
}

// A client context and one connection over a socket, freed in order.
struct Client {
    tls_client_ctx *ctx = nullptr;
    Socket sock;
    tls_conn *conn = nullptr;
    ~Client()
    {
        tls_conn_free(conn);
        tls_client_ctx_free(ctx);
    }
};

// Calls op until it gives something other than TLS_WANT_*, waiting for the
// readiness it asks for (or, with decrypted bytes pending, not waiting);
// TLS_WANT_READ when the deadline passes first.
template <typename Op> long drive(Client &c, Op op, long timeout_ms = natter_test::kDeadlineMs)
{
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)timeout_ms;
    for (;;) {
        long r = op();
        if (r != TLS_WANT_READ && r != TLS_WANT_WRITE)
            return r;
        if (r == TLS_WANT_READ && tls_pending(c.conn))
            continue;
        uint64_t now = clock_monotonic_ms();
        if (now >= deadline)
            return r;
        natter_test::wait_for(c.sock.get(), r == TLS_WANT_READ ? NET_POLL_READ : NET_POLL_WRITE,
                              (long)(deadline - now));
    }
}

class TlsClient : public NetTest {
protected:
    void SetUp() override
    {
        NetTest::SetUp();
        env_ = read_peer_env();
        ASSERT_FALSE(env_["CA_PORT"].empty())
            << "no servers: " << NATTER_TLS_PEER_ENV
            << " is missing or incomplete (the tls_peer fixture writes it)";
    }

    std::string env(const char *key) { return env_[key]; }
    int port(const char *key) { return std::stoi(env_[key]); }

    // Context, TCP connection to 127.0.0.1:port (non-blocking) and the TLS
    // connection for host_name, asserting each step.
    void connect(Client &c, int port, const char *host_name, const char *ca_file,
                 bool insecure = false)
    {
        char err[256] = "";
        c.ctx = tls_client_ctx_create(ca_file, insecure, err, sizeof err);
        ASSERT_NE(nullptr, c.ctx) << err;
        c.sock = natter_test::connect_to("127.0.0.1", port);
        ASSERT_TRUE(c.sock.valid());
        ASSERT_EQ(0, net_set_nonblocking(c.sock.get(), true));
        c.conn = tls_conn_connect(c.ctx, c.sock.get(), host_name, err, sizeof err);
        ASSERT_NE(nullptr, c.conn) << err;
    }

    long handshake(Client &c)
    {
        return drive(c, [&] { return (long)tls_handshake(c.conn); });
    }

    // Write all of text as a byte queue: after TLS_WANT_* the same bytes go
    // again, after a count the rest.
    void write_all(Client &c, const std::string &text)
    {
        size_t done = 0;
        while (done < text.size()) {
            long n = drive(c, [&] {
                return tls_write(c.conn, text.data() + done, text.size() - done);
            });
            ASSERT_GT(n, 0) << "tls_write: " << tls_conn_error(c.conn);
            ASSERT_LE((size_t)n, text.size() - done);
            done += (size_t)n;
        }
    }

    // Read until want bytes came, the peer closed or the deadline passed.
    std::string read_bytes(Client &c, size_t want, long *last = nullptr)
    {
        std::string got;
        uint64_t deadline = clock_monotonic_ms() + (uint64_t)natter_test::kDeadlineMs;
        long n = 0;
        while (got.size() < want && clock_monotonic_ms() < deadline) {
            char buf[1024];
            n = drive(
                c, [&] { return tls_read(c.conn, buf, sizeof buf); },
                (long)(deadline - clock_monotonic_ms()));
            if (n <= 0)
                break;
            got.append(buf, (size_t)n);
        }
        if (last)
            *last = n;
        return got;
    }

    // Handshake, then one line there and its reversal back.
    void expect_round_trip(Client &c, const std::string &line)
    {
        ASSERT_EQ(TLS_OK, handshake(c)) << tls_conn_error(c.conn);
        std::string version = tls_conn_version(c.conn);
        EXPECT_TRUE(version == "TLSv1.2" || version == "TLSv1.3") << version;
        write_all(c, line + "\n");
        long last = 0;
        EXPECT_EQ(reversed(line) + "\n", read_bytes(c, line.size() + 1, &last))
            << "last tls_read " << last << ": " << tls_conn_error(c.conn);
    }

    // A handshake that must fail verification; the reason it gave.
    std::string expect_verify_failure(Client &c)
    {
        EXPECT_EQ(TLS_ERROR, handshake(c));
        EXPECT_TRUE(tls_conn_verify_failed(c.conn)) << tls_conn_error(c.conn);
        std::string error = tls_conn_error(c.conn);
        EXPECT_TRUE(starts_with(error, "certificate verify failed (")) << error;
        EXPECT_EQ(std::string::npos, error.find('\n')) << error;
        EXPECT_STREQ("", tls_conn_version(c.conn));
        return error;
    }

private:
    std::map<std::string, std::string> env_;
};

} // namespace

TEST_F(TlsClient, BackendSaysWhatItCanDo)
{
    EXPECT_TRUE(tls_client_available());
    std::string name = tls_backend_name();
    EXPECT_FALSE(name.empty());
    if (name == "Schannel") {
        // Client only: the server side says so in the usual words.
        EXPECT_FALSE(tls_server_available());
        char err[256] = "";
        EXPECT_EQ(nullptr, tls_server_ctx_create("cert.pem", "key.pem", err, sizeof err));
        EXPECT_STREQ("TLS is not available in this build", err);
    } else {
        EXPECT_TRUE(tls_server_available()) << name;
    }
}

TEST_F(TlsClient, RoundTripWithCaFileByHostName)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("CA_PORT"), "localhost", env("CA_FILE").c_str()));
    expect_round_trip(c, "hello natter");
    EXPECT_FALSE(tls_conn_verify_failed(c.conn));
    tls_close_notify(c.conn);
}

TEST_F(TlsClient, RoundTripWithCaFileByIpAddress)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("CA_PORT"), "127.0.0.1", env("CA_FILE").c_str()));
    expect_round_trip(c, "by address");
}

TEST_F(TlsClient, RoundTripOverTls12)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("CA12_PORT"), "localhost", env("CA_FILE").c_str()));
    expect_round_trip(c, "twelve");
    EXPECT_STREQ("TLSv1.2", tls_conn_version(c.conn));
}

// The server sends its certificate and the intermediate CA that signed it;
// the file has only the root.
TEST_F(TlsClient, RoundTripThroughAnIntermediateCa)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("CHAIN_PORT"), "localhost", env("CA_FILE").c_str()));
    expect_round_trip(c, "via the intermediate");
}

// A CA file with two certificates, the one that matters second.
TEST_F(TlsClient, RoundTripWithSeveralCasInTheFile)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(
        connect(c, port("CA_PORT"), "localhost", env("BOTH_CA_FILE").c_str()));
    expect_round_trip(c, "second of two");
}

// Many lines in one go: several records each way, writes the socket takes
// only partly, reads that leave decrypted bytes pending.
TEST_F(TlsClient, ManyLinesBothWays)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("CA_PORT"), "localhost", env("CA_FILE").c_str()));
    ASSERT_EQ(TLS_OK, handshake(c)) << tls_conn_error(c.conn);
    std::string sent, expected;
    for (int i = 0; i < 400; i++) {
        std::string line = "line " + std::to_string(i) + " " + std::string(90, (char)('a' + i % 26));
        sent += line + "\n";
        expected += reversed(line) + "\n";
    }
    write_all(c, sent);
    long last = 0;
    std::string got = read_bytes(c, expected.size(), &last);
    EXPECT_EQ(expected.size(), got.size()) << "last tls_read " << last << ": "
                                           << tls_conn_error(c.conn);
    EXPECT_TRUE(got == expected);
}

// Writing and reading at once through tiny socket buffers: the socket takes
// records only in part (TLS_WANT_WRITE, then the same bytes again), replies
// arrive while we write, and decrypted bytes wait in tls_pending().
TEST_F(TlsClient, LargeExchangeThroughSmallSocketBuffers)
{
    Client c;
    // A server of its own: s_server serves one connection at a time.
    ASSERT_NO_FATAL_FAILURE(connect(c, port("BULK_PORT"), "localhost", env("CA_FILE").c_str()));
    ASSERT_EQ(0, net_set_buffer_sizes(c.sock.get(), 0, 4096));
    ASSERT_EQ(TLS_OK, handshake(c)) << tls_conn_error(c.conn);
    std::string sent, expected;
    for (int i = 0; i < 3000; i++) {
        std::string line = std::to_string(i) + ":" + std::string(100, (char)('A' + i % 26));
        sent += line + "\n";
        expected += reversed(line) + "\n";
    }
    size_t done = 0;
    std::string got;
    uint64_t deadline = clock_monotonic_ms() + 4 * (uint64_t)natter_test::kDeadlineMs;
    while (got.size() < expected.size() && clock_monotonic_ms() < deadline) {
        int wait = 0;
        bool progress = false;
        if (done < sent.size()) {
            long n = tls_write(c.conn, sent.data() + done, sent.size() - done);
            if (n > 0) {
                ASSERT_LE((size_t)n, sent.size() - done);
                done += (size_t)n;
                progress = true;
            } else if (n == TLS_WANT_WRITE) {
                wait |= NET_POLL_WRITE;
            } else if (n == TLS_WANT_READ) {
                wait |= NET_POLL_READ;
            } else {
                FAIL() << "tls_write " << n << ": " << tls_conn_error(c.conn);
            }
        }
        char buf[4096];
        long r = tls_read(c.conn, buf, sizeof buf);
        if (r > 0) {
            got.append(buf, (size_t)r);
            progress = true;
        } else if (r == TLS_WANT_READ) {
            progress = progress || tls_pending(c.conn);
            wait |= NET_POLL_READ;
        } else if (r == TLS_WANT_WRITE) {
            wait |= NET_POLL_WRITE;
        } else {
            FAIL() << "tls_read " << r << " after " << got.size() << " bytes: "
                   << tls_conn_error(c.conn);
        }
        if (!progress) {
            uint64_t now = clock_monotonic_ms();
            natter_test::wait_for(c.sock.get(), wait, now < deadline ? (long)(deadline - now) : 0);
        }
    }
    EXPECT_EQ(sent.size(), done);
    EXPECT_EQ(expected.size(), got.size());
    EXPECT_TRUE(got == expected);
}

TEST_F(TlsClient, PeerClosingReadsAsEnd)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("CA_PORT"), "localhost", env("CA_FILE").c_str()));
    ASSERT_EQ(TLS_OK, handshake(c)) << tls_conn_error(c.conn);
    // s_server -rev ends the connection on a line saying CLOSE.
    write_all(c, "CLOSE\n");
    long last = TLS_ERROR;
    read_bytes(c, 1u << 20, &last);
    EXPECT_EQ(0, last) << tls_conn_error(c.conn);
}

// The server sends a connection's output with one tls_write per pass, so a
// backend that serves must put out more than one record (16 KB) per call
// while the socket takes it, or a big reply would trickle out 16 KB a pass.
// Schannel here is client-only and sends a record per call (a client's
// lines are short).
TEST_F(TlsClient, OneWriteSendsMoreThanOneRecordWhenTheSocketTakesIt)
{
    if (!tls_server_available())
        GTEST_SKIP() << "this backend has no server side; it writes one record per call";
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("CA_PORT"), "localhost", env("CA_FILE").c_str()));
    ASSERT_EQ(TLS_OK, handshake(c)) << tls_conn_error(c.conn);
    const std::string big(48 * 1024, 'x');
    long n = drive(c, [&] { return tls_write(c.conn, big.data(), big.size()); });
    EXPECT_GT(n, 16384) << tls_conn_error(c.conn);
}

TEST_F(TlsClient, SystemStoreRefusesAPrivateCa)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("CA_PORT"), "localhost", nullptr));
    expect_verify_failure(c);
}

TEST_F(TlsClient, UnrelatedCaFileIsRefused)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(
        connect(c, port("CA_PORT"), "localhost", env("OTHER_CA_FILE").c_str()));
    EXPECT_EQ("certificate verify failed (unable to get local issuer certificate)",
              expect_verify_failure(c));
}

TEST_F(TlsClient, HostNameMismatchIsRefused)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(
        connect(c, port("CA_PORT"), "example.invalid", env("CA_FILE").c_str()));
    EXPECT_EQ("certificate verify failed (hostname mismatch)", expect_verify_failure(c));
    EXPECT_TRUE(tls_conn_wrong_name(c.conn));
}

// The certificate has IP 127.0.0.1 only; the check is for 127.0.0.2.
TEST_F(TlsClient, IpAddressMismatchIsRefused)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("CA_PORT"), "127.0.0.2", env("CA_FILE").c_str()));
    EXPECT_EQ("certificate verify failed (IP address mismatch)", expect_verify_failure(c));
    EXPECT_TRUE(tls_conn_wrong_name(c.conn));
}

TEST_F(TlsClient, ExpiredCertificateIsRefused)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("EXPIRED_PORT"), "localhost", env("CA_FILE").c_str()));
    EXPECT_EQ("certificate verify failed (certificate has expired)", expect_verify_failure(c));
}

TEST_F(TlsClient, SelfSignedIsRefusedByTheSystemStore)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("SELF_PORT"), "localhost", nullptr));
    EXPECT_EQ("certificate verify failed (self-signed certificate)", expect_verify_failure(c));
    EXPECT_FALSE(tls_conn_wrong_name(c.conn)); // --ca would fix this one
}

TEST_F(TlsClient, SelfSignedIsTrustedAsItsOwnCa)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("SELF_PORT"), "localhost", env("SELF_CERT").c_str()));
    expect_round_trip(c, "trust me");
}

TEST_F(TlsClient, InsecureAcceptsSelfSigned)
{
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, port("SELF_PORT"), "example.invalid", nullptr, true));
    expect_round_trip(c, "no questions asked");
    EXPECT_FALSE(tls_conn_verify_failed(c.conn));
}

// A server that answers in plain text: an error, not a verification failure.
TEST_F(TlsClient, PlainTextPeerFails)
{
    int listen_port = 0;
    Socket listener = natter_test::listen_loopback(&listen_port);
    ASSERT_TRUE(listener.valid());
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, listen_port, "localhost", env("CA_FILE").c_str()));
    Socket server = natter_test::accept_within(listener.get());
    ASSERT_TRUE(server.valid());
    ASSERT_TRUE(natter_test::send_all(server.get(),
                                      "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    EXPECT_EQ(TLS_ERROR, handshake(c));
    EXPECT_FALSE(tls_conn_verify_failed(c.conn));
    std::string error = tls_conn_error(c.conn);
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(std::string::npos, error.find('\n')) << error;
}

// A server that hangs up at once: the same words from every backend.
TEST_F(TlsClient, PeerClosingDuringTheHandshakeFails)
{
    int listen_port = 0;
    Socket listener = natter_test::listen_loopback(&listen_port);
    ASSERT_TRUE(listener.valid());
    Client c;
    ASSERT_NO_FATAL_FAILURE(connect(c, listen_port, "localhost", env("CA_FILE").c_str()));
    Socket server = natter_test::accept_within(listener.get());
    ASSERT_TRUE(server.valid());
    // FIN without RST: the server keeps its end open, so the ClientHello
    // arriving there does not make the kernel reset the connection.
    ASSERT_EQ(0, net_shutdown_write(server.get()));
    EXPECT_EQ(TLS_ERROR, handshake(c));
    EXPECT_FALSE(tls_conn_verify_failed(c.conn));
    EXPECT_STREQ("connection closed during the handshake", tls_conn_error(c.conn));
}

TEST_F(TlsClient, MissingCaFileIsRefusedWithAReason)
{
    char err[256] = "";
    std::string path = env("CA_FILE") + ".missing";
    EXPECT_EQ(nullptr, tls_client_ctx_create(path.c_str(), false, err, sizeof err));
    EXPECT_TRUE(starts_with(err, "cannot read CA file " + path + ": ")) << err;
}

TEST_F(TlsClient, CaFileWithoutCertificatesIsRefused)
{
    char err[256] = "";
    EXPECT_EQ(nullptr, tls_client_ctx_create(NATTER_TLS_PEER_ENV, false, err, sizeof err));
    EXPECT_NE(nullptr, std::strstr(err, "holds no PEM certificate")) << err;
}
