// test_room.cpp - unit tests for the chat rules (core/room.c), with no network:
// fake ops record every line sent to each connection, every close and every
// log line, and the clock always says 12:34:56. Each protocol line in
// docs/protocol.md is pinned by at least one test here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "core/names.h"
#include "core/room.h"
#include "core/utf8.h"
}

namespace {

const std::string FFFD = "\xEF\xBF\xBD";  // U+FFFD in UTF-8
const std::string T = "[12:34:56] ";      // every timestamp in these tests

struct Fake {
    std::map<int, std::vector<std::string>> out;  // lines per conn, CRLF removed
    std::vector<int> closed;
    std::vector<std::pair<int, std::string>> logs;
    std::vector<std::string> framing_errors;      // sends that were not whole CRLF lines
    std::string clock = "12:34:56";
};

int conn_id(void *conn) { return static_cast<int>(reinterpret_cast<intptr_t>(conn)); }
void *conn_ptr(int id) { return reinterpret_cast<void *>(static_cast<intptr_t>(id)); }

// Split data into CRLF lines; anything else (no final CRLF, a bare CR or LF)
// is a framing error the test teardown reports.
void fake_send(void *ctx, void *conn, const char *data, size_t len)
{
    Fake *f = static_cast<Fake *>(ctx);
    std::string s(data, len);
    if (s.size() < 2 || s.compare(s.size() - 2, 2, "\r\n") != 0) {
        f->framing_errors.push_back(s);
        return;
    }
    size_t start = 0;
    while (start < s.size()) {
        size_t end = s.find("\r\n", start);
        std::string line = s.substr(start, end - start);
        if (line.find_first_of("\r\n") != std::string::npos)
            f->framing_errors.push_back(line);
        f->out[conn_id(conn)].push_back(line);
        start = end + 2;
    }
}

void fake_close(void *ctx, void *conn) { static_cast<Fake *>(ctx)->closed.push_back(conn_id(conn)); }

void fake_now(void *ctx, char *out)
{
    std::memcpy(out, static_cast<Fake *>(ctx)->clock.c_str(), 9);
}

void fake_log(void *ctx, int kind, const char *text)
{
    static_cast<Fake *>(ctx)->logs.emplace_back(kind, text);
}

using Lines = std::vector<std::string>;

// The sentence core/names.c gives for a bad name, sanitised as the room
// must (it may quote the offending byte). Its wording belongs to names.c;
// these tests pin how the room frames it.
std::string name_reason(const std::string &name)
{
    char buf[160];
    name_status st = name_check(name.data(), name.size());
    const char *why = name_status_message(st, name.data(), name.size(), buf, sizeof buf);
    std::string safe(UTF8_SANITIZED_MAX(std::strlen(why)), '\0');
    safe.resize(utf8_sanitize(why, std::strlen(why), &safe[0]));
    return safe;
}

class RoomTest : public ::testing::Test {
protected:
    Fake fake;
    room *r = nullptr;
    size_t max_line = 1024;

    void SetUp() override { r = make_room(true); }

    room *make_room(bool with_log)
    {
        room_config cfg{max_line};
        room_ops ops{&fake, fake_send, fake_close, fake_now, with_log ? fake_log : nullptr};
        room *made = room_create(&cfg, &ops);
        EXPECT_NE(made, nullptr);
        return made;
    }

    void TearDown() override
    {
        EXPECT_TRUE(fake.framing_errors.empty())
            << "first bad send: " << (fake.framing_errors.empty() ? "" : fake.framing_errors[0]);
        room_destroy(r);
    }

    room_member *connect(int id, const char *peer = "127.0.0.1:5000")
    {
        room_member *m = room_client_connected(r, conn_ptr(id), peer);
        EXPECT_NE(m, nullptr);
        return m;
    }

    void say(room_member *m, const std::string &s) { room_client_line(r, m, s.data(), s.size()); }

    // Connect and pick a name; the output so far is forgotten.
    room_member *join(int id, const std::string &name)
    {
        room_member *m = connect(id);
        say(m, name);
        EXPECT_EQ(lines(id).size(), 3u) << "join as " << name << " failed";
        clear();
        return m;
    }

    void clear()
    {
        fake.out.clear();
        fake.logs.clear();
    }

    Lines &lines(int id) { return fake.out[id]; }
    bool silent(int id) { return fake.out[id].empty(); }

