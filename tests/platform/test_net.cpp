// test_net.cpp - the socket layer (platform/net.h) against real loopback
// sockets: listening, connecting, data both ways, the three ways a
// connection ends (FIN, RST, writing to a dead peer) and the error texts.
#include "socket_helpers.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

using natter_test::NetTest;
using natter_test::Socket;

namespace {

std::string port_suffix(int port)
{
    return ":" + std::to_string(port);
}

// A port nothing listens on: one the OS just handed out and we gave back.
int closed_port()
{
    int port = 0;
    Socket listener = natter_test::listen_loopback(&port);
    return port;
}

// Listen on ::1 if this host has IPv6 loopback; otherwise an invalid socket.
Socket listen_ipv6_loopback(int *port)
{
    net_socket s = NET_INVALID_SOCKET;
    char err[256] = "";
    if (net_listen("::1", "0", &s, 1, err, sizeof err) != 1)
        return Socket();
    *port = net_local_port(s);
    return Socket(s);
}

// net_send until it fails, giving the peer's RST time to arrive; returns the
// failing result and net_last_error() (or NET_WOULD_BLOCK if it never fails).
// Every listener net_listen(host, port 0) opens (up to 4), owned; empty,
// with the failure recorded, if there is none.
std::vector<Socket> listen_all(const char *host)
{
    net_socket listeners[4];
    char err[256] = "";
    int n = net_listen(host, "0", listeners, 4, err, sizeof err);
    std::vector<Socket> owned;
    if (n < 1)
        ADD_FAILURE() << "net_listen(" << (host ? host : "any") << "): " << err;
    for (int i = 0; i < n; i++)
        owned.emplace_back(listeners[i]);
    return owned;
}

natter_test::RecvOutcome send_until_error(net_socket s)
{
    natter_test::RecvOutcome out;
    const char chunk[512] = {'x'};
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)natter_test::kDeadlineMs;
    while (clock_monotonic_ms() < deadline) {
        long n = net_send(s, chunk, sizeof chunk);
        if (n == NET_ERROR) {
            out.result = n;
            out.error = net_last_error();
            break;
        }
        // Retry with a deadline: nothing to wait on, the RST arrives when it does.
        clock_sleep_ms(2);
    }
    return out;
}

} // namespace

TEST_F(NetTest, ListenOnPortZeroReportsTheChosenPort)
{
    int port = 0;
    Socket listener = natter_test::listen_loopback(&port);
    ASSERT_TRUE(listener.valid());
    EXPECT_GT(port, 0);
    EXPECT_LT(port, 65536);
    char name[64];
    EXPECT_EQ("127.0.0.1" + port_suffix(port),
              std::string(net_local_name(listener.get(), name, sizeof name)));
}

TEST_F(NetTest, AcceptWithNothingPendingWouldBlock)
{
    int port = 0;
    Socket listener = natter_test::listen_loopback(&port);
    ASSERT_TRUE(listener.valid());
    net_socket s = NET_INVALID_SOCKET;
    EXPECT_EQ(NET_WOULD_BLOCK, net_accept(listener.get(), &s));
    EXPECT_EQ(NET_INVALID_SOCKET, s);
}

TEST_F(NetTest, ConnectAcceptAndExchangeData)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    net_socket client = pair.first.get(), server = pair.second.get();

    ASSERT_TRUE(natter_test::send_all(client, "hello server\n"));
    EXPECT_EQ("hello server\n", natter_test::recv_exactly(server, 13));
    ASSERT_TRUE(natter_test::send_all(server, "hello client\n"));
    EXPECT_EQ("hello client\n", natter_test::recv_exactly(client, 13));

    // Each end names the other: the client's local port is the server's peer.
    char peer[64], local[64];
    EXPECT_EQ(std::string(net_local_name(client, local, sizeof local)),
              std::string(net_peer_name(server, peer, sizeof peer)));
    EXPECT_EQ("127.0.0.1" + port_suffix(net_local_port(client)), std::string(peer));
}

