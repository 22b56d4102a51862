// test_linebuf.cpp - line framing: LF and CRLF, lone CRs, lines split across
// reads, the max_line boundary, over-long lines reported once and skipped,
// bounded memory on a stream with no newline, a buffer that exists only
// while bytes are pending and grows and shrinks with the stream, and pending().
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

extern "C" {
#include "core/linebuf.h"
}

namespace {

// One result of line_framer_next(): a line, or "too long".
struct Event {
    int kind;
    std::string line;
    bool operator==(const Event &o) const { return kind == o.kind && line == o.line; }
};

std::ostream &operator<<(std::ostream &os, const Event &e)
{
    if (e.kind == LINE_TOO_LONG)
        return os << "TOO_LONG";
    return os << "READY \"" << e.line << "\"";
}

Event ready(const std::string &s) { return Event{LINE_READY, s}; }
const Event too_long{LINE_TOO_LONG, ""};

struct Framer {
    line_framer f;
    explicit Framer(size_t max_line) { EXPECT_EQ(line_framer_init(&f, max_line), 0); }
    ~Framer() { line_framer_free(&f); }
    Framer(const Framer &) = delete;
    Framer &operator=(const Framer &) = delete;

    // Take lines until LINE_NONE; afterwards there must be room to read.
    void drain(std::vector<Event> &out)
    {
        const char *line = nullptr;
        size_t len = 0;
        int r;
        while ((r = line_framer_next(&f, &line, &len)) != LINE_NONE) {
            if (r == LINE_READY)
                out.push_back(ready(std::string(line, len)));
            else
                out.push_back(too_long);
        }
        size_t avail = 0;
        line_framer_space(&f, &avail);
        EXPECT_GT(avail, 0u);
    }

    // Feed `data` in chunks of `chunk` bytes (0 = all at once), draining
    // after every chunk, the way a server loop would.
    std::vector<Event> run(const std::string &data, size_t chunk = 0)
    {
        std::vector<Event> out;
        size_t pos = 0;
        while (pos < data.size()) {
            size_t want = chunk == 0 ? data.size() - pos : std::min(chunk, data.size() - pos);
            size_t took = line_framer_feed(&f, data.data() + pos, want);
            pos += took;
            drain(out);
            if (took == 0) {
                ADD_FAILURE() << "framer took nothing after draining";
                break;
            }
        }
        return out;
    }
};

struct FramingCase {
    const char *name;
    size_t max_line;
    std::string input;
    std::vector<Event> expected;
};

const std::vector<FramingCase> &framing_cases()
{
    static const std::vector<FramingCase> cases = {
        {"lf", 100, "hello\n", {ready("hello")}},
        {"crlf", 100, "hello\r\n", {ready("hello")}},
        {"no_line_end_yet", 100, "hello", {}},
        {"cr_alone_is_not_a_line_end", 100, "hello\r", {}},
        {"lone_cr_inside_kept", 100, "a\rb\n", {ready("a\rb")}},
        {"only_one_cr_stripped", 100, "a\r\r\n", {ready("a\r")}},
        {"cr_at_start_kept", 100, "\rx\n", {ready("\rx")}},
        {"many_lines", 100, "one\ntwo\r\nthree\nfour\r\n",
         {ready("one"), ready("two"), ready("three"), ready("four")}},
        {"empty_lines", 100, "\n\r\n\nx\n",
         {ready(""), ready(""), ready(""), ready("x")}},
        {"lone_cr_line", 100, "\r\n\r\r\n", {ready(""), ready("\r")}},
        {"exact_max_lf", 10, "0123456789\n", {ready("0123456789")}},
        {"exact_max_crlf", 10, "0123456789\r\n", {ready("0123456789")}},
        {"exact_max_then_more", 10, "0123456789\r\nab\n",
         {ready("0123456789"), ready("ab")}},
        {"max_plus_one_lf", 10, "01234567890\n", {too_long}},
        {"max_plus_one_crlf", 10, "01234567890\r\n", {too_long}},
        {"max_plus_one_ending_in_cr", 10, "0123456789\r\r\n", {too_long}},
        {"too_long_then_next_line", 10, "0123456789abcdef\nok\n",
         {too_long, ready("ok")}},
        {"too_long_crlf_then_next_line", 10, "0123456789abcdef\r\nok\r\n",
         {too_long, ready("ok")}},
        {"very_long_reported_once", 10, std::string(500, 'x') + "\nafter\n",
         {too_long, ready("after")}},
        {"two_long_lines", 10, std::string(50, 'x') + "\n" + std::string(30, 'y') + "\r\nz\n",
         {too_long, too_long, ready("z")}},
        {"long_then_empty", 10, std::string(20, 'x') + "\n\n", {too_long, ready("")}},
        {"zero_max_line", 0, "\n\r\na\n", {ready(""), ready(""), too_long}},
        {"binary_bytes_pass_through", 100, std::string("a\0b\xff\n", 5),
         {ready(std::string("a\0b\xff", 4))}},
    };
    return cases;
}

class Framing : public ::testing::TestWithParam<size_t> {};

// Every case must give the same events whatever the read sizes are.
TEST_P(Framing, TableCases)
{
    const size_t chunk = GetParam();
    for (const auto &c : framing_cases()) {
        SCOPED_TRACE(std::string(c.name) + " chunk=" + std::to_string(chunk));
        Framer fr(c.max_line);
        EXPECT_EQ(fr.run(c.input, chunk), c.expected);
    }
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, Framing, ::testing::Values(0, 1, 2, 3, 7, 11, 4096));

} // namespace

