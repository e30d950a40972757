/*
 * rope.c: the strings of the kv model's search, as hash-consed ropes, so append costs O(1)
 * instead of copying ever longer strings.
 *
 * A node is (parent node, chunk): the parent's bytes followed by those of a flat string of the
 * history (chunk, an id of the strtab); node 0 is the empty string. Each node carries its size
 * and a polynomial hash H (mod 2^64): H(a ++ b) = H(a) * B^|b| + H(b), the same whatever the
 * decomposition. Invariant (canonical form): two nodes have equal bytes iff they are the same
 * node. New nodes are interned by (H, size) and a candidate is confirmed by an exact,
 * chunk-by-chunk comparison of the bytes, so state equality stays exact (word equality).
 * (parent, chunk) -> node is memoized, since the search appends the same values to the same
 * states over and over, with a large intern table in the whole-map search: the memo answers
 * from its slot, where the intern table must read the node. For one key the tables are small
 * and in cache, and the intern table finds the very (parent, chunk) without comparing bytes:
 * the memo only added a probe and a store per new node, so it is left out (it stays empty and
 * is not zeroed again). An append's argument is hashed once, when the search converts its op
 * (rope_append_arg: struct rope_chunk), so that making a node reads neither its bytes nor its
 * prefix hashes.
 *
 * A read's expected value is never made a node (rope_read_value): hashing and interning each
 * read's whole string cost more than the search of a small key. It stays a flat string of the
 * history, compared byte for byte with the state it is tested against, from the state's end
 * (where unequal strings of one size usually differ), and the answers are cached: the node found
 * equal to it (canonical form: no other node can be), the longest node found to be a prefix of
 * it (a walk stops there), and, on each node found to begin some read's string, that string
 * (node.flat: later walks through the node end with one memcmp instead of a chunk at a time).
 *
 * Prefix tests (for the lookahead only) against a read's value are exact, as above. Between two
 * nodes (a CAS's expected value) they compare hashes: unequal hashes prove "not a prefix"; equal
 * ones are taken as "prefix" without confirmation, which can only make the lookahead prune less
 * (sound), never more.
 */
#include "grow.h"
#include "model.h"
#include "word.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ROPE_BASE   UINT64_C(0x100000001b3)
#define ROPE_STRIDE 32u /* bytes between stored prefix hashes */
/* First sizes of the tables (they double as needed): small, as a tiny partition would otherwise
 * spend more time zeroing tables than searching; but room for the ~100 nodes of a key with a few
 * dozen ops (Porcupine's c10: 34), which grew each table twice, rehashing more than zeroing
 * 256 slots costs. */
#define ROPE_SLOTS_MIN 256u
#define ROPE_NODES_MIN 64u

struct rope_node {
    uint32_t parent;
    uint32_t chunk; /* strtab id (unused for node 0) */
    uint32_t size;
    uint32_t flat; /* 1 + a strtab id whose string begins with this node's bytes, or 0: found
                      by rope_flat_has_prefix, so that the next comparison with a read is one
                      memcmp from this node down instead of a walk over its chunks */
    uint64_t hash;
};

struct rope_slot {
    uint64_t key;  /* parent << 32 | chunk */
    uint32_t node; /* node + 1, 0 = empty */
    uint32_t pad;
};

/* Intern slots need no key: it is the node's (hash ^ size); 32 bits of it filter probes. */
struct rope_intern_slot {
    uint32_t tag;  /* the low 32 bits of hash ^ size */
    uint32_t node; /* node + 1, 0 = empty */
};

/* A table's other allocation: growing a table takes it when it is large enough and leaves the
 * old table in its place, so a rope reused for partition after partition (rope_reset) stops
 * allocating once its tables have reached the sizes its partitions need. */
struct rope_spare {
    void *table;
    uint64_t room_bytes;
};

/* An append's argument as the search converted it (rope_append_arg): its hash and B^size
 * computed once, so that appending it to a state costs no lookup of its bytes. */
struct rope_chunk {
    uint32_t id;   /* strtab id */
    uint32_t size; /* its bytes */
    uint64_t hash;
    uint64_t pow;
};

/* A read's expected string, left flat (rope_read_value): compared with states byte by byte, the
 * answers cached so that each byte is compared about once. */
