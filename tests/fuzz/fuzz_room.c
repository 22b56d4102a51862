/* fuzz_room.c - libFuzzer target for the whole room: random sequences of the
 * events the server produces, over eight fake connections. The input is a
 * small line-based language, so seeds stay readable:
 *   cN        connection N arrives           lNTEXT   N sends the line TEXT
 *   tN        N sent an over-long line       xN       N's connection closed
 *   zN        N was dropped as too slow      s        the server shuts down
 * (N is a digit; other bytes are mapped onto these.) fuzz_harness.c checks
 * every send, the room's counts, and that nothing reaches a departed or
 * unnamed connection that should not. */
#include <stdint.h>
#include <string.h>

#include "fuzz_harness.h"

static void run_event(fuzz_harness *h, const char *ev, size_t len)
{
    static const char ops[] = "cltxzs";
    char op;
    int slot;
    const char *text;
    size_t text_len;

    if (len == 0)
        return;
    op = strchr(ops, ev[0]) && ev[0] != '\0' ? ev[0] : ops[(unsigned char)ev[0] % 6];
    slot = len > 1 ? (unsigned char)ev[1] % FUZZ_SLOTS : 0;
    text = len > 2 ? ev + 2 : "";
    text_len = len > 2 ? len - 2 : 0;
    /* As framed by the server: a CR right before the line end is dropped. */
    if (text_len > 0 && text[text_len - 1] == '\r')
        text_len--;
    switch (op) {
    case 'c':
        harness_connect(h, slot);
        break;
    case 'l':
        harness_line(h, slot, text, text_len);
        break;
    case 't':
        harness_too_long(h, slot);
        break;
    case 'x':
        harness_left(h, slot, "connection closed");
        break;
    case 'z':
        harness_left(h, slot, "too slow");
        break;
    default:
        harness_shutdown(h);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_harness h;
    const char *s = (const char *)data;
    size_t start = 0, i;

    if (!harness_init(&h))
        return 0;
    for (i = 0; i <= size; i++) {
        if (i < size && s[i] != '\n')
            continue;
        run_event(&h, s + start, i - start);
        start = i + 1;
    }
    harness_shutdown(&h);
    harness_destroy(&h);
    return 0;
}