TEST_F(NetTest, LargeTransferArrivesIntact)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    net_socket writer = pair.second.get(), reader = pair.first.get();
    ASSERT_EQ(0, net_set_nonblocking(reader, true));
    std::string data;
    for (int i = 0; i < 1000000; i++)
        data.push_back((char)('a' + i % 26));
    // One thread, both ends non-blocking: send what fits, read what came,
    // and when neither moves wait for the reader (the writer can only be
    // stuck because the reader is behind).
    std::string got;
    size_t sent = 0;
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)natter_test::kDeadlineMs;
    while (got.size() < data.size() && clock_monotonic_ms() < deadline) {
        bool moved = false;
        if (sent < data.size()) {
            long n = net_send(writer, data.data() + sent, data.size() - sent);
            ASSERT_NE(NET_ERROR, n);
            if (n > 0) {
                sent += (size_t)n;
                moved = true;
            }
        }
        char buf[65536];
        long n = net_recv(reader, buf, sizeof buf);
        ASSERT_NE(NET_ERROR, n);
        ASSERT_NE(0, n) << "closed early";
        if (n > 0) {
            got.append(buf, (size_t)n);
            moved = true;
        }
        if (!moved)
            natter_test::wait_for(reader, NET_POLL_READ, 100);
    }
    EXPECT_EQ(data.size(), got.size());
    EXPECT_TRUE(data == got);
}

TEST_F(NetTest, RecvOnEmptyNonBlockingSocketWouldBlock)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.second.valid());
    char buf[16];
    EXPECT_EQ(NET_WOULD_BLOCK, net_recv(pair.second.get(), buf, sizeof buf));
    int err = net_last_error();
    EXPECT_TRUE(net_error_would_block(err));
    EXPECT_FALSE(net_error_connection_reset(err));
    EXPECT_FALSE(net_error_interrupted(err));
    EXPECT_FALSE(net_error_out_of_descriptors(err));
}

TEST_F(NetTest, SetNonblockingMakesTheClientEndNonBlocking)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid());
    ASSERT_EQ(0, net_set_nonblocking(pair.first.get(), true));
    char buf[16];
    EXPECT_EQ(NET_WOULD_BLOCK, net_recv(pair.first.get(), buf, sizeof buf));
}

TEST_F(NetTest, OrderlyCloseReadsAsZero)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    ASSERT_TRUE(natter_test::send_all(pair.first.get(), "bye"));
    pair.first.reset();
    // Data sent before the FIN is still delivered, then recv says 0.
    EXPECT_EQ("bye", natter_test::recv_exactly(pair.second.get(), 3));
    natter_test::RecvOutcome out = natter_test::recv_outcome(pair.second.get());
    EXPECT_EQ(0, out.result);
}

TEST_F(NetTest, ShutdownWriteEndsOneDirectionOnly)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    ASSERT_EQ(0, net_shutdown_write(pair.first.get()));
    EXPECT_EQ(0, natter_test::recv_outcome(pair.second.get()).result);
    // The other direction still works.
    ASSERT_TRUE(natter_test::send_all(pair.second.get(), "still here"));
    EXPECT_EQ("still here", natter_test::recv_exactly(pair.first.get(), 10));
}

TEST_F(NetTest, ResetIsReportedAsConnectionReset)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    net_close_reset(pair.first.release());
    natter_test::RecvOutcome out = natter_test::recv_outcome(pair.second.get());
    // Linux, the BSDs, macOS and Windows report ECONNRESET / WSAECONNRESET.
    // wine returns 0 from a non-blocking recv after select() saw the RST, so
    // an orderly-close reading is accepted too; data or "would block" is not.
    if (out.result == NET_ERROR)
        EXPECT_TRUE(net_error_connection_reset(out.error)) << "error " << out.error;
    else
        EXPECT_EQ(0, out.result) << "a reset connection must read as ended";
}

