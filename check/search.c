/*
 * search.c: Wing & Gong / Lowe linearizability search for one partition (see search.h).
 *
 * The entries (calls and returns in real-time order) form a doubly linked list with head and
 * tail sentinels (node 0 and node E + 1; entry k is node k + 1). A configuration is the set of
 * linearized ops (a bitset, with an incremental Zobrist hash) and the model state after them.
 * From the list head, the search tries each call in turn: if the model accepts the op and the
 * new configuration is not in the memo, the op is linearized (pushed, and its entries unlinked
 * from the list) and the walk restarts at the head. Reaching the return of an op that is not
 * linearized means no op can be linearized next: pop the last op, relink it and try the call
 * after it. Success when every DETERMINATE op is linearized; INDETERMINATE ops have no return
 * entry, so they never block, and may be left out.
 *
 * Pruning (each rule only skips configurations that cannot complete if the ones kept cannot):
 *  - an INDETERMINATE op whose step leaves the state unchanged is not linearized there: any
 *    completion also works without it (it has no return to respect), and leaving it pending
 *    keeps the choice to place it later;
 *  - of identical INDETERMINATE ops (twins: same f, key and arguments), the earlier-invoked one
 *    is always linearized first: swapping two twins changes nothing, and the earlier one is
 *    callable whenever the later one is;
 *  - lookahead (model viable(), struct model_look): after a step, the model checks that the
 *    configuration can still be completed, e.g. that the op of the first return entry can
 *    still become legal using only the ops callable before that return.
 *
 * Budget: the loop stops before a model step when the step budget is used up, with nothing
 * changed, and search_resume continues from that very point; so the outcome for a total budget
 * never depends on how it was split into rounds.
 *
 * Dominance: a pure op (DETERMINATE, and the identity in every state where it is legal: a read,
 * a CAS that observed a mismatch, a read-only txn) that is legal now is linearized at once,
 * without trying the other candidates: any completion of the configuration has the op somewhere
 * later with the same (null) effect, and moving it to the front keeps every real-time
 * constraint (it is enabled now: no remaining op returned before it was invoked). So if
 * the configuration after it is dead (searched, or found in the memo), so is the one before it;
 * such "forced" stack entries are popped straight through when backtracking.
 *
 * One-key loop: a register-family partition of one slot (every by-key etcd, kv, register or
 * knossos-cas partition) runs search_loop_one, the same loop with the model's step and lookahead
 * inlined from model_reg.h; anything else runs it through the vtable (search_loop_any).
 *
 * Diagnostics: the latest return entry (in real time) at which a configuration was blocked is
 * the frontier; its op is "the first op that cannot be linearized", the stack at the first such
 * block is the longest consistent prefix, and the distinct states blocked there are the states
 * reachable just before it.
 */
#include "search.h"

#include "memo.h"
#include "model_reg.h"

#include <stdlib.h>
#include <string.h>

enum { SEARCH_SKIP = 0, SEARCH_TOOK = 1, SEARCH_DEAD = 2, SEARCH_OVER = 3 };

/* Stack entries: the op, with this bit when it was forced (see the file comment). */
#define SEARCH_FORCED 0x80000000u
/* States of at most this many words (one key) are compared inline and hashed by the model. */
#define SEARCH_SMALL_STATE_WORDS 4u

