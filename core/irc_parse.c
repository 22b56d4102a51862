/* irc_parse.c - IRC messages in: "[@tags] [:prefix] COMMAND params [:trailing]"
 * (RFC 1459 section 2.3, modern.ircdocs.horse "Messages"), comma lists,
 * formatting codes, and the UTC time stamps of IRCv3 server-time. */
#include "core/irc_internal.h"

#include <string.h>

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Skip one space-separated word and the spaces after it. */
static size_t skip_word(const char *s, size_t i, size_t len)
{
    while (i < len && s[i] != ' ')
        i++;
    while (i < len && s[i] == ' ')
        i++;
    return i;
}

bool irc_parse(const char *line, size_t len, char *buf, size_t buf_len, irc_msg *msg)
{
    size_t i = 0, out = 0;

    memset(msg, 0, sizeof *msg);
    if (buf_len < len + 1 + IRC_MAX_PARAMS + 1)
        return false;
    while (i < len && line[i] == ' ')
        i++;
    /* Tags and prefix: clients have no business sending a prefix, and we
     * negotiate no client tags; both are skipped. */
    if (i < len && line[i] == '@')
        i = skip_word(line, i, len);
    if (i < len && line[i] == ':')
        i = skip_word(line, i, len);
    if (i >= len)
        return false;
    /* The command, upper-cased. */
    msg->command = buf + out;
    while (i < len && line[i] != ' ')
        buf[out++] = upper(line[i++]);
    buf[out++] = '\0';
    while (i < len && line[i] == ' ')
        i++;
    while (i < len && msg->nparams < IRC_MAX_PARAMS) {
        size_t start = out;
        /* The last parameter, or one starting with ':', runs to the end. */
        bool trailing = line[i] == ':' || msg->nparams == IRC_MAX_PARAMS - 1;
        if (line[i] == ':')
            i++;
        if (trailing) {
            while (i < len)
                buf[out++] = line[i++];
        } else {
            while (i < len && line[i] != ' ')
                buf[out++] = line[i++];
            while (i < len && line[i] == ' ')
                i++;
        }
        buf[out++] = '\0';
        msg->params[msg->nparams] = buf + start;
        msg->param_len[msg->nparams] = out - 1 - start;
        msg->nparams++;
    }
    return msg->command[0] != '\0';
}

bool irc_next_item(const char **list, const char **item, size_t *len)
{
    const char *p = *list;

    while (*p == ',')
        p++;
    if (*p == '\0')
        return false;
    *item = p;
    while (*p && *p != ',')
        p++;
    *len = (size_t)(p - *item);
    *list = p;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

size_t irc_strip_formatting(char *text, size_t len)
{
    size_t i = 0, out = 0;

    while (i < len) {
        char c = text[i];
        if (c == 0x02 || c == 0x0F || c == 0x11 || c == 0x16 || c == 0x1D || c == 0x1E ||
            c == 0x1F) {
            i++;
        } else if (c == 0x03) {
            /* ^C, then up to two digits of foreground, optionally ",NN". */
            i++;
            if (i < len && is_digit(text[i])) {
                i++;
                if (i < len && is_digit(text[i]))
                    i++;
                if (i + 1 < len && text[i] == ',' && is_digit(text[i + 1])) {
                    i += 2;
                    if (i < len && is_digit(text[i]))
                        i++;
                }
            }
        } else if (c == 0x04) {
            /* Hex colour: ^D RRGGBB[,RRGGBB] */
            size_t k = 0;
            i++;
            while (k < 6 && i < len &&
                   ((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f') ||
                    (text[i] >= 'A' && text[i] <= 'F'))) {
                i++;
                k++;
            }
        } else {
            text[out++] = text[i++];
        }
    }
    return out;
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, in
 * the proleptic Gregorian calendar). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    yoe = z - era * 146097;
    yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
    doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static void put2(char *out, unsigned v)
{
    out[0] = (char)('0' + v / 10 % 10);
    out[1] = (char)('0' + v % 10);
}

void irc_utc_time(int64_t t, char out[25])
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400, y;
    unsigned m, d, year;

    civil_from_days(days, &y, &m, &d);
    year = (unsigned)(y < 0 ? 0 : y > 9999 ? 9999 : y);
    put2(out, year / 100);
    put2(out + 2, year % 100);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, (unsigned)(secs / 3600));
    out[13] = ':';
    put2(out + 14, (unsigned)(secs / 60 % 60));
    out[16] = ':';
    put2(out + 17, (unsigned)(secs % 60));
    memcpy(out + 19, ".000Z", 6);
}