    std::vector<std::string> logs_of(int kind)
    {
        std::vector<std::string> v;
        for (auto &l : fake.logs)
            if (l.first == kind)
                v.push_back(l.second);
        return v;
    }
};

// ---- connecting and choosing a name -------------------------------------

TEST_F(RoomTest, WelcomeCountsNamedUsersOnly)
{
    connect(1);
    EXPECT_EQ(lines(1), Lines{"*** Welcome to natter. 0 user(s) online. What is your name?"});
    join(2, "alice");
    connect(3);  // unnamed, not counted
    connect(4);
    EXPECT_EQ(lines(4), Lines{"*** Welcome to natter. 1 user(s) online. What is your name?"});
    EXPECT_EQ(room_client_count(r), 4u);
    EXPECT_EQ(room_named_count(r), 1u);
}

TEST_F(RoomTest, AcceptedNameGetsYouAreLineThenJoinedBroadcast)
{
    room_member *a = connect(1);
    clear();
    say(a, "alice");
    EXPECT_EQ(lines(1), (Lines{"*** You are alice. Online (1): alice. Type /help for commands.",
                               T + "*** alice joined"}));
    clear();
    room_member *b = connect(2);
    clear();
    say(b, "bob");
    EXPECT_EQ(lines(2), (Lines{"*** You are bob. Online (2): bob, alice. Type /help for commands.",
                               T + "*** bob joined"}));
    EXPECT_EQ(lines(1), Lines{T + "*** bob joined"});
    EXPECT_EQ(room_named_count(r), 2u);
}

TEST_F(RoomTest, JoinedBroadcastSkipsUnnamedClients)
{
    join(1, "alice");
    connect(2);
    clear();
    room_member *c = connect(3);
    say(c, "carol");
    EXPECT_TRUE(silent(2));
    EXPECT_EQ(lines(1), Lines{T + "*** carol joined"});
}

TEST_F(RoomTest, OnlineListIsInJoinOrderNotConnectOrder)
{
    room_member *first = connect(1);
    room_member *second = connect(2);
    say(second, "bob");
    clear();
    say(first, "alice");
    EXPECT_EQ(lines(1)[0], "*** You are alice. Online (2): alice, bob. Type /help for commands.");
}

TEST_F(RoomTest, NameIsTrimmedOfSpacesAndTabs)
{
    room_member *a = connect(1);
    clear();
    say(a, " \talice \t");
    EXPECT_EQ(lines(1)[0], "*** You are alice. Online (1): alice. Type /help for commands.");
}

TEST_F(RoomTest, NonAsciiNameIsAccepted)
{
    room_member *a = connect(1);
    clear();
    say(a, "\xE5\xBC\xA0\xE4\xB8\x89");  // 张三
    EXPECT_EQ(lines(1)[1], T + "*** \xE5\xBC\xA0\xE4\xB8\x89 joined");
}

TEST_F(RoomTest, BadCharacterNameIsRefusedWithReasonAndAskedAgain)
{
    room_member *a = connect(1);
    clear();
    say(a, "bob!");
    ASSERT_EQ(name_check("bob!", 4), NAME_BAD_CHAR);
    EXPECT_NE(name_reason("bob!").find('!'), std::string::npos);  // the reason names the character
    EXPECT_EQ(lines(1), Lines{"! " + name_reason("bob!") + " Choose another name:"});
    EXPECT_EQ(room_named_count(r), 0u);
    EXPECT_TRUE(fake.closed.empty());
    clear();
    say(a, "bob");  // the connection stays and may try again
    EXPECT_EQ(lines(1)[0], "*** You are bob. Online (1): bob. Type /help for commands.");
}

// Every reason name_check can give reaches the user as "! REASON Choose
// another name:", with the reason sanitised (it may quote the bad byte).
TEST_F(RoomTest, EveryNameProblemIsReportedWithItsReason)
{
    struct Case {
        std::string name;
        name_status status;
    };
    const Case cases[] = {
        {std::string(NAME_MAX_CHARS + 1, 'a'), NAME_TOO_LONG},
        {"a b", NAME_BAD_CHAR},
        {".bob", NAME_BAD_START},
        {"bo\xFF" "b", NAME_BAD_UTF8},
        {"ev\x1b[2Jil", NAME_BAD_CHAR},
    };
    room_member *a = connect(1);
    for (const Case &c : cases) {
        ASSERT_EQ(name_check(c.name.data(), c.name.size()), c.status) << c.name;
        clear();
        say(a, c.name);
        EXPECT_EQ(lines(1), Lines{"! " + name_reason(c.name) + " Choose another name:"}) << c.name;
        ASSERT_EQ(lines(1).size(), 1u);
        EXPECT_EQ(lines(1)[0].find('\x1b'), std::string::npos) << "raw ESC echoed";
        EXPECT_EQ(lines(1)[0].find('\xFF'), std::string::npos) << "raw invalid byte echoed";
    }
    EXPECT_EQ(room_named_count(r), 0u);
}

TEST_F(RoomTest, TooManyBytesIsRefused)
{
    // 22 three-byte characters: few enough code points, too many bytes.
    std::string name;
    for (int i = 0; i < 22; i++)
        name += "\xE5\xBC\xA0";
    ASSERT_EQ(name_check(name.data(), name.size()), NAME_TOO_LONG);
    room_member *a = connect(1);
    clear();
    say(a, name);
    ASSERT_EQ(lines(1).size(), 1u);
    EXPECT_EQ(lines(1)[0].rfind("! ", 0), 0u);
    EXPECT_EQ(room_named_count(r), 0u);
}

TEST_F(RoomTest, TakenNameIsRefusedIgnoringCase)
{
    join(1, "alice");
    room_member *b = connect(2);
    clear();
    say(b, "ALICE");
    EXPECT_EQ(lines(2), Lines{"! Name \"ALICE\" is taken. Choose another name:"});
    EXPECT_TRUE(silent(1));
    EXPECT_EQ(room_named_count(r), 1u);
}

TEST_F(RoomTest, CommandBeforeNameAsksForANameFirst)
{
    join(1, "bob");
    room_member *a = connect(2);
    for (const char *line : {"/who", "/msg bob hi", "/nick x", "/me waves", "/bogus", "//x", "/names"}) {
        clear();
        say(a, line);
        EXPECT_EQ(lines(2), Lines{"! Choose a name first."}) << line;
        EXPECT_TRUE(silent(1)) << line;
    }
    EXPECT_EQ(room_named_count(r), 1u);
}

TEST_F(RoomTest, HelpAndQuitWorkBeforeName)
{
    room_member *a = connect(1);
    clear();
    say(a, "/help");
    ASSERT_FALSE(lines(1).empty());
    EXPECT_EQ(lines(1)[0].rfind("*** ", 0), 0u);
    clear();
    join(2, "bob");
    say(a, "/quit bye");
    EXPECT_EQ(lines(1), Lines{"*** Bye."});
    EXPECT_EQ(fake.closed, std::vector<int>{1});
    EXPECT_TRUE(silent(2));  // nobody is told about an unnamed client
    EXPECT_EQ(room_client_count(r), 1u);
    EXPECT_EQ(logs_of(ROOM_LOG_EVENT), std::vector<std::string>{"disconnect 127.0.0.1:5000 (quit)"});
}

// ---- chat ----------------------------------------------------------------

TEST_F(RoomTest, ChatIsEchoedToEveryoneInTheSameOrder)
{
    room_member *a = join(1, "alice");
    room_member *b = join(2, "bob");
    connect(3);  // unnamed: receives no chat
    clear();
    say(a, "hello");
    say(b, "hi alice");
    say(a, "how are you?");
    Lines expected{T + "<alice> hello", T + "<bob> hi alice", T + "<alice> how are you?"};
    EXPECT_EQ(lines(1), expected);
    EXPECT_EQ(lines(2), expected);
    EXPECT_TRUE(silent(3));
}

TEST_F(RoomTest, ChatUsesTheClockForEveryLine)
{
    room_member *a = join(1, "alice");
    fake.clock = "01:02:03";
    say(a, "hi");
    EXPECT_EQ(lines(1), Lines{"[01:02:03] <alice> hi"});
}

TEST_F(RoomTest, ChatTextIsKeptAsSentIncludingSpaces)
{
    room_member *a = join(1, "alice");
    say(a, "  spaced  out\t ");
    EXPECT_EQ(lines(1), Lines{T + "<alice>   spaced  out\t "});
}

TEST_F(RoomTest, EmptyAndBlankLinesAreIgnoredEverywhere)
{
    room_member *a = join(1, "alice");
    room_member *u = connect(2);
    clear();
    for (const char *line : {"", " ", "   ", "\t", " \t \t"}) {
        say(a, line);
        say(u, line);
    }
    EXPECT_TRUE(silent(1));
    EXPECT_TRUE(silent(2));
    EXPECT_EQ(room_named_count(r), 1u);
}

TEST_F(RoomTest, DoubleSlashSendsALineStartingWithSlash)
{
    room_member *a = join(1, "alice");
    say(a, "//shrug");
    say(a, "//");
    say(a, "///x");
    EXPECT_EQ(lines(1), (Lines{T + "<alice> /shrug", T + "<alice> /", T + "<alice> //x"}));
}

TEST_F(RoomTest, LineWithLeadingSpaceBeforeSlashIsChat)
{
    room_member *a = join(1, "alice");
    say(a, " /who");
    EXPECT_EQ(lines(1), Lines{T + "<alice>  /who"});
}

TEST_F(RoomTest, ChatIsSanitised)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    say(a, "a\x1b[31mred");
    say(a, std::string("nul\0byte", 8));
    say(a, "bad \xC3\x28 utf8");
    say(a, "bell\x07 del\x7F c1\xC2\x9B tab\tok");
    Lines expected{T + "<alice> a" + FFFD + "[31mred",
                   T + "<alice> nul" + FFFD + "byte",
                   T + "<alice> bad " + FFFD + "( utf8",
                   T + "<alice> bell" + FFFD + " del" + FFFD + " c1" + FFFD + " tab\tok"};
    EXPECT_EQ(lines(2), expected);
    EXPECT_EQ(lines(1), expected);
}

