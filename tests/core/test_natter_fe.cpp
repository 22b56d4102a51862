// test_natter_fe.cpp - unit tests for the natter protocol front-end
// (core/natter_fe.c and friends) on top of the chat model (core/chat.c,
// chat_room.c), with no sockets.
//
// Why: the front-end is where the model's events become the exact lines a
// natter client and its scripts parse, so every v2 line
// (/work/protocol-v2-lines.md, docs/protocol.md) is pinned here, together
// with the v1 rules that survived (naming, /msg, /nick, sanitising,
// framing). A fake frontend_io records every line sent to each connection
// (and flags any send that is not whole CRLF lines), every close and every
// log line; its local time is always 12:34:56 unless a test says otherwise,
// and its date follows t / 86400 so a test can make "an earlier day".
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "core/chat.h"
#include "core/names.h"
#include "core/natter_fe.h"
#include "core/utf8.h"
}

namespace {

using Lines = std::vector<std::string>;
using Strings = std::vector<std::string>;

const std::string FFFD = "\xEF\xBF\xBD";  // U+FFFD in UTF-8
const std::string T = "[12:34:56] ";      // the stamp of every live line unless a test changes it

// ---- calendar for the fake local time (proleptic Gregorian, UTC) ----------

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string civil_from_days(int64_t z)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
}

const int64_t DAY = 86400;
const int64_t MIDNIGHT = days_from_civil(2026, 12, 1) * DAY;
const int64_t NOW0 = MIDNIGHT + 12 * 3600 + 34 * 60 + 56;  // 2026-12-01 12:34:56

// ---- the fake server ------------------------------------------------------

struct Fake {
    std::map<int, Lines> out;                     // lines per conn, CRLF removed
    std::map<int, Strings> sends;                 // raw send() payloads per conn
    std::vector<int> closed;
    std::vector<std::pair<int, std::string>> logs;  // model and front-end, in order
    std::vector<std::string> framing_errors;      // sends that were not whole CRLF lines
    int64_t now = NOW0;
    std::string hms = "12:34:56";                 // empty: derived from t
};

int conn_id(void *conn) { return static_cast<int>(reinterpret_cast<intptr_t>(conn)); }
void *conn_ptr(int id) { return reinterpret_cast<void *>(static_cast<intptr_t>(id)); }

// Split data into CRLF lines; anything else (no final CRLF, a bare CR or LF)
// is a framing error the test teardown reports.
void fake_send(void *ctx, void *conn, const char *data, size_t len)
{
    Fake *f = static_cast<Fake *>(ctx);
    std::string s(data, len);
    f->sends[conn_id(conn)].push_back(s);
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

void fake_log(void *ctx, int kind, const char *text)
{
    static_cast<Fake *>(ctx)->logs.emplace_back(kind, text);
}

int64_t fake_now(void *ctx) { return static_cast<Fake *>(ctx)->now; }

void fake_local_time(void *ctx, int64_t t, char date[11], char hms[9])
{
    Fake *f = static_cast<Fake *>(ctx);
    int64_t days = t >= 0 ? t / DAY : (t - DAY + 1) / DAY;
    std::string d = civil_from_days(days);
    std::memcpy(date, d.c_str(), 11);
    std::string h = f->hms;
    if (h.empty()) {
        int64_t s = t - days * DAY;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(s / 3600),
                      static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
        h = buf;
    }
    std::memcpy(hms, h.c_str(), 9);
}

// The sentence core/names.c gives for a bad name, sanitised as the
// front-end must (it may quote the offending byte). Its wording belongs to
// names.c; these tests pin how the front-end frames it.
std::string sanitised(const char *why)
{
    std::string safe(UTF8_SANITIZED_MAX(std::strlen(why)), '\0');
    safe.resize(utf8_sanitize(why, std::strlen(why), &safe[0]));
    return safe;
}

std::string name_reason(const std::string &name)
{
    char buf[160];
    name_status st = name_check(name.data(), name.size());
    return sanitised(name_status_message(st, name.data(), name.size(), buf, sizeof buf));
}

std::string room_reason(const std::string &room)
{
    char buf[160];
    name_status st = room_name_check(room.data(), room.size());
    return sanitised(room_name_status_message(st, room.data(), room.size(), buf, sizeof buf));
}

bool is_quit_line(const std::string &t)
{
    if (t.empty() || t[0] != '/')
        return false;
    std::string w;
    for (size_t i = 1; i < t.size() && t[i] != ' ' && t[i] != '\t'; i++)
        w += static_cast<char>(std::tolower(static_cast<unsigned char>(t[i])));
    return w == "quit";
}

bool starts_with(const std::string &s, const std::string &prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

// "[12:34:56] #lobby <alice> hi" from "#lobby", "<alice> hi".
std::string in(const std::string &room, const std::string &body) { return T + room + " " + body; }

class NatterFeTest : public ::testing::Test {
protected:
    Fake fake;
    chat_config ccfg{};
    natter_fe_config fcfg{1024, NATTER_DEFAULT_ANNOUNCE_LIMIT, 0, 0};
    bool with_log = true;
    chat *c = nullptr;
    natter_fe *fe = nullptr;
    std::map<int, natter_session *> sess;
    bool shut = false;

    NatterFeTest() { chat_config_defaults(&ccfg); }

    // The chat and front-end are made on the first connect, so a test can
    // tweak ccfg / fcfg first.
    void start()
    {
        chat_ops ops{&fake, fake_now, with_log ? fake_log : nullptr};
        c = chat_create(&ccfg, &ops);
        ASSERT_NE(c, nullptr);
        frontend_io io{&fake, fake_send, fake_close, with_log ? fake_log : nullptr,
                       fake_local_time};
        fe = natter_fe_create(c, &fcfg, &io);
        ASSERT_NE(fe, nullptr);
    }

    void stop()
    {
        natter_fe_destroy(fe);  // the front-end first, then the chat
        chat_destroy(c);
        fe = nullptr;
        c = nullptr;
        sess.clear();
    }

    void TearDown() override
    {
        EXPECT_TRUE(fake.framing_errors.empty())
            << "first bad send: " << (fake.framing_errors.empty() ? "" : fake.framing_errors[0]);
        stop();
    }

    natter_session *connect(int id, const char *peer = "127.0.0.1:5000")
    {
        if (!fe)
            start();
        natter_session *s = natter_fe_connected(fe, conn_ptr(id), peer);
        EXPECT_NE(s, nullptr);
        sess[id] = s;
        return s;
    }

    natter_session *session(int id)
    {
        auto it = sess.find(id);
        EXPECT_NE(it, sess.end()) << "no session " << id;
        return it == sess.end() ? nullptr : it->second;
    }

    void say(int id, const std::string &text)
    {
        natter_session *s = session(id);
        if (!s)
            return;
        // /quit frees the session: forget it so no later call touches it.
        if (is_quit_line(text) && !shut)
            sess.erase(id);
        natter_fe_line(fe, s, text.data(), text.size());
    }

    void left(int id, const char *reason)
    {
        natter_session *s = session(id);
        if (!s)
            return;
        sess.erase(id);
        natter_fe_left(fe, s, reason);
    }

    void too_long(int id) { natter_fe_line_too_long(fe, session(id)); }

    void shutdown()
    {
        natter_fe_shutdown(fe);
        chat_shutdown(c);  // as the server does
        shut = true;
    }

    // Connect and pick a name (joining the default room); the output so far
    // is forgotten.
    void named(int id, const std::string &name, const char *peer = "127.0.0.1:5000")
    {
        connect(id, peer);
        say(id, name);
        const Lines &l = lines(id);
        ASSERT_GE(l.size(), 4u) << "naming " << name;
        EXPECT_TRUE(starts_with(l[1], "*** You are " + name + ". ")) << l[1];
        EXPECT_TRUE(starts_with(l.back(), "*** Now talking in ")) << l.back();
        clear();
    }

    void clear()
    {
        fake.out.clear();
        fake.sends.clear();
        fake.logs.clear();
    }

    Lines &lines(int id) { return fake.out[id]; }
    bool silent(int id) { return fake.out[id].empty(); }

    Strings logs_of(int kind)
    {
        Strings v;
        for (auto &l : fake.logs)
            if (l.first == kind)
                v.push_back(l.second);
        return v;
    }
};

// ---- connecting and choosing a name -------------------------------------

TEST_F(NatterFeTest, WelcomeCountsNamedUsersOnly)
{
    connect(1);
    EXPECT_EQ(lines(1), Lines{"*** Welcome to natter. 0 user(s) online. What is your name?"});
    named(2, "alice");
    connect(3);  // unnamed, not counted
    connect(4);
    EXPECT_EQ(lines(4), Lines{"*** Welcome to natter. 1 user(s) online. What is your name?"});
    EXPECT_EQ(natter_fe_session_count(fe), 4u);
    EXPECT_EQ(natter_fe_named_count(fe), 1u);
}

TEST_F(NatterFeTest, AcceptedNameGetsYouAreLineThenTheDefaultRoomJoinSequence)
{
    connect(1);
    clear();
    say(1, "alice");
    EXPECT_EQ(lines(1), (Lines{
                            "*** You are alice. 1 user(s) online in 1 room(s). Type /help for commands.",
                            in("#lobby", "*** alice joined"),
                            "*** Members of #lobby (1): @alice",
                            "*** Now talking in #lobby.",
                        }));
    clear();
    connect(2);
    clear();
    say(2, "bob");
    EXPECT_EQ(lines(2), (Lines{
                            "*** You are bob. 2 user(s) online in 1 room(s). Type /help for commands.",
                            in("#lobby", "*** bob joined"),
                            "*** Members of #lobby (2): @alice, bob",
                            "*** Now talking in #lobby.",
                        }));
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** bob joined")});
    EXPECT_EQ(natter_fe_named_count(fe), 2u);
}

TEST_F(NatterFeTest, YouAreLineCountsEveryRoomTheServerHolds)
{
    named(1, "alice");
    say(1, "/join #rust");
    say(1, "/join #go");
    say(1, "/part");  // #go is empty now but still a room
    connect(2);
    clear();
    say(2, "bob");
    EXPECT_EQ(lines(2)[0], "*** You are bob. 2 user(s) online in 3 room(s). Type /help for commands.");
}

TEST_F(NatterFeTest, JoinedBroadcastSkipsUnnamedClients)
{
    named(1, "alice");
    connect(2);
    connect(3);
    clear();
    say(3, "carol");
    EXPECT_TRUE(silent(2));
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** carol joined")});
}

TEST_F(NatterFeTest, MembersAreListedInJoinOrderNotConnectOrder)
{
    connect(1);
    connect(2);
    say(2, "bob");
    clear();
    say(1, "alice");
    EXPECT_EQ(lines(1)[2], "*** Members of #lobby (2): @bob, alice");
}

TEST_F(NatterFeTest, NameIsTrimmedOfSpacesAndTabs)
{
    connect(1);
    clear();
    say(1, " \talice \t");
    EXPECT_EQ(lines(1)[0], "*** You are alice. 1 user(s) online in 1 room(s). Type /help for commands.");
    EXPECT_EQ(lines(1)[1], in("#lobby", "*** alice joined"));
}

TEST_F(NatterFeTest, NonAsciiNameIsAccepted)
{
    connect(1);
    clear();
    say(1, "\xE5\xBC\xA0\xE4\xB8\x89");  // 张三
    EXPECT_EQ(lines(1)[1], in("#lobby", "*** \xE5\xBC\xA0\xE4\xB8\x89 joined"));
}

TEST_F(NatterFeTest, BadCharacterNameIsRefusedWithReasonAndAskedAgain)
{
    connect(1);
    clear();
    say(1, "bob!");
    ASSERT_EQ(name_check("bob!", 4), NAME_BAD_CHAR);
    EXPECT_NE(name_reason("bob!").find('!'), std::string::npos);  // the reason names the character
    EXPECT_EQ(lines(1), Lines{"! " + name_reason("bob!") + " Choose another name:"});
    EXPECT_EQ(lines(1)[0],
              "! Names may only contain letters, digits, '_', '-' and '.' (not '!'). Choose another name:");
    EXPECT_EQ(natter_fe_named_count(fe), 0u);
    EXPECT_TRUE(fake.closed.empty());
    clear();
    say(1, "bob");  // the connection stays and may try again
    EXPECT_EQ(lines(1)[0], "*** You are bob. 1 user(s) online in 1 room(s). Type /help for commands.");
}

// Every reason name_check can give reaches the user as "! REASON Choose
// another name:", with the reason sanitised (it may quote the bad byte).
TEST_F(NatterFeTest, EveryNameProblemIsReportedWithItsReason)
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
        {"cr\rlf\nx", NAME_BAD_CHAR},
    };
    connect(1);
    for (const Case &k : cases) {
        ASSERT_EQ(name_check(k.name.data(), k.name.size()), k.status) << k.name;
        clear();
        say(1, k.name);
        EXPECT_EQ(lines(1), Lines{"! " + name_reason(k.name) + " Choose another name:"}) << k.name;
        ASSERT_EQ(lines(1).size(), 1u);
        EXPECT_EQ(lines(1)[0].find('\x1b'), std::string::npos) << "raw ESC echoed";
        EXPECT_EQ(lines(1)[0].find('\xFF'), std::string::npos) << "raw invalid byte echoed";
    }
    EXPECT_EQ(natter_fe_named_count(fe), 0u);
}

