// test_irc_clients.cpp - real, independent IRC clients from Debian against
// natter's IRC port, in #lobby with a natter-protocol user (a TestClient)
// and an nc user: ii (files and fifos), sic (stdin/stdout) and
// weechat-headless (fifo plugin in, logger files out). Each test connects
// and registers, joins #lobby, exchanges lines both ways, sees each side's
// nick change, parts, rejoins and quits, asserting on what every side
// really received. The clients' files have no readiness signal, so waits
// poll a file (or a child's output) until the text appears or a deadline
// passes; nothing sleeps for synchronisation. POSIX only (CMake registers
// the suite only where it found the programs, and requires them there).
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "e2e/client_files.h"
#include "support/process.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace {

// Generous: CI runs -j2, also under ASan, and the clients have timers.
constexpr int kWait = 20000;

// The non-IRC half of #lobby: a server with IRC on an ephemeral port, bob on
// the natter protocol (a TestClient) and carol through nc.
class IrcClients : public testing::Test {
protected:
    void SetUp() override {
        server_ = std::make_unique<TestServer>([](server_config &c) {
            c.irc_port = "0";
            c.rate = 0;
        });
        ASSERT_TRUE(server_->ok()) << server_->error();
        ASSERT_GT(server_->irc_port(), 0);
        ASSERT_TRUE(bob.join(server_->port(), "bob"));
        std::string err;
        ASSERT_TRUE(nc.start(NATTER_NC, {"127.0.0.1", std::to_string(server_->port())}, &err))
            << err;
        ASSERT_TRUE(nc.wait_stdout("What is your name?", kWait)) << nc.stdout_text();
        ASSERT_TRUE(nc.write_stdin("carol\n"));
        ASSERT_TRUE(nc.wait_stdout("*** Now talking in #lobby.", kWait)) << nc.stdout_text();
        ASSERT_EQ(bob_hears("joined"), "*** carol joined");
        ASSERT_TRUE(tmp.ok());
    }

    void TearDown() override {
        nc.kill();
        bob.close();
        if (server_) server_->stop();
    }

    int irc_port() const { return server_->irc_port(); }

    // bob's next line containing needle, without time stamp and room tag.
    std::string bob_hears(const std::string &needle) {
        auto line = bob.read_until(needle, kWait);
        if (!line) {
            ADD_FAILURE() << "bob never heard \"" << needle << "\"";
            return "";
        }
        return strip_timestamp(*line);
    }

    // carol (nc) has a line "... #lobby <text>" or "... <text>" so far.
    bool carol_hears(const std::string &text) { return nc.wait_stdout(text + "\n", kWait); }

    bool carol_says(const std::string &line) { return nc.write_stdin(line + "\n"); }

    std::unique_ptr<TestServer> server_;
    TestClient bob;
    ChildProcess nc;
    TempDir tmp{NATTER_IRC_TMP};
};