struct rope_flat {
    uint32_t id;       /* strtab id */
    uint32_t size;     /* its bytes */
    uint32_t equal;    /* 1 + the node with its bytes, once found; 0 before */
    uint32_t prefix;   /* the longest node found to be a prefix of it (0, the empty string, is) */
    const char *bytes; /* its bytes if they cannot move (the history's strings), else NULL */
};

/*
 * The counted sizes (cap, intern_mask, memo_mask, pow_count, prefix_cap, pool_cap: rope_bytes,
 * which --budget-bytes limits) are those of a rope used for one partition; a reused rope may hold
 * more memory (the *_room fields and spares), from the partitions before, counted for none.
 */
struct rope {
    struct rope_node *nodes;
    uint32_t count;
    uint32_t cap;
    uint32_t nodes_room;
    struct rope_intern_slot *intern; /* (hash, size) -> node */
    uint32_t intern_mask;
    uint64_t intern_room_bytes;
    struct rope_spare intern_spare;
    struct rope_slot *memo; /* (parent, chunk) -> node */
    uint32_t memo_mask;
    uint32_t memo_count;
    uint64_t memo_room_bytes;
    struct rope_spare memo_spare;
    uint64_t *pow; /* pow[i] = B^i, valid below pow_room */
    uint32_t pow_count;
    uint32_t pow_room;
    uint32_t *prefix_at; /* per strtab id: 1 + where its prefix hashes start in prefix_pool */
    uint32_t prefix_cap;
    uint32_t prefix_room;
    uint64_t *prefix_pool; /* every string's sparse prefix hashes, one after another */
    uint32_t pool_count;
    uint32_t pool_cap;
    uint32_t pool_room;
    struct rope_flat *flats; /* MODEL_KIND_FLAT values index it */
    uint32_t flat_count;
    uint32_t flat_cap;
    uint32_t flat_room;
    struct rope_chunk *chunks; /* MODEL_KIND_CHUNK values index it */
    uint32_t chunk_count;
    uint32_t chunk_cap;
    uint32_t chunk_room;
};

static uint64_t rope_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdu;
    x ^= x >> 33;
    return x;
}

void rope_free(struct rope *r)
{
    if (r == NULL)
        return;
    free(r->prefix_at);
    free(r->prefix_pool);
    free(r->flats);
    free(r->chunks);
    free(r->nodes);
    free(r->intern);
    free(r->intern_spare.table);
    free(r->memo);
    free(r->memo_spare.table);
    free(r->pow);
    free(r);
}

uint64_t rope_bytes(const struct rope *r)
{
    if (r == NULL)
        return 0;
    return (uint64_t)r->cap * sizeof(struct rope_node) +
           ((uint64_t)r->intern_mask + 1) * sizeof(struct rope_intern_slot) +
           ((uint64_t)r->memo_mask + 1) * sizeof(struct rope_slot) + (uint64_t)r->pow_count * 8 +
           (uint64_t)r->prefix_cap * 4 + (uint64_t)r->pool_cap * 8 +
           (uint64_t)r->flat_cap * sizeof(struct rope_flat) +
           (uint64_t)r->chunk_cap * sizeof(struct rope_chunk);
}

static bool rope_pow(struct rope *r, uint32_t n)
{
    if (n < r->pow_count)
        return true;
    uint32_t cap = r->pow_count == 0 ? 64 : r->pow_count;
    while (cap <= n)
        cap *= 2;
    if (cap > r->pow_room) {
        uint64_t *p = realloc(r->pow, (size_t)cap * sizeof *p);
        if (p == NULL)
            return false;
        r->pow = p;
        for (uint32_t i = r->pow_room; i < cap; i++)
            p[i] = i == 0 ? 1 : p[i - 1] * ROPE_BASE;
        r->pow_room = cap;
    }
    r->pow_count = cap;
    return true;
}

/* A zeroed table of bytes: the spare if it is large enough, else a new one. */
static void *rope_table_take(struct rope_spare *spare, uint64_t bytes, uint64_t *room_bytes)
{
    void *t = spare->table;
    if (t != NULL && spare->room_bytes >= bytes) {
        *room_bytes = spare->room_bytes;
        spare->table = NULL;
        memset(t, 0, (size_t)bytes);
        return t;
    }
    *room_bytes = bytes;
    return calloc(1, (size_t)bytes);
}

