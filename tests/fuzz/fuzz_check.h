/* fuzz_check.h - invariants shared by the room fuzzers: what may ever leave
 * the room for a client's terminal or the operator's log. A violation prints
 * what was wrong and aborts, which libFuzzer reports as a crash and saves
 * the input that caused it. */
#ifndef NATTER_FUZZ_CHECK_H
#define NATTER_FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Print "fuzz invariant broken: WHAT" and the offending bytes, then abort. */
void fuzz_fail(const char *what, const char *data, size_t len);

/* Valid UTF-8 by the Unicode standard's table of well-formed sequences
 * (written here, independently of core/utf8.c). */
bool fuzz_utf8_valid(const char *s, size_t len);

/* Text safe for a terminal: valid UTF-8, no C0 control except TAB, no DEL,
 * no C1 control. */
bool fuzz_text_safe(const char *s, size_t len);

/* Check one send from the room: one or more complete lines, each ending in
 * CRLF with no other CR or LF, each safe text, each in a shape the protocol
 * allows, and each "Online (N): a, b" list consistent (N names, pairwise
 * different ignoring ASCII case, all valid names). Calls fuzz_fail. */
void fuzz_check_sent(const char *data, size_t len);

/* Check a log line: safe text, no line break. */
void fuzz_check_log(const char *text);

#endif