TEST_F(NatterFeTest, TooManyBytesIsRefused)
{
    // 22 three-byte characters: few enough code points, too many bytes.
    std::string name;
    for (int i = 0; i < 22; i++)
        name += "\xE5\xBC\xA0";
    ASSERT_EQ(name_check(name.data(), name.size()), NAME_TOO_LONG);
    connect(1);
    clear();
    say(1, name);
    EXPECT_EQ(lines(1), Lines{"! Name too long (max 64 bytes of UTF-8). Choose another name:"});
    EXPECT_EQ(natter_fe_named_count(fe), 0u);
}

TEST_F(NatterFeTest, TakenNameIsRefusedIgnoringCase)
{
    named(1, "alice");
    connect(2);
    clear();
    say(2, "ALICE");
    EXPECT_EQ(lines(2), Lines{"! Name \"ALICE\" is taken. Choose another name:"});
    EXPECT_TRUE(silent(1));
    EXPECT_EQ(natter_fe_named_count(fe), 1u);
}

TEST_F(NatterFeTest, CommandBeforeNameAsksForANameFirst)
{
    named(1, "bob");
    connect(2);
    for (const char *line :
         {"/who", "/names", "/msg bob hi", "/nick x", "/me waves", "/bogus", "//x", "/join #rust",
          "/part", "/leave", "/rooms", "/list", "/topic hi", "/kick bob", "/op bob", "/deop bob"}) {
        clear();
        say(2, line);
        EXPECT_EQ(lines(2), Lines{"! Choose a name first."}) << line;
        EXPECT_TRUE(silent(1)) << line;
    }
    EXPECT_EQ(natter_fe_named_count(fe), 1u);
    EXPECT_EQ(chat_room_count(c), 1u);  // /join created nothing
}

TEST_F(NatterFeTest, HelpAndQuitWorkBeforeName)
{
    connect(1);
    clear();
    say(1, "/help");
    ASSERT_FALSE(lines(1).empty());
    EXPECT_EQ(lines(1)[0], "*** Commands:");
    clear();
    named(2, "bob");
    say(1, "/quit bye");
    EXPECT_EQ(lines(1), Lines{"*** Bye."});
    EXPECT_EQ(fake.closed, std::vector<int>{1});
    EXPECT_TRUE(silent(2));  // nobody is told about an unnamed client
    EXPECT_EQ(natter_fe_session_count(fe), 1u);
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"disconnect 127.0.0.1:5000 (quit)"});
}

TEST_F(NatterFeTest, DefaultRoomComesFromTheChatConfig)
{
    ccfg.default_room = "#main";
    connect(1);
    clear();
    say(1, "alice");
    EXPECT_EQ(lines(1), (Lines{
                            "*** You are alice. 1 user(s) online in 1 room(s). Type /help for commands.",
                            in("#main", "*** alice joined"),
                            "*** Members of #main (1): @alice",
                            "*** Now talking in #main.",
                        }));
    EXPECT_EQ(chat_find_room(c, "#lobby", 6), nullptr);
    clear();
    say(1, "hi");
    EXPECT_EQ(lines(1), Lines{in("#main", "<alice> hi")});
}

// ---- plain lines go to the current room ----------------------------------

TEST_F(NatterFeTest, ChatIsEchoedToEveryoneInTheRoomInTheSameOrder)
{
    named(1, "alice");
    named(2, "bob");
    connect(3);  // unnamed: receives no chat
    clear();
    say(1, "hello");
    say(2, "hi alice");
    say(1, "how are you?");
    Lines expected{in("#lobby", "<alice> hello"), in("#lobby", "<bob> hi alice"),
                   in("#lobby", "<alice> how are you?")};
    EXPECT_EQ(lines(1), expected);
    EXPECT_EQ(lines(2), expected);
    EXPECT_TRUE(silent(3));
}

TEST_F(NatterFeTest, ChatAndActionsGoToTheCurrentRoomOnly)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    say(3, "/join #rust");
    say(1, "/join rust");  // alice is in #lobby and #rust, talking in #rust
    clear();
    say(1, "hi rustaceans");
    say(1, "/me waves");
    Lines expected{in("#rust", "<alice> hi rustaceans"), in("#rust", "* alice waves")};
    EXPECT_EQ(lines(1), expected);
    EXPECT_EQ(lines(3), expected);
    EXPECT_TRUE(silent(2));  // bob is only in #lobby
    clear();
    say(2, "anyone?");  // bob's current room is #lobby: alice and carol are there too
    EXPECT_EQ(lines(1), Lines{in("#lobby", "<bob> anyone?")});
    EXPECT_EQ(lines(3), Lines{in("#lobby", "<bob> anyone?")});
}

TEST_F(NatterFeTest, ChatUsesTheLocalTimeOfEveryLine)
{
    named(1, "alice");
    fake.hms = "01:02:03";
    say(1, "hi");
    EXPECT_EQ(lines(1), Lines{"[01:02:03] #lobby <alice> hi"});
}

TEST_F(NatterFeTest, ChatTextIsKeptAsSentIncludingSpaces)
{
    named(1, "alice");
    say(1, "  spaced  out\t ");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "<alice>   spaced  out\t ")});
}

TEST_F(NatterFeTest, EmptyAndBlankLinesAreIgnoredEverywhere)
{
    named(1, "alice");
    connect(2);
    clear();
    for (const char *line : {"", " ", "   ", "\t", " \t \t"}) {
        say(1, line);
        say(2, line);
    }
    EXPECT_TRUE(silent(1));
    EXPECT_TRUE(silent(2));
    EXPECT_EQ(natter_fe_named_count(fe), 1u);
}

TEST_F(NatterFeTest, DoubleSlashSendsALineStartingWithSlash)
{
    named(1, "alice");
    say(1, "//shrug");
    say(1, "//");
    say(1, "///x");
    EXPECT_EQ(lines(1), (Lines{in("#lobby", "<alice> /shrug"), in("#lobby", "<alice> /"),
                               in("#lobby", "<alice> //x")}));
}

TEST_F(NatterFeTest, LineWithLeadingSpaceBeforeSlashIsChat)
{
    named(1, "alice");
    say(1, " /who");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "<alice>  /who")});
}

TEST_F(NatterFeTest, AfterPartingTheLastRoomThereIsNoRoomToTalkIn)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/part");
    EXPECT_EQ(lines(1), (Lines{in("#lobby", "*** alice left (part)"),
                               "*** Now talking in no room. Type /join ROOM to join one."}));
    EXPECT_EQ(lines(2), (Lines{in("#lobby", "*** alice left (part)"),
                               in("#lobby", "*** bob is now an operator")}));
    clear();
    for (const char *line : {"hi", "/me waves", "//x", "/topic", "/topic new", "/who", "/names",
                             "/part", "/part bye", "/kick bob", "/op bob", "/deop bob"}) {
        say(1, line);
        EXPECT_EQ(lines(1), Lines{"! You are in no room. Type /join ROOM."}) << line;
        clear();
    }
    EXPECT_TRUE(silent(2));
    say(1, "/join lobby");
    clear();
    say(1, "back");
    EXPECT_EQ(lines(2), Lines{in("#lobby", "<alice> back")});
}

TEST_F(NatterFeTest, ChatIsSanitised)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "a\x1b[31mred");
    say(1, std::string("nul\0byte", 8));
    say(1, "bad \xC3\x28 utf8");
    say(1, "bell\x07 del\x7F c1\xC2\x9B tab\tok");
    Lines expected{in("#lobby", "<alice> a" + FFFD + "[31mred"),
                   in("#lobby", "<alice> nul" + FFFD + "byte"),
                   in("#lobby", "<alice> bad " + FFFD + "( utf8"),
                   in("#lobby", "<alice> bell" + FFFD + " del" + FFFD + " c1" + FFFD + " tab\tok")};
    EXPECT_EQ(lines(2), expected);
    EXPECT_EQ(lines(1), expected);
}

// A CR or LF inside a line (the framing never passes one, but the front-end
// must not trust that) cannot start a new line that looks like someone else's.
TEST_F(NatterFeTest, EmbeddedLineBreaksCannotForgeLines)
{
    named(1, "mallory");
    named(2, "bob");
    say(1, "x\r\n[12:00:00] #lobby <admin> hi");
    EXPECT_EQ(lines(2), Lines{in("#lobby", "<mallory> x" + FFFD + FFFD + "[12:00:00] #lobby <admin> hi")});
}

TEST_F(NatterFeTest, ForgedPrefixArrivesInsideTheSendersLine)
{
    named(1, "mallory");
    named(2, "bob");
    say(1, "[12:00:00] <admin> hi");
    EXPECT_EQ(lines(2), Lines{in("#lobby", "<mallory> [12:00:00] <admin> hi")});
}

TEST_F(NatterFeTest, LongLinesAreRelayedWhole)
{
    named(1, "alice");
    std::string text(1024, '\x01');  // every byte becomes 3
    say(1, text);
    std::string expected = in("#lobby", "<alice> ");
    for (int i = 0; i < 1024; i++)
        expected += FFFD;
    EXPECT_EQ(lines(1), Lines{expected});
}

TEST_F(NatterFeTest, LineTooLongIsReportedWithTheLimit)
{
    named(1, "alice");
    named(2, "bob");
    connect(3);
    clear();
    too_long(1);
    too_long(3);
    EXPECT_EQ(lines(1), Lines{"! Line too long (limit 1024 bytes); not sent."});
    EXPECT_EQ(lines(3), Lines{"! Line too long (limit 1024 bytes); not sent."});
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, LineTooLongQuotesTheConfiguredLimit)
{
    fcfg.max_line = 80;
    connect(1);
    clear();
    too_long(1);
    EXPECT_EQ(lines(1), Lines{"! Line too long (limit 80 bytes); not sent."});
}

