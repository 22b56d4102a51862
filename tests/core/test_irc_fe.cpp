// test_irc_fe.cpp - unit tests for the IRC front-end (core/irc_*.c) on top of
// the chat model, with natter-protocol users (core/natter_fe.c) in the same
// chat, and no sockets.
//
// Why: IRC clients parse numerics, prefixes and tags byte for byte, and the
// IRC and natter users share one chat, so every reply and every event is
// pinned here in both protocols' formats. A fake frontend_io records the
// lines sent to each connection and flags any send that is not whole CRLF
// lines, any line with unsafe bytes (invalid UTF-8, C0 controls but TAB,
// which the model keeps as text, and the \x01 of a CTCP ACTION, which only
// IRC lines may hold) and any IRC line over
// 512 bytes (with CRLF, a leading "@tags " not counted). Connection ids of
// 100 and up are IRC connections, lower ones natter connections. The fake
// local time is UTC, so history stamps are predictable.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "core/chat.h"
#include "core/irc_fe.h"
#include "core/natter_fe.h"

// From core/irc_internal.h, which C++ cannot include (struct irc_fe has a
// member "chat *chat;", which changes the meaning of "chat" in C++). Keep in
// step with that header.
#define IRC_MAX_PARAMS 15
typedef struct irc_msg {
    const char *command;
    int nparams;
    const char *params[IRC_MAX_PARAMS];
    size_t param_len[IRC_MAX_PARAMS];
} irc_msg;
bool irc_parse(const char *line, size_t len, char *buf, size_t buf_len, irc_msg *msg);
bool irc_next_item(const char **list, const char **item, size_t *len);
size_t irc_strip_formatting(char *text, size_t len);
void irc_utc_time(int64_t t, char out[25]);
}

namespace
{

using Lines = std::vector<std::string>;

// 2025-12-01T19:00:01Z
const int64_t NOW = 1764615601;
const int64_t DAY = 86400;

// ---- calendar (UTC) for the fake local time -------------------------------

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

std::string hms_of(int64_t t)
{
    int64_t days = t >= 0 ? t / DAY : (t - DAY + 1) / DAY;
    int64_t s = t - days * DAY;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(s / 3600),
                  static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
    return buf;
}

// ---- byte checks (written here, independently of core/utf8.c) -------------

size_t seq_len(const unsigned char *s, size_t n)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        len = 2;
    else if (b == 0xE0)
        len = 3, lo = 0xA0;
    else if (b == 0xED)
        len = 3, hi = 0x9F;
    else if (b >= 0xE1 && b <= 0xEF)
        len = 3;
    else if (b == 0xF0)
        len = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3)
        len = 4;
    else if (b == 0xF4)
        len = 4, hi = 0x8F;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return len;
}