// A CR or LF inside a line (the framing never passes one, but the room must
// not trust that) cannot start a new line that looks like someone else's.
TEST_F(RoomTest, EmbeddedLineBreaksCannotForgeLines)
{
    room_member *m = join(1, "mallory");
    join(2, "bob");
    say(m, "x\r\n[12:00:00] <admin> hi");
    EXPECT_EQ(lines(2), Lines{T + "<mallory> x" + FFFD + FFFD + "[12:00:00] <admin> hi"});
}

TEST_F(RoomTest, ForgedPrefixArrivesInsideTheSendersLine)
{
    room_member *m = join(1, "mallory");
    join(2, "bob");
    say(m, "[12:00:00] <admin> hi");
    EXPECT_EQ(lines(2), Lines{T + "<mallory> [12:00:00] <admin> hi"});
}

TEST_F(RoomTest, LongLinesAreRelayedWhole)
{
    room_member *a = join(1, "alice");
    std::string text(1024, '\x01');  // every byte becomes 3: the scratch must grow
    say(a, text);
    std::string expected = T + "<alice> ";
    for (int i = 0; i < 1024; i++)
        expected += FFFD;
    EXPECT_EQ(lines(1), Lines{expected});
}

TEST_F(RoomTest, LineTooLongIsReportedWithTheLimit)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    room_member *u = connect(3);
    clear();
    room_client_line_too_long(r, a);
    room_client_line_too_long(r, u);
    EXPECT_EQ(lines(1), Lines{"! Line too long (limit 1024 bytes); not sent."});
    EXPECT_EQ(lines(3), Lines{"! Line too long (limit 1024 bytes); not sent."});
    EXPECT_TRUE(silent(2));
}