struct search {
    const struct plan_part *part;
    const struct model_op *ops; /* the partition's ops, or a copy with ROPE strings (kv) */
    struct model_op *ops_copy; /* carved with the arrays (kv only) */
    size_t block_bytes;        /* of the allocation holding struct search and its arrays */
    uint32_t roped_nodes; /* kv: the ops of entries [0, roped_nodes) have ropes in ops_copy */
    uint32_t over_reason; /* why search_try stops at steps_max: STEPS, or MEMO_BYTES once a
                             conversion to ropes ran out of memory (search_viable) */
    struct model_ctx ctx;
    bool (*step)(struct model_ctx *, const uint64_t *, const struct model_op *, uint64_t *);
    uint64_t (*hash)(const struct model_ctx *, const uint64_t *);
    bool (*viable)(struct model_ctx *, const uint64_t *, const struct model_look *); /* or NULL */
    bool one;    /* a register-family partition of one slot: search_loop_one */
    bool reg;    /* a register-family partition: a step changes its op's slot's two words only */
    uint32_t sw; /* state words */
    uint32_t bw; /* bitset words */
    uint32_t *next;
    uint32_t *prev;
    uint32_t *call_node; /* op -> node of its call */
    uint32_t *ret_node;  /* op -> node of its return, 0 when INDETERMINATE */
    const uint64_t *zobrist; /* one random word per op (the plan's) */
    uint32_t *window;    /* scratch for the lookahead: ops callable before the first return */
    uint32_t *setters_before_return; /* op -> setters of its slot invoked before it returned */
    uint32_t *setters_done;          /* slot -> setters linearized */
    uint64_t *bitset;
    uint64_t *states; /* (depth + 1) * sw: states[d] is the state after d ops */
    uint64_t *state_hashes; /* depth + 1: for large states, the hash of states[d] */
    uint32_t *stack;  /* linearized ops, in order */
    uint32_t *prefix; /* the stack when the frontier was reached (search_out's, until finish) */
    uint32_t prefix_same; /* stack[0..prefix_same) is still prefix's: only the rest is copied
                             when the frontier moves (a sequential search moves it at every
                             return, and copying the whole stack each time was quadratic) */
    uint32_t depth;
    uint32_t remaining_det;
    uint64_t zob; /* XOR of zobrist[] over the linearized ops */
    struct memo memo;
    struct model_look look; /* what search_viable shows the model (the arrays set once) */
    uint64_t steps;
    uint64_t steps_max;
    uint64_t bytes_max;
    struct search_out *out; /* = &result */
    struct search_out result;
    uint32_t node; /* where search_loop resumes */
    uint32_t frontier_node;
    uint64_t *frontier_states;
};

/* One word's share of a large state's hash (see search_state_hash). */
static uint64_t search_word_hash(uint32_t index, uint64_t word)
{
    uint64_t x = word + (index + 1) * UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 32)) * UINT64_C(0xd6e8feb86659fd93);
    x = (x ^ (x >> 32)) * UINT64_C(0xd6e8feb86659fd93);
    return x ^ (x >> 32);
}

/* Frees what the search allocated, or gives the memo's memory and the rope to cache. */
static void search_free(struct search *s, struct search_cache *cache)
{
    s->memo.spare = cache != NULL ? &cache->memo : NULL;
    memo_free(&s->memo);
    if (cache != NULL && s->ctx.rope != NULL) {
        rope_free(cache->rope);
        cache->rope = s->ctx.rope;
        s->ctx.rope = NULL;
    }
    model_ctx_free(&s->ctx);
}

static int search_describe_states(struct search *s);

/*
 * For the kv model: strings become canonical ropes, each op's when the search first reaches its
 * call entry: a key that the schedule leaves after a few steps (run.c) would otherwise hash
 * every read's value for nothing. Append arguments stay flat chunks (with one key, hashed once).
 * With one key a read's value stays flat too, compared by bytes (rope_read_value): each read is
 * compared with few states; the whole-map search compares a read with many, so it hashes the
 * value into a rope once. Invariant: every call entry
 * before the first return entry of the list is converted. The list is sorted by node, so it
 * holds at the start once the prefix up to the first return is converted (search_setup), after
 * a pop (the list grows, so its first return can only come earlier), and after a step because
 * the lookahead, which runs after every step, converts up to the new first return
 * (search_viable). The search loop never passes the first return, so it needs no test.
 */
static int search_ropes(struct search *s, struct search_cache *cache)
{
    s->ops = s->part->ops;
    s->roped_nodes = UINT32_MAX; /* nothing to convert */
    if (s->ctx.vt->id != RAST_MODEL_KV)
        return 0;
    s->roped_nodes = 0;
    /* ops_copy (carved with the arrays) is filled op by op as the search reaches them
     * (search_roped_convert): a key left after a few steps copies a few ops, not all. */
    s->ops = s->ops_copy;
    if (cache != NULL && cache->rope != NULL) { /* the last partition's, emptied */
        rope_reset(cache->rope);
        s->ctx.rope = cache->rope;
        cache->rope = NULL;
    }
    return rope_value(&s->ctx, s->ctx.initial, &s->ctx.initial) ? 0 : RAST_CHECK_ENOMEM;
}