TEST(LineFramer, ByteByByteScansEachByteOnce)
{
    Framer fr(100);
    const std::string msg = "hello, slow world\r\n";
    const char *line = nullptr;
    size_t len = 0;
    for (size_t i = 0; i + 1 < msg.size(); i++) {
        ASSERT_EQ(line_framer_feed(&fr.f, &msg[i], 1), 1u);
        ASSERT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
        // Everything received is known to hold no LF: the next call starts
        // searching after it, so a trickling line costs O(n) in total.
        EXPECT_EQ(fr.f.scanned, i + 1);
    }
    ASSERT_EQ(line_framer_feed(&fr.f, &msg[msg.size() - 1], 1), 1u);
    ASSERT_EQ(line_framer_next(&fr.f, &line, &len), LINE_READY);
    EXPECT_EQ(std::string(line, len), "hello, slow world");
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_EQ(line_framer_pending(&fr.f), 0u);
}

TEST(LineFramer, TooLongDetectedBeforeTheLineEnds)
{
    // max_line + 1 bytes may still be a full line plus its CR; one more byte
    // without LF cannot be, so the report comes right then.
    Framer fr(10);
    const char *line = nullptr;
    size_t len = 0;
    ASSERT_EQ(line_framer_feed(&fr.f, "0123456789\r", 11), 11u);
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    ASSERT_EQ(line_framer_feed(&fr.f, "x", 1), 1u);
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_TOO_LONG);
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_EQ(line_framer_pending(&fr.f), 0u);
    ASSERT_EQ(line_framer_feed(&fr.f, "more\nnext\n", 10), 10u);
    ASSERT_EQ(line_framer_next(&fr.f, &line, &len), LINE_READY);
    EXPECT_EQ(std::string(line, len), "next");
}

TEST(LineFramer, MegabyteWithoutNewlineStaysBounded)
{
    const size_t max_line = 512;
    const size_t bound = max_line + 2 + 4096;
    Framer fr(max_line);

    std::vector<Event> events;
    size_t sent = 0;
    const size_t total = 1024 * 1024;
    while (sent < total) {
        size_t avail = 0;
        char *space = line_framer_space(&fr.f, &avail);
        ASSERT_GT(avail, 0u);
        size_t n = std::min({avail, total - sent, size_t(1000)});
        std::fill(space, space + n, 'x');
        line_framer_commit(&fr.f, n);
        sent += n;
        fr.drain(events);
        ASSERT_LE(fr.f.cap, bound);
        ASSERT_LE(fr.f.end - fr.f.start, max_line + 1 + 1000);
    }
    EXPECT_EQ(events, std::vector<Event>{too_long});
    EXPECT_EQ(line_framer_pending(&fr.f), 0u);

    events.clear();
    const std::string tail = "xxxx\nhello\r\n";
    ASSERT_EQ(line_framer_feed(&fr.f, tail.data(), tail.size()), tail.size());
    fr.drain(events);
    EXPECT_EQ(events, std::vector<Event>{ready("hello")});
}