bool valid_utf8(const std::string &s)
{
    const unsigned char *u = reinterpret_cast<const unsigned char *>(s.data());
    size_t i = 0;
    while (i < s.size()) {
        size_t n = seq_len(u + i, s.size() - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

bool starts_with(const std::string &s, const std::string &p)
{
    return s.compare(0, p.size(), p) == 0;
}

// Why a line is unsafe, or "" when it is fine.
std::string line_problem(const std::string &line, bool irc)
{
    if (!valid_utf8(line))
        return "invalid UTF-8";
    size_t ctcp = 0;
    for (size_t i = 0; i < line.size(); i++) {
        unsigned char c = static_cast<unsigned char>(line[i]);
        if (c == 0x01 && irc) {
            // Only "... :\x01ACTION text\x01".
            bool opening = i >= 2 && line.compare(i - 2, 2, " :") == 0 &&
                           line.compare(i + 1, 7, "ACTION ") == 0 && ctcp == 0;
            bool closing = i + 1 == line.size() && ctcp == 1;
            if (!opening && !closing)
                return "a \\x01 outside a CTCP ACTION";
            ctcp++;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return "a control character";
    }
    if (ctcp == 1)
        return "an unterminated CTCP ACTION";
    if (irc) {
        std::string body = line;
        if (!body.empty() && body[0] == '@') {
            size_t sp = body.find(' ');
            body = sp == std::string::npos ? "" : body.substr(sp + 1);
        }
        if (body.size() + 2 > 512)
            return "an IRC line over 512 bytes (" + std::to_string(body.size() + 2) + ")";
    }
    return "";
}

// ---- the fake server -------------------------------------------------------

struct Fake {
    std::map<int, Lines> out; // lines per conn, CRLF removed
    std::vector<int> closed;
    std::vector<std::string> logs;
    std::vector<std::string> framing_errors; // sends that were not whole CRLF lines
    std::vector<std::string> unsafe;         // lines with unsafe bytes or too long
    int64_t now = NOW;
};

int conn_id(void *conn)
{
    return static_cast<int>(reinterpret_cast<intptr_t>(conn));
}
void *conn_ptr(int id)
{
    return reinterpret_cast<void *>(static_cast<intptr_t>(id));
}
bool is_irc(int id)
{
    return id >= 100;
}

void fake_send(void *ctx, void *conn, const char *data, size_t len)
{
    Fake *f = static_cast<Fake *>(ctx);
    int id = conn_id(conn);
    std::string s(data, len);
    if (s.size() < 2 || s.compare(s.size() - 2, 2, "\r\n") != 0) {
        f->framing_errors.push_back(s);
        return;
    }
    size_t start = 0;
    while (start < s.size()) {
        size_t end = s.find("\r\n", start);
        std::string line = s.substr(start, end - start);
        if (line.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
            f->framing_errors.push_back(line);
        std::string why = line_problem(line, is_irc(id));
        if (!why.empty())
            f->unsafe.push_back(why + ": " + line);
        f->out[id].push_back(line);
        start = end + 2;
    }
}

void fake_close(void *ctx, void *conn)
{
    static_cast<Fake *>(ctx)->closed.push_back(conn_id(conn));
}

void fake_log(void *ctx, int kind, const char *text)
{
    (void)kind;
    static_cast<Fake *>(ctx)->logs.emplace_back(text);
}

int64_t fake_now(void *ctx)
{
    return static_cast<Fake *>(ctx)->now;
}

void fake_local_time(void *ctx, int64_t t, char date[11], char hms[9])
{
    (void)ctx;
    int64_t days = t >= 0 ? t / DAY : (t - DAY + 1) / DAY;
    std::memcpy(date, civil_from_days(days).c_str(), 11);
    std::memcpy(hms, hms_of(t).c_str(), 9);
}

// "[19:00:01] " for the fake's now.
std::string stamp(int64_t t)
{
    return "[" + hms_of(t) + "] ";
}

const std::string CJK = "\xE5\xBC\xA0"; // 张, three bytes

class IrcFeTest : public ::testing::Test
{
  protected:
    Fake fake;
    chat_config ccfg{};
    natter_fe_config ncfg{};
    irc_fe_config icfg{};
    chat *c = nullptr;
    natter_fe *nfe = nullptr;
    irc_fe *ife = nullptr;
    std::map<int, natter_session *> nsess;
    std::map<int, irc_session *> isess;
    size_t closed_seen = 0;

    IrcFeTest()
    {
        chat_config_defaults(&ccfg);
        std::memset(&ncfg, 0, sizeof ncfg);
        ncfg.max_line = 1024;
        ncfg.announce_limit = NATTER_DEFAULT_ANNOUNCE_LIMIT;
        irc_fe_config_defaults(&icfg);
        icfg.server_name = "irc.test";
        icfg.network = "TestNet";
        icfg.version = "1.2.3";
        icfg.created = "today";
        icfg.register_timeout_ms = 0;
    }

    void start()
    {
        chat_ops ops{&fake, fake_now, fake_log};
        c = chat_create(&ccfg, &ops);
        ASSERT_NE(c, nullptr);
        frontend_io io{&fake, fake_send, fake_close, fake_log, fake_local_time};
        nfe = natter_fe_create(c, &ncfg, &io);
        ASSERT_NE(nfe, nullptr);
        ife = irc_fe_create(c, &icfg, &io);
        ASSERT_NE(ife, nullptr);
    }

    void TearDown() override
    {
        EXPECT_TRUE(fake.framing_errors.empty())
            << "first bad send: " << (fake.framing_errors.empty() ? "" : fake.framing_errors[0]);
        EXPECT_TRUE(fake.unsafe.empty())
            << "first unsafe line: " << (fake.unsafe.empty() ? "" : fake.unsafe[0]);
        irc_fe_destroy(ife);
        natter_fe_destroy(nfe);
        chat_destroy(c);
    }

    // Forget sessions whose connection the front-ends closed.
    void reap()
    {
        for (; closed_seen < fake.closed.size(); closed_seen++) {
            int id = fake.closed[closed_seen];
            if (is_irc(id))
                isess.erase(id);
            else
                nsess.erase(id);
        }
    }

    // ---- natter users ----
    void nat(int id, const std::string &name)
    {
        if (!c)
            start();
        natter_session *s = natter_fe_connected(nfe, conn_ptr(id), "127.0.0.1:5000");
        ASSERT_NE(s, nullptr);
        nsess[id] = s;
        natter_fe_line(nfe, s, name.data(), name.size());
        ASSERT_TRUE(starts_with(lines(id).at(1), "*** You are " + name + ". ")) << lines(id)[1];
        clear();
    }

    void nsay(int id, const std::string &text)
    {
        ASSERT_TRUE(nsess.count(id)) << "no natter session " << id;
        natter_fe_line(nfe, nsess[id], text.data(), text.size());
        reap();
    }

    // ---- IRC users ----
    irc_session *iconn(int id, const char *peer = "127.0.0.1:6000")
    {
        if (!c)
            start();
        irc_session *s = irc_fe_connected(ife, conn_ptr(id), peer);
        EXPECT_NE(s, nullptr);
        isess[id] = s;
        return s;
    }

    void irc(int id, const std::string &line)
    {
        ASSERT_TRUE(isess.count(id)) << "no IRC session " << id;
        irc_fe_line(ife, isess[id], line.data(), line.size());
        reap();
    }

    // Connect and register (with caps, space-separated, when given); the
    // output so far is forgotten.
    void ireg(int id, const std::string &nick, const std::string &caps = "",
              const std::string &user = "u", const std::string &real = "Real Name")
    {
        iconn(id);
        if (!caps.empty()) {
            irc(id, "CAP LS 302");
            irc(id, "CAP REQ :" + caps);
        }
        irc(id, "NICK " + nick);
        irc(id, "USER " + user + " 0 * :" + real);
        if (!caps.empty())
            irc(id, "CAP END");
        bool welcomed = false;
        for (const std::string &l : lines(id))
            if (starts_with(l, ":irc.test 001 " + nick + " "))
                welcomed = true;
        ASSERT_TRUE(welcomed) << "registering " << nick;
        clear();
    }

    void left(int id, const char *reason)
    {
        irc_session *s = isess[id];
        isess.erase(id);
        irc_fe_left(ife, s, reason);
    }

    void tick(uint64_t ms)
    {
        irc_fe_tick(ife, ms);
        reap();
    }

    void clear()
    {
        fake.out.clear();
    }
    Lines &lines(int id)
    {
        return fake.out[id];
    }
    bool silent(int id)
    {
        return fake.out[id].empty();
    }
};

const std::string S = ":irc.test ";

// ---- registration ------------------------------------------------------------

TEST_F(IrcFeTest, RegistrationSendsWelcomeIsupportLusersAndNoMotdInOrder)
{
    iconn(100);
    irc(100, "NICK bob");
    EXPECT_TRUE(silent(100));
    irc(100, "USER u 0 * :Bob Real");
    EXPECT_EQ(lines(100),
              (Lines{
                  S + "001 bob :Welcome to the TestNet Network, bob!~u@natter",
                  S + "002 bob :Your host is irc.test, running version natter-1.2.3",
                  S + "003 bob :This server was created today",
                  S + "004 bob irc.test natter-1.2.3 iw nto o",
                  S + "005 bob CASEMAPPING=ascii CHANTYPES=# CHANMODES=,,,nt PREFIX=(o)@ "
                      "NETWORK=TestNet NICKLEN=24 CHANNELLEN=33 TOPICLEN=300 KICKLEN=300 "
                      "AWAYLEN=200 CHANLIMIT=#:100 :are supported by this server",
                  S + "005 bob UTF8ONLY :are supported by this server",
                  S + "251 bob :There are 1 users and 0 invisible on 1 servers",
                  S + "252 bob 0 :operator(s) online",
                  S + "253 bob 0 :unknown connection(s)",
                  S + "254 bob 1 :channels formed",
                  S + "255 bob :I have 1 clients and 0 servers",
                  S + "422 bob :MOTD File is missing",
              }));
    EXPECT_EQ(irc_fe_registered_count(ife), 1u);
    EXPECT_EQ(irc_fe_session_count(ife), 1u);
    // Not put in any channel: IRC clients JOIN themselves.
    EXPECT_EQ(chat_user_rooms(chat_find_user(c, "bob", 3)), nullptr);
}

TEST_F(IrcFeTest, IsupportTokensMatchTheModelsLimits)
{
    EXPECT_EQ(NAME_MAX_CHARS, 24);
    EXPECT_EQ(ROOM_NAME_MAX_CHARS + 1, 33);
    EXPECT_EQ(CHAT_TOPIC_MAX_BYTES, 300);
    iconn(100);
    irc(100, "USER u 0 * :r");
    irc(100, "NICK bob");
    ASSERT_GE(lines(100).size(), 6u);
    for (const char *tok :
         {" CASEMAPPING=ascii ", " CHANTYPES=# ", " PREFIX=(o)@ ", " CHANMODES=,,,nt ",
          " NETWORK=TestNet ", " NICKLEN=24 ", " CHANNELLEN=33 ", " TOPICLEN=300 "})
        EXPECT_NE(lines(100)[4].find(tok), std::string::npos) << tok;
    EXPECT_NE(lines(100)[5].find(" UTF8ONLY "), std::string::npos);
}

TEST_F(IrcFeTest, LusersCountsNatterUsersChannelsAndUnregisteredConnections)
{
    nat(1, "alice");
    iconn(101); // never registers
    iconn(100);
    irc(100, "NICK bob");
    irc(100, "USER u 0 * :r");
    ASSERT_GE(lines(100).size(), 11u);
    EXPECT_EQ(lines(100)[6], S + "251 bob :There are 2 users and 0 invisible on 1 servers");
    EXPECT_EQ(lines(100)[8], S + "253 bob 1 :unknown connection(s)");
    EXPECT_EQ(lines(100)[9], S + "254 bob 1 :channels formed");
    EXPECT_EQ(lines(100)[10], S + "255 bob :I have 2 clients and 0 servers");
    clear();
    irc(100, "LUSERS");
    EXPECT_EQ(lines(100).size(), 5u);
    EXPECT_EQ(lines(100)[0], S + "251 bob :There are 2 users and 0 invisible on 1 servers");
}

TEST_F(IrcFeTest, MotdLinesFollowLusersOneNumericPerLineCrlfOrLf)
{
    icfg.motd = "Hello there\r\nsecond line\nlast";
    iconn(100);
    irc(100, "NICK bob");
    irc(100, "USER u 0 * :r");
    const Lines &l = lines(100);
    ASSERT_EQ(l.size(), 16u);
    EXPECT_EQ(l[10], S + "255 bob :I have 1 clients and 0 servers");
    EXPECT_EQ(Lines(l.begin() + 11, l.end()), (Lines{
                                                  S + "375 bob :- irc.test Message of the day - ",
                                                  S + "372 bob :- Hello there",
                                                  S + "372 bob :- second line",
                                                  S + "372 bob :- last",
                                                  S + "376 bob :End of /MOTD command.",
                                              }));
    clear();
    irc(100, "MOTD");
    EXPECT_EQ(lines(100).size(), 5u);
    EXPECT_EQ(lines(100)[1], S + "372 bob :- Hello there");
}

TEST_F(IrcFeTest, CapLsHoldsRegistrationUntilCapEnd)
{
    iconn(100);
    irc(100, "CAP LS 302");
    EXPECT_EQ(lines(100), Lines{S + "CAP * LS :server-time echo-message multi-prefix"});
    clear();
    irc(100, "NICK bob");
    irc(100, "USER u 0 * :r");
    EXPECT_TRUE(silent(100));
    EXPECT_EQ(irc_fe_registered_count(ife), 0u);
    irc(100, "CAP END");
    ASSERT_FALSE(lines(100).empty());
    EXPECT_EQ(lines(100)[0], S + "001 bob :Welcome to the TestNet Network, bob!~u@natter");
    EXPECT_EQ(irc_fe_registered_count(ife), 1u);
}

TEST_F(IrcFeTest, CapReqAcksKnownCapsAndNaksAWholeListWithAnUnknownOne)
{
    iconn(100);
    irc(100, "CAP REQ :server-time echo-message");
    EXPECT_EQ(lines(100), Lines{S + "CAP * ACK :server-time echo-message"});
    clear();
    irc(100, "NICK bob");
    irc(100, "CAP REQ :multi-prefix bogus-cap");
    EXPECT_EQ(lines(100), Lines{S + "CAP bob NAK :multi-prefix bogus-cap"});
    clear();
    irc(100, "CAP REQ :frobnicate");
    EXPECT_EQ(lines(100), Lines{S + "CAP bob NAK :frobnicate"});
    clear();
    irc(100, "CAP LIST");
    EXPECT_EQ(lines(100), Lines{S + "CAP bob LIST :server-time echo-message"});
    clear();
    irc(100, "CAP REQ :-echo-message multi-prefix");
    EXPECT_EQ(lines(100), Lines{S + "CAP bob ACK :-echo-message multi-prefix"});
    clear();
    irc(100, "CAP LIST");
    EXPECT_EQ(lines(100), Lines{S + "CAP bob LIST :server-time multi-prefix"});
    clear();
    irc(100, "CAP BOGUS");
    EXPECT_EQ(lines(100), Lines{S + "410 bob BOGUS :Invalid CAP command"});
    clear();
    irc(100, "USER u 0 * :r");
    EXPECT_TRUE(silent(100)); // CAP REQ started negotiation
    irc(100, "CAP END");
    EXPECT_EQ(lines(100).size(), 12u);
}

// Bug: CAP NAK quotes the client's list raw: control bytes and invalid
// UTF-8 go back to the client, and a long list makes a line over 512 bytes.
TEST_F(IrcFeTest, CapNakQuotesTheListSafely)
{
    iconn(100);
    irc(100, "CAP REQ :\x1b[2J \xFF");
    ASSERT_EQ(lines(100).size(), 1u);
    EXPECT_EQ(lines(100)[0].find('\x1b'), std::string::npos) << "raw ESC echoed";
    EXPECT_EQ(lines(100)[0].find('\xFF'), std::string::npos) << "raw invalid byte echoed";
    clear();
    irc(100, "CAP REQ :" + std::string(495, 'x'));
    ASSERT_EQ(lines(100).size(), 1u);
    EXPECT_LE(lines(100)[0].size() + 2, 512u)
        << "NAK line of " << lines(100)[0].size() + 2 << " bytes";
}

TEST_F(IrcFeTest, CapListIsEmptyWithoutCaps)
{
    ireg(100, "bob");
    irc(100, "CAP LIST");
    EXPECT_EQ(lines(100), Lines{S + "CAP bob LIST :"});
}

TEST_F(IrcFeTest, CommandsBeforeRegistrationGet451)
{
    nat(1, "alice");
    iconn(100);
    for (const char *l : {"JOIN #lobby", "PRIVMSG alice :hi", "WHO #lobby", "MODE bob", "FOO bar",
                          "AWAY :x", "LIST"}) {
        clear();
        irc(100, l);
        EXPECT_EQ(lines(100), Lines{S + "451 * :You have not registered"}) << l;
        EXPECT_TRUE(silent(1)) << l;
    }
    clear();
    irc(100, "NICK bob");
    irc(100, "JOIN #lobby");
    EXPECT_EQ(lines(100), Lines{S + "451 bob :You have not registered"});
    EXPECT_EQ(chat_room_member_count(chat_find_room(c, "#lobby", 6)), 1u);
}

TEST_F(IrcFeTest, NickErrors431And432)
{
    iconn(100);
    irc(100, "NICK");
    EXPECT_EQ(lines(100), Lines{S + "431 * :No nickname given"});
    clear();
    irc(100, "NICK :");
    EXPECT_EQ(lines(100), Lines{S + "431 * :No nickname given"});
    clear();
    irc(100, "NICK bob!");
    EXPECT_EQ(lines(100), Lines{S + "432 * bob! :Erroneous nickname"});
    clear();
    std::string n25(25, 'a'), n24(24, 'a');
    irc(100, "NICK " + n25);
    EXPECT_EQ(lines(100), Lines{S + "432 * " + n25 + " :Erroneous nickname"});
    clear();
    irc(100, "NICK " + n24);
    EXPECT_TRUE(silent(100));
    irc(100, "USER u 0 * :r");
    ASSERT_FALSE(lines(100).empty());
    EXPECT_EQ(lines(100)[0],
              S + "001 " + n24 + " :Welcome to the TestNet Network, " + n24 + "!~u@natter");
}

TEST_F(IrcFeTest, NickTakenByANatterUserOrAnIrcUserIgnoringCaseIs433)
{
    nat(1, "alice");
    ireg(101, "carol");
    iconn(100);
    irc(100, "NICK ALICE");
    EXPECT_EQ(lines(100), Lines{S + "433 * ALICE :Nickname is already in use"});
    clear();
    irc(100, "NICK Carol");
    EXPECT_EQ(lines(100), Lines{S + "433 * Carol :Nickname is already in use"});
    clear();
    irc(100, "USER u 0 * :r");
    EXPECT_TRUE(silent(100)); // no nick yet
    irc(100, "NICK bob");
    ASSERT_FALSE(lines(100).empty());
    EXPECT_EQ(lines(100)[0], S + "001 bob :Welcome to the TestNet Network, bob!~u@natter");
    clear();
    irc(100, "NICK aLiCe");
    EXPECT_EQ(lines(100), Lines{S + "433 bob aLiCe :Nickname is already in use"});
    EXPECT_TRUE(silent(1));
}

// Minor bug (core/irc_fe.c, try_register): the 433 sent when the nick was
// taken between NICK and USER is addressed to the refused nick ("433 alice
// alice") rather than "*": the client never had that nick.
TEST_F(IrcFeTest, NickTakenBetweenNickAndUserIs433AtRegistration)
{
    iconn(100);
    irc(100, "NICK alice");
    nat(1, "alice");
    irc(100, "USER u 0 * :r");
    EXPECT_EQ(lines(100), Lines{S + "433 * alice :Nickname is already in use"});
    EXPECT_EQ(irc_fe_registered_count(ife), 0u);
    clear();
    irc(100, "NICK bob");
    ASSERT_FALSE(lines(100).empty());
    EXPECT_EQ(lines(100)[0], S + "001 bob :Welcome to the TestNet Network, bob!~u@natter");
}

TEST_F(IrcFeTest, UserTwiceIs462AndTooFewParamsIs461)
{
    iconn(100);
    irc(100, "USER u 0 *");
    EXPECT_EQ(lines(100), Lines{S + "461 * USER :Not enough parameters"});
    clear();
    irc(100, "USER u 0 * :r");
    EXPECT_TRUE(silent(100));
    irc(100, "USER v 0 * :r");
    EXPECT_EQ(lines(100), Lines{S + "462 * :You may not reregister"});
    clear();
    irc(100, "NICK bob");
    ASSERT_FALSE(lines(100).empty());
    EXPECT_EQ(lines(100)[0], S + "001 bob :Welcome to the TestNet Network, bob!~u@natter");
    clear();
    irc(100, "USER u 0 * :r");
    EXPECT_EQ(lines(100), Lines{S + "462 bob :You may not reregister"});
    clear();
    irc(100, "JOIN");
    EXPECT_EQ(lines(100), Lines{S + "461 bob JOIN :Not enough parameters"});
    clear();
    irc(100, "PART");
    EXPECT_EQ(lines(100), Lines{S + "461 bob PART :Not enough parameters"});
    clear();
    irc(100, "KICK #lobby");
    EXPECT_EQ(lines(100), Lines{S + "461 bob KICK :Not enough parameters"});
    clear();
    irc(100, "TOPIC");
    EXPECT_EQ(lines(100), Lines{S + "461 bob TOPIC :Not enough parameters"});
    clear();
    irc(100, "MODE");
    EXPECT_EQ(lines(100), Lines{S + "461 bob MODE :Not enough parameters"});
}

TEST_F(IrcFeTest, IdentIsTildeAndSafeCharactersOfTheUserParam)
{
    iconn(100);
    irc(100, "NICK bob");
    irc(100, "USER b:o*b$12 0 * :Bob The Builder");
    ASSERT_FALSE(lines(100).empty());
    EXPECT_EQ(lines(100)[0], S + "001 bob :Welcome to the TestNet Network, bob!~bob12@natter");
    chat_user *u = chat_find_user(c, "bob", 3);
    ASSERT_NE(u, nullptr);
    EXPECT_STREQ(chat_user_ident(u), "~bob12");
    EXPECT_STREQ(chat_user_realname(u), "Bob The Builder");
    ireg(101, "carol", "", "***");
    EXPECT_STREQ(chat_user_ident(chat_find_user(c, "carol", 5)), "~u");
}

// Bug (core/chat.c, chat_user_set_details): a real name of exactly 64
// bytes that ends in a multi-byte character loses that character's
// continuation bytes but keeps its lead byte: invalid UTF-8 in 311/352.
TEST_F(IrcFeTest, RealNameOfSixtyFourBytesStaysValidUtf8)
{
    std::string real = "r";
    for (int i = 0; i < 21; i++)
        real += CJK;
    ASSERT_EQ(real.size(), 64u);
    ireg(100, "bob", "", "u", real);
    EXPECT_TRUE(valid_utf8(chat_user_realname(chat_find_user(c, "bob", 3))));
    EXPECT_EQ(chat_user_realname(chat_find_user(c, "bob", 3)), real);
    irc(100, "WHOIS bob");
    ASSERT_FALSE(lines(100).empty());
    EXPECT_EQ(lines(100)[0], S + "311 bob bob ~u natter * :" + real);
}

// Bug (core/chat.c, copy_detail): a natter user's ident is their name cut
// to 16 bytes, and the cut can leave half a character, so every IRC line
// from a user named with six CJK characters has an invalid-UTF-8 mask.
TEST_F(IrcFeTest, NatterUserWithALongNonAsciiNameHasAValidMask)
{
    std::string name;
    for (int i = 0; i < 6; i++)
        name += CJK;
    nat(1, name);
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    clear();
    nsay(1, "hi");
    ASSERT_EQ(lines(100).size(), 1u);
    EXPECT_TRUE(valid_utf8(lines(100)[0])) << lines(100)[0];
    EXPECT_TRUE(valid_utf8(chat_user_ident(chat_find_user(c, name.data(), name.size()))));
}

TEST_F(IrcFeTest, PingGetsPongBeforeAndAfterRegistration)
{
    iconn(100);
    irc(100, "PING :token 1");
    EXPECT_EQ(lines(100), Lines{S + "PONG irc.test :token 1"});
    clear();
    irc(100, "PING");
    EXPECT_EQ(lines(100), Lines{S + "409 * :No origin specified"});
    clear();
    irc(100, "NICK bob");
    irc(100, "USER u 0 * :r");
    clear();
    irc(100, "PING abc");
    EXPECT_EQ(lines(100), Lines{S + "PONG irc.test :abc"});
    clear();
    irc(100, "ping :lower");
    EXPECT_EQ(lines(100), Lines{S + "PONG irc.test :lower"});
}

TEST_F(IrcFeTest, PassIsIgnoredBeforeRegistrationAnd462After)
{
    iconn(100);
    irc(100, "PASS secret");
    EXPECT_TRUE(silent(100));
    irc(100, "NICK bob");
    irc(100, "USER u 0 * :r");
    clear();
    irc(100, "PASS secret");
    EXPECT_EQ(lines(100), Lines{S + "462 bob :You may not reregister"});
}

// ---- JOIN and PART ------------------------------------------------------------

TEST_F(IrcFeTest, JoinEchoesToSelfAndMembersThenNamesWithOps)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    EXPECT_EQ(lines(100), (Lines{
                              ":bob!~u@natter JOIN #lobby",
                              S + "353 bob = #lobby :@alice bob",
                              S + "366 bob #lobby :End of /NAMES list",
                          }));
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby *** bob joined"});
    ireg(101, "carol");
    irc(101, "JOIN #lobby");
    EXPECT_EQ(lines(100), Lines{":carol!~u@natter JOIN #lobby"});
    EXPECT_EQ(lines(101)[1], S + "353 carol = #lobby :@alice bob carol");
}

TEST_F(IrcFeTest, JoinShowsTopicWith332And333)
{
    nat(1, "alice");
    nsay(1, "/topic Welcome to the lobby");
    fake.now = NOW + 100;
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    ASSERT_GE(lines(100).size(), 5u);
    EXPECT_EQ(Lines(lines(100).begin(), lines(100).begin() + 5),
              (Lines{
                  ":bob!~u@natter JOIN #lobby",
                  S + "332 bob #lobby :Welcome to the lobby",
                  S + "333 bob #lobby alice!alice@natter 1764615601",
                  S + "353 bob = #lobby :@alice bob",
                  S + "366 bob #lobby :End of /NAMES list",
              }));
}

TEST_F(IrcFeTest, JoinOfSeveralChannelsAndNewChannelMakesTheJoinerOp)
{
    ireg(100, "bob");
    irc(100, "JOIN #a,#b");
    EXPECT_EQ(lines(100), (Lines{
                              ":bob!~u@natter JOIN #a",
                              S + "353 bob = #a :@bob",
                              S + "366 bob #a :End of /NAMES list",
                              ":bob!~u@natter JOIN #b",
                              S + "353 bob = #b :@bob",
                              S + "366 bob #b :End of /NAMES list",
                          }));
    EXPECT_TRUE(chat_is_operator(chat_find_user(c, "bob", 3), chat_find_room(c, "#a", 2)));
    clear();
    irc(100, "JOIN #a"); // already there: ignored
    EXPECT_TRUE(silent(100));
}

TEST_F(IrcFeTest, JoinZeroPartsEveryChannel)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby,#x");
    clear();
    irc(100, "JOIN 0");
    EXPECT_EQ(lines(100), (Lines{":bob!~u@natter PART #lobby", ":bob!~u@natter PART #x"}));
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby *** bob left (part)"});
    EXPECT_EQ(chat_user_rooms(chat_find_user(c, "bob", 3)), nullptr);
}

TEST_F(IrcFeTest, BadChannelNameIs479)
{
    ireg(100, "bob");
    irc(100, "JOIN lobby");
    EXPECT_EQ(lines(100), Lines{S + "479 bob lobby :Illegal channel name"});
    clear();
    irc(100, "JOIN #a!b,#ok");
    EXPECT_EQ(lines(100)[0], S + "479 bob #a!b :Illegal channel name");
    EXPECT_EQ(lines(100)[1], ":bob!~u@natter JOIN #ok");
    clear();
    irc(100, "JOIN #\x1b[2J");
    EXPECT_EQ(lines(100), Lines{S + "479 bob #\xEF\xBF\xBD[2J :Illegal channel name"});
    EXPECT_EQ(chat_room_count(c), 2u);
}

TEST_F(IrcFeTest, PartWithAndWithoutReasonAndItsErrors)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    irc(100, "PART #lobby :see you");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter PART #lobby :see you"});
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter PART #lobby :see you"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby *** bob left (part: see you)"});
    clear();
    irc(101, "PART #lobby");
    EXPECT_EQ(lines(101), Lines{":carol!~u@natter PART #lobby"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby *** carol left (part)"});
    clear();
    irc(100, "PART #lobby");
    EXPECT_EQ(lines(100), Lines{S + "442 bob #lobby :You're not on that channel"});
    clear();
    irc(100, "PART #nowhere");
    EXPECT_EQ(lines(100), Lines{S + "403 bob #nowhere :No such channel"});
}

// Bug: irc_cmd_part strips formatting from the reason once per channel, in
// place, with the original length, so the second channel gets the stripped
// text plus leftover bytes.
TEST_F(IrcFeTest, PartOfSeveralChannelsGivesEachTheSameReason)
{
    nat(1, "alice");
    nsay(1, "/join #b");
    ireg(100, "bob");
    irc(100, "JOIN #lobby,#b");
    clear();
    irc(100, "PART #lobby,#b :\x02"
             "bye");
    EXPECT_EQ(lines(100),
              (Lines{":bob!~u@natter PART #lobby :bye", ":bob!~u@natter PART #b :bye"}));
    EXPECT_EQ(lines(1), (Lines{stamp(NOW) + "#lobby *** bob left (part: bye)",
                               stamp(NOW) + "#b *** bob left (part: bye)"}));
}

// ---- PRIVMSG and NOTICE --------------------------------------------------------

TEST_F(IrcFeTest, PrivmsgToChannelAndNickAcrossProtocols)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    irc(100, "PRIVMSG #lobby :hello all");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby <bob> hello all"});
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter PRIVMSG #lobby :hello all"});
    EXPECT_TRUE(silent(100)); // no echo-message
    clear();
    irc(100, "PRIVMSG alice :psst");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*bob* psst"});
    EXPECT_TRUE(silent(100));
    irc(100, "PRIVMSG carol :hi carol");
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter PRIVMSG carol :hi carol"});
    clear();
    nsay(1, "/msg bob back to you");
    EXPECT_EQ(lines(100), Lines{":alice!alice@natter PRIVMSG bob :back to you"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "-> *bob* back to you"});
    clear();
    nsay(1, "hi from natter");
    EXPECT_EQ(lines(100), Lines{":alice!alice@natter PRIVMSG #lobby :hi from natter"});
    EXPECT_EQ(lines(101), Lines{":alice!alice@natter PRIVMSG #lobby :hi from natter"});
    clear();
    irc(100, "PRIVMSG alice,carol :both");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*bob* both"});
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter PRIVMSG carol :both"});
}

TEST_F(IrcFeTest, PrivmsgToSelfArrivesOnceWithoutEchoMessage)
{
    ireg(100, "bob");
    irc(100, "PRIVMSG bob :note to self");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter PRIVMSG bob :note to self"});
}

TEST_F(IrcFeTest, NoticeToChannelAndNick)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    irc(100, "NOTICE #lobby :heads up");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby -bob- heads up"});
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter NOTICE #lobby :heads up"});
    EXPECT_TRUE(silent(100));
    clear();
    irc(100, "NOTICE alice :private note");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "-bob- private note"});
    irc(100, "NOTICE carol :n");
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter NOTICE carol :n"});
    // Notices are not kept in history.
    EXPECT_EQ(chat_room_history_count(chat_find_room(c, "#lobby", 6)), 0u);
}