/* Entries converted past those asked for: the search asks for one more entry at a time, and a
 * call per entry cost more than the conversion; a key left after a few steps still converts
 * only a few ops. */
#define SEARCH_ROPED_AHEAD_ENTRIES 16u

/* Copies the ops of entries [0, node) (and up to SEARCH_ROPED_AHEAD_ENTRIES more) into ops_copy
 * with their strings as ropes where not yet done (kv: entries are reached in order, so the
 * converted ones are a prefix; ops_copy holds nothing else); false when out of memory. */
static bool search_roped_convert(struct search *s, uint32_t node)
{
    uint32_t end = node + SEARCH_ROPED_AHEAD_ENTRIES;
    if (end > s->part->entry_count || end < node)
        end = s->part->entry_count;
    for (; s->roped_nodes < end; s->roped_nodes++) {
        uint32_t entry = s->part->entries[s->roped_nodes];
        struct model_op *o = &s->ops_copy[entry >> 1];
        bool ok = true;
        if ((entry & 1) != 0) /* a return: its op was converted at its call */
            continue;
        *o = s->part->ops[entry >> 1];
        if (o->f == RAST_F_APPEND)
            ok = rope_append_arg(&s->ctx, o->a0, s->part->slot_count == 1, &o->a0);
        else if (o->f == RAST_F_READ && s->part->slot_count == 1) /* see above */
            ok = rope_read_value(&s->ctx, o->result, &o->result);
        else if (o->f == RAST_F_READ)
            ok = rope_value(&s->ctx, o->result, &o->result);
        else /* only a read's result is ever looked at */
            ok = rope_value(&s->ctx, o->a0, &o->a0) && rope_value(&s->ctx, o->a1, &o->a1);
        if (!ok)
            return false; /* retried from this entry: copied and converted again */
    }
    return true;
}

/* The check on every step is one compare; the conversion is out of line. */
static inline bool search_roped_upto(struct search *s, uint32_t node)
{
    return node <= s->roped_nodes || search_roped_convert(s, node);
}

static int search_initial_value(struct search *s, struct rast_value v, struct check_value *out)
{
    if (v.kind == RAST_VALUE_INT) {
        *out = (struct check_value){ CHECK_KIND_INT, (uint64_t)v.i };
    } else if (v.kind == RAST_VALUE_STR) {
        uint32_t id;
        if (strtab_intern(&s->ctx.strs, v.str != NULL ? v.str : "", v.str_size_bytes, &id) != 0)
            return RAST_CHECK_ENOMEM;
        *out = (struct check_value){ CHECK_KIND_STR, id };
    } else {
        *out = CHECK_NIL_VALUE;
    }
    return 0;
}

/*
 * The list (every entry linked, in order, between the sentinels), each op's call and return
 * nodes, and setters_before_return: for each op, the setters of its slot invoked before it
 * returned (UINT32_MAX for ops that never return), in one pass over the entries. Uses
 * setters_done as a scratch counter (zeroed again after).
 */
static void search_index_entries(struct search *s)
{
    const struct plan_part *part = s->part;
    uint32_t e = part->entry_count;
    for (uint32_t k = 0; k < e; k++) {
        uint32_t op = part->entries[k] >> 1;
        const struct model_op *o = &part->ops[op];
        s->next[k] = k + 1;
        s->prev[k + 1] = k;
        if ((part->entries[k] & 1) != 0) {
            s->ret_node[op] = k + 1;
            s->setters_before_return[op] = s->setters_done[o->slot];
        } else {
            s->call_node[op] = k + 1;
            s->setters_before_return[op] = UINT32_MAX;
            s->setters_done[o->slot] += o->setter;
        }
    }
    s->prev[0] = 0;
    s->next[e] = e + 1;
    s->next[e + 1] = e + 2;
    s->prev[e + 1] = e;
    memset(s->setters_done, 0, part->slot_count * sizeof *s->setters_done);
}