TEST_F(RoomTest, LineTooLongQuotesTheConfiguredLimit)
{
    room_destroy(r);
    max_line = 80;
    r = make_room(true);
    room_member *a = connect(1);
    clear();
    room_client_line_too_long(r, a);
    EXPECT_EQ(lines(1), Lines{"! Line too long (limit 80 bytes); not sent."});
}

// ---- commands ------------------------------------------------------------

TEST_F(RoomTest, MeSendsAnAction)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    say(a, "/me waves  hello");
    EXPECT_EQ(lines(1), Lines{T + "* alice waves  hello"});
    EXPECT_EQ(lines(2), Lines{T + "* alice waves  hello"});
    EXPECT_EQ(logs_of(ROOM_LOG_CHAT), std::vector<std::string>{"* alice waves  hello"});
}

TEST_F(RoomTest, MeIsSanitised)
{
    room_member *a = join(1, "alice");
    say(a, "/me \x1b]0;pwned\x07");
    EXPECT_EQ(lines(1), Lines{T + "* alice " + FFFD + "]0;pwned" + FFFD});
}

TEST_F(RoomTest, MeWithoutTextShowsUsage)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    say(a, "/me");
    say(a, "/me  \t ");
    EXPECT_EQ(lines(1), (Lines{"! Usage: /me TEXT", "! Usage: /me TEXT"}));
    EXPECT_TRUE(silent(2));
}

TEST_F(RoomTest, MsgGoesToTheTargetAndEchoesToTheSender)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    join(3, "carol");
    say(a, "/msg bob hi  there");
    EXPECT_EQ(lines(2), Lines{T + "*alice* hi  there"});
    EXPECT_EQ(lines(1), Lines{T + "-> *bob* hi  there"});
    EXPECT_TRUE(silent(3));
    // Private text is never logged; who wrote to whom is.
    EXPECT_EQ(logs_of(ROOM_LOG_EVENT), std::vector<std::string>{"msg alice -> bob"});
    EXPECT_TRUE(logs_of(ROOM_LOG_CHAT).empty());
}

TEST_F(RoomTest, MsgTargetIsMatchedIgnoringCaseAndShownAsRegistered)
{
    room_member *a = join(1, "alice");
    join(2, "Bob");
    say(a, "/MSG bOB hey");
    EXPECT_EQ(lines(2), Lines{T + "*alice* hey"});
    EXPECT_EQ(lines(1), Lines{T + "-> *Bob* hey"});
}

TEST_F(RoomTest, MsgToUnknownUser)
{
    room_member *a = join(1, "alice");
    connect(2);  // unnamed clients cannot be messaged
    clear();
    say(a, "/msg zed hi");
    EXPECT_EQ(lines(1), Lines{"! No user named zed."});
    EXPECT_TRUE(silent(2));
}

