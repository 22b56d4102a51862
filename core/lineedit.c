/* lineedit.c - the one-line editor: key decoding, editing, history and
 * drawing, as a state machine over bytes (see lineedit.h). Positions are
 * byte offsets that always sit on a character boundary; a "character" is a
 * code point with any zero-width code points (combining marks) after it, so
 * the cursor never lands inside what the terminal shows as one cell. */
#include "core/lineedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

/* Key decoder states. */
#define ST_GROUND 0   /* between keys */
#define ST_ESC    1   /* after ESC */
#define ST_CSI    2   /* after ESC [ : parameters until a final byte */
#define ST_SS3    3   /* after ESC O : one final byte */
#define ST_UTF8   4   /* inside a multi-byte UTF-8 character */

#define KEY_ESC 0x1b
#define KEY_DEL 0x7f

/* ---- growable text ---------------------------------------------------- */

static int text_reserve(lineedit_text *t, size_t extra)
{
    size_t need = t->len + extra;
    size_t cap;
    char *p;

    if (need <= t->cap)
        return 0;
    cap = t->cap ? t->cap : 64;
    while (cap < need)
        cap *= 2;
    p = (char *)realloc(t->data, cap);
    if (!p)
        return -1;
    t->data = p;
    t->cap = cap;
    return 0;
}

static int text_append(lineedit_text *t, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (text_reserve(t, n) != 0)
        return -1;
    memcpy(t->data + t->len, s, n);
    t->len += n;
    return 0;
}

static int text_assign(lineedit_text *t, const char *s, size_t n)
{
    t->len = 0;
    return text_append(t, s, n);
}

static void text_free(lineedit_text *t)
{
    free(t->data);
    t->data = NULL;
    t->len = t->cap = 0;
}

static void out_puts(line_editor *e, const char *s)
{
    /* Output that cannot be stored is dropped: the next redraw repairs the
     * screen, and nothing else can be done without memory. */
    (void)text_append(&e->out, s, strlen(s));
}

/* ---- characters ------------------------------------------------------- */

/* The code point at pos of the (valid) line and its byte length. */
static size_t cp_at(const line_editor *e, size_t pos, uint32_t *cp)
{
    return utf8_decode(e->line.data + pos, e->line.len - pos, cp);
}

static int width_at(const line_editor *e, size_t pos)
{
    uint32_t cp;
    cp_at(e, pos, &cp);
    return cp == UTF8_INVALID ? 1 : utf8_cp_width(cp);
}

/* Start of the code point before pos. */
static size_t prev_cp(const line_editor *e, size_t pos)
{
    while (pos > 0) {
        pos--;
        if (((unsigned char)e->line.data[pos] & 0xC0) != 0x80)
            break;
    }
    return pos;
}

/* One past the character at pos: its code point and the zero-width ones
 * that follow it. */
static size_t next_char(const line_editor *e, size_t pos)
{
    uint32_t cp;
    if (pos >= e->line.len)
        return e->line.len;
    pos += cp_at(e, pos, &cp);
    while (pos < e->line.len && width_at(e, pos) == 0)
        pos += cp_at(e, pos, &cp);
    return pos;
}

/* Start of the character before pos. */
static size_t prev_char(const line_editor *e, size_t pos)
{
    pos = prev_cp(e, pos);
    while (pos > 0 && width_at(e, pos) == 0)
        pos = prev_cp(e, pos);
    return pos;
}

/* Columns taken by the bytes [from, to) of the line. */
static int width_between(const line_editor *e, size_t from, size_t to)
{
    int w = 0;
    uint32_t cp;
    while (from < to) {
        size_t n = cp_at(e, from, &cp);
        w += cp == UTF8_INVALID ? 1 : utf8_cp_width(cp);
        from += n;
    }
    return w;
}

static int text_width(const char *s, size_t len)
{
    int w = 0;
    uint32_t cp;
    while (len > 0) {
        size_t n = utf8_decode(s, len, &cp);
        w += cp == UTF8_INVALID ? 1 : utf8_cp_width(cp);
        s += n;
        len -= n;
    }
    return w;
}

static bool is_space_at(const line_editor *e, size_t pos)
{
    return e->line.data[pos] == ' ';
}

/* Start of the word before pos (skipping spaces first), as Ctrl-W and
 * Alt-B see it. */
