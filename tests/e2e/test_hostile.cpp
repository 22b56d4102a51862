// Hostile-input tests: a real server on an ephemeral 127.0.0.1 port is fed
// garbage, terminal escapes, impersonation attempts, stuck and vanishing
// clients, connection storms, floods and a shutdown under load. In every case
// two well-behaved watchers audit every byte they receive, and afterwards
// must still exchange messages with nothing lost and in order, and the
// server must still accept newcomers. The bounds asserted here are the ones
// docs/security.md promises.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "e2e/child_server.h"
#include "e2e/hostile_peer.h"
#include "support/test_client.h"
#include "support/test_server.h"

extern "C" {
#include "platform/clock.h"
}

namespace {

// No watcher waits longer than this between two lines while another client
// is stuck (docs/security.md, "Slow and stuck clients").
constexpr uint64_t kStallBoundMs = 2000;
// A flood from one client delays another client's message by less than this
// (docs/security.md, "Floods").
constexpr uint64_t kFloodDelayBoundMs = 500;

const std::string kFFFD = "\xEF\xBF\xBD";

std::string repeat(const std::string &s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; i++) out += s;
    return out;
}

bool starts_with(const std::string &s, const std::string &prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

// The text of a chat line from `name`, or nullopt if line is something else.
std::optional<std::string> chat_from(const std::string &line, const std::string &name) {
    std::string text = strip_timestamp(line);
    std::string prefix = "<" + name + "> ";
    if (text.size() == line.size() || !starts_with(text, prefix)) return std::nullopt;
    return text.substr(prefix.size());
}

// Who the server says a time-stamped room line comes from: NAME in
// "<NAME> ", "* NAME ", "*NAME* ", "-> *NAME* " or "*** NAME ...". Names
// cannot hold spaces, '>' or '*', so the first delimiter ends them. "" for
// lines without a time stamp (replies to one client).
std::string attributed_name(const std::string &line) {
    std::string t = strip_timestamp(line);
    if (t.size() == line.size()) return "";
    auto upto = [&](size_t from, char end) {
        size_t stop = t.find(end, from);
        return stop == std::string::npos ? std::string("?") : t.substr(from, stop - from);
    };
    if (starts_with(t, "<")) return upto(1, '>');
    if (starts_with(t, "*** ")) return upto(4, ' ');
    if (starts_with(t, "* ")) return upto(2, ' ');
    if (starts_with(t, "-> *")) return upto(4, '*');
    if (starts_with(t, "*")) return upto(1, '*');
    return "?";
}

// A fresh client is welcomed: the server is alive and accepting.
void expect_server_accepts(int port) {
    TestClient newcomer;
    ASSERT_TRUE(newcomer.connect(port)) << "server no longer accepts connections";
    auto welcome = newcomer.read_line(10000);
    ASSERT_TRUE(welcome) << "no welcome for a newcomer";
    EXPECT_TRUE(starts_with(*welcome, "*** Welcome to natter.")) << *welcome;
}

// After an attack: both watchers send numbered lines; each must receive all
// of both, each sender's in order, and both in the same order. Lines from
// others (an attacker still talking) are skipped. Also the audit: nothing
// unsafe ever reached a watcher. Checks a newcomer is welcomed unless the
// server is deliberately full.
void expect_room_healthy(int port, Peer &a, Peer &b, bool check_newcomer = true) {
    static int round = 0;
    const std::string tag = "check" + std::to_string(++round) + " ";
    const int kEach = 20;
    for (int i = 0; i < kEach; i++) {
        ASSERT_TRUE(a.send_all(tag + std::to_string(i) + "\n")) << "watcher " << a.name();
        ASSERT_TRUE(b.send_all(tag + std::to_string(i) + "\n")) << "watcher " << b.name();
    }
    std::vector<std::string> seen_a, seen_b;
    auto collect = [&](Peer &p, const std::string &line) {
        std::string text = strip_timestamp(line);
        for (Peer *sender : {&a, &b}) {
            auto t = chat_from(line, sender->name());
            if (t && starts_with(*t, tag)) (&p == &a ? seen_a : seen_b).push_back(text);
        }
    };
    bool done = pump_until({&a, &b},
                           [&] { return seen_a.size() == 2u * kEach && seen_b.size() == 2u * kEach; },
                           collect, 20000);
    ASSERT_TRUE(done) << "watchers stalled: " << seen_a.size() << " and " << seen_b.size()
                      << " of " << 2 * kEach << " lines";
    EXPECT_EQ(seen_a, seen_b) << "watchers saw different orders";
    for (Peer *sender : {&a, &b}) {
        int next = 0;
        for (const std::string &text : seen_a) {
            if (starts_with(text, "<" + sender->name() + "> ")) {
                EXPECT_EQ(text, "<" + sender->name() + "> " + tag + std::to_string(next++));
            }
        }
        EXPECT_EQ(next, kEach) << sender->name() << "'s lines";
    }
    for (Peer *w : {&a, &b})
        for (const std::string &p : w->problems()) ADD_FAILURE() << "unsafe output: " << p;
    if (check_newcomer) expect_server_accepts(port);
}

// Two watchers on a fresh server.
struct Room {
    explicit Room(const std::function<void(server_config &)> &tweak = nullptr)
        : server(tweak), alice("alice"), bob("bob") {}
    void SetUp() {
        ASSERT_TRUE(server.ok()) << server.error();
        ASSERT_TRUE(alice.join(server.port(), "alice"));
        ASSERT_TRUE(bob.join(server.port(), "bob"));
    }
    int port() const { return server.port(); }
    TestServer server;
    Peer alice;
    Peer bob;
};

// Deterministic garbage; TAB (relayed on purpose, see docs/protocol.md)
// is turned into ESC so every control byte must be replaced.
std::string random_bytes(std::mt19937 &rng, size_t n) {
    std::string out(n, '\0');
    std::uniform_int_distribution<int> byte(0, 255);
    for (char &c : out) {
        int b = byte(rng);
        c = static_cast<char>(b == '\t' ? 0x1b : b);
    }
    return out;
}

// ---- garbage -----------------------------------------------------------

TEST(Hostile, RandomBytesFromNamedAndUnnamedClients) {
    Room room([](server_config &c) { c.rate = 0; });
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory"), anon("anon");
    ASSERT_TRUE(mallory.join(room.port(), "mallory"));
    ASSERT_TRUE(anon.connect(room.port()));
    std::mt19937 rng(20261125);
    // 256 KiB in 16 KiB chunks, each followed by a marker line, so the
    // sender can stay a few chunks ahead of what the watchers have read.
    std::string named_garbage;
    std::vector<size_t> mark_end;
    for (int k = 0; k < 16; k++) {
        named_garbage += random_bytes(rng, 16 * 1024) + "\nmark " + std::to_string(k) + "\n";
        mark_end.push_back(named_garbage.size());
    }
    named_garbage += "end of garbage\n";
    // The unnamed one has no LF-free stretch long enough to pick a name by chance
    // that someone might then see: its lines are name attempts, answered to it only.
    const std::string unnamed_garbage = random_bytes(rng, 64 * 1024) + "\n";
    std::vector<std::string> relayed_a, relayed_b;
    size_t marks_a = 0, marks_b = 0;
    auto record = [&](Peer &p, const std::string &line) {
        if (&p != &room.alice && &p != &room.bob) return;
        auto text = chat_from(line, "mallory");
        if (!text) return;
        (&p == &room.alice ? relayed_a : relayed_b).push_back(line);
        if (starts_with(*text, "mark ")) (&p == &room.alice ? marks_a : marks_b)++;
    };
    auto delivered = [&] {
        size_t marks = std::min(marks_a, marks_b);
        return marks == 0 ? size_t(0) : mark_end[marks - 1];
    };
    std::vector<Peer *> all = {&room.alice, &room.bob, &mallory, &anon};
    ASSERT_TRUE(pump_send(anon, unnamed_garbage, all, record, 30000));
    ASSERT_TRUE(pump_send(mallory, named_garbage, all, record, 30000, delivered, 48 * 1024));
    auto ended = [&](const std::vector<std::string> &v) {
        return !v.empty() && *chat_from(v.back(), "mallory") == "end of garbage";
    };
    ASSERT_TRUE(pump_until(all, [&] { return ended(relayed_a) && ended(relayed_b); }, record, 30000))
        << "the garbage never finished arriving";
    // Hundreds of garbage lines were relayed (sanitised), identically to both.
    EXPECT_GT(relayed_a.size(), 500u);
    std::vector<std::string> stripped_a, stripped_b;
    for (auto &l : relayed_a) stripped_a.push_back(strip_timestamp(l));
    for (auto &l : relayed_b) stripped_b.push_back(strip_timestamp(l));
    // (Compared without printing: the lines are long and unreadable.)
    EXPECT_EQ(stripped_a.size(), stripped_b.size());
    EXPECT_TRUE(stripped_a == stripped_b) << "the watchers saw different garbage lines";
    for (Peer *p : {&mallory, &anon})
        for (const std::string &why : p->problems()) ADD_FAILURE() << "unsafe reply: " << why;
    EXPECT_FALSE(anon.closed()) << "garbage name attempts are answered, not punished";
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

TEST(Hostile, NulBytesAreReplaced) {
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory"), anon("anon");
    ASSERT_TRUE(mallory.join(room.port(), "mallory"));
    ASSERT_TRUE(mallory.send_all(std::string("a\0b\0\0c\n", 7)));
    auto got = room.bob.until("<mallory>", 5000);
    ASSERT_TRUE(got);
    EXPECT_EQ(*chat_from(*got, "mallory"), "a" + kFFFD + "b" + kFFFD + kFFFD + "c");
    // A NUL inside a name attempt is refused, not truncated to "bob".
    ASSERT_TRUE(anon.connect_to_prompt(room.port()));
    ASSERT_TRUE(anon.send_all(std::string("carol\0x\n", 8)));
    auto refused = anon.line(5000);
    ASSERT_TRUE(refused);
    EXPECT_TRUE(starts_with(*refused, "! ")) << *refused;
    EXPECT_NE(refused->find("(not a control character)"), std::string::npos) << *refused;
    EXPECT_TRUE(anon.problems().empty()) << anon.problems()[0];
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

TEST(Hostile, InvalidOverlongAndSurrogateUtf8IsReplaced) {
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory");
    ASSERT_TRUE(mallory.join(room.port(), "mallory"));
    // Each case: bytes sent, and how many U+FFFD replace them (one per
    // maximal invalid subpart, as the Unicode standard recommends).
    struct Case {
        std::string bytes;
        std::string expect;
    };
    const std::vector<Case> cases = {
        {"\xC0\xAF", repeat(kFFFD, 2)},                  // overlong '/'
        {"\xC0\x8A", repeat(kFFFD, 2)},                  // overlong LF
        {"\xC0\x9B", repeat(kFFFD, 2)},                  // overlong ESC
        {"\xE0\x80\xAF", repeat(kFFFD, 3)},              // 3-byte overlong '/'
        {"\xF0\x80\x80\xAF", repeat(kFFFD, 4)},          // 4-byte overlong '/'
        {"\xED\xA0\x80", repeat(kFFFD, 3)},              // lone high surrogate U+D800
        {"\xED\xBF\xBF", repeat(kFFFD, 3)},              // lone low surrogate U+DFFF
        {"\xED\xA0\xBD\xED\xB2\xA9", repeat(kFFFD, 6)},  // surrogate pair (CESU-8)
        {"\xF4\x90\x80\x80", repeat(kFFFD, 4)},          // above U+10FFFF
        {"\xF8\x88\x80\x80\x80", repeat(kFFFD, 5)},      // 5-byte form
        {"\xFE\xFF", repeat(kFFFD, 2)},                  // never valid
        {"\x80", kFFFD},                                 // lone continuation byte
        {"\xE2\x82x", kFFFD + "x"},                      // truncated sequence
        {"\xC2\x9B" "31m", kFFFD + "31m"},               // C1 CSI, valid UTF-8
        {"\xC2\x85", kFFFD},                             // C1 NEL
        {"ok \xE2\x82\xAC", "ok \xE2\x82\xAC"},          // valid text is untouched
    };
    for (size_t i = 0; i < cases.size(); i++)
        ASSERT_TRUE(mallory.send_all("[" + std::to_string(i) + "]" + cases[i].bytes + "\n"));
    for (size_t i = 0; i < cases.size(); i++) {
        for (Peer *w : {&room.alice, &room.bob}) {
            auto got = w->until("<mallory>", 5000);
            ASSERT_TRUE(got) << "case " << i;
            EXPECT_EQ(*chat_from(*got, "mallory"), "[" + std::to_string(i) + "]" + cases[i].expect)
                << "case " << i << ": " << escape_bytes(cases[i].bytes);
        }
    }
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

TEST(Hostile, CarriageReturnWithoutLineFeed) {
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory");
    ASSERT_TRUE(mallory.join(room.port(), "mallory"));
    // A CR alone ends nothing: it would return a terminal's cursor to the
    // start of the line, so it arrives as U+FFFD inside the line.
    ASSERT_TRUE(mallory.send_all("abc\rdef\r\r"));
    ASSERT_TRUE(mallory.send_all("ghi\r\n"));
    auto got = room.bob.until("<mallory>", 5000);
    ASSERT_TRUE(got);
    EXPECT_EQ(*chat_from(*got, "mallory"), "abc" + kFFFD + "def" + kFFFD + kFFFD + "ghi");
    // 4000 CRs and no LF: one over-long line, refused; the next line works.
    ASSERT_TRUE(mallory.send_all(std::string(4000, '\r') + "\nafter\n"));
    auto refused = mallory.until("! ", 5000);
    ASSERT_TRUE(refused);
    EXPECT_EQ(*refused, "! Line too long (limit 1024 bytes); not sent.");
    auto next = room.bob.until("<mallory>", 5000);
    ASSERT_TRUE(next);
    EXPECT_EQ(*chat_from(*next, "mallory"), "after");
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

TEST(Hostile, OneMebibyteWithoutNewline) {
    Room room([](server_config &c) { c.rate = 0; });
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory"), anon("anon");
    ASSERT_TRUE(mallory.join(room.port(), "mallory"));
    ASSERT_TRUE(anon.connect_to_prompt(room.port()));
    const std::string blob(1024 * 1024, 'A');
    int too_long = 0, relayed = 0;
    auto watch = [&](Peer &p, const std::string &line) {
        if (starts_with(line, "! Line too long")) too_long++;
        if (&p != &mallory && chat_from(line, "mallory")) relayed++;
    };
    std::vector<Peer *> all = {&room.alice, &room.bob, &mallory, &anon};
    ASSERT_TRUE(pump_send(mallory, blob, all, watch, 30000));
    ASSERT_TRUE(pump_send(anon, blob, all, watch, 30000));
    // Both are told once each, while the megabyte is still arriving or
    // just after; nothing is relayed.
    ASSERT_TRUE(pump_until(all, [&] { return too_long == 2; }, watch, 10000))
        << "expected one 'Line too long' each, got " << too_long;
    EXPECT_EQ(relayed, 0);
    // The line ends; what follows is framed normally.
    ASSERT_TRUE(mallory.send_all("\nafter\n"));
    ASSERT_TRUE(anon.send_all("\nlate-name\n"));
    auto next = room.bob.until("<mallory>", 5000);
    ASSERT_TRUE(next);
    EXPECT_EQ(*chat_from(*next, "mallory"), "after");
    ASSERT_TRUE(anon.until("*** You are late-name.", 5000));
    EXPECT_EQ(too_long, 2) << "an over-long line is reported once, not per chunk";
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

TEST(Hostile, TenMebibyteStreamOfShortLines) {
    Room room([](server_config &c) { c.rate = 0; });
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory");
    ASSERT_TRUE(mallory.join(room.port(), "mallory"));
    // 64-byte lines: "L0000123 xxxx...\n".
    const size_t kLineBytes = 64, kTotal = 10u * 1024 * 1024, kLines = kTotal / kLineBytes;
    const std::string pad(kLineBytes - 10, 'x');
    std::string stream;
    stream.reserve(kTotal);
    char num[16];
    for (size_t i = 0; i < kLines; i++) {
        std::snprintf(num, sizeof num, "L%07lu ", static_cast<unsigned long>(i));
        stream += num;
        stream += pad;
        stream += '\n';
    }
    // Everyone (the sender too: it reads its echoes) must get every line,
    // in order.
    std::vector<Peer *> all = {&room.alice, &room.bob, &mallory};
    std::vector<size_t> next(3, 0);
    std::string first_error;
    auto check = [&](Peer &p, const std::string &line) {
        auto text = chat_from(line, "mallory");
        if (!text) return;
        size_t who = &p == &room.alice ? 0 : &p == &room.bob ? 1 : 2;
        std::snprintf(num, sizeof num, "L%07lu ", static_cast<unsigned long>(next[who]));
        if (first_error.empty() && *text != num + pad)
            first_error = p.label() + " got \"" + *text + "\" expecting " + num;
        next[who]++;
    };
    uint64_t start = clock_monotonic_ms();
    auto delivered = [&] { return *std::min_element(next.begin(), next.end()) * kLineBytes; };
    ASSERT_TRUE(pump_send(mallory, stream, all, check, 120000, delivered));
    ASSERT_TRUE(pump_until(all, [&] { return *std::min_element(next.begin(), next.end()) >= kLines; },
                           check, 120000))
        << "lines received: " << next[0] << ", " << next[1] << ", " << next[2] << " of " << kLines;
    EXPECT_TRUE(first_error.empty()) << first_error;
    EXPECT_EQ(next, std::vector<size_t>(3, kLines));
    std::printf("[ info ] 10 MiB of short lines relayed to 3 clients in %lu ms\n",
                static_cast<unsigned long>(clock_monotonic_ms() - start));
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

// ---- terminal attacks --------------------------------------------------

// Escape sequences a terminal would act on: SGR, clear screen, cursor
// moves, OSC title and hyperlink, DCS, BEL, backspace, DEL, 8-bit CSI (as
// UTF-8 and as a raw byte), and a bidi override.
const std::vector<std::string> kTerminalAttacks = {
    "\x1b[31mred",
    "\x1b[2J\x1b[Hcleared",
    "\x1b]0;pwned\x07title",
    "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "\x1bP+q544e\x1b\\dcs",
    "\x1b[1A\x1b[2Kerased",
    "bell\x07\x07",
    "back\x08\x08\x08spaced",
    "del\x7f",
    "c1\xC2\x9B" "2J",
    "raw\x9B" "2J",
    "\x1b",
};

TEST(Hostile, TerminalEscapesInNamesAreRefused) {
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer anon("anon");
    ASSERT_TRUE(anon.connect_to_prompt(room.port()));
    std::vector<std::string> names;
    for (const std::string &attack : kTerminalAttacks) names.push_back("ev" + attack);
    names.push_back("ev\xE2\x80\xAEil");  // right-to-left override: invisible
    for (const std::string &name : names) {
        ASSERT_TRUE(anon.send_all(name + "\n"));
        auto reply = anon.line(5000);
        ASSERT_TRUE(reply) << escape_bytes(name);
        EXPECT_TRUE(starts_with(*reply, "! ") && reply->find("Choose another name:") != std::string::npos)
            << escape_bytes(name) << " -> " << escape_bytes(*reply);
    }
    ASSERT_TRUE(anon.send_all("eve\n"));
    ASSERT_TRUE(anon.until("*** You are eve.", 5000));
    ASSERT_TRUE(anon.until("*** eve joined", 5000));
    ASSERT_TRUE(anon.until("*** Now talking in #lobby.", 5000));
    // The same names as a rename.
    for (const std::string &name : names) {
        ASSERT_TRUE(anon.send_all("/nick " + name + "\n"));
        auto reply = anon.line(5000);
        ASSERT_TRUE(reply) << escape_bytes(name);
        EXPECT_TRUE(starts_with(*reply, "! ")) << escape_bytes(name) << " -> " << escape_bytes(*reply);
    }
    // Quoted back in errors: cut, and sanitised.
    ASSERT_TRUE(anon.send_all("/msg \x1b[2Jghost hi\n/\x1b]0;x\x07\n"));
    auto no_user = anon.line(5000);
    ASSERT_TRUE(no_user);
    EXPECT_EQ(*no_user, "! No user named " + kFFFD + "[2Jghost.");
    auto unknown = anon.line(5000);
    ASSERT_TRUE(unknown);
    EXPECT_EQ(*unknown, "! Unknown command /" + kFFFD + "]0;x" + kFFFD + ". Type /help for commands.");
    for (const std::string &why : anon.problems()) ADD_FAILURE() << "unsafe reply: " << why;
    // No rename happened.
    ASSERT_TRUE(room.bob.send_all("/who\n"));
    auto who = room.bob.until("*** Members of #lobby (3)", 5000);
    ASSERT_TRUE(who);
    EXPECT_EQ(*who, "*** Members of #lobby (3): @alice, bob, eve");
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

TEST(Hostile, TerminalEscapesInTextNeverReachOthersRaw) {
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory");
    ASSERT_TRUE(mallory.join(room.port(), "mallory"));
    std::string batch;
    for (const std::string &attack : kTerminalAttacks) {
        batch += attack + "\n";
        batch += "/me " + attack + "\n";
        batch += "/msg alice " + attack + "\n";
        batch += "/msg bob " + attack + "\n";
    }
    batch += "/quit \x1b[2J\x1b]0;bye\x07\n";
    ASSERT_TRUE(mallory.send_all(batch));
    // Every attack arrives (as chat, action and private message) and then the
    // departure; each line is audited as it is read.
    for (Peer *w : {&room.alice, &room.bob}) {
        size_t chats = 0, actions = 0, privates = 0;
        for (;;) {
            auto line = w->line(5000);
            ASSERT_TRUE(line) << w->label() << " did not see mallory leave";
            if (chat_from(*line, "mallory")) chats++;
            if (starts_with(strip_timestamp(*line), "* mallory ")) actions++;
            if (starts_with(strip_timestamp(*line), "*mallory* ")) privates++;
            if (line->find("*** mallory left") != std::string::npos) {
                EXPECT_EQ(strip_timestamp(*line),
                          "*** mallory left (quit: " + kFFFD + "[2J" + kFFFD + "]0;bye" + kFFFD + ")");
                break;
            }
        }
        EXPECT_EQ(chats, kTerminalAttacks.size());
        EXPECT_EQ(actions, kTerminalAttacks.size());
        EXPECT_EQ(privates, kTerminalAttacks.size());
    }
    // One spelled out: ESC is disarmed, the rest is shown as text.
    ASSERT_TRUE(room.alice.send_all("\x1b[2J\x1b[Hcleared\n"));
    auto got = room.bob.until("<alice>", 5000);
    ASSERT_TRUE(got);
    EXPECT_EQ(*chat_from(*got, "alice"), kFFFD + "[2J" + kFFFD + "[Hcleared");
    for (const std::string &why : mallory.problems()) ADD_FAILURE() << "unsafe echo: " << why;
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

// ---- impersonation -----------------------------------------------------

TEST(Hostile, ForgedLinesArriveInsideTheSendersOwnLine) {
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory");
    ASSERT_TRUE(mallory.join(room.port(), "mallory"));
    const std::vector<std::string> forged = {
        "[12:00:00] <admin> hi",
        "*** admin joined",
        "*** Server is shutting down.",
        "! Server full (1 users). Try again later.",
        "<alice> trust me",
        "*alice* psst",
        "\r[12:00:00] <alice> carriage return trick",
        std::string(40, ' ') + "[12:00:00] <alice> pushed to the next row",
    };
    for (const std::string &f : forged) ASSERT_TRUE(mallory.send_all(f + "\n"));
    // A CRLF in the middle just makes two lines, each with mallory's name.
    ASSERT_TRUE(mallory.send_all("first\r\n[12:00:00] <alice> second\n"));
    ASSERT_TRUE(mallory.send_all("/me [12:00:00] <alice> acts\n"));
    for (Peer *w : {&room.alice, &room.bob}) {
        std::vector<std::string> from_mallory;
        while (from_mallory.size() < forged.size() + 3) {
            auto line = w->line(5000);
            ASSERT_TRUE(line) << w->label() << " got " << from_mallory.size() << " lines";
            std::string who = attributed_name(*line);
            EXPECT_TRUE(who == "" || who == "alice" || who == "bob" || who == "mallory")
                << "line attributed to \"" << who << "\": " << escape_bytes(*line);
            // Chat and actions only: mallory's "joined" line is still unread.
            if (who == "mallory" && !starts_with(strip_timestamp(*line), "*** "))
                from_mallory.push_back(*line);
        }
        for (size_t i = 0; i < forged.size(); i++) {
            std::string expect = forged[i];
            if (expect[0] == '\r') expect = kFFFD + expect.substr(1);
            EXPECT_EQ(chat_from(from_mallory[i], "mallory").value_or("(not a chat line)"), expect);
            // The real stamp is the server's, before the name.
            EXPECT_NE(from_mallory[i], strip_timestamp(from_mallory[i]));
        }
        EXPECT_EQ(*chat_from(from_mallory[forged.size()], "mallory"), "first");
        EXPECT_EQ(*chat_from(from_mallory[forged.size() + 1], "mallory"), "[12:00:00] <alice> second");
        EXPECT_EQ(strip_timestamp(from_mallory[forged.size() + 2]), "* mallory [12:00:00] <alice> acts");
    }
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

TEST(Hostile, NamesDifferingOnlyInAsciiCaseAreTaken) {
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory");
    ASSERT_TRUE(mallory.connect_to_prompt(room.port()));
    for (const char *name : {"ALICE", "Alice", "aLiCe", "BOB", "bOb"}) {
        ASSERT_TRUE(mallory.send_all(std::string(name) + "\n"));
        auto reply = mallory.line(5000);
        ASSERT_TRUE(reply);
        EXPECT_EQ(*reply, "! Name \"" + std::string(name) + "\" is taken. Choose another name:");
    }
    ASSERT_TRUE(mallory.send_all("mallory\n"));
    ASSERT_TRUE(mallory.until("*** You are mallory.", 5000));
    ASSERT_TRUE(mallory.until("*** mallory joined", 5000));
    ASSERT_TRUE(mallory.until("*** Now talking in #lobby.", 5000));
    for (const char *name : {"ALICE", "Bob"}) {
        ASSERT_TRUE(mallory.send_all("/nick " + std::string(name) + "\n"));
        auto reply = mallory.line(5000);
        ASSERT_TRUE(reply);
        EXPECT_EQ(*reply, "! Name \"" + std::string(name) + "\" is taken.");
    }
    ASSERT_TRUE(room.bob.send_all("/who\n"));
    auto who = room.bob.until("*** Members of #lobby (3)", 5000);
    ASSERT_TRUE(who);
    EXPECT_EQ(*who, "*** Members of #lobby (3): @alice, bob, mallory");
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

// ---- slow and stuck clients -------------------------------------------

TEST(Hostile, StuckReaderIsDroppedWhileOthersChatWithoutStalling) {
    Room room([](server_config &c) {
        c.rate = 0;
        c.max_queue = 64 * 1024;
    });
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer stuck("stuck");
    ASSERT_TRUE(stuck.join(room.port(), "stuck", 4096));
    // ~8 MB of chat from alice at full speed: more than stuck's queue plus
    // every kernel buffer between it and the server.
    const int kLines = 8000;
    const std::string pad(1000, 'p');
    std::string stream;
    for (int i = 0; i < kLines; i++) stream += std::to_string(i) + " " + pad + "\n";
    int got_alice = 0, got_bob = 0;
    bool stuck_left = false;
    uint64_t last = 0, max_gap = 0;
    std::string first_error;
    auto check = [&](Peer &p, const std::string &line) {
        if (line.find("*** stuck left (too slow)") != std::string::npos) stuck_left = true;
        auto text = chat_from(line, "alice");
        if (!text) return;
        int &next = &p == &room.bob ? got_bob : got_alice;
        if (first_error.empty() && *text != std::to_string(next) + " " + pad)
            first_error = p.label() + " line " + std::to_string(next) + " out of order";
        next++;
        if (&p == &room.bob) {
            if (last) max_gap = std::max(max_gap, p.last_at() - last);
            last = p.last_at();
        }
    };
    std::vector<Peer *> readers = {&room.alice, &room.bob};
    auto delivered = [&] { return static_cast<size_t>(std::min(got_alice, got_bob)) * 1000; };
    // The watchers may lag at most what the server holds for a reader that
    // is keeping up: its 64 KiB queue plus its bounded kernel send buffer.
    ASSERT_TRUE(pump_send(room.alice, stream, readers, check, 60000, delivered, 64 * 1024));
    ASSERT_TRUE(pump_until(readers, [&] { return got_alice == kLines && got_bob == kLines; }, check, 30000))
        << "alice got " << got_alice << ", bob got " << got_bob << " of " << kLines;
    EXPECT_TRUE(first_error.empty()) << first_error;
    EXPECT_TRUE(stuck_left) << "the stuck reader was never dropped";
    EXPECT_LT(max_gap, kStallBoundMs) << "bob waited " << max_gap << " ms between two lines";
    std::printf("[ info ] longest gap bob saw: %lu ms\n", static_cast<unsigned long>(max_gap));
    EXPECT_TRUE(stuck.wait_closed(10000)) << "the dropped client's connection stays open";
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

TEST(Hostile, ClientsThatNeverSendANameHarmNoOne) {
    Room room([](server_config &c) { c.rate = 0; });
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    // Fifty connections that read their welcome, then never send or read.
    std::vector<std::unique_ptr<Peer>> silent;
    for (int i = 0; i < 50; i++) {
        silent.push_back(std::make_unique<Peer>("silent" + std::to_string(i)));
        ASSERT_TRUE(silent.back()->connect_to_prompt(room.port(), 4096));
    }
    // Two megabytes of chat: were any of it sent to the silent ones, their
    // small buffers would overflow and they would be dropped as too slow.
    std::string stream;
    for (int i = 0; i < 2000; i++) stream += "chat " + std::to_string(i) + " " + std::string(1000, 'c') + "\n";
    int got = 0, echoed = 0;
    auto count = [&](Peer &p, const std::string &line) {
        if (chat_from(line, "alice")) (&p == &room.bob ? got : echoed)++;
    };
    auto delivered = [&] { return static_cast<size_t>(std::min(got, echoed)) * 1000; };
    ASSERT_TRUE(pump_send(room.alice, stream, {&room.alice, &room.bob}, count, 30000, delivered));
    ASSERT_TRUE(pump_until({&room.alice, &room.bob}, [&] { return got == 2000; }, count, 30000));
    for (auto &s : silent) {
        EXPECT_FALSE(s->line(0)) << s->label() << " was sent something";
        EXPECT_FALSE(s->closed()) << s->label() << " was disconnected";
    }
    EXPECT_FALSE(room.server.log_contains("too slow"));
    // They are not counted as users, and any of them may still pick a name.
    TestClient newcomer;
    ASSERT_TRUE(newcomer.connect(room.port()));
    auto welcome = newcomer.read_line();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(*welcome, "*** Welcome to natter. 2 user(s) online. What is your name?");
    ASSERT_TRUE(silent[7]->send_all("latecomer\n"));
    ASSERT_TRUE(silent[7]->until("*** You are latecomer.", 5000));
    ASSERT_TRUE(room.bob.until("*** latecomer joined", 5000));
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

// ---- abrupt endings ----------------------------------------------------

TEST(Hostile, HalfCloseMidLine) {
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer mallory("mallory"), anon("anon");
    ASSERT_TRUE(mallory.join(room.port(), "mallory"));
    ASSERT_TRUE(anon.connect_to_prompt(room.port()));
    // A finished line, then half of one, then FIN: the finished line is
    // relayed, the fragment is not (a line ends with LF), mallory leaves,
    // and the server closes its side too instead of waiting forever.
    ASSERT_TRUE(mallory.send_all("whole line\nhalf a li"));
    ASSERT_TRUE(mallory.shutdown_write());
    ASSERT_TRUE(anon.send_all("half-a-na"));
    ASSERT_TRUE(anon.shutdown_write());
    for (Peer *w : {&room.alice, &room.bob}) {
        auto line = w->until("<mallory>", 5000);
        ASSERT_TRUE(line);
        EXPECT_EQ(*chat_from(*line, "mallory"), "whole line");
        auto left = w->until("mallory left", 5000);
        ASSERT_TRUE(left);
        EXPECT_EQ(strip_timestamp(*left), "*** mallory left (connection closed)");
    }
    // The half-closed side still reads: it gets its own echo, then EOF.
    auto echo = mallory.until("<mallory>", 5000);
    ASSERT_TRUE(echo);
    EXPECT_EQ(*chat_from(*echo, "mallory"), "whole line");
    EXPECT_TRUE(mallory.wait_closed(5000));
    EXPECT_TRUE(anon.wait_closed(5000));
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
    EXPECT_FALSE(room.server.log_contains("half-a-na")) << "the fragment became a name";
}

TEST(Hostile, BurstOfResetsMidLine) {
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    // Forty clients, half of them named, each stopping mid-line with an RST.
    const int kClients = 40;
    std::vector<std::unique_ptr<Peer>> peers;
    for (int i = 0; i < kClients; i++) {
        peers.push_back(std::make_unique<Peer>("r" + std::to_string(i)));
        if (i % 2 == 0)
            ASSERT_TRUE(peers.back()->join(room.port(), "r" + std::to_string(i)));
        else
            ASSERT_TRUE(peers.back()->connect(room.port()));
    }
    for (auto &p : peers) ASSERT_TRUE(p->send_all("an unfinished li"));
    for (auto &p : peers) p->reset();
    // Every named one is announced as gone; nothing of their fragments is.
    int left = 0;
    auto count = [&](Peer &p, const std::string &line) {
        if (&p != &room.bob) return;
        EXPECT_EQ(line.find("unfinished"), std::string::npos) << line;
        if (line.find(" left (connection closed)") != std::string::npos) left++;
    };
    ASSERT_TRUE(pump_until({&room.alice, &room.bob}, [&] { return left == kClients / 2; }, count, 10000))
        << left << " departures seen";
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

TEST(Hostile, VanishingWithMegabytesQueued) {
    // A queue limit large enough that nobody is dropped as too slow: the
    // hogs' output piles up at the server instead.
    Room room([](server_config &c) {
        c.rate = 0;
        c.max_queue = 32u * 1024 * 1024;
    });
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer hog_rst("hog_rst"), hog_fin("hog_fin");
    ASSERT_TRUE(hog_rst.join(room.port(), "hog_rst", 4096));
    ASSERT_TRUE(hog_fin.join(room.port(), "hog_fin", 4096));
    // 12 MB of chat that the hogs never read: per hog, at most a few MB fit
    // in kernel buffers, so megabytes sit in the server's queue for each.
    const int kLines = 12000;
    std::string stream;
    for (int i = 0; i < kLines; i++) stream += std::to_string(i) + " " + std::string(1000, 'q') + "\n";
    int got = 0, echoed = 0;
    bool rst_left = false, fin_left = false;
    auto watch = [&](Peer &p, const std::string &line) {
        if (&p == &room.alice && chat_from(line, "alice")) echoed++;
        if (&p != &room.bob) return;
        if (chat_from(line, "alice")) got++;
        if (line.find("*** hog_rst left (connection closed)") != std::string::npos) rst_left = true;
        if (line.find("*** hog_fin left (connection closed)") != std::string::npos) fin_left = true;
        EXPECT_EQ(line.find("too slow"), std::string::npos) << "max_queue too small for this test";
    };
    auto delivered = [&] { return static_cast<size_t>(std::min(got, echoed)) * 1000; };
    ASSERT_TRUE(pump_send(room.alice, stream, {&room.alice, &room.bob}, watch, 60000, delivered));
    ASSERT_TRUE(pump_until({&room.alice, &room.bob}, [&] { return got == kLines; }, watch, 30000));
    hog_rst.reset();
    hog_fin.close();  // unread data: the kernel answers with a reset too
    ASSERT_TRUE(pump_until({&room.alice, &room.bob}, [&] { return rst_left && fin_left; }, watch, 10000))
        << "the vanished clients were not noticed";
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

// ---- many connections --------------------------------------------------

TEST(Hostile, ConnectionsBeyondMaxClientsAreRefused) {
    const int kMax = 12;
    Room room([&](server_config &c) { c.max_clients = kMax; });
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    // Fill the server: named and unnamed connections both count.
    std::vector<std::unique_ptr<Peer>> inside;
    for (int i = 2; i < kMax; i++) {
        inside.push_back(std::make_unique<Peer>("in" + std::to_string(i)));
        if (i % 2 == 0)
            ASSERT_TRUE(inside.back()->join(room.port(), "in" + std::to_string(i)));
        else
            ASSERT_TRUE(inside.back()->connect_to_prompt(room.port()));
    }
    const std::string full = "! Server full (" + std::to_string(kMax) + " users). Try again later.";
    for (int i = 0; i < 20; i++) {
        Peer extra("extra" + std::to_string(i));
        ASSERT_TRUE(extra.connect(room.port()));
        auto line = extra.line(5000);
        ASSERT_TRUE(line) << "extra " << i << " got nothing";
        EXPECT_EQ(*line, full);
        EXPECT_TRUE(extra.wait_closed(5000)) << "extra " << i << " was not closed";
        EXPECT_TRUE(extra.problems().empty());
    }
    // One leaves; its slot is free again once the server has closed its end
    // (a closing connection still holds a descriptor, so it still counts).
    inside[0]->close();
    ASSERT_TRUE(room.bob.until("*** in2 left", 5000));
    Peer again("again");
    uint64_t give_up = clock_monotonic_ms() + 5000;
    bool in = false;
    while (!in && clock_monotonic_ms() < give_up) {
        ASSERT_TRUE(again.connect(room.port()));
        auto first = again.line(5000);
        ASSERT_TRUE(first);
        if (*first == full) {
            ASSERT_TRUE(again.wait_closed(5000));
            continue;
        }
        EXPECT_TRUE(starts_with(*first, "*** Welcome")) << *first;
        in = true;
    }
    ASSERT_TRUE(in) << "the freed slot was never given to a newcomer";
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob, false));
}

TEST(Hostile, DescriptorExhaustionBacksOffAndKeepsServing) {
    std::string why;
    if (!ChildServer::supported(&why)) GTEST_SKIP() << "descriptor limits: " << why;
    // 40 descriptors: stdio, the listener and the wake-up pair leave room
    // for about 30 clients; 70 try.
    ChildServer server;
    ASSERT_TRUE(server.start({}, 40, &why)) << why;
    Peer alice("alice"), bob("bob");
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    std::vector<std::unique_ptr<Peer>> crowd;
    for (int i = 0; i < 68; i++) {
        crowd.push_back(std::make_unique<Peer>("crowd" + std::to_string(i)));
        // The kernel completes the handshake even when the server cannot accept.
        ASSERT_TRUE(crowd.back()->connect(server.port())) << i;
    }
    ASSERT_TRUE(server.wait_output("accept failed", 10000)) << server.output() << server.errors();
    // Which of the crowd got in: collect welcomes until the count matches
    // the server's own "connect" log lines (2 of which are the watchers).
    std::vector<Peer *> crowd_ptrs;
    for (auto &p : crowd) crowd_ptrs.push_back(p.get());
    std::vector<bool> welcomed(crowd.size(), false);
    auto note_welcome = [&](Peer &p, const std::string &line) {
        if (starts_with(line, "*** Welcome"))
            for (size_t i = 0; i < crowd.size(); i++)
                if (crowd[i].get() == &p) welcomed[i] = true;
    };
    auto welcomed_count = [&] { return static_cast<size_t>(std::count(welcomed.begin(), welcomed.end(), true)); };
    size_t accepted = server.count_output("connect 127.0.0.1:") - 2;
    ASSERT_TRUE(pump_until(crowd_ptrs, [&] { return welcomed_count() == accepted; }, note_welcome, 5000));
    ASSERT_GT(accepted, 10u);
    ASSERT_LT(accepted, crowd.size()) << "the descriptor limit was never reached";

    // While descriptors stay exhausted (connections wait in the backlog) the
    // server must not spin: measure its CPU time over two seconds, during
    // which the watchers chat.
    double cpu_before = server.cpu_seconds();
    if (cpu_before < 0) GTEST_SKIP() << "no /proc: cannot read the child's CPU time";
    size_t failures_before = server.count_output("accept failed");
    uint64_t start = clock_monotonic_ms();
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(server.port(), alice, bob, false));
    // A measurement window, not synchronisation: let the server sit idle.
    clock_sleep_ms(static_cast<long>(2000 - std::min<uint64_t>(2000, clock_monotonic_ms() - start)));
    double window = static_cast<double>(clock_monotonic_ms() - start) / 1000.0;
    double cpu = server.cpu_seconds() - cpu_before;
    size_t failures = server.count_output("accept failed") - failures_before;
    EXPECT_LT(cpu, 0.25 * window) << "server used " << cpu << " s of CPU in " << window << " s";
    // Backing off: at most one failed accept per 250 ms pause.
    EXPECT_LE(failures, static_cast<size_t>(window * 4) + 2) << failures << " failed accepts logged";
    std::printf("[ info ] out of descriptors: %.3f s CPU in %.2f s, %lu failed accepts logged\n", cpu,
                window, static_cast<unsigned long>(failures));

    // Ten of those inside leave: ten of those waiting get in.
    int closed = 0;
    for (size_t i = 0; i < crowd.size() && closed < 10; i++)
        if (welcomed[i]) {
            crowd[i]->close();
            closed++;
        }
    ASSERT_TRUE(pump_until(crowd_ptrs, [&] { return welcomed_count() >= accepted + 10; }, note_welcome, 10000))
        << "waiting clients were not accepted after descriptors were freed";
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(server.port(), alice, bob, false));
    crowd.clear();
    EXPECT_EQ(server.terminate(10000), 0) << server.output() << server.errors();
}

// ---- floods ------------------------------------------------------------

TEST(Hostile, FloodDoesNotDelayOthers) {
    // Flood control at its defaults (50 lines/s, bursts of 100).
    Room room;
    ASSERT_NO_FATAL_FAILURE(room.SetUp());
    Peer flood("flood");
    ASSERT_TRUE(flood.join(room.port(), "flood"));
    std::string stream;
    for (int i = 0; i < 200000; i++) stream += "flood " + std::to_string(i) + "\n";
    size_t flood_off = 0;
    int flood_seen = 0;
    int pings_seen = 0;
    uint64_t max_delay = 0;
    std::vector<uint64_t> sent_at;
    auto watch = [&](Peer &p, const std::string &line) {
        if (&p != &room.bob) return;
        if (chat_from(line, "flood")) flood_seen++;
        auto ping = chat_from(line, "alice");
        if (ping && starts_with(*ping, "ping ")) {
            size_t n = static_cast<size_t>(std::stoul(ping->substr(5)));
            ASSERT_EQ(n, static_cast<size_t>(pings_seen)) << "pings out of order";
            max_delay = std::max(max_delay, p.last_at() - sent_at[n]);
            pings_seen++;
        }
    };
    const uint64_t kDurationMs = 3000;
    uint64_t start = clock_monotonic_ms();
    std::vector<Peer *> readers = {&room.alice, &room.bob, &flood};
    while (clock_monotonic_ms() - start < kDurationMs) {
        // The flooder writes whatever the kernel takes, every turn.
        flood_off += flood.push(stream, flood_off);
        uint64_t now = clock_monotonic_ms();
        if (now - start >= sent_at.size() * 100) {
            sent_at.push_back(now);
            ASSERT_TRUE(room.alice.send_all("ping " + std::to_string(sent_at.size() - 1) + "\n"));
        }
        poll_peers(readers, watch, 10, &flood);
    }
    uint64_t elapsed = clock_monotonic_ms() - start;
    ASSERT_TRUE(pump_until(readers, [&] { return pings_seen == static_cast<int>(sent_at.size()); }, watch,
                           kFloodDelayBoundMs + 1000));
    EXPECT_LT(max_delay, kFloodDelayBoundMs) << "a ping took " << max_delay << " ms";
    // The flood was slowed to the configured rate, not relayed at full speed
    // (and not dropped either: it keeps flowing at that rate).
    EXPECT_LE(flood_seen, 100 + 50 * static_cast<int>(elapsed / 1000 + 1));
    EXPECT_GE(flood_seen, 100);
    EXPECT_FALSE(flood.closed());
    std::printf("[ info ] flooder wrote %lu bytes; %d flood lines relayed in %lu ms; worst ping delay %lu ms\n",
                static_cast<unsigned long>(flood_off), flood_seen, static_cast<unsigned long>(elapsed),
                static_cast<unsigned long>(max_delay));
    ASSERT_NO_FATAL_FAILURE(expect_room_healthy(room.port(), room.alice, room.bob));
}

// ---- shutdown under load -------------------------------------------------

// 200 joined clients; each pushes a few chat lines without reading.
std::vector<std::unique_ptr<Peer>> crowd_chatting(int port, int count) {
    std::vector<std::unique_ptr<Peer>> crowd;
    for (int i = 0; i < count; i++) {
        crowd.push_back(std::make_unique<Peer>("c" + std::to_string(i)));
        if (!crowd.back()->join(port, "c" + std::to_string(i))) {
            ADD_FAILURE() << "client " << i << " could not join";
            break;
        }
    }
    return crowd;
}

void chat_round(std::vector<std::unique_ptr<Peer>> &crowd, int round) {
    for (auto &c : crowd) {
        std::string lines = "round " + std::to_string(round) + " a\nround " + std::to_string(round) + " b\n";
        c->push(lines, 0);
    }
}

TEST(Hostile, StopWhileTwoHundredClientsChat) {
    TestServer server([](server_config &c) {
        c.rate = 0;
        c.shutdown_flush_ms = 3000;
    });
    ASSERT_TRUE(server.ok()) << server.error();
    auto crowd = crowd_chatting(server.port(), 200);
    ASSERT_EQ(crowd.size(), 200u);
    chat_round(crowd, 1);
    chat_round(crowd, 2);
    // Stop while those 400 lines (80,000 deliveries) are being relayed.
    EXPECT_EQ(server.stop(), 0);
    int told = 0;
    uint64_t deadline = clock_monotonic_ms() + 20000;
    for (auto &c : crowd) {
        bool saw = false;
        auto left = [&] {
            uint64_t now = clock_monotonic_ms();
            return now >= deadline ? 0 : static_cast<int>(deadline - now);
        };
        while (auto line = c->line(left()))
            if (*line == "*** Server is shutting down.") saw = true;
        EXPECT_TRUE(c->closed()) << c->label() << " still connected";
        told += saw ? 1 : 0;
        EXPECT_TRUE(c->problems().empty()) << c->problems()[0];
    }
    EXPECT_EQ(told, 200) << "clients told about the shutdown";
}

TEST(Hostile, SigtermWhileTwoHundredClientsChat) {
    std::string why;
    if (!ChildServer::supported(&why)) GTEST_SKIP() << "SIGTERM: " << why;
    ChildServer server;
    ASSERT_TRUE(server.start({"--rate", "0", "--quiet"}, 0, &why)) << why;
    auto crowd = crowd_chatting(server.port(), 200);
    ASSERT_EQ(crowd.size(), 200u);
    chat_round(crowd, 1);
    chat_round(crowd, 2);
    // Exit status 0 means: stopped cleanly, and under the sanitizer build,
    // no leak or error report (either would make the status non-zero).
    EXPECT_EQ(server.terminate(15000), 0) << server.output() << server.errors();
    EXPECT_NE(server.output().find("stopped"), std::string::npos);
    for (auto &c : crowd) EXPECT_TRUE(c->wait_closed(5000)) << c->label();
}

}  // namespace