// Until bytes arrive there is no buffer, and once every line has been taken
// (and the read did not fill the buffer) it is freed again.
TEST(LineFramer, IdleFramerHoldsNoBuffer)
{
    Framer fr(1024);
    EXPECT_EQ(fr.f.buf, nullptr);
    EXPECT_EQ(fr.f.cap, 0u);
    const char *line = nullptr;
    size_t len = 0;
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_EQ(fr.f.buf, nullptr);

    ASSERT_EQ(line_framer_feed(&fr.f, "alice\r\n", 7), 7u);
    EXPECT_EQ(fr.f.cap, size_t(LINE_FRAMER_MIN_CAP));
    ASSERT_EQ(line_framer_next(&fr.f, &line, &len), LINE_READY);
    EXPECT_EQ(std::string(line, len), "alice");
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_EQ(fr.f.buf, nullptr);
    EXPECT_EQ(fr.f.cap, 0u);

    // A partial line keeps the buffer until its end arrives.
    ASSERT_EQ(line_framer_feed(&fr.f, "hel", 3), 3u);
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_NE(fr.f.buf, nullptr);
    ASSERT_EQ(line_framer_feed(&fr.f, "lo\n", 3), 3u);
    ASSERT_EQ(line_framer_next(&fr.f, &line, &len), LINE_READY);
    EXPECT_EQ(std::string(line, len), "hello");
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_EQ(fr.f.buf, nullptr);
}

// Reads that fill the buffer make it double, up to max_line + 4 KiB + 2;
// when the stream stops (a read that does not fill it) and every line has
// been taken, the memory goes back.
TEST(LineFramer, GrowsWhileReadsFillItAndShrinksWhenQuiet)
{
    const size_t max_line = 1024;
    Framer fr(max_line);
    std::string stream;
    for (int i = 0; stream.size() < 64 * 1024; i++)
        stream += "message number " + std::to_string(i) + "\n";
    std::vector<Event> events;
    std::vector<size_t> caps;
    size_t pos = 0;
    while (pos + 4096 < stream.size()) {
        size_t avail = 0;
        char *space = line_framer_space(&fr.f, &avail);
        ASSERT_GT(avail, 0u);
        size_t n = std::min(avail, stream.size() - pos); // a read that fills it
        std::copy(stream.begin() + (long)pos, stream.begin() + (long)(pos + n), space);
        line_framer_commit(&fr.f, n);
        pos += n;
        const char *line = nullptr;
        size_t len = 0;
        int r;
        while ((r = line_framer_next(&fr.f, &line, &len)) == LINE_READY)
            events.push_back(ready(std::string(line, len)));
        ASSERT_EQ(r, LINE_NONE);
        caps.push_back(fr.f.cap);
    }
    ASSERT_FALSE(caps.empty());
    EXPECT_EQ(caps.front(), size_t(LINE_FRAMER_MIN_CAP));
    EXPECT_EQ(caps.back(), max_line + 2 + 4096);
    EXPECT_TRUE(std::is_sorted(caps.begin(), caps.end()));

    // The rest in one short read: the buffer is freed once it is empty.
    size_t rest = stream.size() - pos;
    ASSERT_EQ(line_framer_feed(&fr.f, stream.data() + pos, rest), rest);
    const char *line = nullptr;
    size_t len = 0;
    while (line_framer_next(&fr.f, &line, &len) == LINE_READY)
        events.push_back(ready(std::string(line, len)));
    EXPECT_EQ(fr.f.buf, nullptr);
    EXPECT_EQ(fr.f.cap, 0u);

    // Nothing lost or reordered across the growth steps.
    std::string joined;
    for (const Event &e : events)
        joined += e.line + "\n";
    EXPECT_EQ(joined, stream);
}

// One long (but allowed) line makes the buffer grow to hold it; once it has
// been taken the memory is given back.
TEST(LineFramer, ABigLineIsHeldWholeThenItsMemoryFreed)
{
    const size_t max_line = 3000;
    Framer fr(max_line);
    std::string big(max_line, 'b');
    big += "\r\n";
    std::vector<Event> events = fr.run(big, 100);
    EXPECT_EQ(events, std::vector<Event>{ready(std::string(max_line, 'b'))});
    const char *line = nullptr;
    size_t len = 0;
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_EQ(fr.f.buf, nullptr);
}