TEST_F(NetTest, SendingToAClosedPeerFailsWithoutKillingTheProcess)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    pair.first.reset();
    // The first sends may still succeed (the FIN only says the peer stopped
    // sending); once its RST is back, send fails: EPIPE, which would raise
    // SIGPIPE without MSG_NOSIGNAL / SO_NOSIGPIPE, or ECONNRESET.
    natter_test::RecvOutcome out = send_until_error(pair.second.get());
    EXPECT_EQ(NET_ERROR, out.result);
    EXPECT_TRUE(net_error_connection_reset(out.error)) << "error " << out.error;
}

TEST_F(NetTest, SendingOnAResetConnectionFails)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    net_close_reset(pair.first.release());
    natter_test::RecvOutcome out = send_until_error(pair.second.get());
    EXPECT_EQ(NET_ERROR, out.result);
    EXPECT_TRUE(net_error_connection_reset(out.error)) << "error " << out.error;
}

TEST_F(NetTest, ListeningTwiceOnOnePortFailsWithAReason)
{
    int port = 0;
    Socket first = natter_test::listen_loopback(&port);
    ASSERT_TRUE(first.valid());
    net_socket second = NET_INVALID_SOCKET;
    char err[256] = "";
    std::string port_text = std::to_string(port);
    EXPECT_EQ(NET_ERROR, net_listen("127.0.0.1", port_text.c_str(), &second, 1, err, sizeof err));
    EXPECT_EQ(NET_INVALID_SOCKET, second);
    EXPECT_GT(std::strlen(err), 3u) << "reason: '" << err << "'";
    // The reason is the OS's text for the error, nothing more.
    char again[256];
    EXPECT_STREQ(net_error_string(net_last_error(), again, sizeof again), err);
}

TEST_F(NetTest, ConnectingToAClosedPortFailsWithAReason)
{
    int port = closed_port();
    ASSERT_GT(port, 0);
    net_socket s = NET_INVALID_SOCKET;
    char err[256] = "";
    std::string port_text = std::to_string(port);
    EXPECT_EQ(NET_ERROR, net_connect("127.0.0.1", port_text.c_str(), &s,
                                     natter_test::kDeadlineMs, err, sizeof err));
    EXPECT_EQ(NET_INVALID_SOCKET, s);
    EXPECT_GT(std::strlen(err), 3u) << "reason: '" << err << "'";
    char again[256];
    EXPECT_STREQ(net_error_string(net_last_error(), again, sizeof again), err);
}

TEST_F(NetTest, ConnectToABadPortNameFailsWithAReason)
{
    net_socket s = NET_INVALID_SOCKET;
    char err[256] = "";
    EXPECT_EQ(NET_ERROR, net_connect("127.0.0.1", "no-such-service-natter", &s, 1000, err,
                                     sizeof err));
    EXPECT_GT(std::strlen(err), 3u) << "reason: '" << err << "'";
}

TEST_F(NetTest, ErrorStringFitsSmallBuffers)
{
    char big[256], small[8];
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.second.valid());
    char buf[4];
    ASSERT_EQ(NET_WOULD_BLOCK, net_recv(pair.second.get(), buf, sizeof buf));
    int err = net_last_error();
    EXPECT_EQ(big, net_error_string(err, big, sizeof big));
    EXPECT_GT(std::strlen(big), 0u);
    EXPECT_EQ(small, net_error_string(err, small, sizeof small));
    EXPECT_LT(std::strlen(small), sizeof small);
}

