/* namemap.h - a hash map from a name to a pointer, ignoring ASCII case, for
 * finding users and rooms by name in O(1) with 10,000 users and 1,000 rooms.
 *
 * The map does not copy keys: each entry points at a name owned by the value
 * (a user's or a room's own name buffer), which must stay unchanged while the
 * entry exists. Renaming is remove, change, insert. Open addressing with
 * linear probing and backward-shift deletion, so there are no tombstones and
 * lookups stay short however many names come and go. */
#ifndef NATTER_CORE_NAMEMAP_H
#define NATTER_CORE_NAMEMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct name_slot {
    const char *key; /* NULL: empty */
    size_t key_len;
    uint32_t hash;
    void *value;
} name_slot;

typedef struct name_map {
    name_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
} name_map;

void name_map_init(name_map *m);
void name_map_free(name_map *m);

/* ASCII-case-insensitive hash (FNV-1a over the folded bytes). */
uint32_t name_hash(const char *s, size_t len);

void *name_map_get(const name_map *m, const char *key, size_t len);
/* Insert a key that is not present. Returns 0, or -1 when memory runs out. */
int name_map_put(name_map *m, const char *key, size_t len, void *value);
/* Remove key if present; returns its value or NULL. */
void *name_map_remove(name_map *m, const char *key, size_t len);

#endif