TEST_F(RoomTest, MsgUnknownUserNameIsSanitisedAndCut)
{
    room_member *a = join(1, "alice");
    say(a, "/msg z\x1b" "d hi");
    say(a, "/msg " + std::string(100, 'z') + " hi");
    EXPECT_EQ(lines(1), (Lines{"! No user named z" + FFFD + "d.",
                               "! No user named " + std::string(32, 'z') + "...."}));
}

TEST_F(RoomTest, MsgWithoutTextOrNameShowsUsage)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    for (const char *line : {"/msg", "/msg ", "/msg bob", "/msg bob   ", "/msg nobody"})
        say(a, line);
    EXPECT_EQ(lines(1), Lines(5, "! Usage: /msg NAME TEXT"));
    EXPECT_TRUE(silent(2));
}

TEST_F(RoomTest, MsgToYourselfShowsBothLines)
{
    room_member *a = join(1, "alice");
    say(a, "/msg alice note to self");
    EXPECT_EQ(lines(1), (Lines{T + "*alice* note to self", T + "-> *alice* note to self"}));
}

TEST_F(RoomTest, MsgTextIsSanitised)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    say(a, "/msg bob \x1b[2J\xFFgotcha");
    EXPECT_EQ(lines(2), Lines{T + "*alice* " + FFFD + "[2J" + FFFD + "gotcha"});
    EXPECT_EQ(lines(1), Lines{T + "-> *bob* " + FFFD + "[2J" + FFFD + "gotcha"});
}

TEST_F(RoomTest, NickRenamesAndTellsEveryone)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    connect(3);
    clear();
    say(a, "/nick alicia");
    EXPECT_EQ(lines(1), Lines{T + "*** alice is now known as alicia"});
    EXPECT_EQ(lines(2), Lines{T + "*** alice is now known as alicia"});
    EXPECT_TRUE(silent(3));
    EXPECT_EQ(logs_of(ROOM_LOG_EVENT), std::vector<std::string>{"rename alice -> alicia (127.0.0.1:5000)"});
    clear();
    say(a, "hi");
    EXPECT_EQ(lines(2), Lines{T + "<alicia> hi"});
    // The old name is free again.
    room_member *c = connect(4);
    clear();
    say(c, "Alice");
    EXPECT_EQ(lines(4)[0], "*** You are Alice. Online (3): Alice, alicia, bob. Type /help for commands.");
}

TEST_F(RoomTest, NickToATakenNameIsRefused)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    say(a, "/nick BOB");
    EXPECT_EQ(lines(1), Lines{"! Name \"BOB\" is taken."});
    EXPECT_TRUE(silent(2));
}

TEST_F(RoomTest, NickToAnInvalidNameIsRefusedWithReason)
{
    room_member *a = join(1, "alice");
    say(a, "/nick a!b");
    say(a, "/nick two words");
    say(a, "/nick .dot");
    EXPECT_EQ(lines(1), (Lines{"! " + name_reason("a!b"), "! " + name_reason("two words"),
                               "! " + name_reason(".dot")}));
    clear();
    say(a, "/who");
    EXPECT_EQ(lines(1), Lines{"*** Online (1): alice"});
}

TEST_F(RoomTest, NickMayChangeOnlyTheCase)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    say(a, "/nick Alice");
    EXPECT_EQ(lines(2), Lines{T + "*** alice is now known as Alice"});
    clear();
    say(a, "/nick Alice");
    EXPECT_EQ(lines(1), Lines{"*** You are already Alice."});
    EXPECT_TRUE(silent(2));
}

TEST_F(RoomTest, NickWithoutNameShowsUsage)
{
    room_member *a = join(1, "alice");
    say(a, "/nick");
    say(a, "/nick   ");
    EXPECT_EQ(lines(1), (Lines{"! Usage: /nick NEW", "! Usage: /nick NEW"}));
}

TEST_F(RoomTest, NickTrimsTheNewName)
{
    room_member *a = join(1, "alice");
    say(a, "/nick  bob \t");
    EXPECT_EQ(lines(1), Lines{T + "*** alice is now known as bob"});
}

TEST_F(RoomTest, WhoAndNamesListNamedMembersInJoinOrder)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    connect(3);
    join(4, "carol");
    say(a, "/who");
    say(a, "/names");
    say(a, "/who extra words are ignored");
    EXPECT_EQ(lines(1), Lines(3, "*** Online (3): alice, bob, carol"));
    EXPECT_TRUE(silent(2));
}

TEST_F(RoomTest, CommandsAreCaseInsensitive)
{
    room_member *a = join(1, "alice");
    say(a, "/WHO");
    say(a, "/Names");
    say(a, "/ME waves");
    say(a, "/NICK bob");
    EXPECT_EQ(lines(1), (Lines{"*** Online (1): alice", "*** Online (1): alice", T + "* alice waves",
                               T + "*** alice is now known as bob"}));
    clear();
    say(a, "/QuIt");
    EXPECT_EQ(lines(1), Lines{"*** Bye."});
    EXPECT_EQ(fake.closed, std::vector<int>{1});
}