TEST_F(IrcFeTest, PrivmsgErrors401To412)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "PRIVMSG");
    EXPECT_EQ(lines(100), Lines{S + "411 bob :No recipient given (PRIVMSG)"});
    clear();
    irc(100, "PRIVMSG alice");
    EXPECT_EQ(lines(100), Lines{S + "412 bob :No text to send"});
    clear();
    irc(100, "PRIVMSG alice :");
    EXPECT_EQ(lines(100), Lines{S + "412 bob :No text to send"});
    clear();
    irc(100, "PRIVMSG alice :\x02\x0F"); // nothing left once stripped
    EXPECT_EQ(lines(100), Lines{S + "412 bob :No text to send"});
    clear();
    irc(100, "PRIVMSG zed :hi");
    EXPECT_EQ(lines(100), Lines{S + "401 bob zed :No such nick/channel"});
    clear();
    irc(100, "PRIVMSG #nowhere :hi");
    EXPECT_EQ(lines(100), Lines{S + "403 bob #nowhere :No such channel"});
    clear();
    irc(100, "PRIVMSG #lobby :hi"); // not a member
    EXPECT_EQ(lines(100), Lines{S + "404 bob #lobby :Cannot send to channel"});
    EXPECT_TRUE(silent(1));
}

TEST_F(IrcFeTest, NoticeNeverGetsAnErrorNumeric)
{
    nat(1, "alice");
    ireg(100, "bob");
    for (const char *l :
         {"NOTICE", "NOTICE alice", "NOTICE alice :", "NOTICE zed :hi", "NOTICE #nowhere :hi",
          "NOTICE #lobby :not a member", "NOTICE a,b,c :x", "NOTICE alice :\x01VERSION\x01"}) {
        clear();
        irc(100, l);
        EXPECT_TRUE(silent(100)) << l << ": " << (lines(100).empty() ? "" : lines(100)[0]);
        EXPECT_TRUE(silent(1)) << l;
    }
}

