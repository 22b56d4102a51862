/* names.c - the user name rules: which characters a name may hold, how long
 * it may be, and name equality. Non-ASCII letters are welcome, but nothing
 * invisible: blank or zero-width names are impersonation tools. */
#include "core/names.h"

#include <stdint.h>
#include <stdio.h>

#include "core/utf8.h"

static bool is_ascii_name_char(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* Unicode White_Space above ASCII. */
static bool is_unicode_space(uint32_t cp)
{
    return cp == 0x0085 || cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Characters that render as nothing (or as blank filler) or that reorder the
 * text around them, so two names would look the same, or a name would look
 * empty or bend the rest of the line (bidi overrides). */
static bool is_invisible(uint32_t cp)
{
    return cp == 0x00AD ||                   /* soft hyphen */
           cp == 0x034F ||                   /* combining grapheme joiner */
           cp == 0x061C ||                   /* Arabic letter mark */
           cp == 0x115F || cp == 0x1160 ||   /* Hangul fillers */
           cp == 0x180E ||                   /* Mongolian vowel separator */
           (cp >= 0x200B && cp <= 0x200F) || /* zero width, LRM, RLM */
           (cp >= 0x202A && cp <= 0x202E) || /* bidi embeddings/overrides */
           (cp >= 0x2060 && cp <= 0x206F) || /* word joiner, bidi isolates */
           cp == 0x3164 || cp == 0xFFA0 ||   /* Hangul fillers */
           cp == 0xFEFF;                     /* zero width no-break space */
}

static bool is_name_char(uint32_t cp)
{
    if (cp < 0x80)
        return is_ascii_name_char(cp);
    return !utf8_is_control(cp) && !is_unicode_space(cp) && !is_invisible(cp);
}

/* The character rules shared by user and room names, with their limits. */
static name_status check_chars(const char *s, size_t len, size_t max_chars, size_t max_bytes)
{
    size_t i = 0;
    size_t chars = 0;

    if (len == 0)
        return NAME_EMPTY;
    if (!utf8_is_valid(s, len))
        return NAME_BAD_UTF8;
    if (s[0] == '.')
        return NAME_BAD_START;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if (!is_name_char(cp))
            return NAME_BAD_CHAR;
        chars++;
    }
    if (chars > max_chars || len > max_bytes)
        return NAME_TOO_LONG;
    return NAME_OK;
}

name_status name_check(const char *s, size_t len)
{
    return check_chars(s, len, NAME_MAX_CHARS, NAME_MAX_BYTES);
}

name_status room_name_check(const char *s, size_t len)
{
    if (len == 0 || s[0] != '#')
        return NAME_NO_HASH;
    return check_chars(s + 1, len - 1, ROOM_NAME_MAX_CHARS, ROOM_NAME_MAX_BYTES - 1);
}

/* Write "(not ...)" naming the first character of s that a name may not
 * hold. Printable ASCII is quoted; anything else is described, since echoing
 * a control or invisible character back would defeat the point. */
static void describe_bad_char(const char *s, size_t len, char *out, size_t out_len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if (cp != UTF8_INVALID && is_name_char(cp))
            continue;
        if (cp == ' ' || is_unicode_space(cp))
            snprintf(out, out_len, "(not a space)");
        else if (cp == '\'')
            snprintf(out, out_len, "(not \"'\")");
        else if (cp > 0x20 && cp < 0x7F)
            snprintf(out, out_len, "(not '%c')", (char)cp);
        else if (cp == UTF8_INVALID || utf8_is_control(cp) || cp == '\t')
            snprintf(out, out_len, "(not a control character)");
        else
            snprintf(out, out_len, "(not an invisible character)");
        return;
    }
    snprintf(out, out_len, "(not that character)");
}

const char *name_status_message(name_status st, const char *s, size_t len, char *out,
                                size_t out_len)
{
    char detail[48];

    if (out == NULL || out_len == 0)
        return "";
    switch (st) {
    case NAME_OK:
        snprintf(out, out_len, "Name is valid.");
        break;
    case NAME_EMPTY:
        snprintf(out, out_len, "Name cannot be empty.");
        break;
    case NAME_TOO_LONG:
        /* Over 64 bytes with few characters only happens with non-ASCII
         * names; say which limit was hit so the user is not puzzled. */
        if (utf8_count(s, len) > NAME_MAX_CHARS)
            snprintf(out, out_len, "Name too long (max %d characters).", NAME_MAX_CHARS);
        else
            snprintf(out, out_len, "Name too long (max %d bytes of UTF-8).", NAME_MAX_BYTES);
        break;
    case NAME_BAD_CHAR:
        describe_bad_char(s, len, detail, sizeof detail);
        snprintf(out, out_len, "Names may only contain letters, digits, '_', '-' and '.' %s.",
                 detail);
        break;
    case NAME_BAD_START:
        snprintf(out, out_len, "Names may not start with '.'.");
        break;
    case NAME_BAD_UTF8:
        snprintf(out, out_len, "Name is not valid UTF-8.");
        break;
    case NAME_NO_HASH:
    default:
        snprintf(out, out_len, "Invalid name.");
        break;
    }
    return out;
}

const char *room_name_status_message(name_status st, const char *s, size_t len, char *out,
                                     size_t out_len)
{
    char detail[48];

    if (out == NULL || out_len == 0)
        return "";
    if (len > 0 && s[0] == '#') {
        s++;
        len--;
    }
    switch (st) {
    case NAME_OK:
        snprintf(out, out_len, "Room name is valid.");
        break;
    case NAME_NO_HASH:
        snprintf(out, out_len, "Room names start with '#'.");
        break;
    case NAME_EMPTY:
        snprintf(out, out_len, "Room name cannot be empty.");
        break;
    case NAME_TOO_LONG:
        if (utf8_count(s, len) > ROOM_NAME_MAX_CHARS)
            snprintf(out, out_len, "Room name too long (max %d characters after '#').",
                     ROOM_NAME_MAX_CHARS);
        else
            snprintf(out, out_len, "Room name too long (max %d bytes of UTF-8).",
                     ROOM_NAME_MAX_BYTES);
        break;
    case NAME_BAD_CHAR:
        describe_bad_char(s, len, detail, sizeof detail);
        snprintf(out, out_len, "Room names may only contain letters, digits, '_', '-' and '.' %s.",
                 detail);
        break;
    case NAME_BAD_START:
        snprintf(out, out_len, "Room names may not start with '#.'.");
        break;
    case NAME_BAD_UTF8:
        snprintf(out, out_len, "Room name is not valid UTF-8.");
        break;
    default:
        snprintf(out, out_len, "Invalid room name.");
        break;
    }
    return out;
}

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

bool name_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i;
    if (alen != blen)
        return false;
    for (i = 0; i < alen; i++) {
        /* Only ASCII letters fold, so a UTF-8 byte never matches another. */
        if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
            return false;
    }
    return true;
}