// ---- /join ----------------------------------------------------------------

TEST_F(NatterFeTest, JoinCreatesARoomAndAWordMeansTheHashRoom)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/join rust");
    EXPECT_EQ(lines(1), (Lines{in("#rust", "*** alice joined"), "*** Members of #rust (1): @alice",
                               "*** Now talking in #rust."}));
    EXPECT_TRUE(silent(2));
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), (Strings{"create #rust by alice", "join alice #rust"}));
    clear();
    say(2, "/join #rust");  // the same room
    EXPECT_EQ(lines(2), (Lines{in("#rust", "*** bob joined"), "*** Members of #rust (2): @alice, bob",
                               "*** Now talking in #rust."}));
    EXPECT_EQ(lines(1), Lines{in("#rust", "*** bob joined")});
    EXPECT_EQ(chat_room_count(c), 2u);
}

TEST_F(NatterFeTest, RoomNamesIgnoreCaseAndKeepTheirFirstSpelling)
{
    named(1, "alice");
    say(1, "/join #Rust");
    named(2, "bob");
    say(2, "/join RUST");
    EXPECT_EQ(lines(2), (Lines{in("#Rust", "*** bob joined"), "*** Members of #Rust (2): @alice, bob",
                               "*** Now talking in #Rust."}));
}

TEST_F(NatterFeTest, JoiningARoomAgainOnlyMakesItCurrent)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/join #rust");
    clear();
    say(1, "/join #lobby");
    say(1, "/join LOBBY");
    EXPECT_EQ(lines(1), Lines(2, "*** Now talking in #lobby."));
    EXPECT_TRUE(silent(2));
    clear();
    say(1, "here");
    EXPECT_EQ(lines(2), Lines{in("#lobby", "<alice> here")});
    clear();
    say(1, "/join rust");
    EXPECT_EQ(lines(1), Lines{"*** Now talking in #rust."});
}

TEST_F(NatterFeTest, JoinShowsTheTopicOnlyWhenOneIsSet)
{
    named(1, "alice");
    say(1, "/join #rust");
    named(2, "bob");
    say(2, "/join #rust");
    EXPECT_EQ(lines(2).size(), 3u);  // joined, members, now talking: no topic line
    say(2, "/part #rust");
    say(1, "/topic Rust talk");
    clear();
    say(2, "/join #rust");
    EXPECT_EQ(lines(2), (Lines{
                            in("#rust", "*** bob joined"),
                            "*** Topic of #rust: Rust talk (set by alice, 2026-12-01 12:34:56)",
                            "*** Members of #rust (2): @alice, bob",
                            "*** History of #rust (1 line):",
                            in("#rust", "*** alice set the topic: Rust talk"),
                            "*** End of history of #rust.",
                            "*** Now talking in #rust.",
                        }));
}

TEST_F(NatterFeTest, JoinSequenceHasTopicMembersHistoryThenNowTalking)
{
    named(1, "bob");
    say(1, "/join #rust");
    named(2, "carol");
    say(2, "/join #rust");
    say(1, "/topic TEXT");
    say(1, "earlier text");
    say(1, "/me waved");
    named(3, "alice");
    say(3, "/join rust");
    EXPECT_EQ(lines(3), (Lines{
                            in("#rust", "*** alice joined"),
                            "*** Topic of #rust: TEXT (set by bob, 2026-12-01 12:34:56)",
                            "*** Members of #rust (3): @bob, carol, alice",
                            "*** History of #rust (3 lines):",
                            in("#rust", "*** bob set the topic: TEXT"),
                            in("#rust", "<bob> earlier text"),
                            in("#rust", "* bob waved"),
                            "*** End of history of #rust.",
                            "*** Now talking in #rust.",
                        }));
    EXPECT_EQ(lines(1), Lines{in("#rust", "*** alice joined")});
    EXPECT_EQ(lines(2), Lines{in("#rust", "*** alice joined")});
}

TEST_F(NatterFeTest, HistoryLinesAreIdenticalToTheLiveLinesWithTheirOriginalTime)
{
    fake.hms = "";  // the stamp follows the time
    named(1, "alice");
    named(2, "bob");
    say(1, "one");
    fake.now += 60;
    say(2, "/me two");
    Lines live = lines(2);
    ASSERT_EQ(live, (Lines{"[12:34:56] #lobby <alice> one", "[12:35:56] #lobby * bob two"}));
    fake.now += 3600;  // an hour later, the same day
    named(3, "carol");
    connect(4);
    clear();
    say(4, "dave");
    ASSERT_EQ(lines(4).size(), 8u);
    EXPECT_EQ(lines(4)[1], "[13:35:56] #lobby *** dave joined");
    EXPECT_EQ(lines(4)[3], "*** History of #lobby (2 lines):");
    EXPECT_EQ(Lines(lines(4).begin() + 4, lines(4).begin() + 6), live);
    EXPECT_EQ(lines(4)[6], "*** End of history of #lobby.");
}

TEST_F(NatterFeTest, HistoryFromAnEarlierDayCarriesTheDate)
{
    named(1, "alice");
    say(1, "yesterday's news");
    fake.now += DAY;
    say(1, "today's news");
    named(2, "bob");  // checks and forgets the join sequence; look at it again
    connect(3);
    clear();
    say(3, "carol");
    EXPECT_EQ(lines(3), (Lines{
                            "*** You are carol. 3 user(s) online in 1 room(s). Type /help for commands.",
                            in("#lobby", "*** carol joined"),
                            "*** Members of #lobby (3): @alice, bob, carol",
                            "*** History of #lobby (2 lines):",
                            "[2026-12-01 12:34:56] #lobby <alice> yesterday's news",
                            in("#lobby", "<alice> today's news"),
                            "*** End of history of #lobby.",
                            "*** Now talking in #lobby.",
                        }));
}

TEST_F(NatterFeTest, TopicDateIsWhenItWasSet)
{
    named(1, "alice");
    say(1, "/topic old news");
    fake.now += 2 * DAY;
    clear();
    say(1, "/topic");
    EXPECT_EQ(lines(1), Lines{"*** Topic of #lobby: old news (set by alice, 2026-12-01 12:34:56)"});
}

TEST_F(NatterFeTest, HistoryHeaderSaysOneLineInTheSingular)
{
    named(1, "alice");
    say(1, "only line");
    connect(2);
    clear();
    say(2, "bob");
    EXPECT_EQ(lines(2), (Lines{
                            "*** You are bob. 2 user(s) online in 1 room(s). Type /help for commands.",
                            in("#lobby", "*** bob joined"),
                            "*** Members of #lobby (2): @alice, bob",
                            "*** History of #lobby (1 line):",
                            in("#lobby", "<alice> only line"),
                            "*** End of history of #lobby.",
                            "*** Now talking in #lobby.",
                        }));
}

TEST_F(NatterFeTest, HistoryZeroSendsNoHistoryBlock)
{
    ccfg.history = 0;
    named(1, "alice");
    say(1, "hi");
    say(1, "/topic t");
    connect(2);
    clear();
    say(2, "bob");
    EXPECT_EQ(lines(2), (Lines{
                            "*** You are bob. 2 user(s) online in 1 room(s). Type /help for commands.",
                            in("#lobby", "*** bob joined"),
                            "*** Topic of #lobby: t (set by alice, 2026-12-01 12:34:56)",
                            "*** Members of #lobby (2): @alice, bob",
                            "*** Now talking in #lobby.",
                        }));
}

TEST_F(NatterFeTest, HistoryLimitKeepsTheLastLines)
{
    ccfg.history = 3;
    named(1, "alice");
    for (int i = 1; i <= 5; i++)
        say(1, "line " + std::to_string(i));
    clear();
    say(1, "/join #other");
    say(1, "/part #lobby");
    say(1, "/join #lobby");
    const Lines &l = lines(1);
    auto at = std::find(l.begin(), l.end(), "*** History of #lobby (3 lines):");
    ASSERT_NE(at, l.end());
    ASSERT_GE(l.end() - at, 5);
    EXPECT_EQ(Lines(at + 1, at + 5), (Lines{in("#lobby", "<alice> line 3"), in("#lobby", "<alice> line 4"),
                                            in("#lobby", "<alice> line 5"),
                                            "*** End of history of #lobby."}));
}

TEST_F(NatterFeTest, JoinsPartsAndPrivateMessagesAreNotHistory)
{
    named(1, "alice");
    named(2, "bob");
    say(2, "/msg alice secret");
    say(2, "/part");
    say(2, "/join #lobby");
    say(1, "/nick al");
    connect(3);
    clear();
    say(3, "carol");
    for (const std::string &l : lines(3))
        EXPECT_EQ(l.find("History"), std::string::npos) << l;
}

TEST_F(NatterFeTest, BadRoomNamesGetOneLineWithTheReason)
{
    named(1, "alice");
    named(2, "bob");
    const std::string long_room = "#" + std::string(ROOM_NAME_MAX_CHARS + 1, 'r');
    const Strings rooms = {"#", "#a!b", "#.x", long_room, "#bad\xFF", "#es\x1b[2J", "#cr\r\nlf",
                           "##"};
    for (const std::string &room : rooms) {
        ASSERT_NE(room_name_check(room.data(), room.size()), NAME_OK) << room;
        clear();
        say(1, "/join " + room);
        EXPECT_EQ(lines(1), Lines{"! " + room_reason(room)}) << room;
        EXPECT_TRUE(silent(2));
    }
    // The words are pinned too, since clients show them.
    clear();
    say(1, "/join #");
    say(1, "/join a!b");
    say(1, "/join #.x");
    say(1, "/join " + long_room);
    say(1, "/join #bad\xFF");
    say(1, "/join #es\x1b");
    EXPECT_EQ(lines(1), (Lines{
                            "! Room name cannot be empty.",
                            "! Room names may only contain letters, digits, '_', '-' and '.' (not '!').",
                            "! Room names may not start with '#.'.",
                            "! Room name too long (max 32 characters after '#').",
                            "! Room name is not valid UTF-8.",
                            "! Room names may only contain letters, digits, '_', '-' and '.' (not a control character).",
                        }));
    EXPECT_EQ(chat_room_count(c), 1u);
}

TEST_F(NatterFeTest, JoinWithoutARoomShowsUsage)
{
    named(1, "alice");
    say(1, "/join");
    say(1, "/join  \t ");
    EXPECT_EQ(lines(1), Lines(2, "! Usage: /join ROOM"));
}

TEST_F(NatterFeTest, TooManyRoomsWhenNoneIsEmpty)
{
    ccfg.max_rooms = 2;
    named(1, "alice");
    say(1, "/join #a");
    clear();
    say(1, "/join #b");
    EXPECT_EQ(lines(1), Lines{"! Too many rooms (limit 2)."});
    EXPECT_EQ(chat_room_count(c), 2u);
    clear();
    say(1, "hi");  // still talking in #a
    EXPECT_EQ(lines(1), Lines{in("#a", "<alice> hi")});
}

