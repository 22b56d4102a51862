// test_history.cpp - a room's history: packed records in a byte queue, the
// last N kept in order. Records are unaligned binary with length prefixes, so
// the tests check that every field (including text with NUL and arbitrary
// bytes) comes back exactly, that dropping the oldest keeps the walk in step,
// and that the queue's memory stays bounded however many lines pass through.
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "core/chat.h"
#include "core/history.h"
}

namespace {

struct Rec {
    int kind;
    int64_t time;
    std::string name;
    std::string text;
    bool operator==(const Rec &o) const
    {
        return kind == o.kind && time == o.time && name == o.name && text == o.text;
    }
};

std::ostream &operator<<(std::ostream &os, const Rec &r)
{
    return os << "{kind " << r.kind << ", time " << r.time << ", name '" << r.name << "', text "
              << r.text.size() << " bytes}";
}

class History : public ::testing::Test {
protected:
    room_history h;

    void SetUp() override { history_init(&h, 0); }
    void TearDown() override { history_free(&h); }

    void init(size_t limit)
    {
        history_free(&h);
        history_init(&h, limit);
    }
    int add(const Rec &r)
    {
        history_entry e;
        e.kind = r.kind;
        e.time = r.time;
        e.name = r.name.data();
        e.name_len = r.name.size();
        e.text = r.text.data();
        e.text_len = r.text.size();
        return history_add(&h, &e);
    }
    std::vector<Rec> all() const
    {
        std::vector<Rec> out;
        size_t pos = 0;
        history_entry e;
        while (history_next(&h, &pos, &e))
            out.push_back(Rec{e.kind, e.time, std::string(e.name, e.name_len),
                              std::string(e.text, e.text_len)});
        return out;
    }
};

Rec line(int i)
{
    return Rec{CHAT_SAY, 1000 + i, "user" + std::to_string(i % 7), "line " + std::to_string(i)};
}

TEST_F(History, EmptyWalksNothing)
{
    init(5);
    size_t pos = 0;
    history_entry e;
    EXPECT_FALSE(history_next(&h, &pos, &e));
    EXPECT_EQ(pos, 0u);
    EXPECT_EQ(history_count(&h), 0u);
}

TEST_F(History, LimitKeepsLastNInOrder)
{
    init(3);
    std::vector<Rec> added;
    for (int i = 0; i < 10; i++) {
        ASSERT_EQ(add(line(i)), 0);
        added.push_back(line(i));
        size_t keep = added.size() < 3 ? added.size() : 3;
        std::vector<Rec> want(added.end() - static_cast<long>(keep), added.end());
        EXPECT_EQ(history_count(&h), keep);
        EXPECT_EQ(all(), want) << "after " << i + 1 << " adds";
    }
}

TEST_F(History, LimitOneKeepsOnlyTheNewest)
{
    init(1);
    ASSERT_EQ(add(line(1)), 0);
    ASSERT_EQ(add(line(2)), 0);
    EXPECT_EQ(all(), std::vector<Rec>{line(2)});
}

TEST_F(History, LimitZeroStoresNothing)
{
    init(0);
    for (int i = 0; i < 100; i++) {
        ASSERT_EQ(add(line(i)), 0);
    }
    EXPECT_EQ(history_count(&h), 0u);
    EXPECT_EQ(byte_queue_length(&h.bytes), 0u);
    EXPECT_TRUE(all().empty());
}

TEST_F(History, FieldsRoundTrip)
{
    init(100);
    std::string bytes;
    for (int b = 0; b < 256; b++)
        bytes.push_back(static_cast<char>(b));
    const std::vector<Rec> recs = {
        {CHAT_SAY, INT64_MIN, "a", "min time"},
        {CHAT_ACTION, -1, "\xE5\xBC\xA0\xE4\xB8\x89", "negative time, non-ASCII name"},
        {CHAT_TOPIC, 0, "Jos\xC3\xA9", ""},
        {CHAT_SAY, INT64_MAX, std::string(64, 'n'), std::string("nul\0inside\0", 11)},
        {CHAT_SAY, 1700000000, "bytes", bytes},
        {CHAT_ACTION, 42, "", "empty name"},
        {CHAT_SAY, 7, "big", std::string(100000, 'x') + std::string(1, '\0')},
        {CHAT_TOPIC, 8, "z", std::string(1, '\0')},
    };
    for (const Rec &r : recs) {
        ASSERT_EQ(add(r), 0);
    }
    EXPECT_EQ(history_count(&h), recs.size());
    EXPECT_EQ(all(), recs);
}

TEST_F(History, TextWithRecordLikeBytesDoesNotConfuseTheWalk)
{
    // Text that looks like a record header (a length, a time) must not be
    // read as one.
    init(4);
    std::string fake(64, '\0');
    fake[0] = 14;
    fake[13] = 3;
    for (int i = 0; i < 9; i++) {
        ASSERT_EQ(add(Rec{CHAT_SAY, i, "x", fake.substr(0, static_cast<size_t>(i * 7))}), 0);
    }
    std::vector<Rec> got = all();
    ASSERT_EQ(got.size(), 4u);
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(got[static_cast<size_t>(i)], (Rec{CHAT_SAY, i + 5, "x", fake.substr(0, static_cast<size_t>((i + 5) * 7))}));
    }
}

