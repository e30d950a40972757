/*
 * history.c: recording the client history, writing it as text, and the stand-in per-key
 * check (see history.h). The stand-in relies on every written value being unique and
 * nonzero: a read of v names the one write that produced it.
 */
#include "history.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

bool history_init(struct history *h)
{
    memset(h, 0, sizeof *h);
    h->ops = calloc(HISTORY_OPS_MAX, sizeof *h->ops);
    h->source_of = calloc(HISTORY_VALUES_MAX, sizeof *h->source_of);
    h->by_key = calloc(HISTORY_OPS_MAX, sizeof *h->by_key);
    h->prefix_max_invoke = calloc(HISTORY_OPS_MAX, sizeof *h->prefix_max_invoke);
    if (h->ops == NULL || h->source_of == NULL || h->by_key == NULL ||
        h->prefix_max_invoke == NULL) {
        history_free(h);
        return false;
    }
    return true;
}

void history_free(struct history *h)
{
    free(h->ops);
    free(h->source_of);
    free(h->by_key);
    free(h->prefix_max_invoke);
    memset(h, 0, sizeof *h);
}

void history_clear(struct history *h)
{
    h->count = 0;
    h->seq_next = 0;
}

uint32_t history_invoke(struct history *h, uint64_t now_us, uint32_t client, uint8_t type,
                        uint8_t key, uint64_t v1, uint64_t v2)
{
    if (h->count == HISTORY_OPS_MAX)
        return UINT32_MAX;
    struct history_op *op = &h->ops[h->count];
    memset(op, 0, sizeof *op);
    op->invoke_us = now_us;
    op->complete_us = UINT64_MAX;
    op->invoke_seq = h->seq_next++;
    op->complete_seq = UINT64_MAX;
    op->client = client;
    op->type = type;
    op->key = key;
    op->v1 = v1;
    op->v2 = v2;
    return h->count++;
}

void history_complete(struct history *h, uint32_t op_id, uint64_t now_us, uint8_t outcome,
                      uint64_t result)
{
    if (op_id >= h->count || h->ops[op_id].outcome != HISTORY_PENDING)
        return;
    struct history_op *op = &h->ops[op_id];
    op->complete_us = now_us;
    op->complete_seq = h->seq_next++;
    op->outcome = outcome;
    op->result = result;
}

static const char *history_outcome_name(uint8_t outcome)
{
    switch (outcome) {
    case HISTORY_OK: return "ok";
    case HISTORY_FAIL: return "fail";
    case HISTORY_INFO: return "info";
    default: return "pending";
    }
}

/* One event in the checker's native format (docs/check.md, "Native format"): op ids are the
 * ops' invocation order; a get's value 0 is nil (nothing written yet). */
static void history_write_line(const struct history *h, uint32_t id, bool invoke,
                               history_sink_fn sink, void *ctx)
{
    const struct history_op *op = &h->ops[id];
    char line[192];
    int n;
    if (invoke) {
        n = snprintf(line, sizeof line, "invoke %" PRIu32 " %" PRIu32 " %" PRIu64 " %s %u", id,
                     op->client, op->invoke_us, kv_op_name(op->type), (unsigned)op->key);
        if (op->type != KV_GET)
            n += snprintf(line + n, sizeof line - (size_t)n, " %" PRIu64, op->v1);
        if (op->type == KV_CAS)
            n += snprintf(line + n, sizeof line - (size_t)n, " %" PRIu64, op->v2);
    } else {
        n = snprintf(line, sizeof line, "%s %" PRIu32 " %" PRIu64,
                     history_outcome_name(op->outcome), id, op->complete_us);
        if (op->type == KV_GET && op->outcome == HISTORY_OK) {
            if (op->result == 0)
                n += snprintf(line + n, sizeof line - (size_t)n, " nil");
            else
                n += snprintf(line + n, sizeof line - (size_t)n, " %" PRIu64, op->result);
        }
    }
    n += snprintf(line + n, sizeof line - (size_t)n, "\n");
    sink(ctx, line, (size_t)n);
}

/* Merges invocations and completions by their event sequence (both lists are sorted). */
void history_write_text(const struct history *h, history_sink_fn sink, void *ctx)
{
    static const char header[] = "rast-history 1\nmodel kv\ninitial nil\n";
    sink(ctx, header, sizeof header - 1);
    uint32_t inv = 0;
    uint64_t seq = 0;
    /* Completions are found by scanning for the op whose complete_seq is next; ops complete
     * in any order, so keep a cursor per sequence number through a linear pass. */
    while (seq < h->seq_next) {
        if (inv < h->count && h->ops[inv].invoke_seq == seq) {
            history_write_line(h, inv, true, sink, ctx);
            inv++;
            seq++;
            continue;
        }
        bool found = false;
        for (uint32_t i = 0; i < inv && !found; i++) {
            if (h->ops[i].complete_seq == seq) {
                history_write_line(h, i, false, sink, ctx);
                found = true;
            }
        }
        seq++;
    }
}