TEST_F(IrcFeTest, EchoMessageCapSendsTheSendersOwnMessagesBack)
{
    nat(1, "alice");
    ireg(100, "bob", "echo-message");
    irc(100, "JOIN #lobby");
    clear();
    irc(100, "PRIVMSG #lobby :hello");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter PRIVMSG #lobby :hello"});
    clear();
    irc(100, "PRIVMSG alice :psst");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter PRIVMSG alice :psst"});
    clear();
    irc(100, "NOTICE #lobby :n");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter NOTICE #lobby :n"});
}

TEST_F(IrcFeTest, CtcpActionMapsToNatterMeAndBack)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    irc(100, "PRIVMSG #lobby :\x01"
             "ACTION waves\x01");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby * bob waves"});
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter PRIVMSG #lobby :\x01"
                                "ACTION waves\x01"});
    clear();
    nsay(1, "/me dances");
    EXPECT_EQ(lines(100), Lines{":alice!alice@natter PRIVMSG #lobby :\x01"
                                "ACTION dances\x01"});
    clear();
    irc(100, "PRIVMSG alice :\x01"
             "ACTION hugs you\x01");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*bob* * bob hugs you"});
    clear();
    // A missing closing \x01 is tolerated.
    irc(100, "PRIVMSG #lobby :\x01"
             "ACTION nods");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby * bob nods"});
}

TEST_F(IrcFeTest, OtherCtcpIsDroppedAndFormattingIsStripped)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    irc(100, "PRIVMSG #lobby :\x01VERSION\x01");
    irc(100, "PRIVMSG alice :\x01PING 123\x01");
    irc(100, "PRIVMSG carol :\x01TIME\x01");
    EXPECT_TRUE(silent(1));
    EXPECT_TRUE(silent(100));
    EXPECT_TRUE(silent(101));
    irc(100, "PRIVMSG #lobby :\x02"
             "bold\x02 \x03"
             "04,12red\x03 \x03"
             "3green \x1Ditalic\x1D "
             "\x1Funder\x0F \x04"
             "FF00AAhex \x16rev\x11mono\x1E");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby <bob> bold red green italic under hex revmono"});
    EXPECT_EQ(lines(101),
              Lines{":bob!~u@natter PRIVMSG #lobby :bold red green italic under hex revmono"});
}

TEST_F(IrcFeTest, ControlBytesInTextBecomeReplacementCharacters)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    irc(100, "PRIVMSG #lobby :a\x07"
             "b\x1b[2Jc\xFF"
             "d\x01"
             "e");
    const std::string F = "\xEF\xBF\xBD";
    EXPECT_EQ(lines(1),
              Lines{stamp(NOW) + "#lobby <bob> a" + F + "b" + F + "[2Jc" + F + "d" + F + "e"});
    EXPECT_EQ(lines(101),
              Lines{":bob!~u@natter PRIVMSG #lobby :a" + F + "b" + F + "[2Jc" + F + "d" + F + "e"});
}

TEST_F(IrcFeTest, ServerTimeTagCarriesTheEventTimeOnlyWithTheCap)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol", "server-time");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    nsay(1, "hi");
    EXPECT_EQ(lines(100), Lines{":alice!alice@natter PRIVMSG #lobby :hi"});
    EXPECT_EQ(lines(101),
              Lines{"@time=2025-12-01T19:00:01.000Z :alice!alice@natter PRIVMSG #lobby :hi"});
    clear();
    fake.now = NOW + 5 * 3600 + 61; // past midnight: 2025-12-02T00:01:02Z
    ireg(102, "dave");
    irc(102, "JOIN #lobby");
    EXPECT_EQ(lines(101), Lines{"@time=2025-12-02T00:01:02.000Z :dave!~u@natter JOIN #lobby"});
    EXPECT_EQ(lines(100), Lines{":dave!~u@natter JOIN #lobby"});
    clear();
    irc(100, "PRIVMSG carol :x");
    EXPECT_EQ(lines(101), Lines{"@time=2025-12-02T00:01:02.000Z :bob!~u@natter PRIVMSG carol :x"});
    // Numerics carry no tag.
    clear();
    irc(101, "PING :p");
    EXPECT_EQ(lines(101), Lines{S + "PONG irc.test :p"});
}

TEST_F(IrcFeTest, LongNatterLineIsSplitIntoSeveralPrivmsgsAtCharacterBoundaries)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol", "server-time");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    std::string text = "x";
    while (text.size() + 3 <= 1024)
        text += CJK;
    ASSERT_EQ(text.size(), 1024u);
    nsay(1, text);
    for (int id : {100, 101}) {
        const std::string pre = ":alice!alice@natter PRIVMSG #lobby :";
        std::string joined;
        ASSERT_GE(lines(id).size(), 3u) << id;
        for (std::string l : lines(id)) {
            if (id == 101) {
                ASSERT_TRUE(starts_with(l, "@time=2025-12-01T19:00:01.000Z ")) << l;
                l = l.substr(31);
            }
            ASSERT_TRUE(starts_with(l, pre)) << l;
            EXPECT_LE(l.size() + 2, 512u);
            std::string piece = l.substr(pre.size());
            EXPECT_FALSE(piece.empty());
            EXPECT_TRUE(valid_utf8(piece)) << "split inside a character";
            joined += piece;
        }
        EXPECT_EQ(joined, text) << id;
    }
    // The natter side gets it whole.
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby <alice> " + text});
}

TEST_F(IrcFeTest, LongNatterActionIsSplitWithEachPartACompleteCtcpAction)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    clear();
    std::string text;
    while (text.size() + 3 <= 1000)
        text += CJK;
    nsay(1, "/me " + text);
    ASSERT_GE(lines(100).size(), 3u);
    std::string joined;
    const std::string pre = ":alice!alice@natter PRIVMSG #lobby :\x01"
                            "ACTION ";
    for (const std::string &l : lines(100)) {
        ASSERT_TRUE(starts_with(l, pre)) << l;
        ASSERT_EQ(l.back(), '\x01');
        EXPECT_LE(l.size() + 2, 512u);
        joined += l.substr(pre.size(), l.size() - pre.size() - 1);
    }
    EXPECT_EQ(joined, text);
}

// ---- history on JOIN -------------------------------------------------------------

