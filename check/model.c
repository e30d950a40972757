/*
 * model.c: the models. Register family (register, etcd, knossos-cas, kv) keep one value per
 * slot and differ only in which functions they accept and what a nil read or a failed CAS means:
 *
 *   model        functions                  nil read            FAIL of a CAS
 *   register     read write                 state must be nil   did not happen
 *   etcd         read write cas             state must be nil   compare failed (state != from)
 *   knossos-cas  read write cas             legal in any state  did not happen
 *   kv           read write cas append      state must be nil   compare failed (state != from)
 *
 * multi-register (Knossos): txns of [read k v] (nil v legal anywhere) and [write k v].
 * mutex (Knossos): acquire is legal when free, release when held; no owner is tracked.
 * FAIL of anything else means the op did not happen; it is dropped before the search.
 */
#include "model.h"
#include "model_reg.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* One key's state (two words) mixes inline; larger states (whole-map) use XXH3, whose
 * independent lanes hash many words in a fraction of a serial multiply chain's latency. */
uint64_t model_hash_words(const uint64_t *words, uint32_t count)
{
    if (count > 2)
        return XXH3_64bits(words, (size_t)count * sizeof *words);
    return model_hash_small(words, count);
}

static bool model_equal_words(const struct model_ctx *ctx, const uint64_t *a, const uint64_t *b)
{
    return memcmp(a, b, ctx->state_words * sizeof *a) == 0;
}

static uint64_t model_hash_state(const struct model_ctx *ctx, const uint64_t *state)
{
    return model_hash_words(state, ctx->state_words);
}

/* ---- register family --------------------------------------------------------------------- */

static bool model_accepts(uint32_t model, uint32_t f)
{
    switch (f) {
    case RAST_F_READ:
    case RAST_F_WRITE: return true;
    case RAST_F_CAS: return model != RAST_MODEL_REGISTER;
    case RAST_F_APPEND: return model == RAST_MODEL_KV;
    default: return false;
    }
}

static int model_reg_classify(const struct model_ctx *ctx, const struct rast_history *h,
                              const struct hist_op *op)
{
    (void)h;
    uint32_t model = ctx->vt->id;
    if (!model_accepts(model, op->f))
        return -1;
    bool mismatch_cas = model == RAST_MODEL_ETCD || model == RAST_MODEL_KV;
    switch (op->outcome) {
    case RAST_OUTCOME_OK:
        if (op->f == RAST_F_READ && model == RAST_MODEL_KNOSSOS_CAS &&
            op->result.kind == CHECK_KIND_NIL)
            return MODEL_DROP;
        return MODEL_DETERMINATE;
    case RAST_OUTCOME_FAIL:
        return op->f == RAST_F_CAS && mismatch_cas ? MODEL_DETERMINATE : MODEL_DROP;
    default: return op->f == RAST_F_READ ? MODEL_DROP : MODEL_INDETERMINATE;
    }
}

static void model_reg_init(const struct model_ctx *ctx, uint64_t *state)
{
    for (uint32_t i = 0; i < ctx->slot_count; i++) {
        state[2 * i] = ctx->initial.kind;
        state[2 * i + 1] = ctx->initial.bits;
    }
}

static void model_reg_describe(const struct model_ctx *ctx, const uint64_t *state, char *buf,
                               uint32_t size)
{
    if (ctx->slot_count == 1) {
        rope_describe(ctx, (struct check_value){ state[0], state[1] }, buf, size);
        return;
    }
    uint32_t pos = 0;
    for (uint32_t i = 0; i < ctx->slot_count && pos + 1 < size; i++) {
        char k[128], v[256];
        hist_value_format(&ctx->strs, ctx->slot_keys[i], k, sizeof k);
        rope_describe(ctx, (struct check_value){ state[2 * i], state[2 * i + 1] }, v, sizeof v);
        int n = snprintf(buf + pos, size - pos, "%s%s %s%s", i == 0 ? "{" : ", ", k, v,
                         i + 1 == ctx->slot_count ? "}" : "");
        if (n < 0)
            break;
        pos += (uint32_t)n;
    }
}

/* ---- multi-register --------------------------------------------------------------------- */

static int model_multi_classify(const struct model_ctx *ctx, const struct rast_history *h,
                                const struct hist_op *op)
{
    (void)ctx;
    if (op->f != RAST_F_TXN)
        return -1;
    if (op->outcome == RAST_OUTCOME_FAIL)
        return MODEL_DROP;
    bool writes = false;
    for (uint32_t i = 0; i < op->txn_count; i++)
        writes |= h->txns[op->txn_first + i].f == RAST_F_WRITE;
    if (op->outcome == RAST_OUTCOME_OK)
        return MODEL_DETERMINATE;
    return writes ? MODEL_INDETERMINATE : MODEL_DROP;
}

