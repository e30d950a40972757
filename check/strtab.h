/*
 * strtab.h: values as the checker stores them, and the string interning table behind them.
 *
 * A value is two 64-bit words (kind, bits): nil, an integer (bits = the int64 as uint64) or a
 * string (bits = its id in a strtab). Because strings are interned, two values are equal iff
 * both words are equal, so model states are plain arrays of words that hash and compare fast.
 *
 * A strtab may have a read-only parent: ids below parent->count are the parent's, and a string
 * already in the parent is never added again (so equal strings keep one id across the pair).
 * The search uses this for strings it creates (append), without writing to the shared history.
 * Invariant: within one (parent, child) pair, id <-> bytes is a bijection.
 */
#ifndef RAST_CHECK_STRTAB_H
#define RAST_CHECK_STRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ROPE: a string built by the search (bits = a node of the partition's rope, rope.c). */
enum { CHECK_KIND_NIL = 0, CHECK_KIND_INT = 1, CHECK_KIND_STR = 2, CHECK_KIND_ROPE = 3 };

struct check_value {
    uint64_t kind;
    uint64_t bits;
};

static inline bool check_value_eq(struct check_value a, struct check_value b)
{
    return a.kind == b.kind && a.bits == b.bits;
}

#define CHECK_NIL_VALUE ((struct check_value){CHECK_KIND_NIL, 0})

struct strtab {
    const struct strtab *parent;
    uint32_t base_id;      /* parent's count when this table was created */
    uint32_t count;        /* local strings */
    uint32_t cap;
    uint32_t slot_mask;    /* slots: open addressing, id + 1 (0 = empty) */
    uint32_t *slots;
    uint64_t *offsets;     /* local string i starts at bytes + offsets[i] */
    uint32_t *sizes;
    uint64_t *hashes;
    char *bytes;
    uint64_t bytes_used;
    uint64_t bytes_cap;
};

void strtab_init(struct strtab *t, const struct strtab *parent);
void strtab_free(struct strtab *t);
/* Total ids visible through t (parent's and own). */
uint32_t strtab_total(const struct strtab *t);
/* Memory held by t itself, in bytes. */
uint64_t strtab_bytes(const struct strtab *t);
/* Room for count strings of bytes bytes in all (each capped by the limits below) in an empty
 * table t, so that reading a history of known length does not grow it step by step; no
 * effect on a table that holds anything. Returns 0 or -1 (out of memory: t stays valid, for
 * strtab_intern and strtab_free). */
#define STRTAB_PRESIZE_COUNT_MAX (UINT32_C(1) << 22)
#define STRTAB_PRESIZE_BYTES_MAX (UINT64_C(1) << 26)
int strtab_presize(struct strtab *t, uint32_t count, uint64_t bytes);
/* The id of s[0..size) (added when absent). Returns 0 or -1 (out of memory / too large). */
int strtab_intern(struct strtab *t, const char *s, uint32_t size, uint32_t *id_out);
/* The bytes of id (not NUL-terminated). Inline: the kv search looks up its ropes' chunks on
 * every comparison of bytes. */
static inline void strtab_get(const struct strtab *t, uint32_t id, const char **s_out,
                              uint32_t *size_out)
{
    while (id < t->base_id)
        t = t->parent;
    uint32_t local = id - t->base_id;
    /* A table that interned only empty strings has no byte buffer: no offset from NULL. */
    *s_out = t->bytes == NULL ? "" : t->bytes + t->offsets[local];
    *size_out = t->sizes[local];
}

#endif /* RAST_CHECK_STRTAB_H */