TEST_F(IrcFeTest, HistoryWithoutServerTimeIsNoticesNamingTimeAndAuthor)
{
    nat(1, "alice");
    nsay(1, "first");
    fake.now = NOW + 60;
    nsay(1, "/me waves");
    fake.now = NOW + 120;
    nsay(1, "/topic News");
    fake.now = NOW + 3600;
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    EXPECT_EQ(lines(100), (Lines{
                              ":bob!~u@natter JOIN #lobby",
                              S + "332 bob #lobby :News",
                              S + "333 bob #lobby alice!alice@natter 1764615721",
                              S + "353 bob = #lobby :@alice bob",
                              S + "366 bob #lobby :End of /NAMES list",
                              S + "NOTICE #lobby :[2025-12-01 19:00:01] <alice> first",
                              S + "NOTICE #lobby :[2025-12-01 19:01:01] * alice waves",
                              S + "NOTICE #lobby :[2025-12-01 19:02:01] alice set the topic: News",
                          }));
}

TEST_F(IrcFeTest, HistoryWithServerTimeIsTheOriginalMessagesWithTheirTimes)
{
    nat(1, "alice");
    nsay(1, "first");
    fake.now = NOW + 60;
    nsay(1, "/me waves");
    fake.now = NOW + 120;
    nsay(1, "/topic News");
    fake.now = NOW + 3600;
    ireg(100, "bob", "server-time");
    irc(100, "JOIN #lobby");
    EXPECT_EQ(lines(100), (Lines{
                              "@time=2025-12-01T20:00:01.000Z :bob!~u@natter JOIN #lobby",
                              S + "332 bob #lobby :News",
                              S + "333 bob #lobby alice!alice@natter 1764615721",
                              S + "353 bob = #lobby :@alice bob",
                              S + "366 bob #lobby :End of /NAMES list",
                              "@time=2025-12-01T19:00:01.000Z :alice PRIVMSG #lobby :first",
                              "@time=2025-12-01T19:01:01.000Z :alice PRIVMSG #lobby :\x01"
                              "ACTION waves\x01",
                              "@time=2025-12-01T19:02:01.000Z " + S +
                                  "NOTICE #lobby :[2025-12-01 19:02:01] alice set the topic: News",
                          }));
}

TEST_F(IrcFeTest, IrcLinesAreInHistoryForNatterJoiners)
{
    ireg(100, "bob");
    irc(100, "JOIN #r");
    irc(100, "PRIVMSG #r :from irc");
    irc(100, "PRIVMSG #r :\x01"
             "ACTION acts\x01");
    irc(100, "NOTICE #r :not kept");
    nat(1, "alice");
    nsay(1, "/join #r");
    bool said = false, acted = false, noticed = false;
    for (const std::string &l : lines(1)) {
        said |= l == stamp(NOW) + "#r <bob> from irc";
        acted |= l == stamp(NOW) + "#r * bob acts";
        noticed |= l.find("not kept") != std::string::npos;
    }
    EXPECT_TRUE(said);
    EXPECT_TRUE(acted);
    EXPECT_FALSE(noticed);
}

// ---- TOPIC and MODE ----------------------------------------------------------------

TEST_F(IrcFeTest, TopicQuerySetAndPermissions)
{
    nat(1, "alice");
    ireg(100, "op");
    ireg(101, "bob");
    irc(100, "JOIN #t");
    irc(101, "JOIN #t");
    nsay(1, "/join #t");
    clear();
    irc(101, "TOPIC #t");
    EXPECT_EQ(lines(101), Lines{S + "331 bob #t :No topic is set"});
    clear();
    irc(101, "TOPIC #t :mine now");
    EXPECT_EQ(lines(101), Lines{S + "482 bob #t :You're not channel operator"});
    EXPECT_TRUE(silent(1));
    clear();
    fake.now = NOW + 10;
    irc(100, "TOPIC #t :\x02Official\x02 topic");
    EXPECT_EQ(lines(100), Lines{":op!~u@natter TOPIC #t :Official topic"});
    EXPECT_EQ(lines(101), Lines{":op!~u@natter TOPIC #t :Official topic"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW + 10) + "#t *** op set the topic: Official topic"});
    clear();
    irc(101, "TOPIC #t");
    EXPECT_EQ(lines(101),
              (Lines{S + "332 bob #t :Official topic", S + "333 bob #t op!~u@natter 1764615611"}));
    clear();
    irc(100, "MODE #t -t");
    EXPECT_EQ(lines(101), Lines{":op!~u@natter MODE #t -t"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW + 10) + "#t *** op let anyone set the topic"});
    clear();
    irc(101, "TOPIC #t :anyone's");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter TOPIC #t :anyone's"});
    clear();
    irc(101, "TOPIC #t :");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter TOPIC #t :"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW + 10) + "#t *** bob cleared the topic"});
    clear();
    irc(101, "TOPIC #nowhere");
    EXPECT_EQ(lines(101), Lines{S + "403 bob #nowhere :No such channel"});
    clear();
    ireg(102, "carol");
    irc(102, "TOPIC #t :outsider");
    EXPECT_EQ(lines(102), Lines{S + "442 carol #t :You're not on that channel"});
}

TEST_F(IrcFeTest, TopicSetterIsAMaskWhileOnlineAndANickAfter)
{
    ireg(100, "op", "", "opid");
    ireg(101, "bob");
    irc(100, "JOIN #t");
    irc(101, "JOIN #t");
    irc(100, "TOPIC #t :set by op");
    clear();
    irc(101, "TOPIC #t");
    EXPECT_EQ(lines(101),
              (Lines{S + "332 bob #t :set by op", S + "333 bob #t op!~opid@natter 1764615601"}));
    irc(100, "QUIT");
    clear();
    irc(101, "TOPIC #t");
    EXPECT_EQ(lines(101), (Lines{S + "332 bob #t :set by op", S + "333 bob #t op 1764615601"}));
}

TEST_F(IrcFeTest, NatterTopicChangeReachesIrcUsers)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    clear();
    nsay(1, "/topic Hello from natter");
    EXPECT_EQ(lines(100), Lines{":alice!alice@natter TOPIC #lobby :Hello from natter"});
}

TEST_F(IrcFeTest, ModeQueryAndOperatorChanges)
{
    nat(1, "alice");
    ireg(100, "op");
    ireg(101, "bob");
    irc(100, "JOIN #m");
    irc(101, "JOIN #m");
    nsay(1, "/join #m");
    clear();
    irc(101, "MODE #m");
    EXPECT_EQ(lines(101), (Lines{S + "324 bob #m +nt", S + "329 bob #m 1764615601"}));
    clear();
    irc(100, "MODE #m +o bob");
    EXPECT_EQ(lines(100), Lines{":op!~u@natter MODE #m +o bob"});
    EXPECT_EQ(lines(101), Lines{":op!~u@natter MODE #m +o bob"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#m *** op made bob an operator"});
    EXPECT_TRUE(chat_is_operator(chat_find_user(c, "bob", 3), chat_find_room(c, "#m", 2)));
    clear();
    irc(101, "MODE #m -o op");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter MODE #m -o op"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#m *** bob took operator status from op"});
    clear();
    irc(100, "MODE #m +o op");
    EXPECT_EQ(lines(100), Lines{S + "482 op #m :You're not channel operator"});
    clear();
    irc(101, "MODE #m +o zed");
    EXPECT_EQ(lines(101), Lines{S + "401 bob zed :No such nick/channel"});
    clear();
    ireg(102, "carol");
    irc(101, "MODE #m +o carol");
    EXPECT_EQ(lines(101), Lines{S + "441 bob carol #m :They aren't on that channel"});
    clear();
    irc(101, "MODE #m +o");
    EXPECT_EQ(lines(101), Lines{S + "461 bob MODE :Not enough parameters"});
    clear();
    irc(101, "MODE #m b");
    EXPECT_EQ(lines(101), Lines{S + "368 bob #m :End of channel ban list"});
    clear();
    irc(100, "MODE #m +b"); // not an op, but the ban list is a query
    EXPECT_EQ(lines(100), Lines{S + "368 op #m :End of channel ban list"});
    clear();
    irc(101, "MODE #m +x");
    EXPECT_EQ(lines(101), Lines{S + "472 bob x :is unknown mode char to me"});
    clear();
    irc(101, "MODE #m +b nick!*@*");
    EXPECT_EQ(lines(101), Lines{S + "472 bob b :is not supported on this server"});
    clear();
    irc(101, "MODE #nowhere");
    EXPECT_EQ(lines(101), Lines{S + "403 bob #nowhere :No such channel"});
    clear();
    irc(101, "MODE #m -t");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter MODE #m -t"});
    EXPECT_FALSE(chat_room_topic_ops_only(chat_find_room(c, "#m", 2)));
}

TEST_F(IrcFeTest, UserModes221And501And502)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "MODE bob");
    EXPECT_EQ(lines(100), Lines{S + "221 bob +"});
    clear();
    irc(100, "MODE bob +iw");
    EXPECT_TRUE(silent(100));
    irc(100, "MODE bob +x");
    EXPECT_EQ(lines(100), Lines{S + "501 bob :Unknown MODE flag"});
    clear();
    irc(100, "MODE alice");
    EXPECT_EQ(lines(100), Lines{S + "502 bob :Can't change mode for other users"});
    clear();
    irc(100, "MODE zed");
    EXPECT_EQ(lines(100), Lines{S + "401 bob zed :No such nick/channel"});
}

// ---- KICK -------------------------------------------------------------------------