TEST_F(NetTest, PeerNameOfIPv6LoopbackUsesBrackets)
{
    int port = 0;
    Socket listener = listen_ipv6_loopback(&port);
    if (!listener.valid())
        GTEST_SKIP() << "no IPv6 loopback on this host";
    Socket client = natter_test::connect_to("::1", port);
    ASSERT_TRUE(client.valid());
    Socket server = natter_test::accept_within(listener.get());
    ASSERT_TRUE(server.valid());
    char name[64];
    EXPECT_EQ("[::1]" + port_suffix(port), std::string(net_peer_name(client.get(), name,
                                                                       sizeof name)));
    EXPECT_EQ("[::1]" + port_suffix(net_local_port(client.get())),
              std::string(net_peer_name(server.get(), name, sizeof name)));
}

TEST_F(NetTest, ListenOnAllInterfacesTakesIPv4)
{
    std::vector<Socket> listeners = listen_all(nullptr);
    ASSERT_FALSE(listeners.empty());
    int n = static_cast<int>(listeners.size());
    int port = net_local_port(listeners[0].get());
    ASSERT_GT(port, 0);

    Socket client = natter_test::connect_to("127.0.0.1", port);
    ASSERT_TRUE(client.valid());
    // Whichever listener has it; on a dual-stack socket the peer is a
    // v4-mapped address and must still read as plain IPv4.
    Socket server;
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)natter_test::kDeadlineMs;
    while (!server.valid() && clock_monotonic_ms() < deadline) {
        for (int i = 0; i < n && !server.valid(); i++)
            server = natter_test::accept_within(listeners[i].get(), 50);
    }
    ASSERT_TRUE(server.valid());
    char name[64];
    EXPECT_EQ("127.0.0.1" + port_suffix(net_local_port(client.get())),
              std::string(net_peer_name(server.get(), name, sizeof name)));
    EXPECT_EQ("127.0.0.1" + port_suffix(port),
              std::string(net_local_name(server.get(), name, sizeof name)));
}

TEST_F(NetTest, ListenOnAllInterfacesTakesIPv6Too)
{
    int probe_port = 0;
    if (!listen_ipv6_loopback(&probe_port).valid())
        GTEST_SKIP() << "no IPv6 loopback on this host";
    std::vector<Socket> listeners = listen_all(nullptr);
    ASSERT_FALSE(listeners.empty());
    // One dual-stack socket answers both families on one port.
    int port = net_local_port(listeners[0].get());
    Socket v6 = natter_test::connect_to("::1", port);
    EXPECT_TRUE(v6.valid());
    Socket v4 = natter_test::connect_to("127.0.0.1", port);
    EXPECT_TRUE(v4.valid());
}

TEST_F(NetTest, StarAndEmptyHostMeanAllInterfaces)
{
    for (const char *host : {"", "*"}) {
        net_socket s = NET_INVALID_SOCKET;
        char err[256] = "";
        ASSERT_EQ(1, net_listen(host, "0", &s, 1, err, sizeof err)) << "'" << host << "': " << err;
        Socket listener(s);
        Socket client = natter_test::connect_to("127.0.0.1", net_local_port(s));
        EXPECT_TRUE(client.valid()) << "'" << host << "'";
    }
}

TEST_F(NetTest, NamedHostBindsEveryAddressOnOnePort)
{
    std::vector<Socket> listeners = listen_all("localhost");
    ASSERT_FALSE(listeners.empty());
    int n = static_cast<int>(listeners.size());
    int port = net_local_port(listeners[0].get());
    EXPECT_GT(port, 0);
    for (int i = 1; i < n; i++)
        EXPECT_EQ(port, net_local_port(listeners[i].get())) << "listener " << i;
    // Every address localhost names answers on that port.
    Socket client = natter_test::connect_to("localhost", port);
    EXPECT_TRUE(client.valid());
}

TEST_F(NetTest, ListenStopsAtMaxOut)
{
    net_socket s[1] = {NET_INVALID_SOCKET};
    char err[256] = "";
    EXPECT_EQ(1, net_listen("localhost", "0", s, 1, err, sizeof err)) << err;
    Socket owned(s[0]);
    EXPECT_TRUE(owned.valid());
    EXPECT_EQ(NET_ERROR, net_listen("localhost", "0", s, 0, err, sizeof err));
}