/* Keeps the larger of a table given up and the spare as the spare; frees the other. */
static void rope_table_give(struct rope_spare *spare, void *table, uint64_t room_bytes)
{
    if (table == NULL)
        return;
    if (spare->table != NULL && spare->room_bytes >= room_bytes) {
        free(table);
        return;
    }
    free(spare->table);
    spare->table = table;
    spare->room_bytes = room_bytes;
}

/* Doubles the (parent, chunk) memo (load <= 1/2), rehashing its slots. */
static bool rope_grow(struct rope *r)
{
    uint32_t n = r->memo == NULL ? ROPE_SLOTS_MIN : (r->memo_mask + 1) * 2;
    uint64_t room_bytes;
    struct rope_slot *t = rope_table_take(&r->memo_spare, (uint64_t)n * sizeof *t, &room_bytes);
    if (t == NULL)
        return false;
    for (uint32_t i = 0; r->memo != NULL && i <= r->memo_mask; i++) {
        if (r->memo[i].node == 0)
            continue;
        uint32_t j = (uint32_t)rope_mix(r->memo[i].key) & (n - 1);
        while (t[j].node != 0)
            j = (j + 1) & (n - 1);
        t[j] = r->memo[i];
    }
    rope_table_give(&r->memo_spare, r->memo, r->memo_room_bytes);
    r->memo = t;
    r->memo_mask = n - 1;
    r->memo_room_bytes = room_bytes;
    return true;
}

/* Doubles the intern table (load <= 1/2), rehashing from the nodes. */
static bool rope_grow_intern(struct rope *r)
{
    uint32_t n = r->intern == NULL ? ROPE_SLOTS_MIN : (r->intern_mask + 1) * 2;
    uint64_t room_bytes;
    struct rope_intern_slot *t =
        rope_table_take(&r->intern_spare, (uint64_t)n * sizeof *t, &room_bytes);
    if (t == NULL)
        return false;
    for (uint32_t i = 0; r->intern != NULL && i <= r->intern_mask; i++) {
        if (r->intern[i].node == 0)
            continue;
        const struct rope_node *node = &r->nodes[r->intern[i].node - 1];
        uint32_t j = (uint32_t)rope_mix(node->hash ^ node->size) & (n - 1);
        while (t[j].node != 0)
            j = (j + 1) & (n - 1);
        t[j] = r->intern[i];
    }
    rope_table_give(&r->intern_spare, r->intern, r->intern_room_bytes);
    r->intern = t;
    r->intern_mask = n - 1;
    r->intern_room_bytes = room_bytes;
    return true;
}

/* Sets the counted sizes of a new rope (node 0 only, first-size tables, no prefixes) and node 0;
 * the arrays hold at least that much, the tables zeroed (a new rope's first allocations, or a
 * reused one's, rope_reset). */
static bool rope_start(struct rope *r)
{
    r->count = 1; /* node 0: the empty string */
    r->cap = ROPE_NODES_MIN;
    r->nodes[0] = (struct rope_node){ 0, 0, 0, 0, 0 };
    r->intern_mask = ROPE_SLOTS_MIN - 1;
    r->memo_mask = ROPE_SLOTS_MIN - 1;
    r->memo_count = 0;
    r->pow_count = 0;
    r->prefix_cap = 0; /* its slots are zeroed as it grows again (grow_u32_zeroed_in) */
    r->pool_count = 0;
    r->pool_cap = 0;
    r->flat_count = 0;
    r->flat_cap = 0;
    r->chunk_count = 0;
    r->chunk_cap = 0;
    return rope_pow(r, 1);
}

static struct rope *rope_get(struct model_ctx *ctx)
{
    if (ctx->rope != NULL)
        return ctx->rope;
    struct rope *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->nodes = malloc(ROPE_NODES_MIN * sizeof *r->nodes);
    r->nodes_room = ROPE_NODES_MIN;
    if (r->nodes == NULL || !rope_grow_intern(r) || !rope_grow(r) || !rope_start(r)) {
        rope_free(r);
        return NULL;
    }
    ctx->rope = r;
    return r;
}

void rope_reset(struct rope *r)
{
    memset(r->intern, 0, ROPE_SLOTS_MIN * sizeof *r->intern);
    if (r->memo_count != 0) /* else its first slots are still zero (one key: unused) */
        memset(r->memo, 0, ROPE_SLOTS_MIN * sizeof *r->memo);
    (void)rope_start(r); /* B^0..B^63 are there already: cannot fail */
}

