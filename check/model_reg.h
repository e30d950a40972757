/*
 * model_reg.h: the register family's step and lookahead (see model.c's table of what each
 * model accepts), inline, so that two callers share one definition:
 *  - model.c's vtable (model_reg_step, model_reg_viable), for any number of slots;
 *  - search.c's one-key loop, which calls them directly with `one` true (a by-key partition:
 *    one slot, two state words), so that the compiler drops the indirect calls and the slot
 *    arithmetic from the search's every step (appends excepted: they go through the vtable,
 *    so that rope_append keeps one caller, in which it is inlined).
 * With `one` true the results are those of `one` false for a one-slot context (slot_count 1,
 * state_words 2): `one` only lets the compiler assume it. test_differential runs both against
 * its oracle (with and without partitioning).
 */
#ifndef RAST_CHECK_MODEL_REG_H
#define RAST_CHECK_MODEL_REG_H

#include "model.h"

#include <string.h>

/* Whether a state's value a equals v, which may be a read's FLAT string (kv: see model.h). */
static inline bool model_value_eq(struct model_ctx *ctx, struct check_value a, struct check_value v)
{
    if (v.kind != MODEL_KIND_FLAT)
        return check_value_eq(a, v);
    return a.kind == CHECK_KIND_ROPE && rope_equal_read(ctx, a.bits, v.bits);
}

/* next = state with slot w's value replaced by v (w is the slot's first word). */
static inline __attribute__((always_inline)) void
model_reg_set_at(const struct model_ctx *ctx, const uint64_t *state, uint32_t w,
                 struct check_value v, uint64_t *next, bool one)
{
    if (one || ctx->state_words == 2) {
        next[0] = v.kind;
        next[1] = v.bits;
        return;
    }
    memcpy(next, state, ctx->state_words * sizeof *next);
    next[w] = v.kind;
    next[w + 1] = v.bits;
}

/* Decides legality from the current value first, so an illegal op costs no state copy. */
static inline __attribute__((always_inline)) bool
model_reg_step_at(struct model_ctx *ctx, const uint64_t *state, const struct model_op *op,
                  uint64_t *next, bool one)
{
    uint32_t w = one ? 0 : 2 * op->slot;
    struct check_value cur = { state[w], state[w + 1] }, v = cur;
    switch (op->f) {
    case RAST_F_READ:
        if (op->outcome != MODEL_OUT_UNKNOWN && !model_value_eq(ctx, cur, op->result) &&
            !(op->result.kind == CHECK_KIND_NIL && ctx->vt->id == RAST_MODEL_KNOSSOS_CAS))
            return false;
        break;
    case RAST_F_WRITE: v = op->a0; break;
    case RAST_F_CAS:
        if (op->outcome == MODEL_OUT_MISMATCH) {
            if (check_value_eq(cur, op->a0))
                return false;
        } else if (check_value_eq(cur, op->a0)) {
            v = op->a1;
        } else if (op->outcome != MODEL_OUT_UNKNOWN) {
            return false; /* an unknown CAS that fails is as if it never happened */
        }
        break;
    case RAST_F_APPEND:
        if (!rope_append(ctx, cur, op->a0, &v)) {
            ctx->error = RAST_CHECK_ENOMEM;
            return false;
        }
        break;
    default: return false;
    }
    model_reg_set_at(ctx, state, w, v, next, one);
    return true;
}

/* Can a (the current value) still grow into b by appends? */
static inline bool model_reg_prefix(struct model_ctx *ctx, struct check_value a,
                                    struct check_value b)
{
    return rope_maybe_prefix(ctx, a, b);
}

/* The value a read (or successful CAS) needs, if the lookahead can reason about it. */
static inline bool model_reg_need(const struct model_ctx *ctx, const struct model_op *o,
                                  struct check_value *need)
{
    if (o->f == RAST_F_READ && o->outcome == MODEL_OUT_OK)
        *need = o->result;
    else if (o->f == RAST_F_CAS && o->outcome == MODEL_OUT_OK)
        *need = o->a0;
    else
        return false;
    return !(need->kind == CHECK_KIND_NIL && o->f == RAST_F_READ &&
             ctx->vt->id == RAST_MODEL_KNOSSOS_CAS);
}

/* x must take effect before any op invoked after it returned: the value it needs must be the
 * slot's value now, or be set by a write or CAS in the window, or (with appends in the window
 * and no write or CAS) extend the current value. */
static inline __attribute__((always_inline)) bool
model_reg_viable_x(struct model_ctx *ctx, const uint64_t *state, const struct model_look *look,
                   bool one)
{
    const struct model_op *xo = &look->ops[look->x];
    struct check_value need;
    if (!model_reg_need(ctx, xo, &need))
        return true;
    uint32_t w = one ? 0 : 2 * xo->slot;
    struct check_value cur = { state[w], state[w + 1] };
    if (model_value_eq(ctx, cur, need))
        return true;
    bool appends = false, setters = false;
    for (uint32_t k = 0; k < look->count; k++) {
        const struct model_op *o = &look->ops[look->window[k]];
        if (!one && o->slot != xo->slot)
            continue;
        if (o->f == RAST_F_WRITE || (o->f == RAST_F_CAS && o->outcome != MODEL_OUT_MISMATCH)) {
            if (model_value_eq(ctx, o->f == RAST_F_WRITE ? o->a0 : o->a1, need))
                return true;
            setters = true;
        }
        appends |= o->f == RAST_F_APPEND;
    }
    if (!appends)
        return false;
    return setters || model_reg_prefix(ctx, cur, need);
}

/*
 * Lookahead. Besides the first-returning op (model_reg_viable_x): a read y in the window whose
 * slot has no setter left that was invoked before y returned (every such setter is already
 * linearized: any op linearized while y is pending was invoked before y returned) can only see
 * the current value extended by appends, so it must read the current value or (with appends)
 * an extension of it.
 */
static inline __attribute__((always_inline)) bool
model_reg_viable_at(struct model_ctx *ctx, const uint64_t *state, const struct model_look *look,
                    bool one)
{
    if (!model_reg_viable_x(ctx, state, look, one))
        return false;
    for (uint32_t k = 0; k < look->count; k++) {
        uint32_t y = look->window[k];
        const struct model_op *o = &look->ops[y];
        struct check_value need;
        if (o->f != RAST_F_READ || (!one && o->slot != look->changed_slot) ||
            !model_reg_need(ctx, o, &need) ||
            look->setters_before_return[y] != look->setters_done[one ? 0 : o->slot])
            continue;
        uint32_t w = one ? 0 : 2 * o->slot;
        struct check_value cur = { state[w], state[w + 1] };
        if (model_value_eq(ctx, cur, need))
            continue;
        if (ctx->vt->id != RAST_MODEL_KV || !model_reg_prefix(ctx, cur, need))
            return false;
    }
    return true;
}

#endif /* RAST_CHECK_MODEL_REG_H */