TEST_F(NatterFeTest, TheDefaultRoomIsNeverForgotten)
{
    ccfg.max_rooms = 2;
    named(1, "alice");
    say(1, "lobby history");
    say(1, "/part");  // #lobby is empty now
    say(1, "/join #a");
    say(1, "/part");  // so is #a
    clear();
    say(1, "/join #b");  // #a goes, #lobby stays
    EXPECT_EQ(lines(1), (Lines{in("#b", "*** alice joined"), "*** Members of #b (1): @alice",
                               "*** Now talking in #b."}));
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT),
              (Strings{"forget #a (room limit)", "create #b by alice", "join alice #b"}));
    clear();
    say(1, "/rooms");
    EXPECT_EQ(lines(1), (Lines{"*** Rooms (2):", "***   #lobby (0)", "***   #b (1)", "*** End of rooms."}));
    clear();
    say(1, "/join #lobby");  // its history survived
    EXPECT_NE(std::find(lines(1).begin(), lines(1).end(), in("#lobby", "<alice> lobby history")),
              lines(1).end());
}

TEST_F(NatterFeTest, OnlyTheDefaultRoomLeftMeansTooManyRooms)
{
    ccfg.max_rooms = 1;
    named(1, "alice");
    say(1, "/part");
    clear();
    say(1, "/join #a");
    EXPECT_EQ(lines(1), Lines{"! Too many rooms (limit 1)."});
}

TEST_F(NatterFeTest, FullServerForgetsTheEmptyRoomUnusedForLongest)
{
    ccfg.max_rooms = 3;
    named(1, "alice");
    say(1, "/join #a");
    say(1, "in a");
    say(1, "/part");
    say(1, "/join #b");
    say(1, "in b");
    say(1, "/part");
    say(1, "/join #a");  // #a used again: #b is now the one unused for longest
    say(1, "/part");
    clear();
    say(1, "/join #c");
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT),
              (Strings{"forget #b (room limit)", "create #c by alice", "join alice #c"}));
    EXPECT_EQ(chat_find_room(c, "#b", 2), nullptr);
    clear();
    say(1, "/join #a");  // kept, with its history
    EXPECT_EQ(lines(1), (Lines{in("#a", "*** alice joined"), "*** Members of #a (1): @alice",
                               "*** History of #a (1 line):", in("#a", "<alice> in a"),
                               "*** End of history of #a.", "*** Now talking in #a."}));
    say(1, "/part #c");
    clear();
    say(1, "/join #b");  // a new #b: its history went with the old one
    EXPECT_EQ(lines(1), (Lines{in("#b", "*** alice joined"), "*** Members of #b (1): @alice",
                               "*** Now talking in #b."}));
    EXPECT_EQ(chat_find_room(c, "#c", 2), nullptr);
}

TEST_F(NatterFeTest, JoiningTooManyRoomsIsRefused)
{
    named(1, "alice");
    for (int i = 1; i < CHAT_MAX_ROOMS_PER_USER; i++)
        say(1, "/join #r" + std::to_string(i));
    ASSERT_EQ(chat_user_room_count(chat_find_user(c, "alice", 5)),
              static_cast<size_t>(CHAT_MAX_ROOMS_PER_USER));
    clear();
    say(1, "/join #one-more");
    EXPECT_EQ(lines(1), Lines{"! You are in too many rooms (limit 100). Leave one with /part first."});
    clear();
    say(1, "/join #r5");  // one you are in is fine
    EXPECT_EQ(lines(1), Lines{"*** Now talking in #r5."});
}

// ---- /part ------------------------------------------------------------------

TEST_F(NatterFeTest, PartLeavesTheCurrentRoomAndFallsBack)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    say(1, "/join #rust");
    say(2, "/join #rust");
    clear();
    say(2, "/part");
    EXPECT_EQ(lines(2), (Lines{in("#rust", "*** bob left (part)"), "*** Now talking in #lobby."}));
    EXPECT_EQ(lines(1), Lines{in("#rust", "*** bob left (part)")});
    EXPECT_TRUE(silent(3));
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"part bob #rust"});
    clear();
    say(2, "back in the lobby");
    EXPECT_EQ(lines(3), Lines{in("#lobby", "<bob> back in the lobby")});
}

TEST_F(NatterFeTest, PartNamedRoomWithWords)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/join #rust");
    say(2, "/join #rust");
    say(2, "/join #lobby");  // current: #lobby
    clear();
    say(2, "/part #rust  bye now  ");
    EXPECT_EQ(lines(2), Lines{in("#rust", "*** bob left (part: bye now)")});  // still in #lobby
    EXPECT_EQ(lines(1), Lines{in("#rust", "*** bob left (part: bye now)")});
    clear();
    say(2, "still here");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "<bob> still here")});
}

TEST_F(NatterFeTest, PartAWordNamingARoomYouAreIn)
{
    named(1, "alice");
    named(2, "bob");
    say(2, "/join #rust");
    say(2, "/join #lobby");
    clear();
    say(2, "/part rust");
    EXPECT_EQ(lines(2), Lines{in("#rust", "*** bob left (part)")});
    clear();
    say(2, "/join #rust");
    say(2, "/join #lobby");
    clear();
    say(2, "/part Rust is great");  // the room word, then the words
    EXPECT_EQ(lines(2), Lines{in("#rust", "*** bob left (part: is great)")});
    EXPECT_TRUE(silent(1));
}

TEST_F(NatterFeTest, PartAWordThatIsNotYourRoomIsTheReason)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/join #rust");  // exists, but bob is not in it
    say(1, "/join #lobby");
    clear();
    say(2, "/part bye");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** bob left (part: bye)")});
    EXPECT_EQ(lines(2), (Lines{in("#lobby", "*** bob left (part: bye)"),
                               "*** Now talking in no room. Type /join ROOM to join one."}));
    say(2, "/join #lobby");
    clear();
    say(2, "/part rust is not mine");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** bob left (part: rust is not mine)")});
}

TEST_F(NatterFeTest, PartFallsBackToTheMostRecentlyJoinedRoomLeft)
{
    named(1, "alice");
    say(1, "/join #a");
    say(1, "/join #b");
    say(1, "/join #c");
    say(1, "/join #a");  // current #a; joined: #lobby, #a, #b, #c
    clear();
    say(1, "/part");
    EXPECT_EQ(lines(1), (Lines{in("#a", "*** alice left (part)"), "*** Now talking in #c."}));
    clear();
    say(1, "/part");
    EXPECT_EQ(lines(1), (Lines{in("#c", "*** alice left (part)"), "*** Now talking in #b."}));
    clear();
    say(1, "/leave");  // an alias
    EXPECT_EQ(lines(1), (Lines{in("#b", "*** alice left (part)"), "*** Now talking in #lobby."}));
}

TEST_F(NatterFeTest, PartErrors)
{
    named(1, "alice");
    named(2, "bob");
    say(2, "/join #rust");
    clear();
    say(1, "/part #rust");
    say(1, "/part #nosuch bye");
    say(1, "/part #bad!room");
    EXPECT_EQ(lines(1), (Lines{"! You are not in #rust.", "! No room named #nosuch.",
                               "! No room named #bad!room."}));
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, LastOperatorLeavingHandsOperatorStatusOn)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    clear();
    say(1, "/part");
    Lines expected{in("#lobby", "*** alice left (part)"), in("#lobby", "*** bob is now an operator")};
    EXPECT_EQ(lines(2), expected);
    EXPECT_EQ(lines(3), expected);
    EXPECT_EQ(lines(1), (Lines{in("#lobby", "*** alice left (part)"),
                               "*** Now talking in no room. Type /join ROOM to join one."}));
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT),
              (Strings{"part alice #lobby", "op bob in #lobby (automatic)"}));
    clear();
    say(3, "/who");
    EXPECT_EQ(lines(3), Lines{"*** Members of #lobby (2): @bob, carol"});
}

// ---- /rooms, /topic, /who ------------------------------------------------

TEST_F(NatterFeTest, RoomsListsEveryRoomInCreationOrder)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/topic topic text here");
    say(2, "/join #rust");
    say(2, "/join #empty");
    say(2, "/part");
    clear();
    say(1, "/rooms");
    Lines expected{"*** Rooms (3):", "***   #lobby (2): topic text here", "***   #rust (1)",
                   "***   #empty (0)", "*** End of rooms."};
    EXPECT_EQ(lines(1), expected);
    clear();
    say(1, "/LIST");
    EXPECT_EQ(lines(1), expected);
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, TopicShowWhenNoneIsSet)
{
    named(1, "alice");
    named(2, "bob");
    say(2, "/topic");
    say(2, "/topic   ");
    EXPECT_EQ(lines(2), Lines(2, "*** #lobby has no topic."));
    EXPECT_TRUE(silent(1));
}

TEST_F(NatterFeTest, TopicIsSetByTheOperatorAndShownToTheRoom)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    say(3, "/join #other");
    clear();
    say(1, "/topic  Rust talk  ");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** alice set the topic: Rust talk")});
    EXPECT_EQ(lines(2), Lines{in("#lobby", "*** alice set the topic: Rust talk")});
    EXPECT_EQ(lines(3), Lines{in("#lobby", "*** alice set the topic: Rust talk")});
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"topic #lobby by alice"});
    clear();
    say(2, "/topic");
    EXPECT_EQ(lines(2), Lines{"*** Topic of #lobby: Rust talk (set by alice, 2026-12-01 12:34:56)"});
    clear();
    say(3, "/topic");  // the topic of carol's current room
    EXPECT_EQ(lines(3), Lines{"*** #other has no topic."});
}

TEST_F(NatterFeTest, TopicNeedsAnOperator)
{
    named(1, "alice");
    named(2, "bob");
    clear();
    say(2, "/topic mine now");
    EXPECT_EQ(lines(2), Lines{"! You are not an operator of #lobby."});
    EXPECT_TRUE(silent(1));
    clear();
    say(2, "/topic");
    EXPECT_EQ(lines(2), Lines{"*** #lobby has no topic."});
}

TEST_F(NatterFeTest, OpenTopicLetsAnyoneSetIt)
{
    ccfg.open_topic = true;
    named(1, "alice");
    named(2, "bob");
    say(2, "/topic mine now");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** bob set the topic: mine now")});
    clear();
    say(1, "/topic");
    EXPECT_EQ(lines(1), Lines{"*** Topic of #lobby: mine now (set by bob, 2026-12-01 12:34:56)"});
}

TEST_F(NatterFeTest, TopicTooLongIsRefused)
{
    named(1, "alice");
    named(2, "bob");
    clear();
    say(1, "/topic " + std::string(CHAT_TOPIC_MAX_BYTES + 1, 't'));
    EXPECT_EQ(lines(1), Lines{"! Topic too long (max 300 bytes)."});
    EXPECT_TRUE(silent(2));
    clear();
    say(1, "/topic " + std::string(CHAT_TOPIC_MAX_BYTES, 't'));
    EXPECT_EQ(lines(2), Lines{in("#lobby", "*** alice set the topic: " + std::string(300, 't'))});
}

// The limit is on the topic as stored: sanitising turns a control byte into
// three bytes of U+FFFD.
TEST_F(NatterFeTest, TopicLimitCountsTheSanitisedBytes)
{
    named(1, "alice");
    named(2, "bob");
    clear();
    say(1, "/topic x" + std::string(100, '\x1b'));  // 101 bytes sent, 301 to store
    EXPECT_EQ(lines(1), Lines{"! Topic too long (max 300 bytes)."});
    EXPECT_TRUE(silent(2));
    clear();
    say(1, "/topic " + std::string(100, '\x1b'));  // exactly 300 to store
    std::string safe;
    for (int i = 0; i < 100; i++)
        safe += FFFD;
    EXPECT_EQ(lines(2), Lines{in("#lobby", "*** alice set the topic: " + safe)});
}