/* The value an op reads, when it reads one: a get that returned, a cas that matched. */
static bool history_reads(const struct history_op *op, uint64_t *value)
{
    if (op->outcome != HISTORY_OK)
        return false;
    if (op->type == KV_GET) {
        *value = op->result;
        return true;
    }
    if (op->type == KV_CAS) {
        *value = op->v1;
        return true;
    }
    return false;
}

/* The value an op may have written: ok or info puts and cases. */
static bool history_writes(const struct history_op *op, uint64_t *value)
{
    if (op->outcome != HISTORY_OK && op->outcome != HISTORY_INFO &&
        op->outcome != HISTORY_PENDING)
        return false;
    if (op->type == KV_PUT) {
        *value = op->v1;
        return true;
    }
    if (op->type == KV_CAS) {
        *value = op->v2;
        return true;
    }
    return false;
}

/* Scratch for one key: its ok writes sorted by completion, with the running maximum of
 * their invocation sequence numbers. */
static uint32_t history_key_writes(struct history *h, uint8_t key)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->count; i++) {
        uint64_t v = 0;
        if (h->ops[i].key == key && h->ops[i].outcome == HISTORY_OK &&
            history_writes(&h->ops[i], &v))
            h->by_key[n++] = i;
    }
    for (uint32_t i = 1; i < n; i++) { /* insertion sort: nearly sorted already */
        uint32_t x = h->by_key[i];
        uint32_t j = i;
        while (j > 0 && h->ops[h->by_key[j - 1]].complete_seq > h->ops[x].complete_seq) {
            h->by_key[j] = h->by_key[j - 1];
            j--;
        }
        h->by_key[j] = x;
    }
    uint64_t max = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t inv = h->ops[h->by_key[i]].invoke_seq;
        max = inv > max ? inv : max;
        h->prefix_max_invoke[i] = max;
    }
    return n;
}

/* How many of the key's ok writes completed before seq. */
static uint32_t history_completed_before(const struct history *h, uint32_t n, uint64_t seq)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (h->ops[h->by_key[mid]].complete_seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool history_check_read(const struct history *h, uint32_t writes, uint32_t r,
                               uint64_t value, char *why, size_t why_size)
{
    const struct history_op *rd = &h->ops[r];
    const struct history_op *source = NULL;
    if (value != 0 && value < HISTORY_VALUES_MAX && h->source_of[value] != UINT32_MAX) {
        source = &h->ops[h->source_of[value]];
        if (source->key != rd->key || source == rd)
            source = NULL;
    }
    if (value != 0 && (source == NULL || source->invoke_seq > rd->complete_seq)) {
        snprintf(why, why_size, "op %" PRIu32 " (c%" PRIu32 " %s k%u) read %" PRIu64
                 " which no write could have produced", r, rd->client, kv_op_name(rd->type),
                 (unsigned)rd->key, value);
        return false;
    }
    /* Stale: an ok write that began after the source ended and ended before the read
     * began must be linearized between them. */
    uint32_t m = history_completed_before(h, writes, rd->invoke_seq);
    if (m > 0 && (source == NULL || h->prefix_max_invoke[m - 1] > source->complete_seq)) {
        snprintf(why, why_size, "op %" PRIu32 " (c%" PRIu32 " %s k%u) read stale %" PRIu64
                 " after a later write completed", r, rd->client, kv_op_name(rd->type),
                 (unsigned)rd->key, value);
        return false;
    }
    return true;
}

bool history_check_simple(struct history *h, char *why, size_t why_size)
{
    for (uint32_t i = 0; i < h->count; i++) { /* forget the previous run's values */
        const uint64_t vs[3] = {h->ops[i].v1, h->ops[i].v2, h->ops[i].result};
        for (int k = 0; k < 3; k++)
            if (vs[k] < HISTORY_VALUES_MAX)
                h->source_of[vs[k]] = UINT32_MAX;
    }
    _Static_assert(KV_KEYS_MAX <= 32, "keys_used holds a bit per key");
    uint32_t keys_used = 0; /* a bit per key the history has: the others have nothing to check */
    for (uint32_t i = 0; i < h->count; i++) {
        uint64_t v = 0;
        if (history_writes(&h->ops[i], &v) && v < HISTORY_VALUES_MAX)
            h->source_of[v] = i;
        keys_used |= 1u << (h->ops[i].key % KV_KEYS_MAX);
    }
    for (uint32_t key = 0; key < KV_KEYS_MAX; key++) {
        if ((keys_used & (1u << key)) == 0)
            continue;
        uint32_t writes = history_key_writes(h, (uint8_t)key);
        for (uint32_t r = 0; r < h->count; r++) {
            uint64_t value = 0;
            if (h->ops[r].key == key && history_reads(&h->ops[r], &value) &&
                !history_check_read(h, writes, r, value, why, why_size))
                return false;
        }
    }
    return true;
}
