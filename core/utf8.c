/* utf8.c - strict UTF-8 decoding, the sanitiser that keeps strangers' bytes
 * from driving other people's terminals, and a small display-width table.
 * Invalid input is replaced per maximal subpart (one U+FFFD each), the same
 * convention as the Unicode standard and WHATWG decoders. */
#include "core/utf8.h"

/* Range of valid second bytes after lead byte b (the first continuation
 * byte is where overlongs, surrogates and > U+10FFFF are ruled out). */
static void second_byte_range(unsigned char b, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b == 0xE0)
        *lo = 0xA0;      /* below: overlong 3-byte forms */
    else if (b == 0xED)
        *hi = 0x9F;      /* above: surrogates D800-DFFF */
    else if (b == 0xF0)
        *lo = 0x90;      /* below: overlong 4-byte forms */
    else if (b == 0xF4)
        *hi = 0x8F;      /* above: > U+10FFFF */
}

/* Continuation bytes that follow lead byte b, or -1 if b cannot start a
 * sequence (continuation bytes, C0/C1 overlong leads, F5-FF). */
static int continuation_count(unsigned char b)
{
    if (b >= 0xC2 && b <= 0xDF)
        return 1;
    if (b >= 0xE0 && b <= 0xEF)
        return 2;
    if (b >= 0xF0 && b <= 0xF4)
        return 3;
    return -1;
}

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char lo;
    unsigned char hi;
    uint32_t value;
    int more;
    size_t i;

    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    more = continuation_count(u[0]);
    if (more < 0) {
        *cp = UTF8_INVALID;
        return 1;
    }
    value = u[0] & (0x3Fu >> more);
    second_byte_range(u[0], &lo, &hi);
    for (i = 1; i <= (size_t)more; i++) {
        /* Stop at the first byte that cannot continue: everything before it
         * is the maximal subpart, and that byte starts the next decode. */
        if (i >= len || u[i] < lo || u[i] > hi) {
            *cp = UTF8_INVALID;
            return i;
        }
        value = (value << 6) | (u[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = value;
    return (size_t)more + 1;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    unsigned char *o = (unsigned char *)out;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = UTF8_REPLACEMENT; /* not a scalar value: never emit it */
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

bool utf8_is_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if (cp == UTF8_INVALID)
            return false;
    }
    return true;
}

bool utf8_is_control(uint32_t cp)
{
    if (cp < 0x20)
        return cp != 0x09;          /* C0, but TAB is harmless */
    return cp >= 0x7F && cp <= 0x9F; /* DEL and C1 (0x9B is a one-byte CSI) */
}

size_t utf8_sanitize(const char *s, size_t len, char *out)
{
    size_t i = 0;
    size_t o = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (cp == UTF8_INVALID || utf8_is_control(cp)) {
            out[o++] = (char)0xEF; /* U+FFFD */
            out[o++] = (char)0xBF;
            out[o++] = (char)0xBD;
        } else {
            size_t k;
            for (k = 0; k < n; k++)
                out[o++] = s[i + k];
        }
        i += n;
    }
    return o;
}

/* Code point ranges that are not one column wide, sorted for binary search.
 * A deliberately small approximation of wcwidth(): combining marks and
 * zero-width characters take no column; East Asian wide and fullwidth forms
 * and the common emoji blocks take two. */
typedef struct width_range {
    uint32_t first;
    uint32_t last;
    int width;
} width_range;

static const width_range WIDTH_RANGES[] = {
    {0x0300, 0x036F, 0},   /* combining diacritical marks */
    {0x1100, 0x115F, 2},   /* Hangul Jamo leading consonants */
    {0x1AB0, 0x1AFF, 0},   /* combining diacritical marks extended */
    {0x1DC0, 0x1DFF, 0},   /* combining diacritical marks supplement */
    {0x200B, 0x200F, 0},   /* zero width space, ZWNJ, ZWJ, LRM, RLM */
    {0x20D0, 0x20FF, 0},   /* combining marks for symbols */
    {0x2E80, 0x303E, 2},   /* CJK radicals .. CJK symbols and punctuation */
    {0x3041, 0x33FF, 2},   /* Hiragana .. CJK compatibility */
    {0x3400, 0x4DBF, 2},   /* CJK extension A */
    {0x4E00, 0x9FFF, 2},   /* CJK unified ideographs */
    {0xA000, 0xA4CF, 2},   /* Yi */
    {0xAC00, 0xD7A3, 2},   /* Hangul syllables */
    {0xF900, 0xFAFF, 2},   /* CJK compatibility ideographs */
    {0xFE00, 0xFE0F, 0},   /* variation selectors */
    {0xFE20, 0xFE2F, 0},   /* combining half marks */
    {0xFE30, 0xFE4F, 2},   /* CJK compatibility forms */
    {0xFF00, 0xFF60, 2},   /* fullwidth forms */
    {0xFFE0, 0xFFE6, 2},   /* fullwidth signs */
    {0x1F300, 0x1F64F, 2}, /* pictographs, emoticons */
    {0x1F900, 0x1F9FF, 2}, /* supplemental symbols and pictographs */
    {0x20000, 0x2FFFD, 2}, /* CJK extensions B.. */
    {0x30000, 0x3FFFD, 2}, /* CJK extension G.. */
};

int utf8_cp_width(uint32_t cp)
{
    size_t lo = 0;
    size_t hi = sizeof WIDTH_RANGES / sizeof WIDTH_RANGES[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < WIDTH_RANGES[mid].first)
            hi = mid;
        else if (cp > WIDTH_RANGES[mid].last)
            lo = mid + 1;
        else
            return WIDTH_RANGES[mid].width;
    }
    return 1;
}

size_t utf8_count(const char *s, size_t len)
{
    size_t i = 0;
    size_t count = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        count++;
    }
    return count;
}