TEST_F(IrcFeTest, KickReachesTheKickedIrcUserAndNatterMembers)
{
    nat(1, "alice");
    ireg(100, "op");
    ireg(101, "bob");
    irc(100, "JOIN #k");
    irc(101, "JOIN #k");
    nsay(1, "/join #k");
    clear();
    irc(100, "KICK #k bob :\x02"
             "behave");
    EXPECT_EQ(lines(101), Lines{":op!~u@natter KICK #k bob :behave"});
    EXPECT_EQ(lines(100), Lines{":op!~u@natter KICK #k bob :behave"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#k *** op kicked bob (behave)"});
    EXPECT_EQ(chat_membership(chat_find_user(c, "bob", 3), chat_find_room(c, "#k", 2)), nullptr);
    clear();
    irc(100, "KICK #k alice");
    EXPECT_EQ(lines(100), Lines{":op!~u@natter KICK #k alice :op"});
    // Kicked from the room it was talking in, alice is back in #lobby.
    EXPECT_EQ(lines(1),
              (Lines{stamp(NOW) + "#k *** op kicked alice", "*** Now talking in #lobby."}));
}

TEST_F(IrcFeTest, KickErrors)
{
    nat(1, "alice");
    ireg(100, "op");
    ireg(101, "bob");
    irc(100, "JOIN #k");
    irc(101, "JOIN #k");
    clear();
    irc(101, "KICK #k op");
    EXPECT_EQ(lines(101), Lines{S + "482 bob #k :You're not channel operator"});
    clear();
    irc(100, "KICK #k zed");
    EXPECT_EQ(lines(100), Lines{S + "401 op zed :No such nick/channel"});
    clear();
    irc(100, "KICK #k alice");
    EXPECT_EQ(lines(100), Lines{S + "441 op alice #k :They aren't on that channel"});
    clear();
    irc(100, "KICK #lobby alice");
    EXPECT_EQ(lines(100), Lines{S + "442 op #lobby :You're not on that channel"});
    clear();
    irc(100, "KICK #nowhere alice");
    EXPECT_EQ(lines(100), Lines{S + "403 op #nowhere :No such channel"});
    EXPECT_TRUE(silent(1));
}

TEST_F(IrcFeTest, NatterKickOfAnIrcUser)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    clear();
    nsay(1, "/kick bob spamming");
    EXPECT_EQ(lines(100), Lines{":alice!alice@natter KICK #lobby bob :spamming"});
    EXPECT_EQ(chat_room_member_count(chat_find_room(c, "#lobby", 6)), 1u);
}

// Bug: irc_cmd_kick strips formatting from the reason once per nick, in
// place, with the original length: the second nick's reason has leftover
// bytes.
TEST_F(IrcFeTest, KickOfSeveralNicksGivesEachTheSameReason)
{
    nat(1, "alice");
    ireg(100, "op");
    ireg(101, "bob");
    irc(100, "JOIN #k");
    irc(101, "JOIN #k");
    nsay(1, "/join #k");
    clear();
    irc(100, "KICK #k bob,alice :\x02rude");
    EXPECT_EQ(lines(100),
              (Lines{":op!~u@natter KICK #k bob :rude", ":op!~u@natter KICK #k alice :rude"}));
    EXPECT_EQ(lines(1),
              (Lines{stamp(NOW) + "#k *** op kicked bob (rude)",
                     stamp(NOW) + "#k *** op kicked alice (rude)", "*** Now talking in #lobby."}));
}

// Bug: a KICK line with long (valid) nicks, channel and a KICKLEN-long
// reason passes IRC's 512 bytes; the fake flags it as unsafe.
TEST_F(IrcFeTest, KickLineWithLongNamesStaysWithin512Bytes)
{
    std::string n1 = "a", n2 = "b", room = "#";
    for (int i = 0; i < 21; i++) {
        n1 += CJK;
        n2 += CJK;
        room += CJK;
    }
    ASSERT_EQ(n1.size(), 64u);
    ASSERT_EQ(room.size(), 64u);
    ireg(100, n1, "", "identident12345");
    ireg(101, n2);
    irc(100, "JOIN " + room);
    irc(101, "JOIN " + room);
    clear();
    irc(100, "KICK " + room + " " + n2 + " :" + std::string(350, 'r'));
    ASSERT_EQ(lines(101).size(), 1u);
    EXPECT_LE(lines(101)[0].size() + 2, 512u)
        << "KICK line of " << lines(101)[0].size() + 2 << " bytes";
}

// ---- WHO, WHOIS, AWAY, LIST, NAMES -------------------------------------------------

TEST_F(IrcFeTest, WhoListsChannelMembersWithFlags)
{
    nat(1, "alice");
    ireg(100, "bob", "", "u", "Bob Real");
    irc(100, "JOIN #lobby");
    irc(100, "AWAY :lunch");
    clear();
    irc(100, "WHO #lobby");
    EXPECT_EQ(lines(100), (Lines{
                              S + "352 bob #lobby alice natter irc.test alice H@ :0 alice",
                              S + "352 bob #lobby ~u natter irc.test bob G :0 Bob Real",
                              S + "315 bob #lobby :End of /WHO list",
                          }));
    clear();
    irc(100, "WHO alice");
    EXPECT_EQ(lines(100), (Lines{
                              S + "352 bob #lobby alice natter irc.test alice H@ :0 alice",
                              S + "315 bob alice :End of /WHO list",
                          }));
    clear();
    irc(100, "WHO zed");
    EXPECT_EQ(lines(100), Lines{S + "315 bob zed :End of /WHO list"});
    clear();
    ireg(101, "carol");
    irc(100, "WHO carol");
    EXPECT_EQ(lines(100), (Lines{S + "352 bob * ~u natter irc.test carol H :0 Real Name",
                                 S + "315 bob carol :End of /WHO list"}));
}

TEST_F(IrcFeTest, WhoisShowsUserChannelsServerAwayAndEnd)
{
    nat(1, "alice");
    nsay(1, "/join #rust");
    ireg(100, "bob", "", "u", "Bob Real");
    irc(100, "JOIN #lobby");
    clear();
    irc(100, "WHOIS alice");
    EXPECT_EQ(lines(100), (Lines{
                              S + "311 bob alice alice natter * :alice",
                              S + "319 bob alice :@#lobby @#rust",
                              S + "312 bob alice irc.test :TestNet",
                              S + "318 bob alice :End of /WHOIS list",
                          }));
    clear();
    irc(100, "AWAY :gone");
    clear();
    ireg(101, "carol");
    irc(101, "WHOIS irc.test BOB");
    EXPECT_EQ(lines(101), (Lines{
                              S + "311 carol bob ~u natter * :Bob Real",
                              S + "319 carol bob :#lobby",
                              S + "312 carol bob irc.test :TestNet",
                              S + "301 carol bob :gone",
                              S + "318 carol bob :End of /WHOIS list",
                          }));
    clear();
    irc(101, "WHOIS zed");
    EXPECT_EQ(lines(101), (Lines{S + "401 carol zed :No such nick/channel",
                                 S + "318 carol zed :End of /WHOIS list"}));
    clear();
    irc(101, "WHOIS");
    EXPECT_EQ(lines(101), Lines{S + "431 carol :No nickname given"});
}

TEST_F(IrcFeTest, AwayRepliesAnd301OnPrivmsg)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    irc(100, "AWAY :out to lunch");
    EXPECT_EQ(lines(100), Lines{S + "306 bob :You have been marked as being away"});
    EXPECT_STREQ(chat_user_away(chat_find_user(c, "bob", 3)), "out to lunch");
    clear();
    irc(101, "PRIVMSG bob :you there?");
    EXPECT_EQ(lines(101), Lines{S + "301 carol bob :out to lunch"});
    EXPECT_EQ(lines(100), Lines{":carol!~u@natter PRIVMSG bob :you there?"});
    clear();
    irc(101, "NOTICE bob :no 301 for notices");
    EXPECT_TRUE(silent(101));
    irc(100, "AWAY");
    EXPECT_EQ(lines(100).back(), S + "305 bob :You are no longer marked as being away");
    EXPECT_EQ(chat_user_away(chat_find_user(c, "bob", 3)), nullptr);
    clear();
    irc(101, "PRIVMSG bob :back?");
    EXPECT_TRUE(silent(101));
}

TEST_F(IrcFeTest, ListShowsChannelsMembersAndTopics)
{
    nat(1, "alice");
    nsay(1, "/topic Lobby talk");
    ireg(100, "bob");
    irc(100, "JOIN #lobby,#empty-topic");
    clear();
    irc(100, "LIST");
    EXPECT_EQ(lines(100), (Lines{
                              S + "321 bob Channel :Users  Name",
                              S + "322 bob #lobby 2 :Lobby talk",
                              S + "322 bob #empty-topic 1 :",
                              S + "323 bob :End of /LIST",
                          }));
    clear();
    irc(100, "LIST #empty-topic,#nowhere");
    EXPECT_EQ(lines(100), (Lines{
                              S + "321 bob Channel :Users  Name",
                              S + "322 bob #empty-topic 1 :",
                              S + "323 bob :End of /LIST",
                          }));
}

TEST_F(IrcFeTest, NamesOfChannelsAndUnknownOnes)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "NAMES #lobby,#nowhere");
    EXPECT_EQ(lines(100), (Lines{
                              S + "353 bob = #lobby :@alice",
                              S + "366 bob #lobby :End of /NAMES list",
                              S + "366 bob #nowhere :End of /NAMES list",
                          }));
    clear();
    irc(100, "NAMES");
    EXPECT_EQ(lines(100), Lines{S + "366 bob * :End of /NAMES list"});
}

TEST_F(IrcFeTest, NamesOfABigChannelAreSplitIntoSeveral353Lines)
{
    ireg(100, "bob");
    irc(100, "JOIN #big");
    std::vector<std::string> all{"@bob"};
    for (int i = 0; i < 40; i++) {
        char n[32];
        std::snprintf(n, sizeof n, "user_with_long_name%02d", i);
        ireg(200 + i, n);
        irc(200 + i, "JOIN #big");
        all.push_back(n);
    }
    clear();
    irc(100, "NAMES #big");
    ASSERT_GE(lines(100).size(), 3u);
    std::vector<std::string> seen;
    for (size_t i = 0; i + 1 < lines(100).size(); i++) {
        const std::string &l = lines(100)[i];
        const std::string pre = S + "353 bob = #big :";
        ASSERT_TRUE(starts_with(l, pre)) << l;
        std::string rest = l.substr(pre.size());
        size_t p = 0;
        while (p <= rest.size()) {
            size_t sp = rest.find(' ', p);
            if (sp == std::string::npos)
                sp = rest.size();
            seen.push_back(rest.substr(p, sp - p));
            p = sp + 1;
        }
    }
    EXPECT_EQ(lines(100).back(), S + "366 bob #big :End of /NAMES list");
    EXPECT_EQ(seen, all);
}

// ---- NICK and QUIT ----------------------------------------------------------------

TEST_F(IrcFeTest, NickChangeAfterRegistrationReachesSelfAndChannelSharers)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    ireg(102, "dave"); // shares no channel
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    irc(100, "NICK robert");
    EXPECT_EQ(lines(100), Lines{":bob!~u@natter NICK :robert"});
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter NICK :robert"});
    EXPECT_TRUE(silent(102));
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*** bob is now known as robert"});
    EXPECT_EQ(chat_find_user(c, "bob", 3), nullptr);
    clear();
    irc(100, "NICK robert"); // the same: nothing
    EXPECT_TRUE(silent(100));
    irc(100, "NICK Robert"); // another case: a rename
    EXPECT_EQ(lines(100), Lines{":robert!~u@natter NICK :Robert"});
    clear();
    irc(100, "WHOIS nobody");
    EXPECT_EQ(lines(100)[0], S + "401 Robert nobody :No such nick/channel");
    clear();
    irc(100, "NICK bad!nick");
    EXPECT_EQ(lines(100), Lines{S + "432 Robert bad!nick :Erroneous nickname"});
}

TEST_F(IrcFeTest, NatterRenameReachesIrcUsers)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    clear();
    nsay(1, "/nick alicia");
    EXPECT_EQ(lines(100), Lines{":alice!alice@natter NICK :alicia"});
}