/*
 * The search's arrays live in the same allocation as struct search, after it (search_create):
 * one malloc and one free per partition instead of fourteen of each, which a partition of a
 * few dozen ops paid for more than for its search. Each array is rounded up to 8 bytes so the
 * word arrays stay aligned.
 */
static size_t search_array_bytes(size_t count, size_t elem_size_bytes)
{
    return (count * elem_size_bytes + 7) & ~(size_t)7;
}

#define SEARCH_CARVE(base, at, field, count)                                                    \
    ((field) = (base) != NULL ? (void *)((base) + (at)) : NULL,                                 \
     (at) += search_array_bytes((count), sizeof *(field)))

/* Points the arrays into base, zeroing those that need it (ret_node, bitset, setters_done,
 * states, frontier_states, placed first), or with base NULL only sizes them; s->sw and s->bw
 * must be set. ops_copy only for the kv model. Returns their total size in bytes. */
static size_t search_carve(struct search *s, char *base, const struct plan *plan,
                           const struct plan_part *part)
{
    uint32_t e = part->entry_count, n = part->op_count, slots = part->slot_count;
    size_t at = 0, sw = s->sw, zeroed;
    SEARCH_CARVE(base, at, s->ret_node, (size_t)n + 1);
    SEARCH_CARVE(base, at, s->bitset, s->bw);
    SEARCH_CARVE(base, at, s->setters_done, (size_t)slots + 1);
    SEARCH_CARVE(base, at, s->states, ((size_t)n + 1) * sw);
    SEARCH_CARVE(base, at, s->frontier_states, (size_t)SEARCH_STATES_MAX * sw);
    zeroed = at;
    SEARCH_CARVE(base, at, s->next, (size_t)e + 2);
    SEARCH_CARVE(base, at, s->prev, (size_t)e + 2);
    SEARCH_CARVE(base, at, s->call_node, (size_t)n + 1);
    SEARCH_CARVE(base, at, s->window, (size_t)n + 1);
    SEARCH_CARVE(base, at, s->setters_before_return, (size_t)n + 1);
    SEARCH_CARVE(base, at, s->state_hashes, (size_t)n + 1);
    SEARCH_CARVE(base, at, s->stack, (size_t)n + 1);
    SEARCH_CARVE(base, at, s->prefix, (size_t)n + 1);
    SEARCH_CARVE(base, at, s->ops_copy, plan->vt->id == RAST_MODEL_KV ? (size_t)n + 1 : 0);
    if (base != NULL)
        memset(base, 0, zeroed);
    return at;
}

static int search_setup(struct search *s, const struct rast_history *h, const struct plan *plan,
                        const struct plan_part *part, struct search_cache *cache)
{
    uint32_t e = part->entry_count;
    s->part = part;
    model_ctx_init(&s->ctx, plan->vt, h, part->slot_count, part->slot_keys, CHECK_NIL_VALUE,
                   part->txns);
    s->step = plan->vt->step;
    s->hash = plan->vt->hash;
    s->viable = plan->vt->viable;
    s->one = plan->vt->reg_family && part->slot_count == 1;
    s->reg = plan->vt->reg_family;
    search_carve(s, (char *)(s + 1), plan, part);
    int rc = search_initial_value(s, plan->initial, &s->ctx.initial);
    if (rc == 0)
        rc = search_ropes(s, cache);
    if (rc != 0)
        return rc;
    search_index_entries(s);
    uint32_t first_return = 0;
    while (first_return < e && (part->entries[first_return] & 1) == 0)
        first_return++;
    if (!search_roped_upto(s, first_return < e ? first_return + 1 : e))
        return RAST_CHECK_ENOMEM;
    s->zobrist = plan->zobrist;
    s->remaining_det = part->det_count;
    plan->vt->init(&s->ctx, s->states);
    s->state_hashes[0] = 0;
    for (uint32_t i = 0; i < s->sw; i++)
        s->state_hashes[0] += search_word_hash(i, s->states[i]);
    return 0;
}

static inline __attribute__((always_inline)) void search_lift(struct search *s, uint32_t op)
{
    uint32_t c = s->call_node[op], r = s->ret_node[op];
    s->next[s->prev[c]] = s->next[c];
    s->prev[s->next[c]] = s->prev[c];
    if (r != 0) {
        s->next[s->prev[r]] = s->next[r];
        s->prev[s->next[r]] = s->prev[r];
    }
}