static size_t word_start_before(const line_editor *e, size_t pos)
{
    while (pos > 0 && is_space_at(e, prev_cp(e, pos)))
        pos = prev_cp(e, pos);
    while (pos > 0 && !is_space_at(e, prev_cp(e, pos)))
        pos = prev_char(e, pos);
    return pos;
}

/* End of the word after pos (skipping spaces first), for Alt-F. */
static size_t word_end_after(const line_editor *e, size_t pos)
{
    while (pos < e->line.len && is_space_at(e, pos))
        pos++;
    while (pos < e->line.len && !is_space_at(e, pos))
        pos = next_char(e, pos);
    return pos;
}

/* ---- editing ---------------------------------------------------------- */

static void bell(line_editor *e)
{
    out_puts(e, "\a");
}

static void move_to(line_editor *e, size_t pos)
{
    if (pos != e->cursor) {
        e->cursor = pos;
        e->dirty = true;
    }
}

static void delete_range(line_editor *e, size_t from, size_t to)
{
    if (from >= to)
        return;
    memmove(e->line.data + from, e->line.data + to, e->line.len - to);
    e->line.len -= to - from;
    if (e->cursor >= to)
        e->cursor -= to - from;
    else if (e->cursor > from)
        e->cursor = from;
    e->dirty = true;
}

/* Insert one encoded code point at the cursor. Control characters never
 * enter the line; TAB becomes a space because its width depends on where
 * the terminal puts it. */
static int insert_cp(line_editor *e, uint32_t cp)
{
    char enc[4];
    size_t n;

    if (cp == '\t')
        cp = ' ';
    if (utf8_is_control(cp))
        return 0;
    n = utf8_encode(cp, enc);
    if (e->line.len + n > e->max_bytes || text_reserve(&e->line, n) != 0) {
        bell(e);
        return -1;
    }
    memmove(e->line.data + e->cursor + n, e->line.data + e->cursor,
            e->line.len - e->cursor);
    memcpy(e->line.data + e->cursor, enc, n);
    e->line.len += n;
    e->cursor += n;
    e->dirty = true;
    return 0;
}

static void backspace(line_editor *e)
{
    if (e->cursor == 0) {
        bell(e);
        return;
    }
    delete_range(e, prev_char(e, e->cursor), e->cursor);
}

static void delete_at_cursor(line_editor *e)
{
    if (e->cursor >= e->line.len) {
        bell(e);
        return;
    }
    delete_range(e, e->cursor, next_char(e, e->cursor));
}

/* Show history entry pos (or the draft when pos == hist_count). */
static void load_history(line_editor *e, size_t pos)
{
    const lineedit_text *src = pos == e->hist_count ? &e->draft : &e->history[pos];
    if (text_assign(&e->line, src->data, src->len) != 0) {
        e->line.len = 0;
        bell(e);
    }
    e->hist_pos = pos;
    e->cursor = e->line.len;
    e->dirty = true;
}

static void history_up(line_editor *e)
{
    if (e->hist_pos == 0) {
        bell(e);
        return;
    }
    if (e->hist_pos == e->hist_count &&
        text_assign(&e->draft, e->line.data, e->line.len) != 0) {
        bell(e);
        return;
    }
    load_history(e, e->hist_pos - 1);
}

static void history_down(line_editor *e)
{
    if (e->hist_pos >= e->hist_count) {
        bell(e);
        return;
    }
    load_history(e, e->hist_pos + 1);
}

/* Remember a submitted line, unless it is empty or repeats the last one;
 * the oldest line goes when the history is full. */
static void history_add(line_editor *e, const char *s, size_t n)
{
    lineedit_text entry = {NULL, 0, 0};
    const lineedit_text *last;

    if (e->hist_max == 0 || n == 0)
        return;
    last = e->hist_count ? &e->history[e->hist_count - 1] : NULL;
    if (last && last->len == n && memcmp(last->data, s, n) == 0)
        return;
    if (text_append(&entry, s, n) != 0)
        return;
    if (e->hist_count == e->hist_max) {
        text_free(&e->history[0]);
        memmove(e->history, e->history + 1, (e->hist_count - 1) * sizeof e->history[0]);
        e->hist_count--;
    }
    e->history[e->hist_count++] = entry;
}

