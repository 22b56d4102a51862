// test_buffer.cpp - byte_queue: append/consume, growth by doubling,
// compaction before growth, overflow refusal, and a long randomised run
// checked against a std::string model.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

extern "C" {
#include "core/buffer.h"
}

namespace {

std::string contents(const byte_queue &q)
{
    return std::string(byte_queue_data(&q), byte_queue_length(&q));
}

bool is_doubling_of_initial(size_t cap)
{
    // The first allocation is a power of two and later ones double it.
    return cap != 0 && (cap & (cap - 1)) == 0;
}

struct Queue {
    byte_queue q;
    Queue() { byte_queue_init(&q); }
    ~Queue() { byte_queue_free(&q); }
    Queue(const Queue &) = delete;
    Queue &operator=(const Queue &) = delete;
};

} // namespace

TEST(ByteQueue, StartsEmpty)
{
    Queue b;
    EXPECT_EQ(byte_queue_length(&b.q), 0u);
    ASSERT_NE(byte_queue_data(&b.q), nullptr);
    EXPECT_EQ(b.q.cap, 0u);
}

TEST(ByteQueue, AppendThenConsumeInOrder)
{
    Queue b;
    ASSERT_EQ(byte_queue_append(&b.q, "hello ", 6), 0);
    ASSERT_EQ(byte_queue_append(&b.q, "world", 5), 0);
    EXPECT_EQ(contents(b.q), "hello world");
    byte_queue_consume(&b.q, 6);
    EXPECT_EQ(contents(b.q), "world");
    byte_queue_consume(&b.q, 5);
    EXPECT_EQ(byte_queue_length(&b.q), 0u);
}

TEST(ByteQueue, AppendingNothingAllocatesNothing)
{
    Queue b;
    ASSERT_EQ(byte_queue_append(&b.q, "", 0), 0);
    EXPECT_EQ(b.q.cap, 0u);
    EXPECT_EQ(b.q.data, nullptr);
}

TEST(ByteQueue, PartialConsumeOnlyMovesStart)
{
    Queue b;
    ASSERT_EQ(byte_queue_append(&b.q, "abcdef", 6), 0);
    const char *before = b.q.data;
    byte_queue_consume(&b.q, 2);
    EXPECT_EQ(b.q.data, before);
    EXPECT_EQ(b.q.start, 2u);
    EXPECT_EQ(contents(b.q), "cdef");
}

TEST(ByteQueue, EmptyingRewindsToFront)
{
    Queue b;
    ASSERT_EQ(byte_queue_append(&b.q, "abcdef", 6), 0);
    byte_queue_consume(&b.q, 4);
    byte_queue_consume(&b.q, 2);
    EXPECT_EQ(b.q.start, 0u);
    EXPECT_EQ(b.q.end, 0u);
}

// However large it grew (a burst, a slow reader catching up), an emptied
// queue holds no memory; used again it starts small.
TEST(ByteQueue, EmptyingFreesTheStorage)
{
    Queue b;
    std::string big(1024 * 1024, 'x');
    ASSERT_EQ(byte_queue_append(&b.q, big.data(), big.size()), 0);
    EXPECT_GE(b.q.cap, big.size());
    byte_queue_consume(&b.q, big.size() - 1);
    EXPECT_NE(b.q.data, nullptr); // one byte still queued
    byte_queue_consume(&b.q, 1);
    EXPECT_EQ(b.q.data, nullptr);
    EXPECT_EQ(b.q.cap, 0u);
    EXPECT_EQ(byte_queue_length(&b.q), 0u);
    EXPECT_STREQ(byte_queue_data(&b.q), "");
    ASSERT_EQ(byte_queue_append(&b.q, "hi\r\n", 4), 0);
    EXPECT_LE(b.q.cap, 256u);
    EXPECT_EQ(contents(b.q), "hi\r\n");
}

TEST(ByteQueue, ConsumeMoreThanLengthEmptiesSafely)
{
    Queue b;
    ASSERT_EQ(byte_queue_append(&b.q, "abc", 3), 0);
    byte_queue_consume(&b.q, 100);
    EXPECT_EQ(byte_queue_length(&b.q), 0u);
    EXPECT_EQ(b.q.start, 0u);
}

TEST(ByteQueue, GrowsByDoubling)
{
    Queue b;
    std::string model;
    size_t last_cap = 0;
    for (int i = 0; i < 2000; i++) {
        std::string piece(37, static_cast<char>('a' + i % 26));
        ASSERT_EQ(byte_queue_append(&b.q, piece.data(), piece.size()), 0);
        model += piece;
        if (b.q.cap != last_cap) {
            if (last_cap != 0) {
                EXPECT_EQ(b.q.cap, last_cap * 2) << "after " << model.size() << " bytes";
            }
            last_cap = b.q.cap;
        }
        ASSERT_GE(b.q.cap, byte_queue_length(&b.q));
    }
    EXPECT_TRUE(is_doubling_of_initial(b.q.cap));
    EXPECT_EQ(contents(b.q), model);
}