// ---- ii -----------------------------------------------------------------------
// ii -s HOST -p PORT -n NICK -i DIR: DIR/127.0.0.1/{in,out} for the server,
// DIR/127.0.0.1/#lobby/{in,out} once joined; out lines are
// "<unix-time> <nick> text" and "<unix-time> -!- event".
TEST_F(IrcClients, IiJoinsTalksRenamesPartsAndQuits) {
    ChildProcess ii;
    std::string err;
    ASSERT_TRUE(ii.start(NATTER_II, {"-s", "127.0.0.1", "-p", std::to_string(irc_port()), "-n",
                                     "iris", "-i", tmp.path()},
                         &err))
        << err;
    const std::string srv = tmp.path() + "/127.0.0.1";
    const std::string chan = srv + "/#lobby";
    ASSERT_TRUE(wait_file(srv + "/out", "Welcome to the natter Network, iris!~iris@"))
        << read_file(srv + "/out") << ii.stdout_text() << ii.stderr_text();

    ASSERT_TRUE(fifo_line(srv + "/in", "/j #lobby"));
    EXPECT_EQ(bob_hears("joined"), "*** iris joined");
    EXPECT_TRUE(carol_hears("#lobby *** iris joined")) << nc.stdout_text();
    ASSERT_TRUE(wait_file(chan + "/out", "-!- iris(~iris@natter) has joined #lobby"))
        << read_file(chan + "/out");
    // The names reply (ii shows numerics in the server's out) lists all three.
    EXPECT_TRUE(wait_file(srv + "/out", "= #lobby @bob carol iris")) << read_file(srv + "/out");

    // iris -> bob and carol.
    ASSERT_TRUE(fifo_line(chan + "/in", "hello from ii"));
    EXPECT_EQ(bob_hears("<iris>"), "<iris> hello from ii");
    EXPECT_TRUE(carol_hears("#lobby <iris> hello from ii")) << nc.stdout_text();
    // bob and carol -> iris.
    ASSERT_TRUE(bob.send_line("hi iris, bob here"));
    EXPECT_TRUE(wait_file(chan + "/out", "<bob> hi iris, bob here")) << read_file(chan + "/out");
    ASSERT_TRUE(carol_says("hi iris, carol on nc"));
    EXPECT_TRUE(wait_file(chan + "/out", "<carol> hi iris, carol on nc"))
        << read_file(chan + "/out");
    // An action typed raw (ii has no /me): natter shows it as /me.
    ASSERT_TRUE(fifo_line(srv + "/in", "/PRIVMSG #lobby :\x01" "ACTION waves\x01"));
    EXPECT_EQ(bob_hears("waves"), "* iris waves");
    EXPECT_TRUE(carol_hears("#lobby * iris waves")) << nc.stdout_text();

    // The IRC user renames: natter users see it.
    ASSERT_TRUE(fifo_line(srv + "/in", "/n iris2"));
    EXPECT_EQ(bob_hears("known as"), "*** iris is now known as iris2");
    EXPECT_TRUE(carol_hears("*** iris is now known as iris2")) << nc.stdout_text();
    // The natter user renames: the IRC client gets NICK.
    ASSERT_TRUE(bob.send_line("/nick bobby"));
    EXPECT_TRUE(wait_file(srv + "/out", "-!- bob changed nick to bobby")) << read_file(srv + "/out");
    EXPECT_TRUE(carol_hears("*** bob is now known as bobby")) << nc.stdout_text();
    // And the new nick speaks under its new name.
    ASSERT_TRUE(fifo_line(chan + "/in", "renamed and still here"));
    EXPECT_EQ(bob_hears("<iris2>"), "<iris2> renamed and still here");

    // Part (with a reason), come back, quit (with a reason).
    ASSERT_TRUE(fifo_line(chan + "/in", "/l off for tea"));
    EXPECT_EQ(bob_hears("left"), "*** iris2 left (part: off for tea)");
    EXPECT_TRUE(carol_hears("#lobby *** iris2 left (part: off for tea)")) << nc.stdout_text();
    ASSERT_TRUE(fifo_line(srv + "/in", "/j #lobby"));
    EXPECT_EQ(bob_hears("joined"), "*** iris2 joined");
    // The rejoin replays the room's history, lines from before included.
    EXPECT_TRUE(wait_file(chan + "/out", "<bob> hi iris, bob here")) << read_file(chan + "/out");
    ASSERT_TRUE(fifo_line(srv + "/in", "/q gone fishing"));
    EXPECT_EQ(bob_hears("left"), "*** iris2 left (quit: gone fishing)");
    EXPECT_TRUE(carol_hears("*** iris2 left (quit: gone fishing)")) << nc.stdout_text();
    // The server closes the link; ii exits by itself.
    int code = -1;
    EXPECT_TRUE(ii.wait_exit(kWait, &code)) << ii.stderr_text();
}