static bool model_multi_step(struct model_ctx *ctx, const uint64_t *state,
                             const struct model_op *op, uint64_t *next)
{
    memcpy(next, state, ctx->state_words * sizeof *next);
    for (uint32_t i = 0; i < op->txn_count; i++) {
        const struct model_txn *t = &ctx->txns[op->txn_first + i];
        uint32_t w = 2 * t->slot;
        if (t->f == RAST_F_WRITE) {
            next[w] = t->value.kind;
            next[w + 1] = t->value.bits;
        } else if (op->outcome != MODEL_OUT_UNKNOWN && t->value.kind != CHECK_KIND_NIL &&
                   !check_value_eq((struct check_value){ next[w], next[w + 1] }, t->value)) {
            return false;
        }
    }
    return true;
}

/* ---- mutex ------------------------------------------------------------------------------ */

static int model_mutex_classify(const struct model_ctx *ctx, const struct rast_history *h,
                                const struct hist_op *op)
{
    (void)ctx;
    (void)h;
    if (op->f != RAST_F_ACQUIRE && op->f != RAST_F_RELEASE)
        return -1;
    if (op->outcome == RAST_OUTCOME_FAIL)
        return MODEL_DROP;
    return op->outcome == RAST_OUTCOME_OK ? MODEL_DETERMINATE : MODEL_INDETERMINATE;
}

static void model_mutex_init(const struct model_ctx *ctx, uint64_t *state)
{
    (void)ctx;
    state[0] = 0;
}

static bool model_mutex_step(struct model_ctx *ctx, const uint64_t *state,
                             const struct model_op *op, uint64_t *next)
{
    (void)ctx;
    bool acquire = op->f == RAST_F_ACQUIRE;
    if ((state[0] != 0) == acquire)
        return false;
    next[0] = acquire ? 1 : 0;
    return true;
}

static void model_mutex_describe(const struct model_ctx *ctx, const uint64_t *state, char *buf,
                                 uint32_t size)
{
    (void)ctx;
    snprintf(buf, size, "%s", state[0] != 0 ? "locked" : "free");
}

/* The vtable's register-family functions: model_reg.h's, for any number of slots. */
static bool model_reg_step(struct model_ctx *ctx, const uint64_t *state, const struct model_op *op,
                           uint64_t *next)
{
    return model_reg_step_at(ctx, state, op, next, false);
}

static bool model_reg_viable(struct model_ctx *ctx, const uint64_t *state,
                             const struct model_look *look)
{
    return model_reg_viable_at(ctx, state, look, false);
}

/* ---- table ------------------------------------------------------------------------------ */

#define MODEL_REG(name_, id_)                                                                      \
    {                                                                                              \
        name_, id_, true, model_reg_classify, model_reg_init, model_reg_step, model_equal_words,   \
            model_hash_state, model_reg_describe, model_reg_viable, true                           \
    }

static const struct model_vtable model_table[] = {
    MODEL_REG("etcd", RAST_MODEL_ETCD),
    MODEL_REG("knossos-cas", RAST_MODEL_KNOSSOS_CAS),
    MODEL_REG("kv", RAST_MODEL_KV),
    MODEL_REG("register", RAST_MODEL_REGISTER),
    { "multi-register", RAST_MODEL_MULTI_REGISTER, false, model_multi_classify, model_reg_init,
      model_multi_step, model_equal_words, model_hash_state, model_reg_describe, NULL, false },
    { "mutex", RAST_MODEL_MUTEX, false, model_mutex_classify, model_mutex_init, model_mutex_step,
      model_equal_words, model_hash_state, model_mutex_describe, NULL, false },
};

const struct model_vtable *model_lookup(uint32_t model)
{
    for (size_t i = 0; i < sizeof model_table / sizeof model_table[0]; i++)
        if (model_table[i].id == model)
            return &model_table[i];
    return NULL;
}

const char *rast_check_model_name(uint32_t model)
{
    const struct model_vtable *vt = model_lookup(model);
    return vt != NULL ? vt->name : model == RAST_MODEL_AUTO ? "auto" : "?";
}

int rast_check_model_parse(const char *name)
{
    if (strcmp(name, "auto") == 0)
        return RAST_MODEL_AUTO;
    for (size_t i = 0; i < sizeof model_table / sizeof model_table[0]; i++)
        if (strcmp(model_table[i].name, name) == 0)
            return (int)model_table[i].id;
    return -1;
}

uint32_t model_state_words(const struct model_vtable *vt, uint32_t slot_count)
{
    return vt->id == RAST_MODEL_MUTEX ? 1 : 2 * slot_count;
}

void model_ctx_init(struct model_ctx *ctx, const struct model_vtable *vt,
                    const struct rast_history *h, uint32_t slot_count,
                    const struct check_value *slot_keys, struct check_value initial,
                    const struct model_txn *txns)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->vt = vt;
    ctx->slot_count = slot_count;
    ctx->state_words = model_state_words(vt, slot_count);
    ctx->slot_keys = slot_keys;
    ctx->initial = initial;
    ctx->txns = txns;
    strtab_init(&ctx->strs, &h->strs);
}

void model_ctx_free(struct model_ctx *ctx)
{
    strtab_free(&ctx->strs);
    rope_free(ctx->rope);
    ctx->rope = NULL;
}

uint64_t model_ctx_bytes(const struct model_ctx *ctx)
{
    return strtab_bytes(&ctx->strs) + rope_bytes(ctx->rope);
}