TEST_F(History, OverlongNameIsCutNotCorrupting)
{
    // Names are at most 64 bytes; the record holds up to 255. A longer one
    // must cost only its tail, never the text or the next record.
    init(3);
    ASSERT_EQ(add(Rec{CHAT_SAY, 1, std::string(300, 'N'), "text"}), 0);
    ASSERT_EQ(add(line(2)), 0);
    std::vector<Rec> got = all();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].name, std::string(255, 'N'));
    EXPECT_EQ(got[0].text, "text");
    EXPECT_EQ(got[1], line(2));
}

TEST_F(History, FreeEmptiesAndCanBeReused)
{
    init(5);
    ASSERT_EQ(add(line(1)), 0);
    history_free(&h);
    EXPECT_EQ(history_count(&h), 0u);
    EXPECT_TRUE(all().empty());
    history_init(&h, 2);
    ASSERT_EQ(add(line(3)), 0);
    EXPECT_EQ(all(), std::vector<Rec>{line(3)});
}

// Many lines of varying size through a 10-line history: the contents always
// match a reference deque, and neither the live bytes nor the allocation grow
// beyond a small multiple of 10 of the largest records.
TEST_F(History, MemoryStaysBoundedOverManyAdds)
{
    const size_t limit = 10, max_text = 300, max_name = 24;
    init(limit);
    std::mt19937 rng(7);
    std::deque<Rec> ref;
    // Generous per-record overhead; the format's header is smaller.
    const size_t max_live = limit * (32 + max_name + max_text);
    size_t max_cap = 0;
    for (int i = 0; i < 100000; i++) {
        Rec r{static_cast<int>(rng() % 3), i, std::string(1 + rng() % max_name, static_cast<char>('a' + i % 26)),
              std::string(rng() % (max_text + 1), static_cast<char>(rng()))};
        ASSERT_EQ(add(r), 0);
        ref.push_back(r);
        if (ref.size() > limit)
            ref.pop_front();
        ASSERT_EQ(history_count(&h), ref.size());
        ASSERT_LE(byte_queue_length(&h.bytes), max_live) << "after " << i << " adds";
        if (h.bytes.cap > max_cap)
            max_cap = h.bytes.cap;
        if (i % 9973 == 0) {
            ASSERT_EQ(all(), std::vector<Rec>(ref.begin(), ref.end())) << "after " << i << " adds";
        }
    }
    EXPECT_LE(max_cap, 4 * max_live) << "the queue's allocation keeps growing";
    EXPECT_EQ(all(), std::vector<Rec>(ref.begin(), ref.end()));
}

} // namespace