/* A cursor reading a rope's bytes backwards, chunk by chunk. */
struct rope_cursor {
    const char *bytes;
    uint32_t left;        /* bytes of the current chunk not yet compared (a prefix of it) */
    uint32_t next;        /* the node whose chunk comes next (going left) */
    uint32_t first_chunk; /* UINT32_MAX, or a chunk to read before the nodes */
};

static void rope_cursor_fill(const struct model_ctx *ctx, const struct rope *r,
                             struct rope_cursor *c)
{
    while (c->left == 0) {
        if (c->first_chunk != UINT32_MAX) {
            strtab_get(&ctx->strs, c->first_chunk, &c->bytes, &c->left);
            c->first_chunk = UINT32_MAX;
        } else {
            strtab_get(&ctx->strs, r->nodes[c->next].chunk, &c->bytes, &c->left);
            c->next = r->nodes[c->next].parent;
        }
    }
}

/* Whether the bytes of node n followed by those of chunk (none if UINT32_MAX) are s[0..size),
 * the sizes being known equal: chunk by chunk from the end, each against its place in s. */
static bool rope_equal_flat(const struct model_ctx *ctx, const struct rope *r, uint32_t n,
                            uint32_t chunk, const char *s, uint32_t size)
{
    const char *c;
    uint32_t len, end = size;
    if (chunk != UINT32_MAX) {
        strtab_get(&ctx->strs, chunk, &c, &len);
        end -= len;
        if (memcmp(s + end, c, len) != 0)
            return false;
    }
    for (; n != 0; n = r->nodes[n].parent) {
        strtab_get(&ctx->strs, r->nodes[n].chunk, &c, &len);
        end -= len;
        if (memcmp(s + end, c, len) != 0)
            return false;
    }
    return true;
}

/* Exact comparison of node n with the would-be node (parent, chunk) of the same size. When
 * either is one flat string (a read's value, as rope_value makes it, or an append to the empty
 * string), the other's chunks are compared with it directly. */
static bool rope_equal_bytes(const struct model_ctx *ctx, const struct rope *r, uint32_t n,
                             uint32_t parent, uint32_t chunk, uint32_t size)
{
    const char *flat;
    uint32_t flat_size;
    if (r->nodes[n].parent == 0) {
        strtab_get(&ctx->strs, r->nodes[n].chunk, &flat, &flat_size);
        return rope_equal_flat(ctx, r, parent, chunk, flat, size);
    }
    if (parent == 0) {
        strtab_get(&ctx->strs, chunk, &flat, &flat_size);
        return rope_equal_flat(ctx, r, n, UINT32_MAX, flat, size);
    }
    struct rope_cursor a = { NULL, 0, n, UINT32_MAX }, b = { NULL, 0, parent, chunk };
    while (size > 0) {
        rope_cursor_fill(ctx, r, &a);
        rope_cursor_fill(ctx, r, &b);
        uint32_t k = a.left < b.left ? a.left : b.left;
        if (memcmp(a.bytes + a.left - k, b.bytes + b.left - k, k) != 0)
            return false;
        a.left -= k;
        b.left -= k;
        size -= k;
    }
    return true;
}

/* Room for n more words in the prefix pool. */
static bool rope_pool_reserve(struct rope *r, uint32_t n)
{
    if (n > UINT32_MAX / 4 - r->pool_count)
        return false;
    if (r->pool_count + n <= r->pool_cap)
        return true;
    uint32_t cap = r->pool_cap == 0 ? 256 : r->pool_cap;
    while (cap < r->pool_count + n)
        cap *= 2;
    if (cap > r->pool_room) {
        uint64_t *p = realloc(r->prefix_pool, (size_t)cap * sizeof *p);
        if (p == NULL)
            return false;
        r->prefix_pool = p;
        r->pool_room = cap;
    }
    r->pool_cap = cap;
    return true;
}

/* H(a ++ s[0..size)) from h = H(a): Horner's rule, four bytes per turn of the loop (a read's
 * value is hashed once per partition, and is most of the bytes a small partition hashes). */