/* Enter: the line moves to "submitted" and the input starts empty. */
static void submit(line_editor *e)
{
    if (text_assign(&e->submitted, e->line.data, e->line.len) != 0)
        e->submitted.len = 0;
    history_add(e, e->line.data, e->line.len);
    e->hist_pos = e->hist_count;
    e->draft.len = 0;
    e->line.len = 0;
    e->cursor = 0;
    e->scroll = 0;
    e->dirty = true;
}

/* ---- completion -------------------------------------------------------- */

/* Start of the word that ends at the cursor: spaces delimit words, and
 * names and room names never hold one. */
static size_t completion_start(const line_editor *e)
{
    size_t pos = e->cursor;
    while (pos > 0 && !is_space_at(e, prev_cp(e, pos)))
        pos = prev_cp(e, pos);
    return pos;
}

/* Put text (from the hook: checked like typed input) in place of the line
 * bytes [from, cursor). */
static void replace_word(line_editor *e, size_t from, const char *text, size_t len)
{
    size_t i = 0;
    delete_range(e, from, e->cursor);
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(text + i, len - i, &cp);
        if (cp != UTF8_INVALID && insert_cp(e, cp) != 0)
            return;
        i += n;
    }
}

/* Tab. A unique match ends with a space (stepping over one already there),
 * so the next word can be typed at once. */
static int complete_word(line_editor *e)
{
    char out[LINEEDIT_COMPLETION_MAX];
    size_t start = completion_start(e), len = 0, matches;
    bool again = e->tab_ambiguous;

    e->tab_ambiguous = false;
    if (start == e->cursor) {
        bell(e);
        return LINEEDIT_NONE;
    }
    matches = e->complete(e->complete_arg, e->line.data + start, e->cursor - start, out,
                          sizeof out, &len);
    if (len > sizeof out)
        len = sizeof out;
    if (matches == 0) {
        bell(e);
        return LINEEDIT_NONE;
    }
    if (matches == 1) {
        replace_word(e, start, out, len);
        if (e->cursor < e->line.len && is_space_at(e, e->cursor))
            move_to(e, e->cursor + 1);
        else
            (void)insert_cp(e, ' ');
        return LINEEDIT_NONE;
    }
    e->tab_ambiguous = true;
    if (len > e->cursor - start) {
        replace_word(e, start, out, len);
        return LINEEDIT_NONE;
    }
    if (again)
        return LINEEDIT_LIST;
    bell(e);
    return LINEEDIT_NONE;
}

/* ---- drawing ---------------------------------------------------------- */

/* Columns available for the input itself. The last terminal column stays
 * empty: writing there leaves some terminals in a pending-wrap state that
 * would break the "\r" redraw. A prompt that leaves too little room is not
 * shown. */
static int input_columns(const line_editor *e, int *prompt_shown)
{
    int cols = e->columns - 1;
    int room = cols - e->prompt_width;
    if (room >= 8) {
        *prompt_shown = e->prompt_width;
        return room;
    }
    *prompt_shown = 0;
    return cols;
}

/* Pick the window [scroll, ...) so that the cursor column is inside the
 * input area, and no more of the start is hidden than needed. */
static void adjust_scroll(line_editor *e, int room)
{
    size_t p;
    int w;

    if (e->cursor < e->scroll)
        e->scroll = e->cursor;
    /* Widths are kept running so a long line costs one pass, not one per
     * character hidden. */
    w = width_between(e, e->scroll, e->cursor);
    while (e->scroll < e->cursor && w > room - 1) {
        p = next_char(e, e->scroll);
        w -= width_between(e, e->scroll, p);
        e->scroll = p;
    }
    /* After deletions, show more of the start if the rest still fits. */
    w = width_between(e, e->scroll, e->line.len);
    while (e->scroll > 0) {
        p = prev_char(e, e->scroll);
        w += width_between(e, p, e->scroll);
        if (w > room - 1)
            break;
        e->scroll = p;
    }
}

int lineedit_cursor_column(line_editor *e)
{
    int shown;
    int room = input_columns(e, &shown);
    adjust_scroll(e, room);
    return shown + width_between(e, e->scroll, e->cursor);
}