TEST_F(IrcFeTest, QuitSendsErrorClosesAndTellsOthers)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    irc(100, "QUIT :gone fishing");
    EXPECT_EQ(lines(100), Lines{"ERROR :Closing Link: bob (Quit: gone fishing)"});
    EXPECT_EQ(fake.closed, std::vector<int>{100});
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter QUIT :Quit: gone fishing"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*** bob left (quit: gone fishing)"});
    EXPECT_EQ(irc_fe_session_count(ife), 1u);
    EXPECT_EQ(irc_fe_registered_count(ife), 1u);
    EXPECT_EQ(chat_find_user(c, "bob", 3), nullptr);
    clear();
    irc(101, "QUIT");
    EXPECT_EQ(lines(101), Lines{"ERROR :Closing Link: carol (Quit)"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*** carol left (quit)"});
}

TEST_F(IrcFeTest, QuitBeforeRegistrationClosesQuietly)
{
    nat(1, "alice");
    iconn(100);
    irc(100, "NICK bob");
    irc(100, "QUIT :bye");
    EXPECT_EQ(lines(100), Lines{"ERROR :Closing Link: bob (Quit: bye)"});
    EXPECT_EQ(fake.closed, std::vector<int>{100});
    EXPECT_TRUE(silent(1));
    EXPECT_EQ(irc_fe_session_count(ife), 0u);
}

// Bug: the quit words are put in the ERROR line sanitised but not cut, so a
// long QUIT makes an ERROR line over 512 bytes (the model cuts the same
// words to CHAT_REASON_MAX_BYTES for everyone else).
TEST_F(IrcFeTest, QuitWithLongWordsKeepsTheErrorLineWithin512Bytes)
{
    ireg(100, "bob");
    irc(100, "QUIT :" + std::string(480, 'q'));
    ASSERT_EQ(lines(100).size(), 1u);
    EXPECT_TRUE(starts_with(lines(100)[0], "ERROR :Closing Link: bob (Quit: qqq"));
    EXPECT_LE(lines(100)[0].size() + 2, 512u)
        << "ERROR line of " << lines(100)[0].size() + 2 << " bytes";
}

TEST_F(IrcFeTest, ConnectionLostTellsOthersWithoutClose)
{
    nat(1, "alice");
    ireg(100, "bob");
    ireg(101, "carol");
    irc(100, "JOIN #lobby");
    irc(101, "JOIN #lobby");
    clear();
    left(100, "connection closed");
    EXPECT_TRUE(silent(100));
    EXPECT_TRUE(fake.closed.empty());
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter QUIT :Connection closed"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*** bob left (connection closed)"});
}

TEST_F(IrcFeTest, NatterQuitAndIrcSideViewOfNatterEvents)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    clear();
    nsay(1, "/join #rust");
    irc(100, "JOIN #rust");
    clear();
    nsay(1, "/part");
    // The last operator left: the server makes bob one.
    EXPECT_EQ(lines(100), (Lines{":alice!alice@natter PART #rust", S + "MODE #rust +o bob"}));
    clear();
    nsay(1, "/quit bye all");
    EXPECT_EQ(lines(100),
              (Lines{":alice!alice@natter QUIT :Quit: bye all", S + "MODE #lobby +o bob"}));
    clear();
    irc(100, "NAMES #lobby");
    EXPECT_EQ(lines(100)[0], S + "353 bob = #lobby :@bob");
}

TEST_F(IrcFeTest, AutomaticOpIsAModeFromTheServer)
{
    ireg(100, "op");
    ireg(101, "bob");
    irc(100, "JOIN #o");
    irc(101, "JOIN #o");
    clear();
    irc(100, "PART #o");
    EXPECT_EQ(lines(101), (Lines{":op!~u@natter PART #o", S + "MODE #o +o bob"}));
}

// ---- both protocols in one room -------------------------------------------------

TEST_F(IrcFeTest, NatterAndIrcUsersSeeEachOthersEventsInTheirOwnFormat)
{
    nat(1, "alice");
    ireg(100, "bob", "server-time");
    irc(100, "JOIN #lobby");
    const std::string tag = "@time=2025-12-01T19:00:01.000Z ";
    clear();
    nsay(1, "/join #dev");
    clear();
    irc(100, "JOIN #dev");
    EXPECT_EQ(lines(1)[0], stamp(NOW) + "#dev *** bob joined");
    EXPECT_EQ(lines(100)[0], tag + ":bob!~u@natter JOIN #dev");
    EXPECT_EQ(lines(100)[1], S + "353 bob = #dev :@alice bob");
    clear();
    nsay(1, "in dev");
    EXPECT_EQ(lines(100), Lines{tag + ":alice!alice@natter PRIVMSG #dev :in dev"});
    irc(100, "PRIVMSG #dev :reply");
    EXPECT_EQ(lines(1),
              (Lines{stamp(NOW) + "#dev <alice> in dev", stamp(NOW) + "#dev <bob> reply"}));
    clear();
    nsay(1, "/topic dev talk");
    EXPECT_EQ(lines(100), Lines{tag + ":alice!alice@natter TOPIC #dev :dev talk"});
    clear();
    irc(100, "NICK bobby");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*** bob is now known as bobby"});
    EXPECT_EQ(lines(100), Lines{tag + ":bob!~u@natter NICK :bobby"});
    clear();
    nsay(1, "/kick bobby out");
    EXPECT_EQ(lines(100), Lines{tag + ":alice!alice@natter KICK #dev bobby :out"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#dev *** alice kicked bobby (out)"});
    clear();
    irc(100, "PART #lobby :later");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "#lobby *** bobby left (part: later)"});
    irc(100, "JOIN #lobby");
    clear();
    irc(100, "QUIT :done");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*** bobby left (quit: done)"});
}

// ---- timers ---------------------------------------------------------------------

// The session list is walked at most once a second, so the tests tick in
// whole seconds.
TEST_F(IrcFeTest, IdleClientIsPingedAndAnswerKeepsIt)
{
    icfg.ping_interval_ms = 5000;
    icfg.ping_timeout_ms = 3000;
    ireg(100, "bob");
    for (uint64_t t = 1000; t <= 4000; t += 1000)
        tick(t);
    EXPECT_TRUE(silent(100));
    tick(5000);
    EXPECT_EQ(lines(100), Lines{"PING :irc.test"});
    clear();
    tick(6000);
    irc(100, "PONG :irc.test");
    for (uint64_t t = 7000; t <= 10000; t += 1000) // would have timed out at 8000
        tick(t);
    EXPECT_TRUE(silent(100));
    EXPECT_TRUE(fake.closed.empty());
    tick(11000);
    EXPECT_EQ(lines(100), Lines{"PING :irc.test"});
    clear();
    // Any line counts as an answer.
    tick(12000);
    irc(100, "LUSERS");
    clear();
    for (uint64_t t = 13000; t <= 16000; t += 1000)
        tick(t);
    EXPECT_TRUE(silent(100));
    EXPECT_TRUE(fake.closed.empty());
    tick(17000);
    EXPECT_EQ(lines(100), Lines{"PING :irc.test"});
}

TEST_F(IrcFeTest, PingTimeoutClosesAndOthersSeeTheQuit)
{
    icfg.ping_interval_ms = 5000;
    icfg.ping_timeout_ms = 3000;
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    ireg(101, "carol");
    irc(101, "JOIN #lobby");
    clear();
    for (uint64_t t = 1000; t <= 4000; t += 1000)
        tick(t);
    tick(5000);
    EXPECT_EQ(lines(100), Lines{"PING :irc.test"});
    EXPECT_EQ(lines(101), Lines{"PING :irc.test"});
    tick(6000);
    irc(101, "PONG irc.test");
    clear();
    tick(7000);
    EXPECT_TRUE(fake.closed.empty());
    tick(8000);
    EXPECT_EQ(lines(100), Lines{"ERROR :Closing Link: bob (ping timeout)"});
    EXPECT_EQ(fake.closed, std::vector<int>{100});
    EXPECT_EQ(lines(101), Lines{":bob!~u@natter QUIT :Ping timeout"});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*** bob left (ping timeout)"});
    EXPECT_EQ(irc_fe_session_count(ife), 1u);
    EXPECT_EQ(irc_fe_registered_count(ife), 1u);
    EXPECT_EQ(chat_find_user(c, "bob", 3), nullptr);
}

TEST_F(IrcFeTest, UnregisteredClientIsClosedAfterTheRegistrationTimeout)
{
    icfg.register_timeout_ms = 10000;
    nat(1, "alice");
    tick(2000);
    iconn(100);
    irc(100, "NICK bob");
    for (uint64_t t = 3000; t <= 11000; t += 1000)
        tick(t);
    EXPECT_TRUE(silent(100));
    EXPECT_TRUE(fake.closed.empty());
    tick(12000);
    EXPECT_EQ(lines(100), Lines{"ERROR :Closing Link: bob (Registration timed out)"});
    EXPECT_EQ(fake.closed, std::vector<int>{100});
    EXPECT_EQ(irc_fe_session_count(ife), 0u);
    EXPECT_TRUE(silent(1));
    // A registered client is not subject to it.
    ireg(101, "carol");
    for (uint64_t t = 13000; t <= 40000; t += 1000)
        tick(t);
    EXPECT_EQ(fake.closed, std::vector<int>{100});
    EXPECT_EQ(irc_fe_registered_count(ife), 1u);
}

TEST_F(IrcFeTest, IdleTimeoutIgnoresPingsAndClosesWithIdle)
{
    icfg.idle_timeout_ms = 10000;
    icfg.ping_interval_ms = 0;
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    clear();
    for (uint64_t t = 1000; t <= 9000; t += 1000) {
        tick(t);
        irc(100, "PING :still here"); // keep-alives do not count
    }
    EXPECT_TRUE(fake.closed.empty());
    clear();
    tick(10000);
    EXPECT_EQ(lines(100), Lines{"ERROR :Closing Link: bob (idle)"});
    EXPECT_EQ(fake.closed, std::vector<int>{100});
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*** bob left (idle)"});
}

TEST_F(IrcFeTest, NextTimerIsZeroWithoutSessions)
{
    start();
    EXPECT_EQ(irc_fe_next_timer(ife, 0), 0u);
    iconn(100);
    EXPECT_GT(irc_fe_next_timer(ife, 0), 0u);
    EXPECT_LE(irc_fe_next_timer(ife, 0), 1000u);
}

TEST_F(IrcFeTest, ShutdownSendsErrorAndIgnoresLaterLines)
{
    nat(1, "alice");
    ireg(100, "bob");
    iconn(101);
    irc_fe_shutdown(ife);
    EXPECT_EQ(lines(100), Lines{"ERROR :Closing Link: bob (Server is shutting down)"});
    EXPECT_EQ(lines(101), Lines{"ERROR :Closing Link: * (Server is shutting down)"});
    clear();
    irc(100, "PRIVMSG alice :late");
    irc_fe_line_too_long(ife, isess[100]);
    EXPECT_TRUE(silent(100));
    EXPECT_TRUE(silent(1));
}