TEST_F(RoomTest, CommandWordEndsAtATab)
{
    room_member *a = join(1, "alice");
    say(a, "/me\twaves");
    EXPECT_EQ(lines(1), Lines{T + "* alice waves"});
}

TEST_F(RoomTest, HelpListsEveryCommand)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    say(a, "/HELP");
    ASSERT_GE(lines(1).size(), 6u);
    std::string all;
    for (const std::string &l : lines(1)) {
        EXPECT_EQ(l.rfind("*** ", 0), 0u) << l;
        all += l + "\n";
    }
    for (const char *cmd : {"/nick NEW", "/who", "/names", "/msg NAME TEXT", "/me TEXT", "/quit [TEXT]", "/help", "//"})
        EXPECT_NE(all.find(cmd), std::string::npos) << cmd;
    EXPECT_TRUE(silent(2));
}

TEST_F(RoomTest, UnknownCommand)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    say(a, "/frob x y");
    say(a, "/");
    EXPECT_EQ(lines(1), (Lines{"! Unknown command /frob. Type /help for commands.",
                               "! Unknown command /. Type /help for commands."}));
    EXPECT_TRUE(silent(2));
}

TEST_F(RoomTest, UnknownCommandIsSanitisedAndCut)
{
    room_member *a = join(1, "alice");
    say(a, "/fr\x1b" "ob");
    say(a, "/" + std::string(100, 'x'));
    // Cut at 32 code points, never inside a UTF-8 sequence.
    std::string wide;
    for (int i = 0; i < 40; i++)
        wide += "\xE5\xBC\xA0";
    say(a, "/" + wide);
    std::string wide32;
    for (int i = 0; i < 32; i++)
        wide32 += "\xE5\xBC\xA0";
    EXPECT_EQ(lines(1), (Lines{"! Unknown command /fr" + FFFD + "ob. Type /help for commands.",
                               "! Unknown command /" + std::string(32, 'x') + ".... Type /help for commands.",
                               "! Unknown command /" + wide32 + ".... Type /help for commands."}));
}

TEST_F(RoomTest, QuitSaysByeTellsOthersAndCloses)
{
    room_member *a = join(1, "alice");
    join(2, "bob");
    connect(3);
    clear();
    say(a, "/quit");
    EXPECT_EQ(lines(1), Lines{"*** Bye."});
    EXPECT_EQ(lines(2), Lines{T + "*** alice left (quit)"});
    EXPECT_TRUE(silent(3));
    EXPECT_EQ(fake.closed, std::vector<int>{1});
    EXPECT_EQ(room_client_count(r), 2u);
    EXPECT_EQ(room_named_count(r), 1u);
    EXPECT_EQ(logs_of(ROOM_LOG_EVENT), std::vector<std::string>{"leave alice (quit) (127.0.0.1:5000)"});
    // a is freed now; later traffic must not reach conn 1 (ASan checks the rest).
    clear();
    room_member *b2 = connect(4);
    say(b2, "alice");
    EXPECT_TRUE(silent(1));
}

TEST_F(RoomTest, QuitWithTextIncludesItSanitised)
{
    room_member *a = join(1, "alice");
    room_member *b = join(2, "bob");
    join(3, "carol");
    say(a, "/quit  gone fishing  ");
    EXPECT_EQ(lines(2), Lines{T + "*** alice left (quit: gone fishing)"});
    EXPECT_EQ(lines(3), Lines{T + "*** alice left (quit: gone fishing)"});
    EXPECT_EQ(logs_of(ROOM_LOG_EVENT), std::vector<std::string>{"leave alice (quit) (127.0.0.1:5000)"});
    clear();
    say(b, "/quit \x1b[2Jbye");
    EXPECT_EQ(lines(3), Lines{T + "*** bob left (quit: " + FFFD + "[2Jbye)"});
    EXPECT_EQ(fake.closed, (std::vector<int>{1, 2}));
    EXPECT_EQ(room_named_count(r), 1u);
}

// ---- departures and shutdown ---------------------------------------------