static void search_unlift(struct search *s, uint32_t op)
{
    uint32_t c = s->call_node[op], r = s->ret_node[op];
    if (r != 0) {
        s->next[s->prev[r]] = r;
        s->prev[s->next[r]] = r;
    }
    s->next[s->prev[c]] = c;
    s->prev[s->next[c]] = c;
}

/* search_blocked at or past the frontier: records the frontier, prefix and states. */
static void search_blocked_at(struct search *s, uint32_t node)
{
    struct search_out *out = s->out;
    const uint64_t *state = s->states + (size_t)s->depth * s->sw;
    if (node > s->frontier_node) {
        s->frontier_node = node;
        out->frontier_entry = node - 1;
        out->fail_op = s->part->entries[node - 1] >> 1;
        out->prefix_count = s->depth;
        for (uint32_t i = s->prefix_same; i < s->depth; i++)
            s->prefix[i] = s->stack[i] & ~SEARCH_FORCED;
        s->prefix_same = s->depth;
        out->state_count = 0;
    } else if (out->state_count == SEARCH_STATES_MAX) {
        return;
    }
    for (uint32_t i = 0; i < out->state_count; i++)
        if (memcmp(s->frontier_states + (size_t)i * s->sw, state, s->sw * sizeof *state) == 0)
            return;
    memcpy(s->frontier_states + (size_t)out->state_count * s->sw, state, s->sw * sizeof *state);
    out->state_count++;
}

/* A configuration is blocked at the return entry `node` with the current state. Most blocks
 * are behind the frontier and change nothing: that test is inline, the rest a call. */
static inline void search_blocked(struct search *s, uint32_t node)
{
    if (node >= s->frontier_node)
        search_blocked_at(s, node);
}

static inline __attribute__((always_inline)) uint32_t search_pop(struct search *s);

/* Out of memory converting to ropes: prune nothing (the model could not compare), and stop
 * before the next step, as UNKNOWN for lack of memory (search_try). Returns true. */
static bool search_roped_failed(struct search *s)
{
    s->steps_max = s->steps;
    s->over_reason = RAST_CHECK_REASON_MEMO_BYTES;
    return true;
}

/* Lookahead after linearizing op: can the configuration still be completed? (`one`: see
 * search_loop_one) */
static inline __attribute__((always_inline)) bool search_viable(struct search *s, uint32_t op,
                                                                bool one)
{
    if ((!one && s->viable == NULL) || s->remaining_det == 0)
        return true;
    uint32_t tail = s->part->entry_count + 1, count = 0;
    for (uint32_t node = s->next[0]; node != tail; node = s->next[node]) {
        uint32_t entry = s->part->entries[node - 1];
        if ((entry & 1) != 0) {
            if (!search_roped_upto(s, node))
                return search_roped_failed(s);
            s->look.x = entry >> 1; /* the rest was set by search_create, or stays */
            s->look.count = count;
            s->look.changed_slot = s->ops[op].slot;
            const uint64_t *state = s->states + (size_t)s->depth * (one ? 2 : s->sw);
            if (one ? model_reg_viable_at(&s->ctx, state, &s->look, true)
                    : s->viable(&s->ctx, state, &s->look))
                return true;
            search_blocked(s, node);
            return false;
        }
        s->window[count++] = entry >> 1;
    }
    return search_roped_upto(s, tail - 1) || search_roped_failed(s); /* no return left */
}

/*
 * Whether the step from cur to nxt left the state unchanged. For large states (whole-map: two
 * words per key) it also sets state_hashes[depth + 1], the memo's hash of nxt: the sum of
 * search_word_hash over its words, updated for the few words the step changed instead of
 * rehashing every key. Small states (one key: two words) are hashed by the model afterwards
 * (search_next_hash). Either hash is a function of the words alone, as the memo needs.
 */
