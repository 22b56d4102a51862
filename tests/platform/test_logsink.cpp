// test_logsink.cpp - the log's bounded queue (platform/logsink.h) without
// threads: lines that do not fit are dropped and counted, the notice of a gap
// comes exactly where the gap is, once, as soon as there is room, and the
// bytes come out in order. The writer thread itself is exercised end to end
// by tests/e2e/test_scale.cpp (a server whose stdout nobody reads).
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "platform/logsink.h"
}

namespace {

struct Queue {
    log_queue q;
    explicit Queue(size_t cap) { EXPECT_EQ(0, log_queue_init(&q, cap)); }
    ~Queue() { log_queue_free(&q); }
    Queue(const Queue &) = delete;
    Queue &operator=(const Queue &) = delete;

    bool push(const std::string &prefix, const std::string &text)
    {
        return log_queue_push(&q, prefix.data(), prefix.size(), text.data(), text.size());
    }
    // Everything take() hands out, in pieces of at most room bytes.
    std::string take_all(size_t room = 4096)
    {
        std::string out, buf(room, '\0');
        size_t n;
        while ((n = log_queue_take(&q, &buf[0], room)) > 0)
            out.append(buf, 0, n);
        return out;
    }
};

} // namespace

TEST(LogQueue, LinesComeOutInOrderWithLineEnds)
{
    Queue lq(1024);
    EXPECT_FALSE(log_queue_has_output(&lq.q));
    EXPECT_TRUE(lq.push("[t] ", "one"));
    EXPECT_TRUE(lq.push("", "two"));
    EXPECT_TRUE(log_queue_has_output(&lq.q));
    EXPECT_EQ(lq.take_all(), "[t] one\ntwo\n");
    EXPECT_FALSE(log_queue_has_output(&lq.q));
    EXPECT_EQ(0ul, lq.q.dropped_total);
}

TEST(LogQueue, FullQueueDropsAndCountsThenMarksTheGapOnce)
{
    // 10 bytes per line ("line N\n" with a 3-byte prefix), 100 bytes of room.
    Queue lq(100);
    int queued = 0;
    for (int i = 0; i < 25; i++)
        if (lq.push("[t]", "line " + std::to_string(i))) queued++;
    EXPECT_EQ(10, queued);
    EXPECT_EQ(15ul, lq.q.dropped);
    EXPECT_EQ(15ul, lq.q.dropped_total);

    // The writer catches up: first the lines from before the gap...
    std::string out = lq.take_all(1000);
    std::string expected;
    for (int i = 0; i < 10; i++) expected += "[t]line " + std::to_string(i) + "\n";
    // ...then, the queue being empty, the gap itself.
    EXPECT_EQ(out, expected + "log: 15 lines dropped\n");
    EXPECT_EQ(0ul, lq.q.dropped);
    EXPECT_EQ("", lq.take_all());

    // Later lines come without another notice.
    EXPECT_TRUE(lq.push("", "later"));
    EXPECT_EQ(lq.take_all(), "later\n");
    EXPECT_EQ(15ul, lq.q.dropped_total);
}

TEST(LogQueue, NoticeGoesAheadOfTheNextLineThatFits)
{
    Queue lq(64);
    ASSERT_TRUE(lq.push("", std::string(40, 'a')));
    EXPECT_FALSE(lq.push("", std::string(40, 'b')));  // dropped: no room
    EXPECT_EQ(1ul, lq.q.dropped);
    // Part of the queue is written; now "log: 1 line dropped\n" (20 bytes)
    // plus the next line (4 bytes) fit, notice first.
    std::string first = lq.take_all(64);
    EXPECT_EQ(first, std::string(40, 'a') + "\n" + "log: 1 line dropped\n");
    EXPECT_TRUE(lq.push("", "abc"));
    EXPECT_EQ(lq.take_all(), "abc\n");

    // A drop while lines are still queued: the notice waits for room and
    // comes between the old lines and the new one.
    ASSERT_TRUE(lq.push("", std::string(55, 'c')));
    EXPECT_FALSE(lq.push("", "dropped one"));
    EXPECT_FALSE(lq.push("", "dropped two"));
    std::string part(10, '\0');
    ASSERT_EQ(10u, log_queue_take(&lq.q, &part[0], 10)); // writer took a little
    EXPECT_FALSE(lq.push("", "still no room for notice and line"));
    EXPECT_EQ(lq.take_all(), std::string(45, 'c') + "\n" + "log: 3 lines dropped\n");
    EXPECT_TRUE(lq.push("", "after"));
    EXPECT_EQ(lq.take_all(), "after\n");
}

TEST(LogQueue, ALineLongerThanTheQueueIsDropped)
{
    Queue lq(32);
    EXPECT_FALSE(lq.push("", std::string(100, 'x')));
    EXPECT_FALSE(lq.push(std::string(100, 'p'), "x"));
    EXPECT_EQ(2ul, lq.q.dropped_total);
    EXPECT_TRUE(lq.push("", "ok"));
    EXPECT_EQ(lq.take_all(), "log: 2 lines dropped\nok\n");
}
