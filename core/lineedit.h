/* lineedit.h - the console client's one-line editor, as a pure state machine.
 *
 * Bytes typed at the terminal go in (UTF-8 text, control keys, VT escape
 * sequences for arrows and friends); out come the edited line, the cursor,
 * and the terminal bytes that draw the line. No I/O happens here, so unit
 * tests drive it key by key. The line is kept valid UTF-8 without control
 * characters whatever arrives: invalid input bytes are dropped.
 *
 * The line never wraps: when it is wider than the terminal, a window of it
 * is drawn that always contains the cursor (horizontal scrolling), so the
 * client can clear and redraw it with "\r" and erase-line alone.
 *
 * Tab completion is a hook: the editor finds the word before the cursor and
 * puts in what the hook returns; what the candidates are, and how they
 * match, is the caller's business. */
#ifndef NATTER_CORE_LINEEDIT_H
#define NATTER_CORE_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

/* What lineedit_feed() stopped for. */
#define LINEEDIT_NONE   0  /* all bytes consumed, nothing to do */
#define LINEEDIT_SUBMIT 1  /* Enter: lineedit_submitted() holds the line */
#define LINEEDIT_QUIT   2  /* Ctrl-C, or Ctrl-D on an empty line */
#define LINEEDIT_LIST   3  /* a second Tab on an ambiguous word: the caller may
                              list the candidates for lineedit_word() */

#define LINEEDIT_COMPLETION_MAX 256  /* bytes a completion may have */

/* The completion hook. word[0, len) is the word before the cursor (never
 * empty). Write into out (cap bytes, no NUL needed) the one matching
 * candidate, or, when several match, the longest prefix they share (on a
 * character boundary; its case may differ from what was typed), set
 * *out_len, and return how many candidates matched. */
typedef size_t (*lineedit_complete_fn)(void *arg, const char *word, size_t len, char *out,
                                       size_t cap, size_t *out_len);

/* A growable byte string (not NUL-terminated). */
typedef struct lineedit_text {
    char *data;
    size_t len;
    size_t cap;
} lineedit_text;

typedef struct line_editor {
    lineedit_text line;      /* the input: valid UTF-8, no control characters */
    size_t cursor;           /* byte offset in line, on a character boundary */
    size_t max_bytes;        /* the line never grows past this */
    lineedit_text submitted; /* the line taken by the last Enter */
    lineedit_text out;       /* terminal output not yet taken by the caller */

    lineedit_text prompt;    /* shown before the input, plain text */
    char prompt_sgr[16];     /* SGR parameters for the prompt ("1" = bold) */
    int prompt_width;        /* columns of the prompt */
    int columns;             /* width of the terminal */
    size_t scroll;           /* byte offset of the first character drawn */

    /* Key decoding: bytes of an escape sequence or of a UTF-8 character
     * may arrive split over several reads. */
    int state;
    char seq[16];
    size_t seq_len;
    size_t utf8_need;        /* continuation bytes still expected */
    bool after_cr;           /* the last byte was CR: an LF right after it is
                                the same line end */
    bool dirty;              /* the line changed since it was last drawn */

    lineedit_complete_fn complete;  /* NULL: Tab types a space */
    void *complete_arg;
    bool tab_ambiguous;      /* the last key was a Tab with several matches */

    /* History: oldest first. hist_pos == hist_count means the line being
     * typed (saved in draft while older lines are shown). */
    lineedit_text *history;
    size_t hist_count;
    size_t hist_max;
    size_t hist_pos;
    lineedit_text draft;
} line_editor;

/* max_bytes bounds the line; history_max bounds the remembered lines (0
 * turns history off). Returns 0, or -1 when memory runs out. */
int lineedit_init(line_editor *e, size_t max_bytes, size_t history_max);
void lineedit_free(line_editor *e);

/* The prompt (trusted plain UTF-8 text) and its SGR style ("1" for bold,
 * "" or NULL for none). Redraws on the next feed or lineedit_redraw().
 * Returns 0, or -1 when memory runs out. */
int lineedit_set_prompt(line_editor *e, const char *prompt, const char *sgr);

/* Tab completion through fn (NULL turns it off: Tab types a space). A
 * unique match replaces the word and adds a space after it; several
 * matches put in their common prefix, ring the bell when that adds
 * nothing, and a second Tab then gives LINEEDIT_LIST. */
void lineedit_set_completion(line_editor *e, lineedit_complete_fn fn, void *arg);

/* The word before the cursor: from just after the last space before it
 * (or the start of the line) to the cursor. */
const char *lineedit_word(const line_editor *e, size_t *len);

/* The terminal width in columns (values below 4 are treated as 4). */
void lineedit_set_columns(line_editor *e, int columns);

/* Process typed bytes until one of them produces an event. Returns the
 * number of bytes consumed (all of them when *event is LINEEDIT_NONE); the
 * caller feeds the rest after handling the event. Drawing for every change
 * is appended to the output. */
size_t lineedit_feed(line_editor *e, const char *data, size_t len, int *event);

/* The line taken by the last LINEEDIT_SUBMIT (valid until the next feed). */
const char *lineedit_submitted(const line_editor *e, size_t *len);

/* The line being edited, and the cursor as a byte offset into it. */
const char *lineedit_buffer(const line_editor *e, size_t *len);
size_t lineedit_cursor(const line_editor *e);

/* The screen column (0-based, prompt included) of the cursor as last drawn
 * or as it will be drawn next. */
int lineedit_cursor_column(line_editor *e);

/* Replace the input with text (invalid or control bytes are dropped), the
 * cursor at its end. Returns 0, or -1 if some of it did not fit (max_bytes
 * or memory). */
int lineedit_set_buffer(line_editor *e, const char *text, size_t len);

/* Append output that erases the input line (before printing a message
 * above it), or that draws it again (after the message). */
void lineedit_hide(line_editor *e);
void lineedit_redraw(line_editor *e);

/* Output not yet written to the terminal; call lineedit_output_taken()
 * once it has been written. */
const char *lineedit_output(const line_editor *e, size_t *len);
void lineedit_output_taken(line_editor *e);

#endif
