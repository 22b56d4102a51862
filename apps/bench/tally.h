/* tally.h - who received which benchmark message: deliveries, loss,
 * duplicates, reordering and latency.
 *
 * One bit per (receiver, sender, sequence number) tells a first delivery from
 * a duplicate exactly, and the highest sequence number seen per (receiver,
 * sender) tells in-order from out-of-order. Memory is fixed when the run
 * starts: clients x senders x messages bits, capped at TALLY_MAX_BITS. */
#ifndef NATTER_BENCH_TALLY_H
#define NATTER_BENCH_TALLY_H

#include <stdint.h>

#include "histogram.h"
#include "message.h"

/* 2^30 bits = 128 MiB of bitmap at most. */
#define TALLY_MAX_BITS ((uint64_t)1 << 30)

typedef enum tally_kind {
    TALLY_NEW,        /* first delivery of this message to this receiver */
    TALLY_DUPLICATE,  /* delivered to this receiver before */
    TALLY_ECHO,       /* the sender got its own message back */
    TALLY_INVALID     /* sender or sequence number out of range */
} tally_kind;

typedef struct tally {
    int clients;
    int senders;
    uint32_t messages;
    unsigned char *seen;  /* bitmap [receiver][sender][seq] */
    uint32_t *next;       /* [receiver][sender]: highest seq seen + 1 */
    uint64_t delivered;   /* unique deliveries to non-senders of a message */
    uint64_t duplicates;
    uint64_t out_of_order;
    uint64_t echoes;
    uint64_t invalid;
    histogram latency;    /* receive - send time of unique deliveries, us */
} tally;

/* Returns 0, or -1 when the bitmap would exceed TALLY_MAX_BITS or memory
 * runs out. */
int tally_init(tally *t, int clients, int senders, uint32_t messages);
void tally_free(tally *t);

/* Bits the bitmap needs for this run (to check the cap before starting). */
uint64_t tally_bits_needed(int clients, int senders, uint32_t messages);

/* Record that receiver got m at now_us (same clock as m->send_us). */
tally_kind tally_record(tally *t, int receiver, const bench_message *m,
                        uint64_t now_us);

/* Deliveries a loss-free run makes: every message to every other client. */
uint64_t tally_expected(const tally *t);

#endif
