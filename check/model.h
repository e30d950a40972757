/*
 * model.h: the model interface of the checker (init, step, equal, hash, describe) and the
 * operations the search hands to it.
 *
 * A model state is a fixed number of 64-bit words (state_words, set per partition). The
 * register-like models keep one value (two words: kind, bits) per slot, a slot being one key
 * of the partition; the mutex keeps one word. step() never allocates except for append, which
 * interns the concatenated string in ctx->strs (an overlay over the history's strings), so two
 * states are equal iff their words are equal.
 *
 * What the outcomes mean is decided before the search (model_classify): an op that did not
 * happen, or that is legal in every state and changes nothing, is dropped; an op that returned
 * is DETERMINATE (it must be linearized before its completion); an op whose completion is
 * unknown is INDETERMINATE (it may be linearized at any point after its invocation, or never).
 */
#ifndef RAST_CHECK_MODEL_H
#define RAST_CHECK_MODEL_H

#include "history.h"

enum model_outcome {
    MODEL_OUT_OK = 0,        /* happened, returned op->result (reads) */
    MODEL_OUT_MISMATCH = 1,  /* a CAS that answered "compare failed" (etcd, kv) */
    MODEL_OUT_UNKNOWN = 2,   /* indeterminate */
};

struct model_op {
    uint32_t f;              /* enum rast_history_f */
    uint32_t outcome;        /* enum model_outcome */
    uint32_t slot;           /* the key's slot in the partition */
    uint32_t hist_op;        /* id in the history */
    uint32_t pure;           /* DETERMINATE and the identity wherever legal (see search.c) */
    uint32_t setter;         /* 1 for a write, or a CAS that may have succeeded: it may change
                                its slot's value (search.c's setter counts), else 0 */
    uint32_t txn_first;      /* micro-ops in ctx->txns */
    uint32_t txn_count;
    struct check_value a0;
    struct check_value a1;
    struct check_value result;
};

struct model_txn {
    uint32_t f;
    uint32_t slot;
    struct check_value value;
};

enum model_class { MODEL_DROP = 0, MODEL_DETERMINATE = 1, MODEL_INDETERMINATE = 2 };

struct model_ctx;

/* What the lookahead sees of a configuration: the unlinearized ops callable before the first
 * return entry (window, in real-time order), the op of that return (x), and per op/slot counts
 * of setters (writes and CASes that may change the slot) to tell whether any can still come
 * before an op's return. */
struct model_look {
    const struct model_op *ops;
    uint32_t x;
    const uint32_t *window;
    uint32_t count;
    const uint32_t *setters_before_return; /* op -> setters of its slot invoked before it
                                              returned (static) */
    const uint32_t *setters_done;          /* slot -> setters linearized so far */
    uint32_t changed_slot;                 /* the slot the last step wrote */
};

struct model_vtable {
    const char *name;
    uint32_t id;             /* enum rast_check_model */
    bool partition_by_key;   /* P-compositional: each key can be checked on its own */
    /* Returns MODEL_* class of op, or -1 when the model does not support op->f. */
    int (*classify)(const struct model_ctx *ctx, const struct rast_history *h,
                    const struct hist_op *op);
    void (*init)(const struct model_ctx *ctx, uint64_t *state);
    /* Applies op to state into next (which never aliases state); false when illegal. */
    bool (*step)(struct model_ctx *ctx, const uint64_t *state, const struct model_op *op,
                 uint64_t *next);
    bool (*equal)(const struct model_ctx *ctx, const uint64_t *a, const uint64_t *b);
    uint64_t (*hash)(const struct model_ctx *ctx, const uint64_t *state);
    void (*describe)(const struct model_ctx *ctx, const uint64_t *state, char *buf,
                     uint32_t size);
    /* Lookahead (may be NULL): false when the configuration can certainly not be completed
     * (see struct model_look). Must never be false wrongly. */
    bool (*viable)(struct model_ctx *ctx, const uint64_t *state, const struct model_look *look);
    /* The register family: step and viable are model_reg.h's, which search.c calls directly
     * for a one-slot partition. */
    bool reg_family;
};