void lineedit_redraw(line_editor *e)
{
    int shown, used = 0, col;
    int room = input_columns(e, &shown);
    size_t pos, end;
    char move[32];

    adjust_scroll(e, room);
    out_puts(e, "\r");
    if (shown > 0) {
        if (e->prompt_sgr[0]) {
            out_puts(e, "\x1b[");
            out_puts(e, e->prompt_sgr);
            out_puts(e, "m");
        }
        (void)text_append(&e->out, e->prompt.data, e->prompt.len);
        if (e->prompt_sgr[0])
            out_puts(e, "\x1b[0m");
    }
    /* Whole characters only: a wide character that does not fit in the
     * last column is left out rather than cut. */
    for (pos = e->scroll; pos < e->line.len; pos = end) {
        end = next_char(e, pos);
        if (used + width_between(e, pos, end) > room)
            break;
        used += width_between(e, pos, end);
        (void)text_append(&e->out, e->line.data + pos, end - pos);
    }
    out_puts(e, "\x1b[K\r");
    col = shown + width_between(e, e->scroll, e->cursor);
    if (col > 0) {
        snprintf(move, sizeof move, "\x1b[%dC", col);
        out_puts(e, move);
    }
    e->dirty = false;
}

void lineedit_hide(line_editor *e)
{
    out_puts(e, "\r\x1b[K");
}

/* ---- key decoding ----------------------------------------------------- */

/* A control byte (C0 or DEL) typed in the ground state. */
static int control_key(line_editor *e, unsigned char c)
{
    switch (c) {
    case 0x01: move_to(e, 0); break;                                  /* Ctrl-A */
    case 0x02: move_to(e, e->cursor ? prev_char(e, e->cursor) : 0); break; /* Ctrl-B */
    case 0x03: return LINEEDIT_QUIT;                                  /* Ctrl-C */
    case 0x04:                                                        /* Ctrl-D */
        if (e->line.len == 0)
            return LINEEDIT_QUIT;
        delete_at_cursor(e);
        break;
    case 0x05: move_to(e, e->line.len); break;                        /* Ctrl-E */
    case 0x06: move_to(e, next_char(e, e->cursor)); break;            /* Ctrl-F */
    case 0x08: case KEY_DEL: backspace(e); break;                     /* Backspace */
    case '\t':
        if (e->complete)
            return complete_word(e);
        (void)insert_cp(e, '\t');
        break;
    case 0x0b: delete_range(e, e->cursor, e->line.len); break;        /* Ctrl-K */
    case 0x0c:                                                        /* Ctrl-L */
        out_puts(e, "\x1b[H\x1b[2J");
        e->dirty = true;
        break;
    case 0x0e: history_down(e); break;                                /* Ctrl-N */
    case 0x10: history_up(e); break;                                  /* Ctrl-P */
    case 0x15: delete_range(e, 0, e->cursor); break;                  /* Ctrl-U */
    case 0x17: delete_range(e, word_start_before(e, e->cursor), e->cursor); break; /* Ctrl-W */
    default: break;   /* other control keys do nothing */
    }
    return LINEEDIT_NONE;
}

/* The first (and second, after ';') numeric parameter of a CSI sequence. */
static void csi_params(const line_editor *e, int *p1, int *p2)
{
    size_t i;
    int *cur = p1;
    *p1 = *p2 = 0;
    for (i = 0; i < e->seq_len; i++) {
        char c = e->seq[i];
        if (c >= '0' && c <= '9') {
            if (*cur < 10000)
                *cur = *cur * 10 + (c - '0');
        } else if (c == ';') {
            if (cur == p2)
                break;
            cur = p2;
        }
    }
}

/* Cursor keys shared by CSI and SS3 sequences; modified Left/Right (Ctrl
 * or Alt, modifier 5 or 3) move by words. */
static void cursor_key(line_editor *e, char final, int modifier)
{
    bool by_word = modifier == 3 || modifier == 5;
    switch (final) {
    case 'A': history_up(e); break;
    case 'B': history_down(e); break;
    case 'C':
        move_to(e, by_word ? word_end_after(e, e->cursor) : next_char(e, e->cursor));
        break;
    case 'D':
        if (by_word)
            move_to(e, word_start_before(e, e->cursor));
        else if (e->cursor > 0)
            move_to(e, prev_char(e, e->cursor));
        break;
    case 'H': move_to(e, 0); break;
    case 'F': move_to(e, e->line.len); break;
    default: break;
    }
}