static uint64_t rope_hash_bytes(uint64_t h, const char *s, uint32_t size)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t i = 0;
    for (; size - i >= 4; i += 4) {
        h = h * ROPE_BASE + u[i];
        h = h * ROPE_BASE + u[i + 1];
        h = h * ROPE_BASE + u[i + 2];
        h = h * ROPE_BASE + u[i + 3];
    }
    for (; i < size; i++)
        h = h * ROPE_BASE + u[i];
    return h;
}

/* Sparse prefix hashes of strtab string id: pre[k] = H of its first k * ROPE_STRIDE bytes,
 * computed once; pre[last] is H of the whole string. They live in one pool (one allocation
 * for all, not one per string: a small partition has hundreds of short strings); the pointer
 * is good until the next call. rope_prefix_new computes them; rope_prefix, inline, finds them
 * once computed (most calls: each append chunk is used again and again). */
static const uint64_t *rope_prefix_new(struct model_ctx *ctx, struct rope *r, uint32_t id)
{
    if (!grow_u32_zeroed_in(&r->prefix_at, &r->prefix_cap, &r->prefix_room, id))
        return NULL;
    if (r->prefix_at[id] == 0) {
        const char *s;
        uint32_t size;
        strtab_get(&ctx->strs, id, &s, &size);
        uint32_t n = size / ROPE_STRIDE + 2;
        if (!rope_pool_reserve(r, n))
            return NULL;
        uint64_t *pre = r->prefix_pool + r->pool_count, h = 0;
        uint32_t i = 0;
        for (; size - i >= ROPE_STRIDE; i += ROPE_STRIDE) {
            pre[i / ROPE_STRIDE] = h;
            h = rope_hash_bytes(h, s + i, ROPE_STRIDE);
        }
        pre[i / ROPE_STRIDE] = h;
        pre[n - 1] = rope_hash_bytes(h, s + i, size - i);
        r->prefix_at[id] = r->pool_count + 1;
        r->pool_count += n;
    }
    return r->prefix_pool + (r->prefix_at[id] - 1);
}

static inline const uint64_t *rope_prefix(struct model_ctx *ctx, struct rope *r, uint32_t id)
{
    if (id < r->prefix_cap && r->prefix_at[id] != 0)
        return r->prefix_pool + (r->prefix_at[id] - 1);
    return rope_prefix_new(ctx, r, id);
}

/* H of the first n bytes of strtab string id (n <= its size). */
static bool rope_flat_prefix_hash(struct model_ctx *ctx, struct rope *r, uint32_t id, uint32_t n,
                                  uint64_t *out)
{
    const uint64_t *pre = rope_prefix(ctx, r, id);
    if (pre == NULL)
        return false;
    const char *s;
    uint32_t size;
    strtab_get(&ctx->strs, id, &s, &size);
    if (n == size) {
        *out = pre[size / ROPE_STRIDE + 1];
        return true;
    }
    uint32_t at = n / ROPE_STRIDE * ROPE_STRIDE;
    *out = rope_hash_bytes(pre[n / ROPE_STRIDE], s + at, n - at);
    return true;
}

/* The node for (parent, chunk) where the chunk has size bytes (> 0), hash chunk_hash and
 * B^size = pow: created when absent. A candidate with this very (parent, chunk) is the same
 * string without comparing bytes; another decomposition gets the exact comparison. */
static inline bool rope_intern(struct model_ctx *ctx, struct rope *r, uint32_t parent,
                               uint32_t chunk, uint32_t size, uint64_t chunk_hash, uint64_t pow,
                               uint32_t *out)
{
    uint64_t total = (uint64_t)r->nodes[parent].size + size;
    if (total > UINT32_MAX / 2)
        return false;
    uint64_t h = r->nodes[parent].hash * pow + chunk_hash;
    uint64_t key = h ^ total;
    struct rope_node want = { parent, chunk, (uint32_t)total, 0, h };
    uint32_t j = (uint32_t)rope_mix(key) & r->intern_mask;
    for (; r->intern[j].node != 0; j = (j + 1) & r->intern_mask) {
        uint32_t n = r->intern[j].node - 1;
        if (r->intern[j].tag == (uint32_t)key && r->nodes[n].hash == h &&
            r->nodes[n].size == total &&
            ((r->nodes[n].parent == parent && r->nodes[n].chunk == chunk) ||
             rope_equal_bytes(ctx, r, n, parent, chunk, (uint32_t)total))) {
            *out = n;
            return true;
        }
    }
    if (r->count == r->cap) {
        if (r->cap * 2 > r->nodes_room) {
            struct rope_node *nodes = realloc(r->nodes, (size_t)r->cap * 2 * sizeof *nodes);
            if (nodes == NULL)
                return false;
            r->nodes = nodes;
            r->nodes_room = r->cap * 2;
        }
        r->cap *= 2;
    }
    *out = r->count;
    r->nodes[r->count++] = want;
    r->intern[j] = (struct rope_intern_slot){ (uint32_t)key, *out + 1 };
    if ((uint64_t)r->count * 2 > (uint64_t)r->intern_mask + 1)
        return rope_grow_intern(r);
    return true;
}

