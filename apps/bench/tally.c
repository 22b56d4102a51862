/* tally.c - see tally.h. */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

uint64_t tally_bits_needed(int clients, int senders, uint32_t messages) {
    return (uint64_t)clients * (uint64_t)senders * (uint64_t)messages;
}

int tally_init(tally *t, int clients, int senders, uint32_t messages) {
    uint64_t bits = tally_bits_needed(clients, senders, messages);
    memset(t, 0, sizeof *t);
    if (bits > TALLY_MAX_BITS) return -1;
    t->clients = clients;
    t->senders = senders;
    t->messages = messages;
    t->seen = calloc((size_t)(bits / 8 + 1), 1);
    t->next = calloc((size_t)clients * (size_t)senders, sizeof *t->next);
    if (!t->seen || !t->next) {
        tally_free(t);
        return -1;
    }
    histogram_reset(&t->latency);
    return 0;
}

void tally_free(tally *t) {
    free(t->seen);
    free(t->next);
    t->seen = NULL;
    t->next = NULL;
}

tally_kind tally_record(tally *t, int receiver, const bench_message *m,
                        uint64_t now_us) {
    size_t pair;
    uint64_t bit;
    unsigned char mask;
    if (m->sender >= (uint32_t)t->senders || m->seq >= t->messages ||
        receiver < 0 || receiver >= t->clients) {
        t->invalid++;
        return TALLY_INVALID;
    }
    if ((uint32_t)receiver == m->sender) {
        t->echoes++;
        return TALLY_ECHO;
    }
    pair = (size_t)receiver * (size_t)t->senders + m->sender;
    bit = (uint64_t)pair * t->messages + m->seq;
    mask = (unsigned char)(1u << (bit & 7));
    if (t->seen[bit >> 3] & mask) {
        t->duplicates++;
        return TALLY_DUPLICATE;
    }
    t->seen[bit >> 3] |= mask;
    t->delivered++;
    /* A later message from this sender already reached this receiver. */
    if (m->seq + 1 < t->next[pair])
        t->out_of_order++;
    else
        t->next[pair] = m->seq + 1;
    histogram_add(&t->latency, now_us >= m->send_us ? now_us - m->send_us : 0);
    return TALLY_NEW;
}

uint64_t tally_expected(const tally *t) {
    return (uint64_t)t->messages * (uint64_t)t->senders *
           (uint64_t)(t->clients - 1);
}