static void csi_key(line_editor *e, char final)
{
    int p1, p2;
    csi_params(e, &p1, &p2);
    if (final != '~') {
        cursor_key(e, final, p2);
        return;
    }
    switch (p1) {
    case 1: case 7: move_to(e, 0); break;            /* Home */
    case 4: case 8: move_to(e, e->line.len); break;  /* End */
    case 3: delete_at_cursor(e); break;              /* Delete */
    default: break;                                  /* Insert, PgUp, F-keys... */
    }
}

/* Alt-key (ESC then a byte): Alt-B / Alt-F move by words, Alt-Backspace
 * deletes a word. Returns false if c is not one of those and should be
 * handled as a plain key. */
static bool alt_key(line_editor *e, unsigned char c)
{
    switch (c) {
    case 'b': move_to(e, word_start_before(e, e->cursor)); return true;
    case 'f': move_to(e, word_end_after(e, e->cursor)); return true;
    case KEY_DEL: case 0x08:
        delete_range(e, word_start_before(e, e->cursor), e->cursor);
        return true;
    default: return false;
    }
}

/* Bytes after a UTF-8 lead byte, or 0 if b cannot start a character. */
static size_t utf8_tail_length(unsigned char b)
{
    if (b >= 0xC2 && b <= 0xDF) return 1;
    if (b >= 0xE0 && b <= 0xEF) return 2;
    if (b >= 0xF0 && b <= 0xF4) return 3;
    return 0;
}

/* A complete UTF-8 sequence collected in seq: insert it if it is valid
 * (not overlong, not a surrogate, not above U+10FFFF). */
static void utf8_done(line_editor *e)
{
    uint32_t cp;
    size_t n = utf8_decode(e->seq, e->seq_len, &cp);
    if (cp != UTF8_INVALID && n == e->seq_len)
        (void)insert_cp(e, cp);
}

static int ground_byte(line_editor *e, unsigned char c)
{
    bool was_cr = e->after_cr;

    e->after_cr = false;
    if (c == '\r' || c == '\n') {
        if (c == '\n' && was_cr)
            return LINEEDIT_NONE;   /* the LF of a CRLF */
        e->after_cr = c == '\r';
        submit(e);
        return LINEEDIT_SUBMIT;
    }
    if (c == KEY_ESC) {
        e->state = ST_ESC;
        return LINEEDIT_NONE;
    }
    if (c < 0x20 || c == KEY_DEL)
        return control_key(e, c);
    if (c < 0x80) {
        (void)insert_cp(e, c);
        return LINEEDIT_NONE;
    }
    e->utf8_need = utf8_tail_length(c);
    if (e->utf8_need > 0) {   /* stray continuation and bad lead bytes are dropped */
        e->seq[0] = (char)c;
        e->seq_len = 1;
        e->state = ST_UTF8;
    }
    return LINEEDIT_NONE;
}

/* One byte through the decoder. Returns an event. */
static int feed_byte(line_editor *e, unsigned char c)
{
    switch (e->state) {
    case ST_ESC:
        e->state = ST_GROUND;
        if (c == '[' || c == 'O') {
            e->state = c == '[' ? ST_CSI : ST_SS3;
            e->seq_len = 0;
            return LINEEDIT_NONE;
        }
        if (c == KEY_ESC) {       /* ESC ESC: the first one was a lone Escape */
            e->state = ST_ESC;
            return LINEEDIT_NONE;
        }
        if (alt_key(e, c))
            return LINEEDIT_NONE;
        return ground_byte(e, c);
    case ST_CSI:
        if (c >= 0x20 && c <= 0x3F) {           /* parameter / intermediate */
            if (e->seq_len < sizeof e->seq)
                e->seq[e->seq_len++] = (char)c;
            return LINEEDIT_NONE;
        }
        e->state = ST_GROUND;
        if (c >= 0x40 && c <= 0x7E) {
            csi_key(e, (char)c);
            return LINEEDIT_NONE;
        }
        return ground_byte(e, c);               /* a broken sequence */
    case ST_SS3:
        e->state = ST_GROUND;
        if (c >= 0x40 && c <= 0x7E) {
            cursor_key(e, (char)c, 0);
            return LINEEDIT_NONE;
        }
        return ground_byte(e, c);
    case ST_UTF8:
        if ((c & 0xC0) != 0x80) {               /* truncated character: drop it */
            e->state = ST_GROUND;
            return ground_byte(e, c);
        }
        e->seq[e->seq_len++] = (char)c;
        if (--e->utf8_need == 0) {
            e->state = ST_GROUND;
            utf8_done(e);
        }
        return LINEEDIT_NONE;
    default:
        return ground_byte(e, c);
    }
}