/* The node for (parent, chunk), created when absent. */
static bool rope_make(struct model_ctx *ctx, struct rope *r, uint32_t parent, uint32_t chunk,
                      uint32_t *out)
{
    const char *s;
    uint32_t size;
    strtab_get(&ctx->strs, chunk, &s, &size);
    if (size == 0) {
        *out = parent;
        return true;
    }
    const uint64_t *pre = size > UINT32_MAX / 2 ? NULL : rope_prefix(ctx, r, chunk);
    if (pre == NULL || !rope_pow(r, size))
        return false;
    /* H of the whole chunk (rope_flat_prefix_hash's n == size, without a second lookup) */
    return rope_intern(ctx, r, parent, chunk, size, pre[size / ROPE_STRIDE + 1], r->pow[size], out);
}

/* A flat string (strtab id) of the text of v: strings as they are, integers in decimal. */
static bool rope_flat(struct model_ctx *ctx, struct check_value v, uint32_t *id)
{
    if (v.kind == CHECK_KIND_STR) {
        *id = (uint32_t)v.bits;
        return true;
    }
    char tmp[32];
    int n = v.kind == CHECK_KIND_INT ? snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)v.bits) : 0;
    return n >= 0 && strtab_intern(&ctx->strs, tmp, (uint32_t)n, id) == 0;
}

bool rope_value(struct model_ctx *ctx, struct check_value v, struct check_value *out)
{
    struct rope *r = rope_get(ctx);
    uint32_t id, node;
    if (v.kind != CHECK_KIND_STR) {
        *out = v;
        return true;
    }
    if (r == NULL || !rope_flat(ctx, v, &id) || !rope_make(ctx, r, 0, id, &node))
        return false;
    *out = (struct check_value){ CHECK_KIND_ROPE, node };
    return true;
}

/* The table (flats, chunks: counted at *cap elements, allocated at *room) with room for element
 * count: doubled from 64 when needed. NULL when out of memory (the table is unchanged). */
static void *rope_table_reserve(void *table, uint32_t count, uint32_t *cap, uint32_t *room,
                                size_t elem_size_bytes)
{
    if (count < *cap)
        return table;
    uint32_t n = *cap == 0 ? 64 : *cap * 2;
    if (n > UINT32_MAX / 4)
        return NULL;
    if (n > *room) {
        table = realloc(table, (size_t)n * elem_size_bytes);
        if (table == NULL)
            return NULL;
        *room = n;
    }
    *cap = n;
    return table;
}

bool rope_append_arg(struct model_ctx *ctx, struct check_value v, bool chunk,
                     struct check_value *out)
{
    struct rope *r = rope_get(ctx);
    const char *s;
    uint32_t id, size;
    if (r == NULL || !rope_flat(ctx, v, &id))
        return false;
    if (!chunk) {
        *out = (struct check_value){ CHECK_KIND_STR, id };
        return true;
    }
    struct rope_chunk *chunks = rope_table_reserve(r->chunks, r->chunk_count, &r->chunk_cap,
                                                   &r->chunk_room, sizeof *r->chunks);
    if (chunks == NULL)
        return false;
    r->chunks = chunks;
    strtab_get(&ctx->strs, id, &s, &size);
    if (size > UINT32_MAX / 2 || !rope_pow(r, size))
        return false;
    r->chunks[r->chunk_count] =
        (struct rope_chunk){ id, size, rope_hash_bytes(0, s, size), r->pow[size] };
    *out = (struct check_value){ MODEL_KIND_CHUNK, r->chunk_count++ };
    return true;
}

