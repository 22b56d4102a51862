/* fuzz_utf8.c - libFuzzer target for the text a stranger controls: UTF-8
 * validation and sanitising (core/utf8.c) and the name rules (core/names.c).
 * Sanitised text must be safe for a terminal, no longer than promised,
 * unchanged when already clean, and stable when sanitised twice; a name that
 * passes must be safe too, and the message refusing one must never echo a
 * dangerous byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "core/utf8.h"
#include "fuzz_check.h"

static void check_sanitize(const char *s, size_t len)
{
    char *once = malloc(UTF8_SANITIZED_MAX(len) + 1);
    char *twice = malloc(UTF8_SANITIZED_MAX(UTF8_SANITIZED_MAX(len)) + 1);
    size_t n1, n2;
    if (!once || !twice) {
        free(once);
        free(twice);
        return;
    }
    n1 = utf8_sanitize(s, len, once);
    if (n1 > UTF8_SANITIZED_MAX(len))
        fuzz_fail("sanitised text longer than UTF8_SANITIZED_MAX", s, len);
    if (!fuzz_text_safe(once, n1))
        fuzz_fail("sanitised text is not safe", s, len);
    if (fuzz_text_safe(s, len) && (n1 != len || memcmp(once, s, len) != 0))
        fuzz_fail("clean text was changed", s, len);
    n2 = utf8_sanitize(once, n1, twice);
    if (n2 != n1 || memcmp(once, twice, n1) != 0)
        fuzz_fail("sanitising twice changed the text", s, len);
    free(once);
    free(twice);
}

static void check_decoding(const char *s, size_t len)
{
    size_t i = 0, count = 0;
    if (utf8_is_valid(s, len) != fuzz_utf8_valid(s, len))
        fuzz_fail("utf8_is_valid disagrees with the reference", s, len);
    while (i < len) {
        uint32_t cp;
        char again[4];
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n < 1 || n > 4 || n > len - i)
            fuzz_fail("utf8_decode used an impossible length", s, len);
        /* A decoded code point encodes back to exactly the same bytes. */
        if (cp != UTF8_INVALID && (utf8_encode(cp, again) != n || memcmp(again, s + i, n) != 0))
            fuzz_fail("decode and encode disagree", s + i, n);
        (void)utf8_cp_width(cp);
        i += n;
        count++;
    }
    if (utf8_count(s, len) != count)
        fuzz_fail("utf8_count disagrees with decoding", s, len);
}

static void check_name(const char *s, size_t len)
{
    char msg[160], flipped[NAME_MAX_BYTES];
    name_status st = name_check(s, len);
    const char *text = name_status_message(st, s, len, msg, sizeof msg);
    size_t i;
    if (!fuzz_text_safe(text, strlen(text)))
        fuzz_fail("a name message echoes an unsafe byte", s, len);
    if (st != NAME_OK)
        return;
    if (len > NAME_MAX_BYTES || utf8_count(s, len) > NAME_MAX_CHARS)
        fuzz_fail("an accepted name is too long", s, len);
    if (!fuzz_text_safe(s, len) || memchr(s, ' ', len) || memchr(s, '\t', len))
        fuzz_fail("an accepted name holds unsafe bytes or blanks", s, len);
    if (memchr(s, '>', len) || memchr(s, '*', len) || memchr(s, '<', len) || s[0] == '.')
        fuzz_fail("an accepted name holds a character used to frame names", s, len);
    /* Names equal ignoring ASCII case, and only that. */
    for (i = 0; i < len; i++) {
        char c = s[i];
        flipped[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    if (!name_equal(s, len, flipped, len) || !name_equal(flipped, len, s, len))
        fuzz_fail("a name differs from itself in another case", s, len);
    if (len > 1 && name_equal(s, len, s, len - 1))
        fuzz_fail("a name equals its own prefix", s, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    check_sanitize(s, size);
    check_decoding(s, size);
    check_name(s, size);
    return 0;
}