static inline bool search_step_same(struct search *s, const uint64_t *cur, const uint64_t *nxt,
                                    const struct model_op *mo, bool one)
{
    uint64_t diff = 0;
    if (one || s->sw == 2) /* one key: no loop */
        return ((cur[0] ^ nxt[0]) | (cur[1] ^ nxt[1])) == 0;
    if (s->sw <= SEARCH_SMALL_STATE_WORDS) {
        for (uint32_t i = 0; i < s->sw; i++)
            diff |= cur[i] ^ nxt[i];
        return diff == 0;
    }
    /* The register family's step copies the state and sets its op's slot (model_reg_set_at):
     * only those two words can differ. Other models' steps may change any word. */
    uint32_t from = s->reg ? 2 * mo->slot : 0, to = s->reg ? from + 2 : s->sw;
    uint64_t h = s->state_hashes[s->depth];
    for (uint32_t i = from; i < to; i++) {
        if (cur[i] == nxt[i])
            continue;
        h += search_word_hash(i, nxt[i]) - search_word_hash(i, cur[i]);
        diff = 1;
    }
    s->state_hashes[s->depth + 1] = h;
    return diff == 0;
}

static inline uint64_t search_next_hash(struct search *s, const uint64_t *nxt, bool one)
{
    if (one)
        return model_hash_small(nxt, 2);
    if (s->sw <= 2) /* one key: the model's hash (model_hash_words), inline */
        return model_hash_small(nxt, s->sw);
    if (s->sw <= SEARCH_SMALL_STATE_WORDS)
        return s->hash(&s->ctx, nxt);
    return s->state_hashes[s->depth + 1];
}

/* Tries to linearize op now. Returns SEARCH_TOOK if it did, SEARCH_SKIP if not (try the next
 * call), SEARCH_DEAD if the current configuration cannot be completed, SEARCH_OVER when over
 * budget. */
static inline __attribute__((always_inline)) int search_try(struct search *s, uint32_t op,
                                                            bool one)
{
    const struct model_op *mo = &s->ops[op];
    uint32_t sw = one ? 2 : s->sw;
    const uint64_t *cur = s->states + (size_t)s->depth * sw;
    uint64_t *nxt = s->states + (size_t)(s->depth + 1) * sw;
    uint32_t twin = s->part->twins[op];
    if (twin != HIST_NONE && (s->bitset[twin / 64] & (UINT64_C(1) << (twin % 64))) == 0)
        return SEARCH_SKIP;
    if (s->steps >= s->steps_max) {
        s->out->reason = s->over_reason;
        return SEARCH_OVER;
    }
    s->steps++;
    /* An append goes through the vtable even for one key: rope_append, inline in its one
     * caller (model_reg_step), is not worth a second copy. */
    if (one && mo->f != RAST_F_APPEND ? !model_reg_step_at(&s->ctx, cur, mo, nxt, true)
                                      : !s->step(&s->ctx, cur, mo, nxt)) {
        if (s->ctx.error == 0)
            return SEARCH_SKIP;
        s->out->reason = RAST_CHECK_REASON_MEMO_BYTES;
        return SEARCH_OVER;
    }
    bool same = search_step_same(s, cur, nxt, mo, one);
    if (same && mo->outcome == MODEL_OUT_UNKNOWN)
        return SEARCH_SKIP;
    same = same && mo->pure;
    uint64_t zob = s->zob ^ s->zobrist[op];
    uint64_t hash = zob ^ search_next_hash(s, nxt, one);
    memo_prefetch(&s->memo, hash);
    s->bitset[op / 64] |= UINT64_C(1) << (op % 64);
    /* The model's strings share the byte budget, which the memo looks at only to allocate. */
    if (s->ctx.rope != NULL && memo_may_allocate(&s->memo)) {
        uint64_t model_bytes = model_ctx_bytes(&s->ctx);
        s->memo.bytes_max = model_bytes < s->bytes_max ? s->bytes_max - model_bytes : 0;
    }
    int rc = memo_insert_at(&s->memo, hash, s->bitset, nxt, one);
    if (rc != MEMO_INSERTED) {
        s->bitset[op / 64] &= ~(UINT64_C(1) << (op % 64));
        if (rc == MEMO_PRESENT)
            return same ? SEARCH_DEAD : SEARCH_SKIP;
        s->out->reason = RAST_CHECK_REASON_MEMO_BYTES;
        return SEARCH_OVER;
    }
    s->zob = zob;
    s->stack[s->depth++] = op | (same ? SEARCH_FORCED : 0);
    if (s->depth > s->out->depth_max)
        s->out->depth_max = s->depth;
    s->remaining_det -= mo->outcome != MODEL_OUT_UNKNOWN;
    s->setters_done[mo->slot] += mo->setter;
    search_lift(s, op);
    if (!search_viable(s, op, one)) {
        search_pop(s);
        return same ? SEARCH_DEAD : SEARCH_SKIP;
    }
    return SEARCH_TOOK;
}