TEST_F(RoomTest, ClientLeftTellsOthersTheReason)
{
    room_member *a = join(1, "alice");
    room_member *b = join(2, "bob");
    join(3, "carol");
    connect(4);
    clear();
    room_client_left(r, a, "connection closed");
    room_client_left(r, b, "too slow");
    EXPECT_EQ(lines(3), (Lines{T + "*** alice left (connection closed)", T + "*** bob left (too slow)"}));
    EXPECT_TRUE(silent(1));
    EXPECT_EQ(lines(2), Lines{T + "*** alice left (connection closed)"});
    EXPECT_TRUE(silent(4));
    EXPECT_TRUE(fake.closed.empty());  // the caller closes; the room only forgets
    EXPECT_EQ(room_client_count(r), 2u);
    EXPECT_EQ(room_named_count(r), 1u);
    EXPECT_EQ(logs_of(ROOM_LOG_EVENT),
              (std::vector<std::string>{"leave alice (connection closed) (127.0.0.1:5000)",
                                        "leave bob (too slow) (127.0.0.1:5000)"}));
}

TEST_F(RoomTest, UnnamedClientLeavesSilently)
{
    join(1, "alice");
    room_member *u = connect(2, "[::1]:6000");
    clear();
    room_client_left(r, u, "connection closed");
    EXPECT_TRUE(silent(1));
    EXPECT_EQ(room_client_count(r), 1u);
    EXPECT_EQ(logs_of(ROOM_LOG_EVENT), std::vector<std::string>{"disconnect [::1]:6000 (connection closed)"});
}

TEST_F(RoomTest, ShutdownTellsEveryoneThenDeparturesAreSilent)
{
    room_member *a = join(1, "alice");
    room_member *b = join(2, "bob");
    room_member *u = connect(3);
    clear();
    room_shutdown(r);
    for (int id : {1, 2, 3})
        EXPECT_EQ(lines(id), Lines{"*** Server is shutting down."}) << id;
    clear();
    say(b, "still here?");  // lines are ignored while shutting down
    room_client_line_too_long(r, b);
    room_client_left(r, a, "server shutting down");
    room_client_left(r, u, "server shutting down");
    EXPECT_TRUE(silent(1));
    EXPECT_TRUE(silent(2));
    EXPECT_TRUE(silent(3));
    EXPECT_EQ(logs_of(ROOM_LOG_EVENT),
              (std::vector<std::string>{"leave alice (server shutting down) (127.0.0.1:5000)",
                                        "disconnect 127.0.0.1:5000 (server shutting down)"}));
    EXPECT_EQ(room_client_count(r), 1u);
    room_client_left(r, b, "server shutting down");
    EXPECT_EQ(room_client_count(r), 0u);
    EXPECT_EQ(room_named_count(r), 0u);
}

TEST_F(RoomTest, DestroyFreesMembersWithoutSending)
{
    join(1, "alice");
    connect(2);
    clear();
    room_destroy(r);
    r = nullptr;
    EXPECT_TRUE(silent(1));
    EXPECT_TRUE(silent(2));
    EXPECT_TRUE(fake.closed.empty());
}

// ---- logging and counts --------------------------------------------------

TEST_F(RoomTest, EventsAndChatAreLogged)
{
    room_member *a = connect(1, "127.0.0.1:5000");
    say(a, "alice");
    room_member *b = connect(2, "127.0.0.1:5001");
    say(b, "bob");
    say(a, "hello");
    say(a, "/me waves");
    say(a, "/nick al");
    EXPECT_EQ(logs_of(ROOM_LOG_EVENT),
              (std::vector<std::string>{"connect 127.0.0.1:5000", "join alice (127.0.0.1:5000)",
                                        "connect 127.0.0.1:5001", "join bob (127.0.0.1:5001)",
                                        "rename alice -> al (127.0.0.1:5000)"}));
    EXPECT_EQ(logs_of(ROOM_LOG_CHAT), (std::vector<std::string>{"<alice> hello", "* alice waves"}));
}

TEST_F(RoomTest, ChatLogIsSanitised)
{
    room_member *a = join(1, "alice");
    say(a, "x\x1b[2J");
    EXPECT_EQ(logs_of(ROOM_LOG_CHAT), std::vector<std::string>{"<alice> x" + FFFD + "[2J"});
}

TEST_F(RoomTest, WorksWithoutALogCallback)
{
    room_destroy(r);
    r = make_room(false);
    room_member *a = join(1, "alice");
    say(a, "hi");
    say(a, "/msg alice x");
    room_client_left(r, a, "connection closed");
    EXPECT_TRUE(fake.logs.empty());
    EXPECT_EQ(room_client_count(r), 0u);
}