struct rope;

struct model_ctx {
    const struct model_vtable *vt;
    uint32_t state_words;
    uint32_t slot_count;
    const struct check_value *slot_keys;  /* slot -> key, for describe */
    struct check_value initial;
    const struct model_txn *txns;
    struct strtab strs;                   /* overlay over the history's strings */
    struct rope *rope;                    /* the kv model's strings (rope.c), or NULL */
    int error;                            /* set when step ran out of memory */
};

/* The vtable for a model (enum rast_check_model, not AUTO), or NULL. */
const struct model_vtable *model_lookup(uint32_t model);

/* The words of a state of vt's model for a partition of slot_count keys. */
uint32_t model_state_words(const struct model_vtable *vt, uint32_t slot_count);
/* Sets up ctx for a partition; the strings overlay hangs off h's. Free with model_ctx_free. */
void model_ctx_init(struct model_ctx *ctx, const struct model_vtable *vt,
                    const struct rast_history *h, uint32_t slot_count,
                    const struct check_value *slot_keys, struct check_value initial,
                    const struct model_txn *txns);
void model_ctx_free(struct model_ctx *ctx);
/* Bytes the model allocated during the search (strings and the append memo). */
uint64_t model_ctx_bytes(const struct model_ctx *ctx);

/* Ropes (rope.c). All return false when out of memory. */
/* v as the search stores it: a string becomes a ROPE value, anything else is unchanged. */
bool rope_value(struct model_ctx *ctx, struct check_value v, struct check_value *out);
/* An append's argument as the search stores it: its flat string (integers in decimal), as a
 * plain STR, or with chunk as MODEL_KIND_CHUNK, with the hash and power rope_append needs to
 * make a node computed once (one key: every append makes a node; the whole map answers most
 * appends from its (parent, chunk) memo, which needs neither). */
#define MODEL_KIND_CHUNK 5u
bool rope_append_arg(struct model_ctx *ctx, struct check_value v, bool chunk,
                     struct check_value *out);
/*
 * A read's expected string (kv), as the search stores it: MODEL_KIND_FLAT, a flat string that
 * rope_equal_read and rope_maybe_prefix compare with states byte by byte (each answer cached),
 * instead of hashing and interning every read's value as a rope, which cost more than the
 * search. Non-strings are as rope_value makes them. Only ever in a read's result: never a state.
 */
#define MODEL_KIND_FLAT 4u
bool rope_read_value(struct model_ctx *ctx, struct check_value v, struct check_value *out);
/* Whether rope node `node` has the bytes of flat value `flat` (exact). */
bool rope_equal_read(struct model_ctx *ctx, uint64_t node, uint64_t flat);
/* a ++ b for a state a (nil = "", ROPE, or an integer in decimal) and b a flat string (STR) or
 * an append's argument (CHUNK). */
bool rope_append(struct model_ctx *ctx, struct check_value a, struct check_value b,
                 struct check_value *out);
/* False only if a (nil or ROPE) is certainly not a prefix of b (ROPE, or FLAT: then exact). */
bool rope_maybe_prefix(struct model_ctx *ctx, struct check_value a, struct check_value b);
/* A value's text, with ROPE strings spelled out (truncated to size). */
void rope_describe(const struct model_ctx *ctx, struct check_value v, char *buf, uint32_t size);
void rope_free(struct rope *r);
/* Empties r for another partition's search, keeping its memory: it then behaves, and counts its
 * bytes (rope_bytes), exactly as the rope a first rope_value would create. */
void rope_reset(struct rope *r);
uint64_t rope_bytes(const struct rope *r);

/* model_hash_words of at most two words (one key's value), inline for the search's every step. */
static inline uint64_t model_hash_small(const uint64_t *words, uint32_t count)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ count;
    for (uint32_t i = 0; i < count; i++) {
        h ^= words[i];
        h *= 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 29;
    return h;
}

/* A 64-bit mix of words (the state hash of every model: model_hash_small up to two words). */
uint64_t model_hash_words(const uint64_t *words, uint32_t count);

#endif /* RAST_CHECK_MODEL_H */