// ---- sic ----------------------------------------------------------------------
// sic -h HOST -p PORT -n NICK: ":j #c", ":l #c", ":m target text", ":s #c"
// and plain lines on stdin; anything else after ':' is sent raw. Output
// lines are "<channel-or-nick> : <date> <time> <nick> text" or ">< COMMAND".
TEST_F(IrcClients, SicJoinsTalksRenamesPartsAndQuits) {
    ChildProcess sic;
    std::string err;
    ASSERT_TRUE(
        sic.start(NATTER_SIC, {"-h", "127.0.0.1", "-p", std::to_string(irc_port()), "-n", "sam"},
                  &err))
        << err;
    ASSERT_TRUE(sic.wait_stdout("Welcome to the natter Network, sam!~sam@", kWait))
        << sic.stdout_text() << sic.stderr_text();

    ASSERT_TRUE(sic.write_stdin(":j #lobby\n"));
    EXPECT_EQ(bob_hears("joined"), "*** sam joined");
    EXPECT_TRUE(carol_hears("#lobby *** sam joined")) << nc.stdout_text();
    ASSERT_TRUE(sic.wait_stdout(">< JOIN (#lobby)", kWait)) << sic.stdout_text();
    ASSERT_TRUE(sic.wait_stdout(">< 366 (sam #lobby): End of /NAMES list", kWait))
        << sic.stdout_text();
    EXPECT_NE(sic.stdout_text().find(">< 353 (sam = #lobby): @bob carol sam"), std::string::npos)
        << sic.stdout_text();

    // Plain lines go to the channel last joined (or chosen with :s).
    ASSERT_TRUE(sic.write_stdin("hello from sic\n"));
    EXPECT_EQ(bob_hears("<sam>"), "<sam> hello from sic");
    EXPECT_TRUE(carol_hears("#lobby <sam> hello from sic")) << nc.stdout_text();
    ASSERT_TRUE(bob.send_line("hi sam, bob here"));
    EXPECT_TRUE(sic.wait_stdout("<bob> hi sam, bob here", kWait)) << sic.stdout_text();
    ASSERT_TRUE(carol_says("hi sam, carol on nc"));
    EXPECT_TRUE(sic.wait_stdout("<carol> hi sam, carol on nc", kWait)) << sic.stdout_text();
    // bob's /me reaches sic as a CTCP ACTION (sic prints it raw).
    ASSERT_TRUE(bob.send_line("/me nods at sam"));
    EXPECT_TRUE(sic.wait_stdout("<bob> \x01" "ACTION nods at sam\x01", kWait)) << sic.stdout_text();
    // A private message each way.
    ASSERT_TRUE(sic.write_stdin(":m bob psst, bob\n"));
    EXPECT_EQ(bob_hears("psst"), "*sam* psst, bob");
    ASSERT_TRUE(bob.send_line("/msg sam psst yourself"));
    EXPECT_TRUE(sic.wait_stdout("<bob> psst yourself", kWait)) << sic.stdout_text();

    // sic has no nick command: NICK raw.
    ASSERT_TRUE(sic.write_stdin(":NICK sammy\n"));
    EXPECT_EQ(bob_hears("known as"), "*** sam is now known as sammy");
    EXPECT_TRUE(carol_hears("*** sam is now known as sammy")) << nc.stdout_text();
    EXPECT_TRUE(sic.wait_stdout(">< NICK (): sammy", kWait)) << sic.stdout_text();
    ASSERT_TRUE(bob.send_line("/nick bobby"));
    EXPECT_TRUE(sic.wait_stdout(">< NICK (): bobby", kWait)) << sic.stdout_text();
    EXPECT_TRUE(carol_hears("*** bob is now known as bobby")) << nc.stdout_text();
    ASSERT_TRUE(sic.write_stdin("renamed and still here\n"));
    EXPECT_EQ(bob_hears("<sammy>"), "<sammy> renamed and still here");

    // :l parts with sic's own message; then back, then QUIT raw.
    ASSERT_TRUE(sic.write_stdin(":l #lobby\n"));
    std::string part = bob_hears("left");
    EXPECT_EQ(part.rfind("*** sammy left (part", 0), 0u) << part;
    ASSERT_TRUE(sic.wait_stdout(">< PART (#lobby)", kWait)) << sic.stdout_text();
    ASSERT_TRUE(sic.write_stdin(":j #lobby\n"));
    EXPECT_EQ(bob_hears("joined"), "*** sammy joined");
    ASSERT_TRUE(sic.write_stdin(":QUIT :sic signing off\n"));
    EXPECT_EQ(bob_hears("left"), "*** sammy left (quit: sic signing off)");
    EXPECT_TRUE(carol_hears("*** sammy left (quit: sic signing off)")) << nc.stdout_text();
    EXPECT_TRUE(sic.wait_stdout("ERROR (): Closing Link: sammy (Quit: sic signing off)", kWait))
        << sic.stdout_text();
    int code = -1;
    sic.wait_exit(kWait, &code);  // sic exits (status 1) when the link closes
}

