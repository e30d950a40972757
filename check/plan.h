/*
 * plan.h: turning a history into independent partitions of search ops for one model.
 *
 * For a P-compositional model (the register family) with partitioning on, there is one
 * partition per key, in order of the key's first invocation; otherwise one partition holds
 * every op and each key gets a slot of the model state. Ops the model deems dropped (did not
 * happen, or no effect in any state) are left out of the search but still counted and shown.
 *
 * Invariants of a partition:
 *  1. entries[] is in real-time order: entry = local op << 1 | is_return; every op has a call
 *     entry, and a return entry iff it is DETERMINATE (after its call entry).
 *  2. ops[i].hist_op increases with i; det_count counts DETERMINATE ops.
 *  3. slot_count >= 1; every ops[i].slot and txn slot is < slot_count.
 *  4. twins[i] < i, and ops[twins[i]] is INDETERMINATE with ops[i]'s f, slot and arguments.
 */
#ifndef RAST_CHECK_PLAN_H
#define RAST_CHECK_PLAN_H

#include "model.h"

struct plan_part {
    struct check_value key;         /* nil when the partition is the whole history */
    uint32_t hist_op_count;         /* history ops of this partition, dropped ones included */
    uint32_t op_count;              /* ops in the search */
    uint32_t det_count;
    struct model_op *ops;
    uint32_t entry_count;
    uint32_t *entries;
    uint32_t *entry_events;         /* history event index of each entry */
    uint32_t slot_count;
    struct check_value *slot_keys;  /* by key: &key */
    struct model_txn *txns;
    uint32_t txn_count;
    uint32_t *twins;                /* op -> the previous INDETERMINATE op identical to it
                                       (same f, slot and arguments), or HIST_NONE */
};

struct plan {
    const struct model_vtable *vt;
    struct rast_value initial;      /* str points into the history or the options */
    uint32_t part_count;
    struct plan_part *parts;
    void *block;                    /* every partition's arrays (ops, txns, entries, ...) */
    uint64_t *zobrist;              /* local op -> its random word in the search's Zobrist hash
                                       of the linearized set: the same for every partition, so
                                       made once (as many as the largest partition's ops) */
    uint32_t *op_part;              /* history op -> partition */
    bool unknown_setters;           /* some write or CAS is indeterminate (plan_classify) */
};

/* Builds the plan. Errors: EMODEL (err names the op's line), ENOMEM. */
int plan_build(const struct rast_history *h, const struct rast_check_options *opts,
               struct plan *out, struct rast_check_error *err);
void plan_free(struct plan *p);

/*
 * For the kv model (one key per partition): the entry index of the return of the earliest
 * read that the partition certainly cannot linearize, found without searching (witness.c),
 * or HIST_NONE when there is none (or part has several slots, or memory ran out). Only a
 * hint for the order of the search (run.c): verdicts never depend on it.
 */
uint32_t plan_witness(const struct rast_history *h, const struct plan_part *part);

#endif /* RAST_CHECK_PLAN_H */