TEST(ByteQueue, OneBigAppendJumpsStraightToSize)
{
    Queue b;
    std::string big(100000, 'z');
    ASSERT_EQ(byte_queue_append(&b.q, big.data(), big.size()), 0);
    EXPECT_GE(b.q.cap, big.size());
    EXPECT_LT(b.q.cap, big.size() * 2);
    EXPECT_EQ(contents(b.q), big);
}

TEST(ByteQueue, CompactsBeforeGrowing)
{
    Queue b;
    std::string first(200, 'a');
    ASSERT_EQ(byte_queue_append(&b.q, first.data(), first.size()), 0);
    const size_t cap = b.q.cap;
    const char *data = b.q.data;
    ASSERT_GE(cap, 200u);

    // Leave a few live bytes, then append something that only fits once the
    // consumed prefix is reclaimed.
    byte_queue_consume(&b.q, 190);
    std::string second(cap - 10, 'b');
    ASSERT_EQ(byte_queue_append(&b.q, second.data(), second.size()), 0);

    EXPECT_EQ(b.q.cap, cap);
    EXPECT_EQ(b.q.data, data);
    EXPECT_EQ(b.q.start, 0u);
    EXPECT_EQ(contents(b.q), std::string(10, 'a') + second);
}

TEST(ByteQueue, GrowthKeepsOnlyLiveBytes)
{
    Queue b;
    std::string first(200, 'a');
    ASSERT_EQ(byte_queue_append(&b.q, first.data(), first.size()), 0);
    byte_queue_consume(&b.q, 150);
    std::string more(b.q.cap, 'c'); // cannot fit even after compaction
    ASSERT_EQ(byte_queue_append(&b.q, more.data(), more.size()), 0);
    EXPECT_EQ(b.q.start, 0u);
    EXPECT_EQ(contents(b.q), std::string(50, 'a') + more);
}

TEST(ByteQueue, SizeOverflowIsRefusedAndQueueIntact)
{
    Queue b;
    ASSERT_EQ(byte_queue_append(&b.q, "keep", 4), 0);
    const byte_queue before = b.q;
    // Never read: the length check fails first.
    EXPECT_EQ(byte_queue_append(&b.q, "x", SIZE_MAX), -1);
    EXPECT_EQ(byte_queue_append(&b.q, "x", SIZE_MAX - 2), -1);
    EXPECT_EQ(b.q.data, before.data);
    EXPECT_EQ(b.q.cap, before.cap);
    EXPECT_EQ(contents(b.q), "keep");
}

TEST(ByteQueue, FreeResetsForReuse)
{
    byte_queue q;
    byte_queue_init(&q);
    ASSERT_EQ(byte_queue_append(&q, "abc", 3), 0);
    byte_queue_free(&q);
    EXPECT_EQ(q.data, nullptr);
    EXPECT_EQ(byte_queue_length(&q), 0u);
    ASSERT_EQ(byte_queue_append(&q, "def", 3), 0);
    EXPECT_EQ(contents(q), "def");
    byte_queue_free(&q);
}

// Many megabytes through the queue in random-sized appends and partial
// consumes (like partial send()s), checked byte for byte against a model.
TEST(ByteQueue, RandomisedAgainstModel)
{
    Queue b;
    std::mt19937 rng(12345);
    std::string model;
    size_t model_start = 0;
    unsigned char next_byte = 0;
    size_t total = 0;
    size_t peak_live = 0;

    while (total < 8u * 1024 * 1024) {
        size_t add = rng() % 5000;
        std::string piece(add, '\0');
        for (auto &c : piece)
            c = static_cast<char>(next_byte++);
        ASSERT_EQ(byte_queue_append(&b.q, piece.data(), piece.size()), 0);
        model += piece;
        total += add;
        if (model.size() - model_start > peak_live)
            peak_live = model.size() - model_start;

        size_t live = model.size() - model_start;
        size_t take = live == 0 ? 0 : rng() % (live + 1);
        ASSERT_EQ(byte_queue_length(&b.q), live);
        ASSERT_EQ(0, std::string(byte_queue_data(&b.q), take)
                         .compare(0, take, model, model_start, take));
        byte_queue_consume(&b.q, take);
        model_start += take;
        if (model_start > (1u << 20)) { // keep the model small
            model.erase(0, model_start);
            model_start = 0;
        }
        // Consumed space is reused, so capacity tracks the peak of live
        // bytes (doubling at most overshoots it 2x), not the total appended.
        ASSERT_LE(b.q.cap, 2 * peak_live + 256);
    }
    EXPECT_EQ(contents(b.q), model.substr(model_start));
}