TEST_F(NatterFeTest, WhoListsTheMembersOfARoom)
{
    named(1, "alice");
    named(2, "bob");
    connect(3);
    named(4, "carol");
    say(2, "/join #rust");
    clear();
    say(1, "/who");
    say(1, "/names");
    say(1, "/who #rust");
    say(1, "/who rust");      // a room you are not in
    say(1, "/WHO Rust extra words");
    say(1, "/who #nosuch");
    say(1, "/who nosuch");
    EXPECT_EQ(lines(1), (Lines{
                            "*** Members of #lobby (3): @alice, bob, carol",
                            "*** Members of #lobby (3): @alice, bob, carol",
                            "*** Members of #rust (1): @bob",
                            "*** Members of #rust (1): @bob",
                            "*** Members of #rust (1): @bob",
                            "! No room named #nosuch.",
                            "! No room named #nosuch.",
                        }));
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, WhoOfAnEmptyRoomIsOneLineWithNoNames)
{
    named(1, "alice");
    say(1, "/join #empty");
    say(1, "/part");
    clear();
    say(1, "/who #empty");
    ASSERT_EQ(lines(1).size(), 1u);
    EXPECT_EQ(lines(1)[0], "*** Members of #empty (0).");
}

TEST_F(NatterFeTest, NoRoomNameIsSanitisedAndCut)
{
    named(1, "alice");
    say(1, "/who #x\x1b[2J");
    say(1, "/who " + std::string(100, 'z'));
    EXPECT_EQ(lines(1), (Lines{"! No room named #x" + FFFD + "[2J.",
                               "! No room named #" + std::string(31, 'z') + "...."}));
}

TEST_F(NatterFeTest, LongMemberListsAreSplitOverSeveralLines)
{
    std::vector<std::string> names;
    for (int i = 1; i <= 200; i++) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "very_long_member_name%03d", i);
        names.push_back(buf);
        ASSERT_EQ(names.back().size(), static_cast<size_t>(NAME_MAX_CHARS));
    }
    for (int i = 0; i < 200; i++)
        named(i + 1, names[static_cast<size_t>(i)]);
    say(1, "/who");
    const Lines l = lines(1);  // a copy: clear() comes later
    const std::string prefix = "*** Members of #lobby (200): ";
    ASSERT_GT(l.size(), 1u);
    std::map<std::string, int> seen;
    std::vector<std::string> order;
    for (const std::string &line : l) {
        ASSERT_TRUE(starts_with(line, prefix)) << line;
        EXPECT_LE(line.size(), 512u) << line;
        std::string rest = line.substr(prefix.size());
        size_t pos = 0;
        while (pos <= rest.size()) {
            size_t comma = rest.find(", ", pos);
            std::string name = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
            seen[name]++;
            order.push_back(name);
            if (comma == std::string::npos)
                break;
            pos = comma + 2;
        }
    }
    ASSERT_EQ(order.size(), 200u);
    EXPECT_EQ(order[0], "@" + names[0]);
    for (size_t i = 1; i < 200; i++)
        EXPECT_EQ(order[i], names[i]);
    for (auto &kv : seen)
        EXPECT_EQ(kv.second, 1) << kv.first;
    // A joiner's member list is split the same way.
    say(200, "/part");
    clear();
    say(200, "/join #lobby");
    size_t member_lines = 0;
    for (const std::string &line : lines(200))
        if (starts_with(line, prefix))
            member_lines++;
    EXPECT_EQ(member_lines, l.size());
}

// ---- /kick, /op, /deop ---------------------------------------------------

TEST_F(NatterFeTest, KickRemovesTheTargetWhoMayRejoin)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    clear();
    say(1, "/kick bob  spam  ");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** alice kicked bob (spam)")});
    EXPECT_EQ(lines(3), Lines{in("#lobby", "*** alice kicked bob (spam)")});
    EXPECT_EQ(lines(2), (Lines{in("#lobby", "*** alice kicked bob (spam)"),
                               "*** Now talking in no room. Type /join ROOM to join one."}));
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"kick bob from #lobby by alice"});
    clear();
    say(2, "hello?");
    EXPECT_EQ(lines(2), Lines{"! You are in no room. Type /join ROOM."});
    clear();
    say(2, "/join lobby");
    EXPECT_EQ(lines(2), (Lines{in("#lobby", "*** bob joined"),
                               "*** Members of #lobby (3): @alice, carol, bob",
                               "*** Now talking in #lobby."}));
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** bob joined")});
}

TEST_F(NatterFeTest, KickWithoutReasonAndKickedUserFallsBackToAnotherRoom)
{
    named(1, "alice");
    named(2, "bob");
    say(2, "/join #rust");
    say(2, "/join #lobby");
    clear();
    say(1, "/kick BOB");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** alice kicked bob")});
    EXPECT_EQ(lines(2), (Lines{in("#lobby", "*** alice kicked bob"), "*** Now talking in #rust."}));
}

TEST_F(NatterFeTest, KickFromARoomThatIsNotTheTargetsCurrentKeepsTheirCurrent)
{
    named(1, "alice");
    named(2, "bob");
    say(2, "/join #rust");  // bob talks in #rust
    clear();
    say(1, "/kick bob");
    EXPECT_EQ(lines(2), Lines{in("#lobby", "*** alice kicked bob")});
    clear();
    say(2, "still rusty");
    EXPECT_EQ(lines(2), Lines{in("#rust", "<bob> still rusty")});
}

TEST_F(NatterFeTest, KickNeedsAnOperatorAMemberAndAName)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    say(3, "/join #other");
    say(3, "/part #lobby");
    clear();
    say(2, "/kick alice");
    say(1, "/kick zed");
    say(1, "/kick carol");  // exists, but not in #lobby
    say(1, "/kick");
    say(1, "/kick z\x1b" "d why");
    say(1, "/kick " + std::string(40, 'z'));
    EXPECT_EQ(lines(2), Lines{"! You are not an operator of #lobby."});
    EXPECT_EQ(lines(1), (Lines{"! No user named zed in #lobby.", "! No user named carol in #lobby.",
                               "! Usage: /kick NAME [REASON]", "! No user named z" + FFFD + "d in #lobby.",
                               "! No user named " + std::string(32, 'z') + "... in #lobby."}));
    EXPECT_TRUE(silent(3));
}

TEST_F(NatterFeTest, AnOperatorMayKickThemselvesAndHandsOperatorStatusOn)
{
    named(1, "alice");
    named(2, "bob");
    clear();
    say(1, "/kick alice bye");
    EXPECT_EQ(lines(1), (Lines{in("#lobby", "*** alice kicked alice (bye)"),
                               "*** Now talking in no room. Type /join ROOM to join one."}));
    EXPECT_EQ(lines(2), (Lines{in("#lobby", "*** alice kicked alice (bye)"),
                               in("#lobby", "*** bob is now an operator")}));
}

TEST_F(NatterFeTest, OpAndDeop)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    clear();
    say(1, "/op bob");
    Lines made{in("#lobby", "*** alice made bob an operator")};
    EXPECT_EQ(lines(1), made);
    EXPECT_EQ(lines(2), made);
    EXPECT_EQ(lines(3), made);
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"op bob in #lobby by alice"});
    clear();
    say(1, "/who");
    say(1, "/op Bob");
    say(1, "/op alice");
    EXPECT_EQ(lines(1), (Lines{"*** Members of #lobby (3): @alice, @bob, carol",
                               "*** bob is already an operator of #lobby.",
                               "*** alice is already an operator of #lobby."}));
    clear();
    say(2, "/deop alice");  // bob is an operator now
    Lines took{in("#lobby", "*** bob took operator status from alice")};
    EXPECT_EQ(lines(1), took);
    EXPECT_EQ(lines(3), took);
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"deop alice in #lobby by bob"});
    clear();
    say(2, "/deop carol");
    say(1, "/op carol");  // alice is no operator any more
    EXPECT_EQ(lines(2), Lines{"*** carol is not an operator of #lobby."});
    EXPECT_EQ(lines(1), Lines{"! You are not an operator of #lobby."});
    clear();
    say(2, "/op");
    say(2, "/deop");
    say(2, "/op zed");
    EXPECT_EQ(lines(2), (Lines{"! Usage: /op NAME", "! Usage: /deop NAME", "! No user named zed in #lobby."}));
}

TEST_F(NatterFeTest, DeopingTheLastOperatorHandsItOn)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    clear();
    say(1, "/deop alice");
    Lines expected{in("#lobby", "*** alice took operator status from alice"),
                   in("#lobby", "*** bob is now an operator")};
    EXPECT_EQ(lines(1), expected);
    EXPECT_EQ(lines(2), expected);
    EXPECT_EQ(lines(3), expected);
    clear();
    say(3, "/who");
    EXPECT_EQ(lines(3), Lines{"*** Members of #lobby (3): alice, @bob, carol"});
}

TEST_F(NatterFeTest, TheOnlyMemberStaysOperator)
{
    named(1, "alice");
    say(1, "/deop alice");
    EXPECT_EQ(lines(1), Lines{"*** You are alone in #lobby: somebody has to be its operator."});
    clear();
    say(1, "/who");
    EXPECT_EQ(lines(1), Lines{"*** Members of #lobby (1): @alice"});
}

TEST_F(NatterFeTest, LastOperatorQuittingHandsItOn)
{
    named(1, "alice");
    named(2, "bob");
    say(2, "/join #rust");  // bob creates and operates #rust
    named(3, "carol");
    say(3, "/join #rust");
    clear();
    say(2, "/quit");
    EXPECT_EQ(lines(1), (Lines{T + "*** bob left (quit)"}));
    EXPECT_EQ(lines(3), (Lines{T + "*** bob left (quit)", in("#rust", "*** carol is now an operator")}));
    clear();
    left(1, "connection closed");
    EXPECT_EQ(lines(3), (Lines{T + "*** alice left (connection closed)",
                               in("#lobby", "*** carol is now an operator")}));
}

// ---- user events: once per recipient, no room tag -------------------------

TEST_F(NatterFeTest, UserEventsReachEachRoomSharerOnceWithoutARoomTag)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    named(4, "dave");
    say(1, "/join #rust");
    say(2, "/join #rust");
    say(1, "/join #go");
    say(2, "/join #go");
    say(4, "/join #other");
    say(4, "/part #lobby");  // dave shares no room with alice
    clear();
    say(1, "/nick Alice");
    Lines renamed{T + "*** alice is now known as Alice"};
    EXPECT_EQ(lines(1), renamed);
    EXPECT_EQ(lines(2), renamed);  // three shared rooms, one line
    EXPECT_EQ(lines(3), renamed);
    EXPECT_TRUE(silent(4));
    clear();
    say(1, "/quit dinner");
    EXPECT_EQ(lines(1), Lines{"*** Bye."});
    EXPECT_EQ(lines(2), (Lines{T + "*** Alice left (quit: dinner)", in("#lobby", "*** bob is now an operator"),
                               in("#rust", "*** bob is now an operator"),
                               in("#go", "*** bob is now an operator")}));
    EXPECT_EQ(lines(3), (Lines{T + "*** Alice left (quit: dinner)", in("#lobby", "*** bob is now an operator")}));
    EXPECT_TRUE(silent(4));
}