TEST_F(RoomTest, ManyMembersGetEveryBroadcast)
{
    const int n = 300;
    std::vector<room_member *> ms;
    for (int i = 1; i <= n; i++)
        ms.push_back(join(i, "user" + std::to_string(i)));
    EXPECT_EQ(room_named_count(r), static_cast<size_t>(n));
    say(ms[0], "/who");
    ASSERT_EQ(lines(1).size(), 1u);
    EXPECT_EQ(lines(1)[0].rfind("*** Online (300): user1, user2, ", 0), 0u);
    EXPECT_NE(lines(1)[0].find(", user300"), std::string::npos);
    clear();
    say(ms[150], "ping");
    for (int i = 1; i <= n; i++)
        ASSERT_EQ(lines(i), Lines{T + "<user151> ping"}) << i;
    // Remove from the middle, the front and the back: the list stays whole.
    room_client_left(r, ms[150], "connection closed");
    room_client_left(r, ms[0], "connection closed");
    room_client_left(r, ms[n - 1], "connection closed");
    EXPECT_EQ(room_named_count(r), static_cast<size_t>(n - 3));
    clear();
    say(ms[1], "/who");
    EXPECT_EQ(lines(2)[0].rfind("*** Online (297): user2, user3, ", 0), 0u);
    EXPECT_NE(lines(2)[0].find("user150, user152"), std::string::npos);
    EXPECT_NE(lines(2)[0].find(", user299"), std::string::npos);
    EXPECT_EQ(lines(2)[0].find("user300"), std::string::npos);
}

TEST_F(RoomTest, TwoRoomsAreIndependent)
{
    Fake other;
    room_config cfg{1024};
    room_ops ops{&other, fake_send, fake_close, fake_now, fake_log};
    room *r2 = room_create(&cfg, &ops);
    ASSERT_NE(r2, nullptr);
    join(1, "alice");
    room_member *m = room_client_connected(r2, conn_ptr(1), "x");
    EXPECT_EQ(other.out[1], Lines{"*** Welcome to natter. 0 user(s) online. What is your name?"});
    room_client_line(r2, m, "alice", 5);  // not taken in this room
    EXPECT_EQ(room_named_count(r2), 1u);
    room_destroy(r2);
}

// ---- the example in docs/protocol.md, line for line ------------------------

TEST_F(RoomTest, ExampleSessionFromProtocolDoc)
{
    fake.clock = "19:01:00";
    room_member *b = join(2, "bob");
    room_member *a = connect(1);
    auto at = [this](const char *hms) { fake.clock = hms; };
    say(a, "Bob");
    say(a, "alice!");
    at("19:02:13");
    say(a, "alice");
    at("19:02:20");
    say(a, "hi bob");
    at("19:02:24");
    say(b, "hello alice");
    at("19:02:30");
    say(a, "/me waves");
    at("19:02:41");
    say(a, "/msg BOB see you at 8?");
    at("19:02:50");
    say(b, "/msg alice sure");
    at("19:03:00");
    say(a, "/nick Alice");
    say(a, "/who");
    say(a, "/frob");
    at("19:03:20");
    say(a, "//shrug");
    at("19:03:30");
    say(a, "/quit dinner");
    // If names.c rewords its reasons, update docs/protocol.md with this test.
    EXPECT_EQ(lines(1), (Lines{
        "*** Welcome to natter. 1 user(s) online. What is your name?",
        "! Name \"Bob\" is taken. Choose another name:",
        "! Names may only contain letters, digits, '_', '-' and '.' (not '!'). Choose another name:",
        "*** You are alice. Online (2): alice, bob. Type /help for commands.",
        "[19:02:13] *** alice joined",
        "[19:02:20] <alice> hi bob",
        "[19:02:24] <bob> hello alice",
        "[19:02:30] * alice waves",
        "[19:02:41] -> *bob* see you at 8?",
        "[19:02:50] *bob* sure",
        "[19:03:00] *** alice is now known as Alice",
        "*** Online (2): bob, Alice",
        "! Unknown command /frob. Type /help for commands.",
        "[19:03:20] <Alice> /shrug",
        "*** Bye.",
    }));
    EXPECT_EQ(lines(2), (Lines{
        "[19:02:13] *** alice joined",
        "[19:02:20] <alice> hi bob",
        "[19:02:24] <bob> hello alice",
        "[19:02:30] * alice waves",
        "[19:02:41] *alice* see you at 8?",
        "[19:02:50] -> *alice* sure",
        "[19:03:00] *** alice is now known as Alice",
        "[19:03:20] <Alice> /shrug",
        "[19:03:30] *** Alice left (quit: dinner)",
    }));
    EXPECT_EQ(fake.closed, std::vector<int>{1});
}

TEST_F(RoomTest, HelpTextMatchesProtocolDoc)
{
    room_member *a = join(1, "alice");
    say(a, "/help");
    EXPECT_EQ(lines(1), (Lines{
        "*** Commands:",
        "***   /nick NEW        change your name",
        "***   /who             list who is online (also /names)",
        "***   /msg NAME TEXT   send TEXT to NAME only",
        "***   /me TEXT         act: shown as \"* NAME TEXT\"",
        "***   /quit [TEXT]     leave, optionally saying why",
        "***   /help            this list",
        "*** Any other line is sent to everyone; start it with // to send a line beginning with /.",
    }));
}

}  // namespace