TEST(LineFramer, PendingCountsUnreturnedBytes)
{
    Framer fr(100);
    const char *line = nullptr;
    size_t len = 0;
    EXPECT_EQ(line_framer_pending(&fr.f), 0u);
    line_framer_feed(&fr.f, "abc", 3);
    EXPECT_EQ(line_framer_pending(&fr.f), 3u);
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_EQ(line_framer_pending(&fr.f), 3u);
    line_framer_feed(&fr.f, "\nde", 3);
    EXPECT_EQ(line_framer_pending(&fr.f), 6u);
    ASSERT_EQ(line_framer_next(&fr.f, &line, &len), LINE_READY);
    EXPECT_EQ(std::string(line, len), "abc");
    EXPECT_EQ(line_framer_pending(&fr.f), 2u);
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_EQ(line_framer_pending(&fr.f), 2u);
}

TEST(LineFramer, PendingExcludesALineBeingDiscarded)
{
    Framer fr(4);
    const char *line = nullptr;
    size_t len = 0;
    line_framer_feed(&fr.f, "abcdefgh", 8);
    ASSERT_EQ(line_framer_next(&fr.f, &line, &len), LINE_TOO_LONG);
    line_framer_feed(&fr.f, "ijk", 3);
    EXPECT_EQ(line_framer_pending(&fr.f), 0u);
    line_framer_feed(&fr.f, "\nzz", 3);
    EXPECT_EQ(line_framer_pending(&fr.f), 2u);
    EXPECT_EQ(line_framer_next(&fr.f, &line, &len), LINE_NONE);
    EXPECT_EQ(line_framer_pending(&fr.f), 2u);
}

// A rate-limited caller takes one line at a time and leaves the rest; the
// buffer fills, feed() takes what fits, and nothing is lost or reordered.
TEST(LineFramer, LinesLeftInBufferAreKeptAndFeedStopsWhenFull)
{
    Framer fr(10);
    std::string input;
    for (int i = 0; i < 2000; i++)
        input += "line" + std::to_string(i) + "\n";
    size_t took = line_framer_feed(&fr.f, input.data(), input.size());
    EXPECT_EQ(took, fr.f.cap);
    ASSERT_LT(took, input.size());

    const char *line = nullptr;
    size_t len = 0;
    ASSERT_EQ(line_framer_next(&fr.f, &line, &len), LINE_READY);
    EXPECT_EQ(std::string(line, len), "line0");
    // The rest was compacted to the front (and, as the feed filled the
    // buffer, it has grown).
    size_t avail = 0;
    line_framer_space(&fr.f, &avail);
    EXPECT_EQ(fr.f.start, 0u);
    EXPECT_EQ(fr.f.end, took - 6);
    EXPECT_EQ(avail, fr.f.cap - (took - 6));
    EXPECT_GT(fr.f.cap, took);

    size_t pos = took;
    std::vector<Event> events{ready("line0")};
    while (pos < input.size()) {
        pos += line_framer_feed(&fr.f, input.data() + pos, input.size() - pos);
        fr.drain(events);
    }
    ASSERT_EQ(events.size(), 2000u);
    for (int i = 0; i < 2000; i++)
        EXPECT_EQ(events[i], ready("line" + std::to_string(i)));
}

TEST(LineFramer, SpaceAndCommitDirectly)
{
    Framer fr(100);
    size_t avail = 0;
    char *space = line_framer_space(&fr.f, &avail);
    ASSERT_GE(avail, 102u);
    std::string data = "direct\r\n";
    std::copy(data.begin(), data.end(), space);
    line_framer_commit(&fr.f, data.size());
    const char *line = nullptr;
    size_t len = 0;
    ASSERT_EQ(line_framer_next(&fr.f, &line, &len), LINE_READY);
    EXPECT_EQ(std::string(line, len), "direct");
}

TEST(LineFramer, HugeMaxLineRefusedWithoutOverflow)
{
    line_framer f;
    EXPECT_EQ(line_framer_init(&f, SIZE_MAX - 10), -1);
    line_framer_free(&f); // safe after a failed init
}