TEST_F(NatterFeTest, RenameReachesTheUserEvenInNoRoom)
{
    named(1, "alice");
    say(1, "/part");
    clear();
    say(1, "/nick al");
    EXPECT_EQ(lines(1), Lines{T + "*** alice is now known as al"});
}

TEST_F(NatterFeTest, ConnectionLeftTellsRoomSharersTheReason)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    named(4, "dave");
    say(4, "/join #other");
    say(4, "/part #lobby");
    connect(5);
    clear();
    left(1, "connection closed");
    left(2, "too slow");
    EXPECT_EQ(lines(3), (Lines{T + "*** alice left (connection closed)", in("#lobby", "*** bob is now an operator"),
                               T + "*** bob left (too slow)", in("#lobby", "*** carol is now an operator")}));
    EXPECT_TRUE(silent(1));
    EXPECT_EQ(lines(2), (Lines{T + "*** alice left (connection closed)", in("#lobby", "*** bob is now an operator")}));
    EXPECT_TRUE(silent(4));
    EXPECT_TRUE(silent(5));
    EXPECT_TRUE(fake.closed.empty());  // the caller closes; the front-end only forgets
    EXPECT_EQ(natter_fe_session_count(fe), 3u);
    EXPECT_EQ(natter_fe_named_count(fe), 2u);
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT),
              (Strings{"leave alice (connection closed) (127.0.0.1:5000)", "op bob in #lobby (automatic)",
                       "leave bob (too slow) (127.0.0.1:5000)", "op carol in #lobby (automatic)"}));
}

TEST_F(NatterFeTest, LeftWithoutAReasonIsConnectionClosed)
{
    named(1, "alice");
    named(2, "bob");
    clear();
    left(2, nullptr);
    EXPECT_EQ(lines(1), Lines{T + "*** bob left (connection closed)"});
}

TEST_F(NatterFeTest, UnnamedClientLeavesSilently)
{
    named(1, "alice");
    connect(2, "[::1]:6000");
    clear();
    left(2, "connection closed");
    EXPECT_TRUE(silent(1));
    EXPECT_EQ(natter_fe_session_count(fe), 1u);
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"disconnect [::1]:6000 (connection closed)"});
}

// ---- /me, /msg ---------------------------------------------------------------

TEST_F(NatterFeTest, MeSendsAnAction)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/me waves  hello");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "* alice waves  hello")});
    EXPECT_EQ(lines(2), Lines{in("#lobby", "* alice waves  hello")});
    EXPECT_EQ(logs_of(CHAT_LOG_CHAT), Strings{"#lobby * alice waves  hello"});
}

TEST_F(NatterFeTest, MeIsSanitised)
{
    named(1, "alice");
    say(1, "/me \x1b]0;pwned\x07 a\rb\nc \xFF");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "* alice " + FFFD + "]0;pwned" + FFFD + " a" + FFFD + "b" +
                                               FFFD + "c " + FFFD)});
}

TEST_F(NatterFeTest, MeWithoutTextShowsUsage)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/me");
    say(1, "/me  \t ");
    EXPECT_EQ(lines(1), (Lines{"! Usage: /me TEXT", "! Usage: /me TEXT"}));
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, MsgGoesToTheTargetAndEchoesToTheSender)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    say(1, "/msg bob hi  there");
    EXPECT_EQ(lines(2), Lines{T + "*alice* hi  there"});
    EXPECT_EQ(lines(1), Lines{T + "-> *bob* hi  there"});
    EXPECT_TRUE(silent(3));
    // Private text is never logged; who wrote to whom is.
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"msg alice -> bob"});
    EXPECT_TRUE(logs_of(CHAT_LOG_CHAT).empty());
}

TEST_F(NatterFeTest, MsgReachesSomeoneSharingNoRoom)
{
    named(1, "alice");
    named(2, "bob");
    say(2, "/part");
    clear();
    say(1, "/msg bob psst");
    say(2, "/msg alice what");
    EXPECT_EQ(lines(2), (Lines{T + "*alice* psst", T + "-> *alice* what"}));
    EXPECT_EQ(lines(1), (Lines{T + "-> *bob* psst", T + "*bob* what"}));
}

TEST_F(NatterFeTest, MsgTargetIsMatchedIgnoringCaseAndShownAsRegistered)
{
    named(1, "alice");
    named(2, "Bob");
    say(1, "/MSG bOB hey");
    EXPECT_EQ(lines(2), Lines{T + "*alice* hey"});
    EXPECT_EQ(lines(1), Lines{T + "-> *Bob* hey"});
}

TEST_F(NatterFeTest, MsgToUnknownUser)
{
    named(1, "alice");
    connect(2);  // unnamed clients cannot be messaged
    clear();
    say(1, "/msg zed hi");
    EXPECT_EQ(lines(1), Lines{"! No user named zed."});
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, MsgUnknownUserNameIsSanitisedAndCut)
{
    named(1, "alice");
    say(1, "/msg z\x1b" "d hi");
    say(1, "/msg " + std::string(100, 'z') + " hi");
    EXPECT_EQ(lines(1), (Lines{"! No user named z" + FFFD + "d.",
                               "! No user named " + std::string(32, 'z') + "...."}));
}

TEST_F(NatterFeTest, MsgWithoutTextOrNameShowsUsage)
{
    named(1, "alice");
    named(2, "bob");
    for (const char *line : {"/msg", "/msg ", "/msg bob", "/msg bob   ", "/msg nobody"})
        say(1, line);
    EXPECT_EQ(lines(1), Lines(5, "! Usage: /msg NAME TEXT"));
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, MsgToYourselfShowsBothLines)
{
    named(1, "alice");
    say(1, "/msg alice note to self");
    EXPECT_EQ(lines(1), (Lines{T + "*alice* note to self", T + "-> *alice* note to self"}));
}

TEST_F(NatterFeTest, MsgTextIsSanitised)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/msg bob \x1b[2J\xFFgot\r\ncha");
    EXPECT_EQ(lines(2), Lines{T + "*alice* " + FFFD + "[2J" + FFFD + "got" + FFFD + FFFD + "cha"});
    EXPECT_EQ(lines(1), Lines{T + "-> *bob* " + FFFD + "[2J" + FFFD + "got" + FFFD + FFFD + "cha"});
}

// ---- /nick -------------------------------------------------------------------

TEST_F(NatterFeTest, NickRenamesAndTellsEveryone)
{
    named(1, "alice");
    named(2, "bob");
    connect(3);
    clear();
    say(1, "/nick alicia");
    EXPECT_EQ(lines(1), Lines{T + "*** alice is now known as alicia"});
    EXPECT_EQ(lines(2), Lines{T + "*** alice is now known as alicia"});
    EXPECT_TRUE(silent(3));
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"rename alice -> alicia (127.0.0.1:5000)"});
    clear();
    say(1, "hi");
    EXPECT_EQ(lines(2), Lines{in("#lobby", "<alicia> hi")});
    // The old name is free again.
    connect(4);
    clear();
    say(4, "Alice");
    EXPECT_EQ(lines(4)[0], "*** You are Alice. 3 user(s) online in 1 room(s). Type /help for commands.");
    EXPECT_EQ(lines(4)[2], "*** Members of #lobby (3): @alicia, bob, Alice");
}

TEST_F(NatterFeTest, NickToATakenNameIsRefused)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/nick BOB");
    EXPECT_EQ(lines(1), Lines{"! Name \"BOB\" is taken."});
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, NickToAnInvalidNameIsRefusedWithReason)
{
    named(1, "alice");
    say(1, "/nick a!b");
    say(1, "/nick two words");
    say(1, "/nick .dot");
    say(1, "/nick e\x1bvil");
    EXPECT_EQ(lines(1), (Lines{"! " + name_reason("a!b"), "! " + name_reason("two words"),
                               "! " + name_reason(".dot"), "! " + name_reason("e\x1bvil")}));
    clear();
    say(1, "/who");
    EXPECT_EQ(lines(1), Lines{"*** Members of #lobby (1): @alice"});
}

TEST_F(NatterFeTest, NickMayChangeOnlyTheCase)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/nick Alice");
    EXPECT_EQ(lines(2), Lines{T + "*** alice is now known as Alice"});
    clear();
    say(1, "/nick Alice");
    EXPECT_EQ(lines(1), Lines{"*** You are already Alice."});
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, NickWithoutNameShowsUsage)
{
    named(1, "alice");
    say(1, "/nick");
    say(1, "/nick   ");
    EXPECT_EQ(lines(1), (Lines{"! Usage: /nick NEW", "! Usage: /nick NEW"}));
}

TEST_F(NatterFeTest, NickTrimsTheNewName)
{
    named(1, "alice");
    say(1, "/nick  bob \t");
    EXPECT_EQ(lines(1), Lines{T + "*** alice is now known as bob"});
}

// ---- other commands --------------------------------------------------------

TEST_F(NatterFeTest, CommandsAreCaseInsensitive)
{
    named(1, "alice");
    say(1, "/WHO");
    say(1, "/Names");
    say(1, "/ME waves");
    say(1, "/NICK bob");
    EXPECT_EQ(lines(1), (Lines{"*** Members of #lobby (1): @alice", "*** Members of #lobby (1): @alice",
                               in("#lobby", "* alice waves"), T + "*** alice is now known as bob"}));
    clear();
    say(1, "/QuIt");
    EXPECT_EQ(lines(1), Lines{"*** Bye."});
    EXPECT_EQ(fake.closed, std::vector<int>{1});
}

TEST_F(NatterFeTest, CommandWordEndsAtATab)
{
    named(1, "alice");
    say(1, "/me\twaves");
    EXPECT_EQ(lines(1), Lines{in("#lobby", "* alice waves")});
}

TEST_F(NatterFeTest, HelpTextIsPinned)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/HELP");
    EXPECT_EQ(lines(1), (Lines{
                            "*** Commands:",
                            "***   /join ROOM            join ROOM (created if new) and talk there",
                            "***   /part [ROOM] [TEXT]   leave ROOM (default: the current room; also /leave)",
                            "***   /rooms                list the rooms (also /list)",
                            "***   /who [ROOM]           list a room's members, @ marks operators (also /names)",
                            "***   /topic [TEXT]         show or set the current room's topic",
                            "***   /msg NAME TEXT        send TEXT to NAME only",
                            "***   /me TEXT              act: shown as \"* NAME TEXT\"",
                            "***   /nick NEW             change your name",
                            "***   /kick NAME [REASON]   operators: remove NAME from the current room",
                            "***   /op NAME, /deop NAME  operators: give or take operator status",
                            "***   /quit [TEXT]          leave, optionally saying why",
                            "***   /help                 this list",
                            "*** Any other line goes to your current room; start it with // to send a line "
                            "beginning with /.",
                        }));
    EXPECT_TRUE(silent(2));
    // Every command of the v2 list is there.
    std::string all;
    for (const std::string &l : lines(1))
        all += l + "\n";
    for (const char *cmd : {"/join", "/part", "/rooms", "/list", "/topic", "/who", "/names", "/kick",
                            "/op", "/deop", "/msg", "/me", "/nick", "/quit", "/help", "//"})
        EXPECT_NE(all.find(cmd), std::string::npos) << cmd;
}

TEST_F(NatterFeTest, UnknownCommand)
{
    named(1, "alice");
    named(2, "bob");
    say(1, "/frob x y");
    say(1, "/");
    EXPECT_EQ(lines(1), (Lines{"! Unknown command /frob. Type /help for commands.",
                               "! Unknown command /. Type /help for commands."}));
    EXPECT_TRUE(silent(2));
}