TEST_F(NetTest, SocketPairCarriesDataBothWays)
{
    net_socket pair[2];
    char err[256] = "";
    ASSERT_EQ(0, net_socket_pair(pair, err, sizeof err)) << err;
    Socket a(pair[0]), b(pair[1]);
    char buf[8];
    // Both ends are non-blocking.
    EXPECT_EQ(NET_WOULD_BLOCK, net_recv(a.get(), buf, sizeof buf));
    EXPECT_EQ(NET_WOULD_BLOCK, net_recv(b.get(), buf, sizeof buf));

    ASSERT_EQ(1, net_send(a.get(), "w", 1));
    EXPECT_EQ("w", natter_test::recv_exactly(b.get(), 1));
    ASSERT_EQ(2, net_send(b.get(), "ok", 2));
    EXPECT_EQ("ok", natter_test::recv_exactly(a.get(), 2));

    // Closing one end reads as an orderly close on the other.
    a.reset();
    EXPECT_EQ(0, natter_test::recv_outcome(b.get()).result);
}

TEST_F(NetTest, SocketPairWriteToClosedEndFails)
{
    net_socket pair[2];
    char err[256] = "";
    ASSERT_EQ(0, net_socket_pair(pair, err, sizeof err)) << err;
    Socket a(pair[0]), b(pair[1]);
    b.reset();
    natter_test::RecvOutcome out = send_until_error(a.get());
    EXPECT_EQ(NET_ERROR, out.result);
    EXPECT_TRUE(net_error_connection_reset(out.error)) << "error " << out.error;
}

TEST_F(NetTest, BufferSizesCanBeSet)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.second.valid());
    EXPECT_EQ(0, net_set_buffer_sizes(pair.second.get(), 4096, 4096));
    EXPECT_EQ(0, net_set_buffer_sizes(pair.second.get(), 0, 0)); // 0 = leave alone
    // A small send buffer fills: a non-blocking writer hits NET_WOULD_BLOCK.
    std::string chunk(4096, 'z');
    long result = 0;
    for (int i = 0; i < 100000 && result != NET_WOULD_BLOCK; i++)
        result = net_send(pair.second.get(), chunk.data(), chunk.size());
    EXPECT_EQ(NET_WOULD_BLOCK, result);
    EXPECT_TRUE(net_error_would_block(net_last_error()));
}

TEST_F(NetTest, NamesOfAnUnconnectedSocketAreAQuestionMark)
{
    int port = 0;
    Socket listener = natter_test::listen_loopback(&port);
    ASSERT_TRUE(listener.valid());
    char name[64];
    EXPECT_STREQ("?", net_peer_name(listener.get(), name, sizeof name));
}

TEST(NetInit, NestsAndPairsWithCleanup)
{
    ASSERT_EQ(0, net_init());
    ASSERT_EQ(0, net_init());
    net_cleanup();
    // Still initialised after one cleanup: a socket can be made.
    net_socket pair[2];
    char err[256] = "";
    EXPECT_EQ(0, net_socket_pair(pair, err, sizeof err)) << err;
    if (pair[0] != NET_INVALID_SOCKET) {
        net_close(pair[0]);
        net_close(pair[1]);
    }
    net_cleanup();
}

// The options every accepted client gets: both calls succeed, and the
// connection still carries data afterwards.
TEST_F(NetTest, KeepaliveAndSendBufferOnAConnection)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.second.valid());
    EXPECT_EQ(0, net_set_keepalive(pair.second.get()));
    EXPECT_EQ(0, net_set_send_buffer(pair.second.get(), 64 * 1024));
    ASSERT_TRUE(natter_test::send_all(pair.second.get(), "still fine\n"));
    EXPECT_EQ("still fine\n", natter_test::recv_exactly(pair.first.get(), 11));
}