bool rope_append(struct model_ctx *ctx, struct check_value a, struct check_value b,
                 struct check_value *out)
{
    struct rope *r = rope_get(ctx);
    const struct rope_chunk *ck = NULL;
    if (r == NULL || (b.kind != CHECK_KIND_STR && b.kind != MODEL_KIND_CHUNK))
        return false;
    uint32_t parent = 0, id = (uint32_t)b.bits, node;
    if (b.kind == MODEL_KIND_CHUNK) {
        ck = &r->chunks[b.bits];
        id = ck->id;
    }
    if (a.kind == CHECK_KIND_ROPE) {
        parent = (uint32_t)a.bits;
    } else if (a.kind != CHECK_KIND_NIL) {
        uint32_t flat;
        if (!rope_flat(ctx, a, &flat) || !rope_make(ctx, r, 0, flat, &parent))
            return false;
    }
    if (ck != NULL && ck->size > 0 && ctx->slot_count == 1) { /* one key: see the file comment */
        if (!rope_intern(ctx, r, parent, id, ck->size, ck->hash, ck->pow, &node))
            return false;
        *out = (struct check_value){ CHECK_KIND_ROPE, node };
        return true;
    }
    uint64_t key = (uint64_t)parent << 32 | id;
    uint32_t j = (uint32_t)rope_mix(key) & r->memo_mask;
    for (; r->memo[j].node != 0; j = (j + 1) & r->memo_mask) {
        if (r->memo[j].key == key) {
            *out = (struct check_value){ CHECK_KIND_ROPE, r->memo[j].node - 1 };
            return true;
        }
    }
    bool made = true;
    node = parent; /* appending "" */
    if (ck == NULL)
        made = rope_make(ctx, r, parent, id, &node);
    else if (ck->size > 0)
        made = rope_intern(ctx, r, parent, id, ck->size, ck->hash, ck->pow, &node);
    if (!made)
        return false;
    r->memo[j] = (struct rope_slot){ key, node + 1, 0 };
    r->memo_count++;
    if ((uint64_t)r->memo_count * 2 > (uint64_t)r->memo_mask + 1 && !rope_grow(r))
        return false;
    *out = (struct check_value){ CHECK_KIND_ROPE, node };
    return true;
}

/* H of the first n bytes of node b (n <= its size). */
static bool rope_prefix_hash(struct model_ctx *ctx, struct rope *r, uint32_t b, uint32_t n,
                             uint64_t *out)
{
    while (n < r->nodes[b].size) {
        uint32_t parent = r->nodes[b].parent, psize = r->nodes[parent].size;
        if (n <= psize) {
            b = parent;
            continue;
        }
        uint64_t chunk_hash;
        if (!rope_flat_prefix_hash(ctx, r, r->nodes[b].chunk, n - psize, &chunk_hash) ||
            !rope_pow(r, n - psize))
            return false;
        *out = r->nodes[parent].hash * r->pow[n - psize] + chunk_hash;
        return true;
    }
    *out = r->nodes[b].hash;
    return true;
}

bool rope_read_value(struct model_ctx *ctx, struct check_value v, struct check_value *out)
{
    struct rope *r = rope_get(ctx);
    const char *s;
    uint32_t size;
    if (v.kind != CHECK_KIND_STR || r == NULL)
        return rope_value(ctx, v, out);
    strtab_get(&ctx->strs, (uint32_t)v.bits, &s, &size);
    if (size == 0) { /* the empty string is node 0: equality is a compare of words */
        *out = (struct check_value){ CHECK_KIND_ROPE, 0 };
        return true;
    }
    struct rope_flat *flats =
        rope_table_reserve(r->flats, r->flat_count, &r->flat_cap, &r->flat_room, sizeof *r->flats);
    if (flats == NULL)
        return false;
    r->flats = flats;
    /* The history's strings stay put; the search's own overlay (ids from base_id) may move. */
    r->flats[r->flat_count] =
        (struct rope_flat){ (uint32_t)v.bits, size, 0, 0, v.bits < ctx->strs.base_id ? s : NULL };
    *out = (struct check_value){ MODEL_KIND_FLAT, r->flat_count++ };
    return true;
}

/* a[0..len) == b[0..len): chunks are a few bytes, for which a call to memcmp costs more than
 * the comparison (two overlapping loads from each side up to sixteen bytes). */