TEST_F(NatterFeTest, UnknownCommandIsSanitisedAndCut)
{
    named(1, "alice");
    say(1, "/fr\x1b" "ob");
    say(1, "/" + std::string(100, 'x'));
    // Cut at 32 code points, never inside a UTF-8 sequence.
    std::string wide;
    for (int i = 0; i < 40; i++)
        wide += "\xE5\xBC\xA0";
    say(1, "/" + wide);
    std::string wide32;
    for (int i = 0; i < 32; i++)
        wide32 += "\xE5\xBC\xA0";
    say(1, "/a\rb\nc");
    EXPECT_EQ(lines(1), (Lines{"! Unknown command /fr" + FFFD + "ob. Type /help for commands.",
                               "! Unknown command /" + std::string(32, 'x') + ".... Type /help for commands.",
                               "! Unknown command /" + wide32 + ".... Type /help for commands.",
                               "! Unknown command /a" + FFFD + "b" + FFFD + "c. Type /help for commands."}));
}

// ---- /quit -------------------------------------------------------------------

TEST_F(NatterFeTest, QuitSaysByeTellsOthersAndCloses)
{
    named(1, "alice");
    named(2, "bob");
    connect(3);
    clear();
    say(1, "/quit");
    EXPECT_EQ(lines(1), Lines{"*** Bye."});
    EXPECT_EQ(lines(2), (Lines{T + "*** alice left (quit)", in("#lobby", "*** bob is now an operator")}));
    EXPECT_TRUE(silent(3));
    EXPECT_EQ(fake.closed, std::vector<int>{1});
    EXPECT_EQ(natter_fe_session_count(fe), 2u);
    EXPECT_EQ(natter_fe_named_count(fe), 1u);
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT),
              (Strings{"leave alice (quit) (127.0.0.1:5000)", "op bob in #lobby (automatic)"}));
    // The session is freed now; later traffic must not reach conn 1 (ASan checks the rest).
    clear();
    connect(4);
    say(4, "alice");
    EXPECT_TRUE(silent(1));
}

TEST_F(NatterFeTest, QuitWithTextIncludesItSanitised)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    say(1, "/op bob");
    say(1, "/op carol");
    clear();
    say(1, "/quit  gone fishing  ");
    EXPECT_EQ(lines(2), Lines{T + "*** alice left (quit: gone fishing)"});
    EXPECT_EQ(lines(3), Lines{T + "*** alice left (quit: gone fishing)"});
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT), Strings{"leave alice (quit) (127.0.0.1:5000)"});
    clear();
    say(2, "/quit \x1b[2Jbye\r\n[12:00:00] <admin> x \xFF");
    EXPECT_EQ(lines(3), Lines{T + "*** bob left (quit: " + FFFD + "[2Jbye" + FFFD + FFFD +
                              "[12:00:00] <admin> x " + FFFD + ")"});
    EXPECT_EQ(fake.closed, (std::vector<int>{1, 2}));
    EXPECT_EQ(natter_fe_named_count(fe), 1u);
}

// ---- announce limit --------------------------------------------------------

TEST_F(NatterFeTest, JoinsAndPartsInRoomsOverTheAnnounceLimitAreQuiet)
{
    fcfg.announce_limit = 3;
    named(1, "u1");
    named(2, "u2");
    named(3, "u3");
    connect(4);
    clear();
    say(4, "u4");
    EXPECT_EQ(lines(4), (Lines{"*** You are u4. 4 user(s) online in 1 room(s). Type /help for commands.",
                               "*** Members of #lobby (4): @u1, u2, u3, u4", "*** Now talking in #lobby."}));
    for (int id : {1, 2, 3})
        EXPECT_TRUE(silent(id)) << id;
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT),
              (Strings{"register u4 (127.0.0.1:5000)", "join u4 #lobby"}));  // still logged
    clear();
    say(4, "hello all");  // chat is not an announcement
    for (int id : {1, 2, 3, 4})
        EXPECT_EQ(lines(id), Lines{in("#lobby", "<u4> hello all")}) << id;
    clear();
    say(4, "/part bye");
    EXPECT_EQ(lines(4), Lines{"*** Now talking in no room. Type /join ROOM to join one."});
    for (int id : {1, 2, 3})
        EXPECT_TRUE(silent(id)) << id;
    clear();
    say(3, "/part");  // three members: announced again
    for (int id : {1, 2, 3})
        EXPECT_EQ(lines(id)[0], in("#lobby", "*** u3 left (part)")) << id;
    clear();
    say(4, "/join #lobby");
    EXPECT_EQ(lines(4)[0], in("#lobby", "*** u4 joined"));
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** u4 joined")});
}

TEST_F(NatterFeTest, AnnounceLimitIsPerRoom)
{
    fcfg.announce_limit = 2;
    named(1, "u1");
    named(2, "u2");
    named(3, "u3");  // #lobby is over the limit now
    say(1, "/join #small");
    clear();
    say(2, "/join #small");
    EXPECT_EQ(lines(1), Lines{in("#small", "*** u2 joined")});
    EXPECT_EQ(lines(2)[0], in("#small", "*** u2 joined"));
}

TEST_F(NatterFeTest, AnnounceLimitZeroAlwaysAnnounces)
{
    fcfg.announce_limit = 0;
    for (int i = 1; i <= 5; i++)
        named(i, "u" + std::to_string(i));
    connect(6);
    clear();
    say(6, "u6");
    for (int id = 1; id <= 5; id++)
        EXPECT_EQ(lines(id), Lines{in("#lobby", "*** u6 joined")}) << id;
    EXPECT_EQ(lines(6)[1], in("#lobby", "*** u6 joined"));
    clear();
    say(6, "/part");
    for (int id = 1; id <= 5; id++)
        EXPECT_EQ(lines(id), Lines{in("#lobby", "*** u6 left (part)")}) << id;
}

// Only joins and parts are held back: docs/protocol.md ("Big rooms") says
// departures from the server (left (quit), connection closed...) still
// reach everyone who shares a room, however big.
// A departure from the server is told through rooms of announceable size
// only: sharing just the big lobby, nobody hears; sharing a small room too,
// the members of that room hear (once).
TEST_F(NatterFeTest, QuitsAreAnnouncedOnlyThroughRoomsWithinTheAnnounceLimit)
{
    fcfg.announce_limit = 3;
    for (int i = 1; i <= 5; i++)
        named(i, "u" + std::to_string(i));
    say(1, "/join #small");
    say(5, "/join #small");
    clear();
    say(5, "/quit bye");           // #lobby has 5 members > 3; #small has 2
    left(4, "connection closed");  // u4 shares only #lobby (4 members > 3)
    EXPECT_EQ(lines(1), (Lines{T + "*** u5 left (quit: bye)"}));
    for (int id : {2, 3})
        EXPECT_TRUE(silent(id)) << id << ": " << lines(id)[0];
}

TEST_F(NatterFeTest, QuitsAreAnnouncedInRoomsUpToTheAnnounceLimit)
{
    fcfg.announce_limit = 3;
    for (int i = 1; i <= 3; i++)
        named(i, "u" + std::to_string(i));
    clear();
    say(3, "/quit bye");
    for (int id : {1, 2})
        EXPECT_EQ(lines(id), (Lines{T + "*** u3 left (quit: bye)"})) << id;
}

// ---- safety ----------------------------------------------------------------

// Every piece of client text that reaches another user goes through the
// sanitiser: chat, /me, topic, kick reason, part words, quit words.
TEST_F(NatterFeTest, EveryRelayedTextIsSanitised)
{
    const std::string evil = "a\x1b[2Jb\rc\nd\xFF" "e";
    const std::string safe = "a" + FFFD + "[2Jb" + FFFD + "c" + FFFD + "d" + FFFD + "e";
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    named(4, "dave");
    clear();
    say(1, evil);
    say(1, "/me " + evil);
    say(1, "/topic " + evil);
    say(1, "/kick carol " + evil);
    say(2, "/part " + evil);
    say(4, "/quit " + evil);
    EXPECT_EQ(lines(1), (Lines{
                            in("#lobby", "<alice> " + safe),
                            in("#lobby", "* alice " + safe),
                            in("#lobby", "*** alice set the topic: " + safe),
                            in("#lobby", "*** alice kicked carol (" + safe + ")"),
                            in("#lobby", "*** bob left (part: " + safe + ")"),
                            T + "*** dave left (quit: " + safe + ")",
                        }));
    clear();
    say(1, "/topic");
    say(1, "/rooms");
    EXPECT_EQ(lines(1), (Lines{"*** Topic of #lobby: " + safe + " (set by alice, 2026-12-01 12:34:56)",
                               "*** Rooms (1):", "***   #lobby (1): " + safe, "*** End of rooms."}));
    // The raw bytes never got through anywhere.
    for (auto &kv : fake.out)
        for (const std::string &l : kv.second)
            EXPECT_EQ(l.find_first_of("\x1b\xFF"), std::string::npos) << l;
}

TEST_F(NatterFeTest, ReasonsAreCutToTheirLimit)
{
    named(1, "alice");
    named(2, "bob");
    named(3, "carol");
    clear();
    say(3, "/part " + std::string(400, 'p'));
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** carol left (part: " + std::string(CHAT_REASON_MAX_BYTES, 'p') + ")")});
    clear();
    say(1, "/kick bob " + std::string(400, 'k'));
    EXPECT_EQ(lines(1), Lines{in("#lobby", "*** alice kicked bob (" + std::string(CHAT_REASON_MAX_BYTES, 'k') + ")")});
    say(2, "/join #lobby");
    clear();
    // Cut at a character boundary: 150 two-byte characters then one more.
    std::string wide;
    for (int i = 0; i < 151; i++)
        wide += "\xC3\xA9";
    say(2, "/quit x" + wide);
    std::string kept = "x";
    for (int i = 0; i < 149; i++)
        kept += "\xC3\xA9";
    EXPECT_EQ(lines(1)[0], T + "*** bob left (quit: " + kept + ")");
}

TEST_F(NatterFeTest, LinesNeverBreakTheFraming)
{
    // The teardown checks every send of every test; this one throws the
    // worst at every command.
    const std::string nasty = "x\r\ny\rz\n\x1b\xC0\x80";
    named(1, "alice");
    named(2, "bob");
    connect(3);
    clear();
    for (const char *cmd : {"", "/me ", "/topic ", "/join ", "/part ", "/who ", "/msg ",
                                   "/msg bob ", "/nick ", "/kick ", "/op ", "/deop ", "/"}) {
        say(1, std::string(cmd) + nasty);
        say(3, std::string(cmd) + nasty);
    }
    EXPECT_TRUE(fake.framing_errors.empty());
    for (auto &kv : fake.out)
        for (const std::string &l : kv.second)
            EXPECT_EQ(l.find_first_of("\r\n\x1b"), std::string::npos) << l;
}

// ---- formatting once ---------------------------------------------------------

