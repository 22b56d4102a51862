/* history.c - see history.h. A record is
 *   u32 record length | i64 time | u8 kind | u8 name length | name | text
 * with the integers in host byte order (the history never leaves the
 * process) and copied with memcpy, since records are not aligned. */
#include "core/history.h"

#include <string.h>

#define HEADER_LEN (4 + 8 + 1 + 1)

void history_init(room_history *h, size_t limit)
{
    byte_queue_init(&h->bytes);
    h->count = 0;
    h->limit = limit;
}

void history_free(room_history *h)
{
    byte_queue_free(&h->bytes);
    h->count = 0;
}

static uint32_t record_length_at(const room_history *h, size_t pos)
{
    uint32_t len;
    memcpy(&len, byte_queue_data(&h->bytes) + pos, 4);
    return len;
}

int history_add(room_history *h, const history_entry *e)
{
    char header[HEADER_LEN];
    size_t name_len = e->name_len > 255 ? 255 : e->name_len;
    size_t total = HEADER_LEN + name_len + e->text_len;
    uint32_t len32;
    unsigned char kind = (unsigned char)e->kind, nl = (unsigned char)name_len;
    size_t before;

    if (h->limit == 0)
        return 0;
    if (total > UINT32_MAX)
        return -1;
    len32 = (uint32_t)total;
    memcpy(header, &len32, 4);
    memcpy(header + 4, &e->time, 8);
    memcpy(header + 12, &kind, 1);
    memcpy(header + 13, &nl, 1);
    before = byte_queue_length(&h->bytes);
    if (byte_queue_append(&h->bytes, header, HEADER_LEN) != 0 ||
        byte_queue_append(&h->bytes, e->name, name_len) != 0 ||
        byte_queue_append(&h->bytes, e->text, e->text_len) != 0) {
        /* Undo a partial record: drop what was appended after "before". */
        h->bytes.end = h->bytes.start + before;
        return -1;
    }
    h->count++;
    while (h->count > h->limit) {
        byte_queue_consume(&h->bytes, record_length_at(h, 0));
        h->count--;
    }
    return 0;
}

bool history_next(const room_history *h, size_t *pos, history_entry *out)
{
    const char *base = byte_queue_data(&h->bytes);
    size_t avail = byte_queue_length(&h->bytes);
    uint32_t len;
    unsigned char kind, nl;

    if (*pos + HEADER_LEN > avail)
        return false;
    len = record_length_at(h, *pos);
    memcpy(&out->time, base + *pos + 4, 8);
    memcpy(&kind, base + *pos + 12, 1);
    memcpy(&nl, base + *pos + 13, 1);
    out->kind = kind;
    out->name = base + *pos + HEADER_LEN;
    out->name_len = nl;
    out->text = out->name + nl;
    out->text_len = len - HEADER_LEN - nl;
    *pos += len;
    return true;
}