// ---- weechat-headless ------------------------------------------------------------
// Commands go through the fifo plugin ("BUFFER *text"); what it received is
// read from the logger's files (flushed at once), one file per buffer, lines
// "date<TAB>prefix<TAB>text".
TEST_F(IrcClients, WeechatJoinsTalksRenamesPartsAndQuits) {
    const std::string dir = tmp.path() + "/weechat";
    ChildProcess wee;
    std::string err;
    const std::string fifo = start_weechat(wee, NATTER_WEECHAT, dir, irc_port(), "", "-notls", &err);
    ASSERT_FALSE(fifo.empty()) << err;
    const std::string server_log = dir + "/logs/irc.server.natter.weechatlog";
    const std::string lobby_log = dir + "/logs/irc.natter.#lobby.weechatlog";
    EXPECT_TRUE(wait_file(server_log, "Welcome to the natter Network, wendy!~wendy@"))
        << read_file(server_log);
    EXPECT_NE(read_file(server_log).find("client capability, enabled: server-time"),
              std::string::npos)
        << read_file(server_log);
    auto type = [&](const std::string &buffer, const std::string &text) {
        return fifo_line(fifo, buffer + " *" + text);
    };

    ASSERT_TRUE(type("irc.server.natter", "/join #lobby"));
    EXPECT_EQ(bob_hears("joined"), "*** wendy joined");
    EXPECT_TRUE(carol_hears("#lobby *** wendy joined")) << nc.stdout_text();
    ASSERT_TRUE(wait_file(lobby_log, "wendy (~wendy@natter) has joined #lobby"))
        << read_file(lobby_log);
    EXPECT_TRUE(wait_file(lobby_log, "Channel #lobby: 3 nicks (1 op, 2 normals)"))
        << read_file(lobby_log);

    ASSERT_TRUE(type("irc.natter.#lobby", "hello from weechat"));
    EXPECT_EQ(bob_hears("<wendy>"), "<wendy> hello from weechat");
    EXPECT_TRUE(carol_hears("#lobby <wendy> hello from weechat")) << nc.stdout_text();
    ASSERT_TRUE(bob.send_line("hi wendy, bob here"));
    EXPECT_TRUE(wait_file(lobby_log, "bob\thi wendy, bob here")) << read_file(lobby_log);
    ASSERT_TRUE(carol_says("hi wendy, carol on nc"));
    EXPECT_TRUE(wait_file(lobby_log, "carol\thi wendy, carol on nc")) << read_file(lobby_log);
    // /me both ways.
    ASSERT_TRUE(type("irc.natter.#lobby", "/me waves"));
    EXPECT_EQ(bob_hears("waves"), "* wendy waves");
    ASSERT_TRUE(bob.send_line("/me waves back"));
    EXPECT_TRUE(wait_file(lobby_log, "\tbob waves back")) << read_file(lobby_log);

    ASSERT_TRUE(type("irc.natter.#lobby", "/nick wendy2"));
    EXPECT_EQ(bob_hears("known as"), "*** wendy is now known as wendy2");
    EXPECT_TRUE(carol_hears("*** wendy is now known as wendy2")) << nc.stdout_text();
    EXPECT_TRUE(wait_file(lobby_log, "You are now known as wendy2")) << read_file(lobby_log);
    ASSERT_TRUE(bob.send_line("/nick bobby"));
    EXPECT_TRUE(wait_file(lobby_log, "bob is now known as bobby")) << read_file(lobby_log);
    EXPECT_TRUE(carol_hears("*** bob is now known as bobby")) << nc.stdout_text();
    ASSERT_TRUE(type("irc.natter.#lobby", "renamed and still here"));
    EXPECT_EQ(bob_hears("<wendy2>"), "<wendy2> renamed and still here");

    ASSERT_TRUE(type("irc.natter.#lobby", "/part off for tea"));
    EXPECT_EQ(bob_hears("left"), "*** wendy2 left (part: off for tea)");
    EXPECT_TRUE(wait_file(lobby_log, "wendy2 (~wendy@natter) has left #lobby (off for tea)"))
        << read_file(lobby_log);
    ASSERT_TRUE(type("irc.server.natter", "/join #lobby"));
    EXPECT_EQ(bob_hears("joined"), "*** wendy2 joined");
    // weechat's /quit quits the program, sending QUIT with the message.
    ASSERT_TRUE(type("irc.server.natter", "/quit gone fishing"));
    EXPECT_EQ(bob_hears("left"), "*** wendy2 left (quit: gone fishing)");
    EXPECT_TRUE(carol_hears("*** wendy2 left (quit: gone fishing)")) << nc.stdout_text();
    int code = -1;
    EXPECT_TRUE(wee.wait_exit(kWait, &code)) << read_file(dir + "/weechat.log");
    EXPECT_EQ(code, 0);
}

}  // namespace