static inline bool rope_same_bytes(const char *a, const char *b, uint32_t len)
{
    if (len > 16)
        return memcmp(a, b, len) == 0;
    if (len >= 8)
        return ((check_load8(a) ^ check_load8(b)) |
                (check_load8(a + len - 8) ^ check_load8(b + len - 8))) == 0;
    if (len >= 4)
        return ((check_load4(a) ^ check_load4(b)) |
                (check_load4(a + len - 4) ^ check_load4(b + len - 4))) == 0;
    for (uint32_t i = 0; i < len; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Whether node n's bytes are the first bytes of flat f (n no longer than f): chunk by chunk
 * from n's end, stopping early at the longest node already found to be a prefix of f, or with
 * one memcmp at a node known to begin some flat string (node.flat), as an earlier read's was. */
static inline bool rope_flat_has_prefix(struct model_ctx *ctx, struct rope *r, struct rope_flat *f,
                                        uint32_t n)
{
    const char *v = f->bytes, *c;
    uint32_t v_size, len;
    if (v == NULL)
        strtab_get(&ctx->strs, f->id, &v, &v_size);
    for (uint32_t m = n; m != 0 && m != f->prefix; m = r->nodes[m].parent) {
        if (r->nodes[m].flat != 0) {
            strtab_get(&ctx->strs, r->nodes[m].flat - 1, &c, &len);
            if (memcmp(v, c, r->nodes[m].size) != 0)
                return false;
            break;
        }
        strtab_get(&ctx->strs, r->nodes[m].chunk, &c, &len);
        if (!rope_same_bytes(v + r->nodes[m].size - len, c, len))
            return false;
    }
    if (r->nodes[n].size > r->nodes[f->prefix].size)
        f->prefix = n;
    if (r->nodes[n].flat == 0)
        r->nodes[n].flat = f->id + 1;
    return true;
}

bool rope_equal_read(struct model_ctx *ctx, uint64_t node, uint64_t flat)
{
    struct rope *r = ctx->rope;
    struct rope_flat *f = &r->flats[flat];
    if (f->equal != 0) /* canonical form: no other node has these bytes */
        return f->equal == node + 1;
    if (r->nodes[node].size != f->size || !rope_flat_has_prefix(ctx, r, f, (uint32_t)node))
        return false;
    f->equal = (uint32_t)node + 1;
    return true;
}

bool rope_maybe_prefix(struct model_ctx *ctx, struct check_value a, struct check_value b)
{
    struct rope *r = ctx->rope;
    if (a.kind == CHECK_KIND_NIL)
        return true;
    if (r != NULL && a.kind == CHECK_KIND_ROPE && b.kind == MODEL_KIND_FLAT)
        return r->nodes[a.bits].size <= r->flats[b.bits].size &&
               rope_flat_has_prefix(ctx, r, &r->flats[b.bits], (uint32_t)a.bits);
    if (r == NULL || a.kind != CHECK_KIND_ROPE || b.kind != CHECK_KIND_ROPE)
        return true; /* not strings we can reason about: assume it may be */
    uint32_t na = r->nodes[a.bits].size;
    uint64_t h;
    if (na > r->nodes[b.bits].size)
        return false;
    if (!rope_prefix_hash(ctx, r, (uint32_t)b.bits, na, &h))
        return true;
    return h == r->nodes[a.bits].hash;
}

void rope_describe(const struct model_ctx *ctx, struct check_value v, char *buf, uint32_t size)
{
    const struct rope *r = ctx->rope;
    if (v.kind != CHECK_KIND_ROPE || r == NULL || size < 4) {
        hist_value_format(&ctx->strs, v, buf, size);
        return;
    }
    uint32_t total = r->nodes[v.bits].size, shown = total < size - 3 ? total : size - 3;
    uint32_t end = total; /* bytes [0, shown) are written; walk chunks from the end */
    buf[0] = '"';
    for (uint32_t n = (uint32_t)v.bits; n != 0; n = r->nodes[n].parent) {
        const char *s;
        uint32_t len;
        strtab_get(&ctx->strs, r->nodes[n].chunk, &s, &len);
        uint32_t start = end - len;
        for (uint32_t i = 0; i < len; i++)
            if (start + i < shown)
                buf[1 + start + i] = s[i];
        end = start;
    }
    buf[1 + shown] = '"';
    buf[2 + shown] = '\0';
}
