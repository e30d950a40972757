/*
 * history_check.c: hands a run's history to the linearizability checker (check/,
 * rast_check.h) under its key-value model. Built with RAST_SIM_HAVE_CHECK when librastcheck
 * exists; otherwise it reports "unavailable" and the stand-in check is all there is.
 *
 * Events go in real-time order (merged by event sequence). Gets that returned 0 read nil.
 */
#include "history.h"

#include <stdio.h>

#ifdef RAST_SIM_HAVE_CHECK
#include <stdlib.h>

#include "kv.h"
#include "rast_check.h"

static int history_feed(const struct history *h, struct rast_history *rh, uint32_t *ids)
{
    /* Walk event sequence numbers: invocations are in op order; completions are found with
     * a cursor array sorted by complete_seq (counting sort over seq is overkill here). */
    uint32_t inv = 0;
    uint32_t *done = ids + h->count; /* ops by completion order */
    uint32_t done_count = 0;
    for (uint32_t i = 0; i < h->count; i++)
        if (h->ops[i].complete_seq != UINT64_MAX)
            done[done_count++] = i;
    /* insertion sort by complete_seq; histories are nearly sorted by op id already */
    for (uint32_t i = 1; i < done_count; i++) {
        uint32_t x = done[i];
        uint32_t j = i;
        while (j > 0 && h->ops[done[j - 1]].complete_seq > h->ops[x].complete_seq) {
            done[j] = done[j - 1];
            j--;
        }
        done[j] = x;
    }
    uint32_t d = 0;
    while (inv < h->count || d < done_count) {
        bool take_inv = d == done_count ||
                        (inv < h->count && h->ops[inv].invoke_seq < h->ops[done[d]].complete_seq);
        if (take_inv) {
            const struct history_op *op = &h->ops[inv];
            struct rast_value key = RAST_INT(op->key);
            struct rast_value a0 = RAST_INT(op->v1);
            struct rast_value a1 = RAST_INT(op->v2);
            uint32_t f = op->type == KV_GET ? RAST_F_READ
                         : op->type == KV_PUT ? RAST_F_WRITE : RAST_F_CAS;
            int rc = rast_history_invoke(rh, op->client, op->invoke_us * 1000, f, &key,
                                         f == RAST_F_READ ? NULL : &a0,
                                         f == RAST_F_CAS ? &a1 : NULL, &ids[inv]);
            if (rc != 0)
                return rc;
            inv++;
        } else {
            const struct history_op *op = &h->ops[done[d]];
            struct rast_value result = op->result == 0 ? RAST_NIL : RAST_INT(op->result);
            uint32_t outcome = op->outcome == HISTORY_OK     ? RAST_OUTCOME_OK
                               : op->outcome == HISTORY_FAIL ? RAST_OUTCOME_FAIL
                                                             : RAST_OUTCOME_INFO;
            int rc = rast_history_complete(rh, ids[done[d]], op->complete_us * 1000, outcome,
                                           &result);
            if (rc != 0)
                return rc;
            d++;
        }
    }
    return 0;
}

struct rast_check_memory *history_check_memory_create(void)
{
    return rast_check_memory_create();
}

void history_check_memory_destroy(struct rast_check_memory *memory)
{
    rast_check_memory_destroy(memory);
}

int history_check_linearizable(const struct history *h, struct rast_check_memory *memory,
                               char *why, size_t why_size)
{
    why[0] = 0;
    struct rast_history *rh = rast_history_create();
    uint32_t *ids = calloc((size_t)h->count * 2 + 1, sizeof *ids);
    int verdict = -1;
    if (rh == NULL || ids == NULL || history_feed(h, rh, ids) != 0) {
        snprintf(why, why_size, "checker: could not build the history");
        goto out_free;
    }
    struct rast_check_options opts;
    rast_check_options_init(&opts);
    opts.model = RAST_MODEL_KV;
    opts.budget_steps_max = 1000000;
    opts.memo_bytes_max = 16u << 20;
    opts.memory = memory;
    struct rast_check_result *res = NULL;
    if (rast_check_run(rh, &opts, &res, NULL) != 0) {
        snprintf(why, why_size, "checker: could not run");
        goto out_free;
    }
    struct rast_check_summary s;
    rast_check_result_summary(res, &s);
    if (s.verdict == RAST_CHECK_LINEARIZABLE) {
        verdict = 1;
    } else if (s.verdict == RAST_CHECK_NOT_LINEARIZABLE) {
        verdict = 0;
        snprintf(why, why_size,
                 "not linearizable: partition %u, op %u cannot be linearized "
                 "(consistent prefix of %u ops)",
                 s.fail_partition, s.fail_op_id, s.prefix_op_count);
    } else {
        snprintf(why, why_size, "checker gave up (budget)");
    }
    rast_check_result_destroy(res);
out_free:
    free(ids);
    rast_history_destroy(rh);
    return verdict;
}

#else

struct rast_check_memory *history_check_memory_create(void)
{
    return NULL;
}

void history_check_memory_destroy(struct rast_check_memory *memory)
{
    (void)memory;
}

int history_check_linearizable(const struct history *h, struct rast_check_memory *memory,
                               char *why, size_t why_size)
{
    (void)h;
    (void)memory;
    if (why_size > 0)
        why[0] = 0;
    return -1;
}

#endif