/* Undoes the last linearized op; returns the node to continue from (after its call), or 0
 * when the op was forced (so the configuration before it is dead too). */
static inline __attribute__((always_inline)) uint32_t search_pop(struct search *s)
{
    uint32_t entry = s->stack[--s->depth], op = entry & ~SEARCH_FORCED;
    if (s->prefix_same > s->depth)
        s->prefix_same = s->depth;
    search_unlift(s, op);
    s->bitset[op / 64] &= ~(UINT64_C(1) << (op % 64));
    s->zob ^= s->zobrist[op];
    s->setters_done[s->ops[op].slot] -= s->ops[op].setter;
    s->remaining_det += s->ops[op].outcome != MODEL_OUT_UNKNOWN;
    return (entry & SEARCH_FORCED) != 0 ? 0 : s->next[s->call_node[op]];
}

/* The search proper: returns the verdict. `one` (a constant in each caller) is search_loop_one's
 * promise. */
static inline __attribute__((always_inline)) uint32_t search_loop_at(struct search *s, bool one)
{
    uint32_t tail = s->part->entry_count + 1;
    uint32_t node = s->node;
    while (s->remaining_det > 0) {
        uint32_t entry = node == tail ? 1 : s->part->entries[node - 1];
        if ((entry & 1) == 0) {
            int rc = search_try(s, entry >> 1, one);
            if (rc == SEARCH_OVER) {
                s->node = node; /* resumable: nothing was changed */
                return RAST_CHECK_UNKNOWN;
            }
            if (rc != SEARCH_DEAD) {
                node = rc == SEARCH_TOOK ? s->next[0] : s->next[node];
                continue;
            }
        } else if (node != tail) {
            search_blocked(s, node);
        }
        do {
            if (s->depth == 0)
                return RAST_CHECK_NOT_LINEARIZABLE;
            node = search_pop(s);
        } while (node == 0);
    }
    return RAST_CHECK_LINEARIZABLE;
}

/*
 * The loop for a register-family partition of one slot (every by-key partition of etcd, kv,
 * register, knossos-cas: search_create sets s->one): the same search, step for step, with the
 * model's step and lookahead called directly (model_reg.h) instead of through the vtable, and
 * the state known to be two words, so the compiler inlines them and drops the slot arithmetic
 * and the tests for larger states from every step.
 */
static uint32_t search_loop_one(struct search *s)
{
    return search_loop_at(s, true);
}

static uint32_t search_loop_any(struct search *s)
{
    return search_loop_at(s, false);
}

static int search_describe_states(struct search *s)
{
    struct search_out *out = s->out;
    /* Sized to the states there are (a linearizable partition has none): zeroing room for
     * SEARCH_STATES_MAX of them cost a small partition more than its search. */
    size_t cap = (size_t)out->state_count * 1024 + 1, pos = 0;
    out->states_text = malloc(cap);
    if (out->states_text == NULL)
        return RAST_CHECK_ENOMEM;
    out->states_text[0] = '\0';
    for (uint32_t i = 0; i < out->state_count; i++) {
        out->states_text[pos] = '\0';
        s->ctx.vt->describe(&s->ctx, s->frontier_states + (size_t)i * s->sw, out->states_text + pos,
                            1024);
        pos += strlen(out->states_text + pos) + 1;
    }
    return 0;
}