// ---- bad input -----------------------------------------------------------------

TEST_F(IrcFeTest, UnknownCommandIs421WithTheCommandSanitised)
{
    ireg(100, "bob");
    irc(100, "FROB x y");
    EXPECT_EQ(lines(100), Lines{S + "421 bob FROB :Unknown command"});
    clear();
    irc(100, "fr\x1b[31mob x");
    EXPECT_EQ(lines(100), Lines{S + "421 bob FR\xEF\xBF\xBD[31MOB :Unknown command"});
    clear();
    irc(100, std::string(100, 'z'));
    EXPECT_EQ(lines(100), Lines{S + "421 bob " + std::string(64, 'Z') + "... :Unknown command"});
    clear();
    irc(100, "\xFF\xFE");
    EXPECT_EQ(lines(100), Lines{S + "421 bob \xEF\xBF\xBD\xEF\xBF\xBD :Unknown command"});
}

TEST_F(IrcFeTest, EmptyAndPrefixOnlyLinesAreIgnored)
{
    ireg(100, "bob");
    for (const std::string &l :
         {std::string(""), std::string("     "), std::string(":prefix"), std::string(":prefix   "),
          std::string("@tag=1"), std::string("@tag=1 :prefix"), std::string("\0\0\0", 3),
          std::string("@a :b \0", 7)}) {
        irc(100, l);
        EXPECT_TRUE(silent(100)) << "line of " << l.size() << " bytes";
    }
    irc(100, "@tag=1 :someone!x@y PING :tagged");
    EXPECT_EQ(lines(100), Lines{S + "PONG irc.test :tagged"});
}

TEST_F(IrcFeTest, HostileLinesProduceOnlySafeWholeLines)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "JOIN #lobby");
    ireg(101, "carol", "server-time echo-message");
    irc(101, "JOIN #lobby");
    const std::string hostile[] = {
        std::string("PRIVMSG #lobby :a\0b", 19),
        std::string("PRIVMSG #lo\0bby :x", 18),
        std::string("NICK a\0b", 8),
        std::string("JOIN #x\0y", 9),
        "PRIVMSG #lobby :line\rbreak",
        "PRIVMSG #lobby :line\nbreak",
        "PRIVMSG #lobby :\x1b]0;title\x07",
        "TOPIC #lobby :\x1b[2J",
        "PART #lobby :\xC0\x80 overlong",
        "AWAY :\xED\xA0\x80 surrogate",
        "KICK #lobby alice :\x03"
        "99,99\x1b",
        "MODE #lobby +\xC3",
        "MODE #lobby : x",
        "MODE #lobby ::",
        "WHO \x1b",
        "WHOIS \xF0\x9F",
        "CAP \x01\x02",
        "PING :\r\x1b\xFF",
        "NOTICE alice :\x01"
        "ACTION \x01\x01",
        "PRIVMSG #lobby :\x01"
        "ACTION \x1b[1m",
        "PRIVMSG alice,#lobby,zed,#x :\x01"
        "ACTION",
        "USER a b c d",
        "JOIN " + std::string(300, '#'),
        "PRIVMSG " + std::string(400, ',') + " :x",
        "A B C D E F G H I J K L M N O P Q R S T U V W X Y Z",
        "JOIN #a,#b,#c,#d,#e,#f,#g,#h,#i,#j,#k,#l,#m,#n,#o,#p,#q,#r",
        "PRIVMSG #lobby " + std::string(400, '\xE5'),
    };
    for (const std::string &l : hostile) {
        irc(100, l);
        irc(101, l);
    }
    irc_fe_line_too_long(ife, isess[100]);
    EXPECT_EQ(lines(100).back(), S + "417 bob :Input line was too long");
    irc(100, std::string(600, 'x'));
    EXPECT_EQ(lines(100).back(), S + "417 bob :Input line was too long");
    // The checks that matter run in the fake (no framing errors, nothing
    // unsafe) and are asserted at teardown; the sessions are still here.
    EXPECT_EQ(irc_fe_registered_count(ife), 2u);
}

TEST_F(IrcFeTest, LineTooLongBeforeRegistrationIs417ToStar)
{
    iconn(100);
    irc_fe_line_too_long(ife, isess[100]);
    EXPECT_EQ(lines(100), Lines{S + "417 * :Input line was too long"});
}

TEST_F(IrcFeTest, ManyParamsDoNotBreakCommands)
{
    nat(1, "alice");
    ireg(100, "bob");
    irc(100, "USER a b c d e f g h i j k l m n o p q r s t");
    EXPECT_EQ(lines(100), Lines{S + "462 bob :You may not reregister"});
    clear();
    irc(100, "PRIVMSG alice 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
    EXPECT_EQ(lines(1), Lines{stamp(NOW) + "*bob* 2"});
}

// ---- irc_parse, irc_strip_formatting, irc_utc_time -------------------------------

struct Parsed {
    bool ok;
    std::string command;
    std::vector<std::string> params;
};

Parsed parse(const std::string &line)
{
    std::vector<char> buf(line.size() + IRC_MAX_PARAMS + 16);
    irc_msg m;
    Parsed p;
    p.ok = irc_parse(line.data(), line.size(), buf.data(), buf.size(), &m);
    if (p.ok) {
        p.command = m.command;
        for (int i = 0; i < m.nparams; i++)
            p.params.emplace_back(m.params[i], m.param_len[i]);
    }
    return p;
}

TEST(IrcParse, TagsAndPrefixAreSkippedAndTheCommandUpperCased)
{
    Parsed p = parse("@time=x;a=b :nick!u@h privmsg #chan :hello there  world");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.command, "PRIVMSG");
    EXPECT_EQ(p.params, (std::vector<std::string>{"#chan", "hello there  world"}));
    p = parse("  :pfx   nick   bob  ");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.command, "NICK");
    EXPECT_EQ(p.params, std::vector<std::string>{"bob"});
}

TEST(IrcParse, EmptyTrailingAndColonInsideMiddle)
{
    Parsed p = parse("TOPIC #c :");
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.params, (std::vector<std::string>{"#c", ""}));
    p = parse("PRIVMSG a:b ::x");
    EXPECT_EQ(p.params, (std::vector<std::string>{"a:b", ":x"}));
    p = parse("USER u 0 * :");
    EXPECT_EQ(p.params, (std::vector<std::string>{"u", "0", "*", ""}));
}

TEST(IrcParse, NoCommandIsFalse)
{
    EXPECT_FALSE(parse("").ok);
    EXPECT_FALSE(parse("    ").ok);
    EXPECT_FALSE(parse(":prefix").ok);
    EXPECT_FALSE(parse("@tags").ok);
    EXPECT_FALSE(parse("@tags :prefix  ").ok);
    EXPECT_FALSE(parse(std::string("\0 x", 3)).ok);
}

TEST(IrcParse, FifteenthParamHoldsTheRest)
{
    std::string line = "CMD";
    for (int i = 1; i <= 20; i++)
        line += " " + std::to_string(i);
    Parsed p = parse(line);
    ASSERT_TRUE(p.ok);
    ASSERT_EQ(p.params.size(), 15u);
    EXPECT_EQ(p.params[13], "14");
    EXPECT_EQ(p.params[14], "15 16 17 18 19 20");
    p = parse("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :last one");
    ASSERT_EQ(p.params.size(), 15u);
    EXPECT_EQ(p.params[14], "last one");
}

TEST(IrcParse, TooSmallBufferIsRefused)
{
    char buf[8];
    irc_msg m;
    EXPECT_FALSE(irc_parse("PING :x", 7, buf, sizeof buf, &m));
}

TEST(IrcParse, NextItemSplitsCommaLists)
{
    const char *list = ",#a,,#b,", *item;
    size_t len;
    std::vector<std::string> items;
    while (irc_next_item(&list, &item, &len))
        items.emplace_back(item, len);
    EXPECT_EQ(items, (std::vector<std::string>{"#a", "#b"}));
}

std::string strip(std::string s)
{
    size_t n = irc_strip_formatting(&s[0], s.size());
    return s.substr(0, n);
}

TEST(IrcStripFormatting, RemovesEveryFormattingCode)
{
    EXPECT_EQ(strip("\x02"
                    "bold\x02"),
              "bold");
    EXPECT_EQ(strip("\x03"
                    "4red"),
              "red");
    EXPECT_EQ(strip("\x03"
                    "04red"),
              "red");
    EXPECT_EQ(strip("\x03"
                    "04,12red"),
              "red");
    EXPECT_EQ(strip("\x03"
                    "4,2x"),
              "x");
    EXPECT_EQ(strip("\x03"
                    "123"),
              "3"); // two digits at most
    EXPECT_EQ(strip("\x03"
                    "1,234"),
              "4");
    EXPECT_EQ(strip("\x03"
                    ",5"),
              ",5"); // no foreground: the comma stays
    EXPECT_EQ(strip("\x03"
                    "5,"),
              ",");
    EXPECT_EQ(strip("\x04"
                    "FF00aaX"),
              "X");
    EXPECT_EQ(strip("\x0F\x11\x16\x1D\x1E\x1Fplain"), "plain");
    EXPECT_EQ(strip("a\x01"
                    "b\x07"
                    "c"),
              "a\x01"
              "b\x07"
              "c"); // not formatting
    EXPECT_EQ(strip(CJK + "\x02" + CJK), CJK + CJK);
    EXPECT_EQ(strip(""), "");
}

std::string utc(int64_t t)
{
    char out[25];
    std::memset(out, '?', sizeof out);
    irc_utc_time(t, out);
    EXPECT_EQ(out[24], '\0');
    return out;
}

TEST(IrcUtcTime, FormatsSeveralDates)
{
    EXPECT_EQ(utc(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(utc(86399), "1970-01-01T23:59:59.000Z");
    EXPECT_EQ(utc(951782400), "2000-02-29T00:00:00.000Z");
    EXPECT_EQ(utc(951868800), "2000-03-01T00:00:00.000Z");
    EXPECT_EQ(utc(1709164800), "2024-02-29T00:00:00.000Z");
    EXPECT_EQ(utc(1709251199), "2024-02-29T23:59:59.000Z");
    EXPECT_EQ(utc(1709251200), "2024-03-01T00:00:00.000Z");
    EXPECT_EQ(utc(1764615601), "2025-12-01T19:00:01.000Z");
    EXPECT_EQ(utc(1767225599), "2025-12-31T23:59:59.000Z");
    EXPECT_EQ(utc(1767225600), "2026-01-01T00:00:00.000Z");
    EXPECT_EQ(utc(4102444800), "2100-01-01T00:00:00.000Z");
}

} // namespace
