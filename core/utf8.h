/* utf8.h - UTF-8 decoding, validation, sanitising and display width.
 *
 * The server relays text from strangers to other people's terminals, so every
 * relayed line is sanitised: invalid UTF-8 (bad bytes, overlong forms,
 * surrogates, code points above U+10FFFF) and control characters (C0 except
 * TAB, DEL, C1) become U+FFFD. That also disarms ESC and every terminal
 * escape sequence. */
#ifndef NATTER_CORE_UTF8_H
#define NATTER_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu

/* Decode one code point from s (len > 0). Returns the bytes used (1-4) and
 * stores the code point, or returns the length of the maximal invalid prefix
 * (>= 1) and stores UTF8_INVALID. */
#define UTF8_INVALID 0xFFFFFFFFu
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp (a valid scalar value) into out; returns bytes written (1-4). */
size_t utf8_encode(uint32_t cp, char out[4]);

bool utf8_is_valid(const char *s, size_t len);

/* Control characters that must never reach a terminal raw. */
bool utf8_is_control(uint32_t cp);

/* Worst-case output size of utf8_sanitize for len input bytes. */
#define UTF8_SANITIZED_MAX(len) ((len) * 3)

/* Copy s to out replacing invalid sequences and control characters (except
 * TAB) with U+FFFD. out must hold UTF8_SANITIZED_MAX(len) bytes. Returns the
 * bytes written. */
size_t utf8_sanitize(const char *s, size_t len, char *out);

/* Terminal columns of one code point: 0 (combining marks, zero-width), 2 (East
 * Asian wide and fullwidth, most emoji) or 1. */
int utf8_cp_width(uint32_t cp);

/* Number of code points in valid UTF-8 s (invalid sequences count as one). */
size_t utf8_count(const char *s, size_t len);

#endif