/* Room for struct search and arrays_bytes after it: the cache's block if large enough. */
static struct search *search_alloc(struct search_cache *cache, size_t arrays_bytes)
{
    size_t bytes = sizeof(struct search) + arrays_bytes;
    struct search *s;
    if (cache != NULL && cache->block != NULL && cache->block_bytes >= bytes) {
        s = cache->block;
        bytes = cache->block_bytes;
        cache->block = NULL;
    } else {
        s = malloc(bytes);
        if (s == NULL)
            return NULL;
    }
    memset(s, 0, sizeof *s);
    s->block_bytes = bytes;
    return s;
}

int search_create(const struct rast_history *h, const struct plan *plan,
                  const struct plan_part *part, uint64_t memo_bytes_max,
                  struct search_cache *cache, struct search **out)
{
    struct search sizing;
    *out = NULL;
    sizing.sw = model_state_words(plan->vt, part->slot_count);
    sizing.bw = part->op_count / 64 + 1;
    struct search *s = search_alloc(cache, search_carve(&sizing, NULL, plan, part));
    if (s == NULL)
        return RAST_CHECK_ENOMEM;
    s->sw = sizing.sw;
    s->bw = sizing.bw;
    s->out = &s->result;
    s->over_reason = RAST_CHECK_REASON_STEPS;
    s->result.frontier_entry = HIST_NONE;
    s->result.fail_op = HIST_NONE;
    s->bytes_max = memo_bytes_max;
    int rc = search_setup(s, h, plan, part, cache);
    if (rc != 0) {
        search_destroy(s, cache);
        return rc;
    }
    memo_init(&s->memo, s->bw, s->sw, memo_bytes_max);
    s->look.ops = s->ops;
    s->look.window = s->window;
    s->look.setters_before_return = s->setters_before_return;
    s->look.setters_done = s->setters_done;
    s->node = s->next[0];
    *out = s;
    return 0;
}

uint32_t search_resume(struct search *s, uint64_t budget_steps_max, struct search_cache *cache)
{
    if (s->result.verdict != RAST_CHECK_UNKNOWN || s->result.reason == RAST_CHECK_REASON_STEPS) {
        s->steps_max = budget_steps_max;
        s->result.reason = RAST_CHECK_REASON_NONE;
        s->memo.spare = cache != NULL ? &cache->memo : NULL; /* this thread's */
        s->result.verdict = s->one ? search_loop_one(s) : search_loop_any(s);
        s->memo.spare = NULL;
    }
    s->result.steps = s->steps;
    s->result.memo_bytes = s->memo.bytes_used + model_ctx_bytes(&s->ctx);
    return s->result.verdict;
}

const struct search_out *search_result(const struct search *s)
{
    return &s->result;
}

int search_finish(struct search *s, struct search_out *out)
{
    /* Only a failing or undecided partition is ever reported (run.c's fail_part): describing the
     * states a linearizable one was blocked at, and copying its prefix, cost a small partition
     * a tenth of its check. */
    if (s->result.verdict == RAST_CHECK_LINEARIZABLE) {
        s->result.state_count = 0;
        s->result.prefix_count = 0;
    }
    if (s->result.state_count > 0) {
        int rc = search_describe_states(s);
        if (rc != 0)
            return rc;
    }
    if (s->result.prefix_count > 0) {
        size_t bytes = (size_t)s->result.prefix_count * sizeof *s->prefix;
        s->result.prefix = malloc(bytes);
        if (s->result.prefix == NULL)
            return RAST_CHECK_ENOMEM;
        memcpy(s->result.prefix, s->prefix, bytes);
    }
    *out = s->result;
    memset(&s->result, 0, sizeof s->result);
    return 0;
}

void search_destroy(struct search *s, struct search_cache *cache)
{
    if (s == NULL)
        return;
    search_free(s, cache);
    search_out_free(&s->result);
    if (cache == NULL || (cache->block != NULL && cache->block_bytes >= s->block_bytes)) {
        free(s);
        return;
    }
    free(cache->block); /* keep the larger block */
    cache->block = s;
    cache->block_bytes = s->block_bytes;
}

void search_cache_free(struct search_cache *cache)
{
    free(cache->block);
    memo_spare_free(&cache->memo);
    rope_free(cache->rope);
    memset(cache, 0, sizeof *cache);
}

void search_out_free(struct search_out *out)
{
    free(out->prefix);
    free(out->states_text);
    out->prefix = NULL;
    out->states_text = NULL;
}
