/* namemap.c - see namemap.h. */
#include "core/namemap.h"

#include <stdbool.h>
#include <stdlib.h>

#include "core/names.h"

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= fold((unsigned char)s[i]);
        h *= 16777619u;
    }
    return h;
}

void name_map_init(name_map *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->count = 0;
}

void name_map_free(name_map *m)
{
    free(m->slots);
    name_map_init(m);
}

static size_t find_slot(const name_map *m, const char *key, size_t len, uint32_t h)
{
    size_t mask = m->cap - 1;
    size_t i = h & mask;

    while (m->slots[i].key) {
        const name_slot *s = &m->slots[i];
        if (s->hash == h && name_equal(s->key, s->key_len, key, len))
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

void *name_map_get(const name_map *m, const char *key, size_t len)
{
    size_t i;

    if (m->count == 0)
        return NULL;
    i = find_slot(m, key, len, name_hash(key, len));
    return m->slots[i].key ? m->slots[i].value : NULL;
}

/* Keep the load under 1/2 so probes stay short. */
static int grow(name_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16, i;
    name_slot *old = m->slots, *slots = calloc(cap, sizeof *slots);

    if (!slots)
        return -1;
    for (i = 0; i < m->cap; i++) {
        if (old[i].key) {
            size_t j = old[i].hash & (cap - 1);
            while (slots[j].key)
                j = (j + 1) & (cap - 1);
            slots[j] = old[i];
        }
    }
    free(old);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

int name_map_put(name_map *m, const char *key, size_t len, void *value)
{
    uint32_t h = name_hash(key, len);
    size_t i;

    if ((m->count + 1) * 2 > m->cap && grow(m) != 0)
        return -1;
    i = find_slot(m, key, len, h);
    m->slots[i].key = key;
    m->slots[i].key_len = len;
    m->slots[i].hash = h;
    m->slots[i].value = value;
    m->count++;
    return 0;
}

void *name_map_remove(name_map *m, const char *key, size_t len)
{
    size_t mask, i, j;
    void *value;

    if (m->count == 0)
        return NULL;
    mask = m->cap - 1;
    i = find_slot(m, key, len, name_hash(key, len));
    if (!m->slots[i].key)
        return NULL;
    value = m->slots[i].value;
    /* Backward-shift: move later entries of the probe run into the hole
     * when their home slot allows it, so no lookup ever stops early. */
    j = i;
    for (;;) {
        size_t home;
        bool movable;
        m->slots[i].key = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!m->slots[j].key) {
                m->count--;
                return value;
            }
            home = m->slots[j].hash & mask;
            /* Is home cyclically outside (i, j]? Then j may move to i. */
            movable = (i <= j) ? (home <= i || home > j) : (home <= i && home > j);
            if (movable)
                break;
        }
        m->slots[i] = m->slots[j];
        i = j;
    }
}
