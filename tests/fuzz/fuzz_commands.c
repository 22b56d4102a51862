/* fuzz_commands.c - libFuzzer target for command parsing: the input is what
 * one client sends, framed by the real line framer and handed to a room in
 * which alice and bob are already chatting. Whatever it sends (names,
 * /nick, /msg, /me, /quit, unknown commands, garbage), everything the room
 * says to anyone must pass the checks in fuzz_harness.c. After /quit the
 * client connects again and goes on. */
#include <stdint.h>
#include <string.h>

#include "core/linebuf.h"
#include "fuzz_harness.h"

enum { ALICE = 0, BOB = 1, MALLORY = 2 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_harness h;
    line_framer f;
    size_t off = 0;

    if (!harness_init(&h))
        return 0;
    if (line_framer_init(&f, FUZZ_MAX_LINE) != 0) {
        harness_destroy(&h);
        return 0;
    }
    harness_connect(&h, ALICE);
    harness_line(&h, ALICE, "alice", 5);
    harness_connect(&h, BOB);
    harness_line(&h, BOB, "bob", 3);
    harness_connect(&h, MALLORY);

    while (off < size) {
        const char *line;
        size_t len;
        int r;
        off += line_framer_feed(&f, (const char *)data + off, size - off);
        while ((r = line_framer_next(&f, &line, &len)) != LINE_NONE) {
            if (r == LINE_TOO_LONG)
                harness_too_long(&h, MALLORY);
            else
                harness_line(&h, MALLORY, line, len);
            /* Gone after /quit: a new connection in the same place. */
            harness_connect(&h, MALLORY);
        }
    }
    line_framer_free(&f);
    harness_shutdown(&h);
    harness_destroy(&h);
    return 0;
}
