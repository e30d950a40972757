/*
 * plan.c: partitioning a history by key and converting its ops for the search (plan.h).
 * Two passes over the history: classify and count, then fill exactly-sized arrays.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

/* A map from value to index, in order of insertion (open addressing, load <= 1/2). */
struct valmap {
    struct check_value *keys;   /* index -> key */
    uint32_t *slots;            /* index + 1, 0 = empty */
    uint32_t mask;
    uint32_t count;
};

static void valmap_free(struct valmap *m)
{
    free(m->keys);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static uint32_t valmap_hash(struct check_value v)
{
    uint64_t w[2] = {v.kind, v.bits};
    return (uint32_t)model_hash_words(w, 2);
}

static int valmap_grow(struct valmap *m)
{
    uint32_t n = m->slots == NULL ? 16 : (m->mask + 1) * 2;
    uint32_t *slots = calloc(n, sizeof *slots);
    struct check_value *keys = realloc(m->keys, (size_t)n / 2 * sizeof *keys);
    if (slots == NULL || keys == NULL) {
        free(slots);
        if (keys != NULL)
            m->keys = keys;
        return RAST_CHECK_ENOMEM;
    }
    m->keys = keys;
    for (uint32_t i = 0; i < m->count; i++) {
        uint32_t j = valmap_hash(keys[i]) & (n - 1);
        while (slots[j] != 0)
            j = (j + 1) & (n - 1);
        slots[j] = i + 1;
    }
    free(m->slots);
    m->slots = slots;
    m->mask = n - 1;
    return 0;
}

/* The index of v, added at the end when absent. */
static int valmap_get(struct valmap *m, struct check_value v, uint32_t *index_out)
{
    if ((m->count + 1) * 2 > m->mask + 1 || m->slots == NULL) {
        int rc = valmap_grow(m);
        if (rc != 0)
            return rc;
    }
    uint32_t j = valmap_hash(v) & m->mask;
    for (; m->slots[j] != 0; j = (j + 1) & m->mask) {
        if (check_value_eq(m->keys[m->slots[j] - 1], v)) {
            *index_out = m->slots[j] - 1;
            return 0;
        }
    }
    m->keys[m->count] = v;
    m->slots[j] = ++m->count;
    *index_out = m->count - 1;
    return 0;
}

/* True when v is in m (no insertion). */
static bool valmap_has(const struct valmap *m, struct check_value v)
{
    if (m->slots == NULL)
        return false;
    for (uint32_t j = valmap_hash(v) & m->mask; m->slots[j] != 0; j = (j + 1) & m->mask)
        if (check_value_eq(m->keys[m->slots[j] - 1], v))
            return true;
    return false;
}

void plan_free(struct plan *p)
{
    for (uint32_t i = 0; p->parts != NULL && i < p->part_count; i++)
        if (p->parts[i].slot_keys != &p->parts[i].key) /* by key: no allocation */
            free(p->parts[i].slot_keys);
    free(p->block); /* every partition's arrays (plan_alloc_parts) */
    free(p->zobrist);
    free(p->parts);
    free(p->op_part);
    memset(p, 0, sizeof *p);
}

static void plan_initial(const struct rast_history *h, const struct rast_check_options *opts,
                         struct plan *p)
{
    if (opts->has_initial) {
        p->initial = opts->initial;
    } else if (h->has_initial_hint && h->initial_hint.kind == CHECK_KIND_STR) {
        const char *s;
        uint32_t size;
        strtab_get(&h->strs, (uint32_t)h->initial_hint.bits, &s, &size);
        p->initial = RAST_STR(s, size);
    } else if (h->has_initial_hint) {
        p->initial = h->initial_hint.kind == CHECK_KIND_INT
                         ? RAST_INT((int64_t)h->initial_hint.bits) : RAST_NIL;
    } else if (p->vt->id == RAST_MODEL_KNOSSOS_CAS || p->vt->id == RAST_MODEL_MULTI_REGISTER) {
        p->initial = RAST_INT(0);
    } else {
        p->initial = RAST_NIL;
    }
}

static int plan_model_error(const struct rast_history *h, const struct plan *p, uint32_t op_id,
                            struct rast_check_error *err)
{
    if (err != NULL) {
        const struct hist_op *op = &h->ops[op_id];
        memset(err, 0, sizeof *err);
        snprintf(err->file, sizeof err->file, "%s", h->name);
        err->line = op->invoke_line;
        err->column = op->invoke_line > 0 ? 1 : 0;
        snprintf(err->message, sizeof err->message,
                 "model %s does not support :%s (op #%u); choose another with --model",
                 p->vt->name, hist_f_name(op->f), (unsigned)op_id);
    }
    return RAST_CHECK_EMODEL;
}

/* Recently seen keys in front of a valmap, direct-mapped: a history's ops cycle through a few
 * keys, and a hit is two compares instead of a hash and a probe. */
#define PLAN_KEYS_CACHED 64u /* a power of two */

struct plan_key_cache {
    struct check_value keys[PLAN_KEYS_CACHED];
    uint32_t indexes[PLAN_KEYS_CACHED]; /* index + 1 in the valmap; 0 = empty */
};

static int plan_key_index(struct valmap *m, struct plan_key_cache *c, struct check_value key,
                          uint32_t *index_out)
{
    uint32_t k = (uint32_t)(((key.bits ^ key.kind << 62) * UINT64_C(0x9e3779b97f4a7c15)) >> 58);
    if (c->indexes[k] != 0 && check_value_eq(c->keys[k], key)) {
        *index_out = c->indexes[k] - 1;
        return 0;
    }
    int rc = valmap_get(m, key, index_out);
    if (rc == 0) {
        c->keys[k] = key;
        c->indexes[k] = *index_out + 1;
    }
    return rc;
}

/* Pass 1: classify every op and assign it a partition; count each partition's arrays. */
static int plan_classify(const struct rast_history *h, struct plan *p, bool by_key, uint8_t *cls,
                         struct rast_check_error *err)
{
    struct model_ctx probe;
    memset(&probe, 0, sizeof probe);
    probe.vt = p->vt;
    struct valmap keys = {0};
    struct plan_key_cache cache;
    memset(&cache, 0, sizeof cache);
    int rc = 0;
    for (uint32_t i = 0; i < h->op_count && rc == 0; i++) {
        int c = p->vt->classify(&probe, h, &h->ops[i]);
        if (c < 0) {
            rc = plan_model_error(h, p, i, err);
            break;
        }
        cls[i] = (uint8_t)c;
        p->unknown_setters |=
            c == MODEL_INDETERMINATE && (h->ops[i].f == RAST_F_WRITE || h->ops[i].f == RAST_F_CAS);
        rc =
            plan_key_index(&keys, &cache, by_key ? h->ops[i].key : CHECK_NIL_VALUE, &p->op_part[i]);
    }
    if (rc == 0 && keys.count > 0) {
        p->parts = calloc(keys.count, sizeof *p->parts);
        if (p->parts == NULL)
            rc = RAST_CHECK_ENOMEM;
        else
            p->part_count = keys.count;
        for (uint32_t i = 0; i < p->part_count; i++)
            p->parts[i].key = keys.keys[i];
    }
    valmap_free(&keys);
    return rc;
}

/*
 * plan_drop_unobserved and its helpers, down to it: dropping the indeterminate writes and
 * CASes that nobody could have observed, for the register family. An op whose
 * outcome is unknown may be taken as never having happened, and for a register that is the
 * right choice whenever no read returned the value it writes and no CAS expected it. Take a
 * linearization that has such a write w, and x the next write or successful CAS after it:
 * nothing between them reads w's value (no read returned it) or succeeds on it (no CAS
 * expected it); an unknown CAS there that failed is a no-op, and one that now succeeds sets a
 * value nobody reads before x; and x (a write: a CAS would have expected w's value) sets the
 * state as before. So the linearization without w is one too. A failed CAS with an observed
 * mismatch (etcd, kv) breaks the argument (without w its state may equal what it expected),
 * so a partition that has one keeps its writes, as does one with appends (a value is observed
 * through the values appended to it). Values are compared as integers only: any other kind
 * in a partition keeps its writes. A history of many timed-out writes (the simulator's
 * clients under faults) otherwise makes the search try every subset of them.
 */
static bool plan_int_or_nil(struct check_value v)
{
    return v.kind == CHECK_KIND_INT || v.kind == CHECK_KIND_NIL;
}

/* The value an indeterminate write or CAS would leave (what plan_drop_unobserved may drop),
 * or false for any other op. */
static bool plan_unknown_setter(const struct hist_op *op, uint8_t cls, struct check_value *v)
{
    if (cls != MODEL_INDETERMINATE || (op->f != RAST_F_WRITE && op->f != RAST_F_CAS))
        return false;
    *v = op->f == RAST_F_WRITE ? op->arg0 : op->arg1;
    return true;
}

/* Does op keep its partition's writes (the argument above does not cover it)? */
static bool plan_keeps_writes(const struct hist_op *op, uint8_t cls)
{
    return op->f == RAST_F_APPEND || !plan_int_or_nil(op->arg0) || !plan_int_or_nil(op->arg1) ||
           (op->f == RAST_F_READ && !plan_int_or_nil(op->result)) ||
           (op->f == RAST_F_CAS && cls == MODEL_DETERMINATE && op->outcome == RAST_OUTCOME_FAIL);
}

/* Marks keep[part] for the partitions the argument does not cover; true when some other
 * partition has an op to drop (so that the values seen are worth collecting). */
static bool plan_mark_kept(const struct rast_history *h, const struct plan *p, const uint8_t *cls,
                           bool *keep)
{
    for (uint32_t i = 0; i < h->op_count; i++)
        if (cls[i] != MODEL_DROP && plan_keeps_writes(&h->ops[i], cls[i]))
            keep[p->op_part[i]] = true;
    struct check_value v;
    for (uint32_t i = 0; i < h->op_count; i++)
        if (plan_unknown_setter(&h->ops[i], cls[i], &v) && !keep[p->op_part[i]])
            return true;
    return false;
}

/* The values that reads returned or CASes expected, anywhere in the history. */
static int plan_seen_values(const struct rast_history *h, const uint8_t *cls, struct valmap *seen)
{
    for (uint32_t i = 0; i < h->op_count; i++) {
        const struct hist_op *op = &h->ops[i];
        uint32_t index = 0;
        int rc = 0;
        if (op->f == RAST_F_READ && cls[i] == MODEL_DETERMINATE)
            rc = valmap_get(seen, op->result, &index);
        else if (op->f == RAST_F_CAS && cls[i] != MODEL_DROP)
            rc = valmap_get(seen, op->arg0, &index);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int plan_drop_unobserved(const struct rast_history *h, const struct plan *p, uint8_t *cls)
{
    if (!p->unknown_setters)
        return 0; /* most histories: nothing to drop, nothing to allocate */
    bool *keep = calloc((size_t)p->part_count + 1, sizeof *keep);
    if (keep == NULL)
        return RAST_CHECK_ENOMEM;
    struct valmap seen = {0};
    bool any = plan_mark_kept(h, p, cls, keep);
    int rc = any ? plan_seen_values(h, cls, &seen) : 0;
    struct check_value v;
    for (uint32_t i = 0; any && i < h->op_count && rc == 0; i++)
        if (plan_unknown_setter(&h->ops[i], cls[i], &v) && !keep[p->op_part[i]] &&
            !valmap_has(&seen, v))
            cls[i] = MODEL_DROP;
    valmap_free(&seen);
    free(keep);
    return rc;
}

static size_t plan_array_bytes(size_t count, size_t elem_size_bytes)
{
    return (count * elem_size_bytes + 7) & ~(size_t)7;
}

/* Bytes of a partition's arrays (plan_carve_part), from the counts of pass 1. */
static size_t plan_part_bytes(const struct plan_part *part)
{
    return plan_array_bytes((size_t)part->op_count + 1, sizeof *part->ops) +
           plan_array_bytes((size_t)part->txn_count + 1, sizeof *part->txns) +
           2 * plan_array_bytes((size_t)part->entry_count + 1, sizeof(uint32_t)) +
           plan_array_bytes((size_t)part->op_count + 1, sizeof *part->twins);
}

/*
 * A partition's ops, txns, entries, entry events and twins, sized from the counts of pass 1,
 * carved from block (every partition's arrays are one allocation, plan->block: a history of many
 * small keys made five mallocs and frees per key, then one per key). plan_fill writes every
 * element but the spare one at the end of each array, zeroed here (and the txns); the counts
 * are reset for plan_fill to count again. Returns the bytes used.
 */
static size_t plan_carve_part(struct plan_part *part, char *block)
{
    size_t ops_bytes = plan_array_bytes((size_t)part->op_count + 1, sizeof *part->ops);
    size_t txns_bytes = plan_array_bytes((size_t)part->txn_count + 1, sizeof *part->txns);
    size_t entries_bytes = plan_array_bytes((size_t)part->entry_count + 1, sizeof(uint32_t));
    size_t twins_bytes = plan_array_bytes((size_t)part->op_count + 1, sizeof *part->twins);
    part->ops = (struct model_op *)block;
    part->txns = (struct model_txn *)(block + ops_bytes);
    part->entries = (uint32_t *)(block + ops_bytes + txns_bytes);
    part->entry_events = (uint32_t *)(block + ops_bytes + txns_bytes + entries_bytes);
    part->twins = (uint32_t *)(block + ops_bytes + txns_bytes + 2 * entries_bytes);
    memset(&part->ops[part->op_count], 0, sizeof *part->ops);
    memset(part->txns, 0, ((size_t)part->txn_count + 1) * sizeof *part->txns);
    part->entries[part->entry_count] = 0;
    part->entry_events[part->entry_count] = 0;
    part->op_count = part->entry_count = part->txn_count = 0;
    return ops_bytes + txns_bytes + 2 * entries_bytes + twins_bytes;
}

static int plan_alloc_parts(const struct rast_history *h, struct plan *p, const uint8_t *cls)
{
    for (uint32_t i = 0; i < h->op_count; i++) {
        struct plan_part *part = &p->parts[p->op_part[i]];
        part->hist_op_count++;
        if (cls[i] == MODEL_DROP)
            continue;
        part->op_count++;
        part->entry_count += cls[i] == MODEL_DETERMINATE ? 2 : 1;
        part->txn_count += h->ops[i].txn_count;
    }
    size_t bytes = 0;
    for (uint32_t i = 0; i < p->part_count; i++)
        bytes += plan_part_bytes(&p->parts[i]);
    char *block = malloc(bytes);
    if (block == NULL)
        return RAST_CHECK_ENOMEM;
    p->block = block;
    for (uint32_t i = 0; i < p->part_count; i++)
        block += plan_carve_part(&p->parts[i], block);
    return 0;
}

/* The slot of key in the partition: 0 when partitioned by key, else its index in slots. */
static int plan_slot(struct valmap *slots, bool by_key, struct check_value key, uint32_t *slot)
{
    *slot = 0;
    return by_key ? 0 : valmap_get(slots, key, slot);
}

/* True when op is the identity in every state where it is legal (see search.c). */
static uint32_t plan_is_pure(const struct rast_history *h, const struct hist_op *op,
                             uint32_t outcome)
{
    if (outcome == MODEL_OUT_UNKNOWN)
        return 0;
    if (op->f == RAST_F_READ || (op->f == RAST_F_CAS && outcome == MODEL_OUT_MISMATCH))
        return 1;
    if (op->f != RAST_F_TXN)
        return 0;
    for (uint32_t t = 0; t < op->txn_count; t++)
        if (h->txns[op->txn_first + t].f != RAST_F_READ)
            return 0;
    return 1;
}

/* Pass 2: fill ops (and their micro-ops) in id order, then entries in event order. */
static int plan_fill(const struct rast_history *h, struct plan *p, bool by_key, const uint8_t *cls,
                     uint32_t *local, struct valmap *slots)
{
    int rc = 0;
    for (uint32_t i = 0; i < h->op_count && rc == 0; i++) {
        if (cls[i] == MODEL_DROP)
            continue;
        const struct hist_op *op = &h->ops[i];
        struct plan_part *part = &p->parts[p->op_part[i]];
        local[i] = part->op_count++;
        struct model_op *mo = &part->ops[local[i]];
        mo->f = op->f;
        mo->outcome = cls[i] == MODEL_INDETERMINATE ? MODEL_OUT_UNKNOWN
                      : op->outcome == RAST_OUTCOME_FAIL ? MODEL_OUT_MISMATCH : MODEL_OUT_OK;
        mo->hist_op = i;
        mo->a0 = op->arg0;
        mo->a1 = op->arg1;
        mo->result = op->result;
        mo->txn_first = part->txn_count;
        mo->txn_count = op->txn_count;
        part->det_count += cls[i] == MODEL_DETERMINATE;
        mo->pure = plan_is_pure(h, op, mo->outcome);
        mo->setter =
            op->f == RAST_F_WRITE || (op->f == RAST_F_CAS && mo->outcome != MODEL_OUT_MISMATCH);
        rc = plan_slot(slots, by_key, op->key, &mo->slot);
        for (uint32_t t = 0; t < op->txn_count && rc == 0; t++) {
            const struct hist_txn *ht = &h->txns[op->txn_first + t];
            struct model_txn *mt = &part->txns[part->txn_count++];
            mt->f = ht->f;
            mt->value = ht->value;
            rc = plan_slot(slots, by_key, ht->key, &mt->slot);
        }
    }
    for (uint32_t e = 0; e < h->event_count && rc == 0; e++) {
        uint32_t i = h->events[e].op;
        if (cls[i] == MODEL_DROP)
            continue;
        bool is_return = h->events[e].kind != HIST_EV_INVOKE;
        if (is_return && cls[i] != MODEL_DETERMINATE)
            continue;
        struct plan_part *part = &p->parts[p->op_part[i]];
        part->entry_events[part->entry_count] = e;
        part->entries[part->entry_count++] = local[i] << 1 | (is_return ? 1u : 0u);
    }
    return rc;
}

struct plan_twin_key {
    uint64_t k[6];   /* f, slot, a0, a1 */
    uint32_t op;
};

static int plan_twin_cmp(const void *a, const void *b)
{
    const struct plan_twin_key *x = a, *y = b;
    for (int k = 0; k < 6; k++)
        if (x->k[k] != y->k[k])
            return x->k[k] < y->k[k] ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

/* Links each INDETERMINATE op to the previous identical one (txns are never twins). keys is
 * scratch room for the partition's ops. */
static void plan_twins(struct plan_part *part, struct plan_twin_key *keys)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < part->op_count; i++) {
        const struct model_op *o = &part->ops[i];
        part->twins[i] = HIST_NONE;
        if (o->outcome == MODEL_OUT_UNKNOWN && o->f != RAST_F_TXN)
            keys[n++] = (struct plan_twin_key){
                {o->f, o->slot, o->a0.kind, o->a0.bits, o->a1.kind, o->a1.bits}, i};
    }
    if (n < 2)
        return; /* no twins (and qsort's setup saved, for each of many small keys) */
    qsort(keys, n, sizeof *keys, plan_twin_cmp);
    for (uint32_t k = 1; k < n; k++)
        if (memcmp(keys[k - 1].k, keys[k].k, sizeof keys[k].k) == 0)
            part->twins[keys[k].op] = keys[k - 1].op;
}

static uint64_t plan_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The largest partition's op count. */
static uint32_t plan_ops_max(const struct plan *p)
{
    uint32_t ops_max = 0;
    for (uint32_t i = 0; i < p->part_count; i++)
        ops_max = p->parts[i].op_count > ops_max ? p->parts[i].op_count : ops_max;
    return ops_max;
}

/* plan_twins for every partition, with one scratch array for all. */
static int plan_all_twins(struct plan *p)
{
    struct plan_twin_key *keys = malloc(((size_t)plan_ops_max(p) + 1) * sizeof *keys);
    if (keys == NULL)
        return RAST_CHECK_ENOMEM;
    for (uint32_t i = 0; i < p->part_count; i++)
        plan_twins(&p->parts[i], keys);
    free(keys);
    return 0;
}

/* The Zobrist words of local ops, once for every partition's search (the same seed as ever,
 * so the memo's hashes do not change). */
static int plan_zobrist(struct plan *p)
{
    uint32_t ops_max = plan_ops_max(p);
    p->zobrist = malloc(((size_t)ops_max + 1) * sizeof *p->zobrist);
    if (p->zobrist == NULL)
        return RAST_CHECK_ENOMEM;
    uint64_t seed = 0x5eed5eedu;
    for (uint32_t i = 0; i <= ops_max; i++)
        p->zobrist[i] = plan_splitmix(&seed);
    return 0;
}

static int plan_slots(struct plan *p, bool by_key, const struct valmap *slots)
{
    for (uint32_t i = 0; i < p->part_count; i++) {
        struct plan_part *part = &p->parts[i];
        uint32_t n = by_key || slots->count == 0 ? 1 : slots->count;
        if (by_key) { /* its one slot is its key (plan_free knows not to free it) */
            part->slot_count = 1;
            part->slot_keys = &part->key;
            continue;
        }
        part->slot_keys = calloc(n, sizeof *part->slot_keys);
        if (part->slot_keys == NULL)
            return RAST_CHECK_ENOMEM;
        part->slot_count = n;
        if (by_key)
            part->slot_keys[0] = part->key;
        else if (slots->count > 0)
            memcpy(part->slot_keys, slots->keys, n * sizeof *part->slot_keys);
    }
    return 0;
}

int plan_build(const struct rast_history *h, const struct rast_check_options *opts,
               struct plan *out, struct rast_check_error *err)
{
    memset(out, 0, sizeof *out);
    out->vt = model_lookup(opts->model != RAST_MODEL_AUTO ? opts->model : h->model_hint);
    if (out->vt == NULL)
        return RAST_CHECK_EINVAL;
    plan_initial(h, opts, out);
    bool by_key = out->vt->partition_by_key && opts->partition;
    uint8_t *cls = malloc((size_t)h->op_count + 1);
    uint32_t *local = malloc(((size_t)h->op_count + 1) * sizeof *local);
    out->op_part = malloc(((size_t)h->op_count + 1) * sizeof *out->op_part);
    struct valmap slots = {0};
    int rc = cls == NULL || local == NULL || out->op_part == NULL ? RAST_CHECK_ENOMEM : 0;
    if (rc == 0)
        rc = plan_classify(h, out, by_key, cls, err);
    if (rc == 0 && by_key && out->vt->reg_family && out->part_count > 0)
        rc = plan_drop_unobserved(h, out, cls);
    if (rc == 0 && out->part_count > 0)
        rc = plan_alloc_parts(h, out, cls);
    if (rc == 0 && out->part_count > 0)
        rc = plan_fill(h, out, by_key, cls, local, &slots);
    if (rc == 0)
        rc = plan_slots(out, by_key, &slots);
    if (rc == 0)
        rc = plan_all_twins(out);
    if (rc == 0)
        rc = plan_zobrist(out);
    valmap_free(&slots);
    free(cls);
    free(local);
    if (rc != 0) {
        const struct model_vtable *vt = out->vt;
        plan_free(out);
        out->vt = vt;
    }
    return rc;
}