/* ---- public API ------------------------------------------------------- */

int lineedit_init(line_editor *e, size_t max_bytes, size_t history_max)
{
    memset(e, 0, sizeof *e);
    e->max_bytes = max_bytes;
    e->columns = 80;
    e->state = ST_GROUND;
    if (history_max > 0) {
        e->history = (lineedit_text *)calloc(history_max, sizeof *e->history);
        if (!e->history)
            return -1;
    }
    e->hist_max = history_max;
    e->dirty = true;
    return 0;
}

void lineedit_free(line_editor *e)
{
    size_t i;
    for (i = 0; i < e->hist_count; i++)
        text_free(&e->history[i]);
    free(e->history);
    text_free(&e->line);
    text_free(&e->submitted);
    text_free(&e->out);
    text_free(&e->prompt);
    text_free(&e->draft);
    memset(e, 0, sizeof *e);
}

int lineedit_set_prompt(line_editor *e, const char *prompt, const char *sgr)
{
    size_t n = strlen(prompt);
    if (text_assign(&e->prompt, prompt, n) != 0)
        return -1;
    e->prompt_width = text_width(prompt, n);
    e->prompt_sgr[0] = '\0';
    if (sgr && strlen(sgr) < sizeof e->prompt_sgr)
        memcpy(e->prompt_sgr, sgr, strlen(sgr) + 1);
    e->dirty = true;
    return 0;
}

void lineedit_set_completion(line_editor *e, lineedit_complete_fn fn, void *arg)
{
    e->complete = fn;
    e->complete_arg = arg;
    e->tab_ambiguous = false;
}

const char *lineedit_word(const line_editor *e, size_t *len)
{
    size_t start = completion_start(e);
    *len = e->cursor - start;
    return e->line.data ? e->line.data + start : "";
}

void lineedit_set_columns(line_editor *e, int columns)
{
    e->columns = columns < 4 ? 4 : columns;
    e->dirty = true;
}

size_t lineedit_feed(line_editor *e, const char *data, size_t len, int *event)
{
    size_t i;
    *event = LINEEDIT_NONE;
    for (i = 0; i < len; i++) {
        int ev;
        /* Any key but Tab ends a run of Tabs. */
        if (data[i] != '\t')
            e->tab_ambiguous = false;
        ev = feed_byte(e, (unsigned char)data[i]);
        if (ev != LINEEDIT_NONE) {
            /* The input is drawn as it is now (empty after Enter) before
             * the caller prints anything for the event. */
            if (e->dirty)
                lineedit_redraw(e);
            *event = ev;
            return i + 1;
        }
    }
    if (e->dirty)
        lineedit_redraw(e);
    return len;
}

const char *lineedit_submitted(const line_editor *e, size_t *len)
{
    *len = e->submitted.len;
    return e->submitted.data ? e->submitted.data : "";
}

const char *lineedit_buffer(const line_editor *e, size_t *len)
{
    *len = e->line.len;
    return e->line.data ? e->line.data : "";
}

size_t lineedit_cursor(const line_editor *e)
{
    return e->cursor;
}

int lineedit_set_buffer(line_editor *e, const char *text, size_t len)
{
    size_t i = 0;
    int result = 0;

    e->line.len = 0;
    e->cursor = 0;
    e->scroll = 0;
    e->dirty = true;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(text + i, len - i, &cp);
        if (cp != UTF8_INVALID && insert_cp(e, cp) != 0)
            result = -1;
        i += n;
    }
    return result;
}

const char *lineedit_output(const line_editor *e, size_t *len)
{
    *len = e->out.len;
    return e->out.data ? e->out.data : "";
}

void lineedit_output_taken(line_editor *e)
{
    e->out.len = 0;
}