// A broadcast is formatted once and the same bytes go to every recipient:
// whatever the path, every recipient of one event gets identical text.
TEST_F(NatterFeTest, EveryRecipientOfABroadcastGetsIdenticalText)
{
    for (int i = 1; i <= 5; i++)
        named(i, "u" + std::to_string(i));
    say(2, "/join #side");  // a second shared room must not change the text
    say(3, "/join #side");
    say(2, "/join #lobby");
    say(3, "/join #lobby");
    auto check = [this](const std::string &what, int from, const std::string &line, size_t recipients,
                        bool sender_too = true) {
        clear();
        say(from, line);
        std::set<std::string> firsts;
        size_t got = 0;
        for (int id = 1; id <= 5; id++) {
            if (fake.sends[id].empty() || (id == from && !sender_too))
                continue;
            got++;
            firsts.insert(fake.sends[id][0]);
        }
        EXPECT_EQ(got, recipients) << what;
        EXPECT_EQ(firsts.size(), 1u) << what;
    };
    check("say", 1, "hello", 5);
    check("me", 2, "/me waves", 5);
    check("topic", 1, "/topic t", 5);
    check("op", 1, "/op u2", 5);
    check("deop", 1, "/deop u2", 5);
    check("nick", 3, "/nick u3b", 5);
    check("kick", 1, "/kick u5 go", 5);
    check("part", 4, "/part", 4);
    check("join", 4, "/join #lobby", 4);
    check("quit", 2, "/quit bye", 3, false);  // u2 itself only gets "*** Bye."
}

// ---- shutdown and destroy ----------------------------------------------------

TEST_F(NatterFeTest, ShutdownTellsEveryoneThenIgnoresLinesAndDeparturesAreSilent)
{
    named(1, "alice");
    named(2, "bob");
    connect(3);
    clear();
    shutdown();
    for (int id : {1, 2, 3})
        EXPECT_EQ(lines(id), Lines{"*** Server is shutting down."}) << id;
    clear();
    say(2, "still here?");  // lines are ignored while shutting down
    say(2, "/quit");
    say(3, "carol");
    too_long(2);
    ASSERT_TRUE(fake.closed.empty());  // "/quit" was ignored: the session is still there
    left(1, "server shutting down");
    left(3, "server shutting down");
    EXPECT_TRUE(silent(1));
    EXPECT_TRUE(silent(2));
    EXPECT_TRUE(silent(3));
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT),
              (Strings{"leave alice (server shutting down) (127.0.0.1:5000)", "op bob in #lobby (automatic)",
                       "disconnect 127.0.0.1:5000 (server shutting down)"}));
    EXPECT_EQ(natter_fe_session_count(fe), 1u);
    natter_fe_shutdown(fe);  // twice is harmless and says nothing more
    EXPECT_TRUE(silent(2));
    left(2, "server shutting down");
    EXPECT_EQ(natter_fe_session_count(fe), 0u);
    EXPECT_EQ(natter_fe_named_count(fe), 0u);
    EXPECT_EQ(chat_user_count(c), 0u);
}

TEST_F(NatterFeTest, DestroyFreesSessionsWithoutSending)
{
    named(1, "alice");
    connect(2);
    clear();
    stop();
    EXPECT_TRUE(silent(1));
    EXPECT_TRUE(silent(2));
    EXPECT_TRUE(fake.closed.empty());
}

// ---- logging and counts --------------------------------------------------

TEST_F(NatterFeTest, EventsAndChatAreLogged)
{
    connect(1, "127.0.0.1:5000");
    say(1, "alice");
    connect(2, "127.0.0.1:5001");
    say(2, "bob");
    say(1, "hello");
    say(1, "/me waves");
    say(1, "/nick al");
    say(1, "/msg bob secret");
    say(1, "/join #rust");
    say(1, "/part");
    say(1, "/topic news");
    say(1, "/op bob");
    say(1, "/deop bob");
    say(1, "/kick bob");
    say(1, "/quit");
    connect(3, "[::1]:6000");
    left(3, "connection closed");
    EXPECT_EQ(logs_of(CHAT_LOG_EVENT),
              (Strings{"connect 127.0.0.1:5000", "register alice (127.0.0.1:5000)", "join alice #lobby",
                       "connect 127.0.0.1:5001", "register bob (127.0.0.1:5001)", "join bob #lobby",
                       "rename alice -> al (127.0.0.1:5000)", "msg al -> bob", "create #rust by al",
                       "join al #rust", "part al #rust", "topic #lobby by al", "op bob in #lobby by al",
                       "deop bob in #lobby by al", "kick bob from #lobby by al",
                       "leave al (quit) (127.0.0.1:5000)", "connect [::1]:6000",
                       "disconnect [::1]:6000 (connection closed)"}));
    EXPECT_EQ(logs_of(CHAT_LOG_CHAT), (Strings{"#lobby <alice> hello", "#lobby * alice waves"}));
    for (auto &l : fake.logs)
        EXPECT_EQ(l.second.find("secret"), std::string::npos) << l.second;
}

TEST_F(NatterFeTest, ChatLogIsSanitised)
{
    named(1, "alice");
    say(1, "x\x1b[2J\r\n");
    EXPECT_EQ(logs_of(CHAT_LOG_CHAT), Strings{"#lobby <alice> x" + FFFD + "[2J" + FFFD + FFFD});
}

TEST_F(NatterFeTest, WorksWithoutALogCallback)
{
    with_log = false;
    named(1, "alice");
    say(1, "hi");
    say(1, "/msg alice x");
    say(1, "/join #r");
    left(1, "connection closed");
    connect(2);
    left(2, "connection closed");
    EXPECT_TRUE(fake.logs.empty());
    EXPECT_EQ(natter_fe_session_count(fe), 0u);
}

TEST_F(NatterFeTest, ManyMembersGetEveryBroadcast)
{
    const int n = 300;
    for (int i = 1; i <= n; i++)
        named(i, "user" + std::to_string(i));
    EXPECT_EQ(natter_fe_named_count(fe), static_cast<size_t>(n));
    say(1, "/who");
    ASSERT_GE(lines(1).size(), 1u);
    EXPECT_TRUE(starts_with(lines(1)[0], "*** Members of #lobby (300): @user1, user2, ")) << lines(1)[0];
    EXPECT_NE(lines(1).back().find("user300"), std::string::npos);
    clear();
    say(151, "ping");
    for (int i = 1; i <= n; i++)
        ASSERT_EQ(lines(i), Lines{in("#lobby", "<user151> ping")}) << i;
    // Remove from the middle, the front and the back: the list stays whole.
    left(151, "connection closed");
    left(1, "connection closed");
    left(n, "connection closed");
    EXPECT_EQ(natter_fe_named_count(fe), static_cast<size_t>(n - 3));
    clear();
    say(2, "/who");
    std::string all;
    for (const std::string &l : lines(2))
        all += l.substr(l.find("): ") + 3) + ", ";
    EXPECT_TRUE(starts_with(lines(2)[0], "*** Members of #lobby (297): @user2, user3, ")) << lines(2)[0];
    EXPECT_NE(all.find("user150, user152, "), std::string::npos);
    EXPECT_NE(all.find(", user299, "), std::string::npos);
    EXPECT_EQ(all.find("user300"), std::string::npos);
}

TEST_F(NatterFeTest, TwoChatsAreIndependent)
{
    named(1, "alice");
    Fake other;
    chat_config cfg;
    chat_config_defaults(&cfg);
    chat_ops ops{&other, fake_now, fake_log};
    chat *c2 = chat_create(&cfg, &ops);
    ASSERT_NE(c2, nullptr);
    frontend_io io{&other, fake_send, fake_close, fake_log, fake_local_time};
    natter_fe *fe2 = natter_fe_create(c2, &fcfg, &io);
    ASSERT_NE(fe2, nullptr);
    natter_session *m = natter_fe_connected(fe2, conn_ptr(1), "x");
    EXPECT_EQ(other.out[1], Lines{"*** Welcome to natter. 0 user(s) online. What is your name?"});
    natter_fe_line(fe2, m, "alice", 5);  // not taken in this chat
    EXPECT_EQ(natter_fe_named_count(fe2), 1u);
    EXPECT_EQ(other.out[1][1], "*** You are alice. 1 user(s) online in 1 room(s). Type /help for commands.");
    EXPECT_TRUE(silent(1));
    natter_fe_destroy(fe2);
    chat_destroy(c2);
    EXPECT_TRUE(other.framing_errors.empty());
}

// ---- the v2 lines in one session, line for line ----------------------------

TEST_F(NatterFeTest, ExampleSession)
{
    fake.hms = "";  // stamps follow the clock
    auto at = [this](int h, int m, int sec) { fake.now = MIDNIGHT + h * 3600 + m * 60 + sec; };
    at(19, 1, 0);
    named(2, "bob");
    say(2, "/join #rust");
    say(2, "/topic Rust talk");
    clear();
    connect(1);
    say(1, "Bob");
    say(1, "alice!");
    at(19, 2, 13);
    say(1, "alice");
    at(19, 2, 20);
    say(1, "/join rust");
    at(19, 2, 24);
    say(1, "hi bob");
    at(19, 2, 30);
    say(2, "/me waves");
    at(19, 2, 41);
    say(1, "/msg BOB see you at 8?");
    at(19, 3, 0);
    say(1, "/nick Alice");
    say(1, "/who");
    say(1, "/rooms");
    say(1, "/frob");
    at(19, 3, 20);
    say(2, "/kick Alice spam");
    at(19, 3, 30);
    say(1, "/part");
    say(1, "/quit dinner");
    EXPECT_EQ(lines(1), (Lines{
                            "*** Welcome to natter. 1 user(s) online. What is your name?",
                            "! Name \"Bob\" is taken. Choose another name:",
                            "! Names may only contain letters, digits, '_', '-' and '.' (not '!'). Choose another name:",
                            "*** You are alice. 2 user(s) online in 2 room(s). Type /help for commands.",
                            "[19:02:13] #lobby *** alice joined",
                            "*** Members of #lobby (2): @bob, alice",
                            "*** Now talking in #lobby.",
                            "[19:02:20] #rust *** alice joined",
                            "*** Topic of #rust: Rust talk (set by bob, 2026-12-01 19:01:00)",
                            "*** Members of #rust (2): @bob, alice",
                            "*** History of #rust (1 line):",
                            "[19:01:00] #rust *** bob set the topic: Rust talk",
                            "*** End of history of #rust.",
                            "*** Now talking in #rust.",
                            "[19:02:24] #rust <alice> hi bob",
                            "[19:02:30] #rust * bob waves",
                            "[19:02:41] -> *bob* see you at 8?",
                            "[19:03:00] *** alice is now known as Alice",
                            "*** Members of #rust (2): @bob, Alice",
                            "*** Rooms (2):",
                            "***   #lobby (2)",
                            "***   #rust (2): Rust talk",
                            "*** End of rooms.",
                            "! Unknown command /frob. Type /help for commands.",
                            "[19:03:20] #rust *** bob kicked Alice (spam)",
                            "*** Now talking in #lobby.",
                            "[19:03:30] #lobby *** Alice left (part)",
                            "*** Now talking in no room. Type /join ROOM to join one.",
                            "*** Bye.",
                        }));
    EXPECT_EQ(lines(2), (Lines{
                            "[19:02:13] #lobby *** alice joined",
                            "[19:02:20] #rust *** alice joined",
                            "[19:02:24] #rust <alice> hi bob",
                            "[19:02:30] #rust * bob waves",
                            "[19:02:41] *alice* see you at 8?",
                            "[19:03:00] *** alice is now known as Alice",
                            "[19:03:20] #rust *** bob kicked Alice (spam)",
                            "[19:03:30] #lobby *** Alice left (part)",
                        }));
    EXPECT_EQ(fake.closed, std::vector<int>{1});
}

}  // namespace
