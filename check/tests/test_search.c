/*
 * test_search.c: the search's contracts: deterministic budgets (steps, memo bytes) end in
 * UNKNOWN with the reason and the progress reached; results and reports are identical for any
 * number of jobs; a cheap violation in one key is found without exhausting an expensive key;
 * the memo matches exactly and stays within its byte budget; the reported partition is the
 * lowest-index failure of the first round (of the documented budgets) in which one fails, and
 * a kv key with a search-free witness of its violation is favoured (run.c, witness.c); a search
 * that reuses the memory of the ones before it (struct search_cache) gives exactly the results
 * of a fresh one.
 */
#define _POSIX_C_SOURCE 200809L
#include "memo.h"
#include "plan.h"
#include "rast_check.h"
#include "search.h"
#include "rast_test.h"

#include <stdlib.h>
#include <string.h>

/* n concurrent writes and n concurrent reads on key k, then a read of a value never written:
 * not linearizable, and expensive to prove (about 2^n configurations). */
static void add_hard_key(struct rast_history *h, int64_t k, uint32_t n, bool bad)
{
    struct rast_value key = RAST_INT(k);
    uint32_t ids[64], id;
    uint64_t t = 0;
    for (uint32_t i = 0; i < 2 * n; i++) {
        struct rast_value v = RAST_INT(i);
        if (rast_history_invoke(h, i, t, i < n ? RAST_F_WRITE : RAST_F_READ, &key, &v, NULL,
                                &ids[i]) != 0)
            return;
    }
    for (uint32_t i = 0; i < 2 * n; i++) {
        struct rast_value v = RAST_INT((i * 7) % n);
        if (rast_history_complete(h, ids[i], t, RAST_OUTCOME_OK, &v) != 0)
            return;
    }
    struct rast_value never = RAST_INT(bad ? 99 : 0);
    if (!bad && (rast_history_invoke(h, 100, t, RAST_F_WRITE, &key, &never, NULL, &id) != 0 ||
                 rast_history_complete(h, id, t, RAST_OUTCOME_OK, NULL) != 0))
        return;
    if (rast_history_invoke(h, 101, t, RAST_F_READ, &key, NULL, NULL, &id) == 0 &&
        rast_history_complete(h, id, t, RAST_OUTCOME_OK, &never) != 0)
        fprintf(stderr, "  cannot build the history\n");
}

static struct rast_check_result *run(const struct rast_history *h, uint32_t jobs, uint64_t steps,
                                     uint64_t bytes, struct rast_check_summary *s)
{
    struct rast_check_options o;
    rast_check_options_init(&o);
    o.model = RAST_MODEL_KV;
    o.jobs = jobs;
    if (steps != 0)
        o.budget_steps_max = steps;
    if (bytes != 0)
        o.memo_bytes_max = bytes;
    struct rast_check_result *r = NULL;
    if (rast_check_run(h, &o, &r, NULL) == 0)
        rast_check_result_summary(r, s);
    return r;
}

static char *report(const struct rast_check_result *r, const struct rast_history *h, int kind)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (f == NULL)
        return NULL;
    int rc = kind == 0   ? rast_check_result_write_text(r, h, "x", f)
             : kind == 1 ? rast_check_result_write_json(r, h, "x", f)
                         : rast_check_result_write_html(r, h, "x", f);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void test_step_budget_gives_unknown(void)
{
    struct rast_history *h = rast_history_create();
    add_hard_key(h, 1, 10, true);
    struct rast_check_summary s;
    struct rast_check_result *r = run(h, 1, 1000, 0, &s);
    CHECK(r != NULL);
    CHECK_EQ_U64(s.verdict, RAST_CHECK_UNKNOWN);
    CHECK_EQ_U64(s.unknown_reason, RAST_CHECK_REASON_STEPS);
    CHECK_EQ_U64(s.steps, 1000);
    char *text = report(r, h, 0);
    CHECK(text != NULL && strstr(text, "UNKNOWN") != NULL && strstr(text, "search steps") != NULL);
    CHECK(strstr(text, "progress:") != NULL && strstr(text, "deepest linearization") != NULL);
    free(text);
    rast_check_result_destroy(r);
    r = run(h, 1, 0, 0, &s);
    CHECK(r != NULL);
    CHECK_EQ_U64(s.verdict, RAST_CHECK_NOT_LINEARIZABLE);
    rast_check_result_destroy(r);
    rast_history_destroy(h);
}

static void test_byte_budget_gives_unknown(void)
{
    struct rast_history *h = rast_history_create();
    add_hard_key(h, 1, 16, true);
    struct rast_check_summary s;
    struct rast_check_result *r = run(h, 1, 0, 256 << 10, &s);
    CHECK(r != NULL);
    CHECK_EQ_U64(s.verdict, RAST_CHECK_UNKNOWN);
    CHECK_EQ_U64(s.unknown_reason, RAST_CHECK_REASON_MEMO_BYTES);
    CHECK(s.memo_bytes_peak <= 256 << 10);
    char *json = report(r, h, 1);
    CHECK(json != NULL && strstr(json, "\"reason\": \"memo-bytes\"") != NULL);
    free(json);
    rast_check_result_destroy(r);
    rast_history_destroy(h);
}

static void test_cheap_violation_found_first(void)
{
    struct rast_history *h = rast_history_create();
    add_hard_key(h, 1, 18, true); /* expensive, first in partition order */
    add_hard_key(h, 2, 3, true);  /* cheap */
    struct rast_check_summary s;
    struct rast_check_result *r = run(h, 1, 0, 0, &s);
    CHECK(r != NULL);
    CHECK_EQ_U64(s.verdict, RAST_CHECK_NOT_LINEARIZABLE);
    CHECK_EQ_U64(s.fail_partition, 1);
    CHECK(s.steps < 1000000);
    rast_check_result_destroy(r);
    rast_history_destroy(h);
}

/* Steps the search of one key (alone in its history) takes to its verdict. */
static void key_cost(uint32_t n, bool bad, uint64_t *steps)
{
    *steps = 0;
    struct rast_history *h = rast_history_create();
    add_hard_key(h, 0, n, bad);
    struct rast_check_summary s;
    struct rast_check_result *r = run(h, 1, 0, 0, &s);
    CHECK(r != NULL);
    CHECK_EQ_U64(s.verdict, bad ? RAST_CHECK_NOT_LINEARIZABLE : RAST_CHECK_LINEARIZABLE);
    *steps = s.steps;
    rast_check_result_destroy(r);
    rast_history_destroy(h);
}

/* Rounds give every undecided partition 256 steps in total, then 1/4 more per round (docs/
 * check.md); the first round in which some partition fails ends the search, and its
 * lowest-index failure is reported. Predict that from each key's cost alone. */
static void test_reported_partition_rule(void)
{
    static const struct {
        uint32_t n;
        bool bad;
    } keys[] = { { 9, true }, { 7, true }, { 6, false }, { 5, true }, { 5, true }, { 8, false } };
    enum { KEYS = sizeof keys / sizeof keys[0] };
    uint64_t cost[KEYS], cheapest = UINT64_MAX;
    struct rast_history *h = rast_history_create();
    for (uint32_t k = 0; k < KEYS; k++) {
        key_cost(keys[k].n, keys[k].bad, &cost[k]);
        add_hard_key(h, (int64_t)k, keys[k].n, keys[k].bad);
        if (keys[k].bad && cost[k] < cheapest)
            cheapest = cost[k];
    }
    uint64_t budget = 256;
    while (budget < cheapest)
        budget += budget / 4;
    uint32_t want = KEYS;
    uint64_t steps = 0;
    for (uint32_t k = 0; k < KEYS; k++) {
        steps += cost[k] < budget ? cost[k] : budget;
        if (want == KEYS && keys[k].bad && cost[k] <= budget)
            want = k;
    }
    CHECK(want == 3); /* not the first bad key, nor (by itself) the cheapest one */
    for (uint32_t jobs = 1; jobs <= 3; jobs += 2) {
        struct rast_check_summary s;
        struct rast_check_result *r = run(h, jobs, 0, 0, &s);
        CHECK(r != NULL);
        CHECK_EQ_U64(s.verdict, RAST_CHECK_NOT_LINEARIZABLE);
        CHECK_EQ_U64(s.fail_partition, want);
        CHECK_EQ_U64(s.steps, steps);
        rast_check_result_destroy(r);
    }
    rast_history_destroy(h);
}

/* count appends of "v0", "v1", ... to key k one after another, then a read of them all, or
 * (bad) of them all but the first: a witness (witness.c) at the read's return. */
static void add_append_key(struct rast_history *h, int64_t k, uint32_t count, bool bad)
{
    struct rast_value key = RAST_INT(k);
    char all[1024];
    uint32_t size = 0, id;
    uint64_t t = 0;
    for (uint32_t i = 0; i < count && size + 16 < sizeof all; i++) {
        char v[16];
        int n = snprintf(v, sizeof v, "v%u", (unsigned)i);
        struct rast_value arg = RAST_STR(v, n);
        if (rast_history_invoke(h, 200, t, RAST_F_APPEND, &key, &arg, NULL, &id) != 0 ||
            rast_history_complete(h, id, t, RAST_OUTCOME_OK, NULL) != 0)
            return;
        if (i > 0 || !bad) {
            memcpy(all + size, v, (size_t)n);
            size += (uint32_t)n;
        }
    }
    struct rast_value read = RAST_STR(all, size);
    if (rast_history_invoke(h, 201, t, RAST_F_READ, &key, NULL, NULL, &id) != 0 ||
        rast_history_complete(h, id, t, RAST_OUTCOME_OK, &read) != 0)
        fprintf(stderr, "  cannot build the history\n");
}

/* plan_witness finds the read that misses an append which had to precede it, and nothing in
 * a linearizable key. */
static void test_witness_found(void)
{
    for (int bad = 0; bad <= 1; bad++) {
        struct rast_history *h = rast_history_create();
        add_append_key(h, 0, 40, bad);
        struct rast_check_options o;
        rast_check_options_init(&o);
        o.model = RAST_MODEL_KV;
        struct plan plan;
        CHECK_EQ_U64(plan_build(h, &o, &plan, NULL), 0);
        CHECK_EQ_U64(plan.part_count, 1);
        uint32_t w = plan.part_count == 1 ? plan_witness(h, &plan.parts[0]) : 0;
        CHECK_EQ_U64(w, bad ? plan.parts[0].entry_count - 1 : HIST_NONE);
        plan_free(&plan);
        rast_history_destroy(h);
    }
}

/* A key with a witness is searched at the full round budget and the others at a sixteenth:
 * a cheap violation in key 0 (found in the first round at the fair budget) is reported only
 * if key 1, which has a witness, has not failed first. */
static void test_witness_key_favoured(void)
{
    uint32_t n = 0;
    uint64_t cost = 0;
    for (uint32_t m = 2; m <= 8 && n == 0; m++) {
        key_cost(m, true, &cost);
        if (cost > 16 && cost <= 256)
            n = m;
    }
    CHECK(n != 0);
    struct rast_history *h = rast_history_create();
    add_hard_key(h, 0, n, true);
    add_append_key(h, 1, 70, true); /* at least RUN_WITNESS_OPS_MIN ops */
    for (uint32_t jobs = 1; jobs <= 3; jobs += 2) {
        struct rast_check_summary s;
        struct rast_check_result *r = run(h, jobs, 0, 0, &s);
        CHECK(r != NULL);
        CHECK_EQ_U64(s.verdict, RAST_CHECK_NOT_LINEARIZABLE);
        CHECK_EQ_U64(s.fail_partition, 1);
        rast_check_result_destroy(r);
    }
    rast_history_destroy(h);
}

static void test_jobs_do_not_change_output(void)
{
    struct rast_history *h = rast_history_create();
    for (int64_t k = 0; k < 24; k++)
        add_hard_key(h, k, 4 + (uint32_t)(k % 7), k % 5 == 3);
    char *first[3] = { NULL, NULL, NULL };
    static const uint32_t jobs[] = { 1, 2, 3, 8 };
    for (int j = 0; j < 4; j++) {
        struct rast_check_summary s;
        struct rast_check_result *r = run(h, jobs[j], 0, 0, &s);
        CHECK(r != NULL);
        CHECK_EQ_U64(s.verdict, RAST_CHECK_NOT_LINEARIZABLE);
        for (int kind = 0; kind < 3; kind++) {
            char *text = report(r, h, kind);
            CHECK(text != NULL);
            if (j == 0)
                first[kind] = text;
            else {
                CHECK(strcmp(first[kind], text) == 0);
                free(text);
            }
        }
        rast_check_result_destroy(r);
    }
    for (int kind = 0; kind < 3; kind++)
        free(first[kind]);
    rast_history_destroy(h);
}

static void test_linearizable_and_empty(void)
{
    struct rast_history *h = rast_history_create();
    struct rast_check_summary s;
    struct rast_check_result *r = run(h, 1, 0, 0, &s);
    CHECK(r != NULL && s.verdict == RAST_CHECK_LINEARIZABLE && s.partition_count == 0);
    rast_check_result_destroy(r);
    add_hard_key(h, 5, 10, false);
    r = run(h, 2, 0, 0, &s);
    CHECK(r != NULL && s.verdict == RAST_CHECK_LINEARIZABLE && s.partition_count == 1);
    CHECK_EQ_U64(s.fail_op_id, UINT32_MAX);
    rast_check_result_destroy(r);
    rast_history_destroy(h);
}

static void test_memo_exact_and_bounded(void)
{
    /* Two state words, as one key's states: memo_insert's three-store path. */
    struct memo m;
    memo_init(&m, 1, 2, 1 << 20);
    uint64_t set = 0x13, other_set = 0x17, state[2] = { 7, 1 }, other_state[2] = { 7, 2 };
    CHECK(memo_insert(&m, 42, &set, state) == MEMO_INSERTED);
    CHECK(memo_insert(&m, 42, &set, state) == MEMO_PRESENT);
    CHECK(memo_insert(&m, 42, &set, other_state) == MEMO_INSERTED); /* same hash, other */
    CHECK(memo_insert(&m, 42, &other_set, state) == MEMO_INSERTED); /* configurations */
    CHECK(memo_insert(&m, 42, &other_set, state) == MEMO_PRESENT);
    for (uint64_t i = 0; i < 5000; i++)
        CHECK(memo_insert(&m, i * 0x9e3779b97f4a7c15u, &i, state) == MEMO_INSERTED);
    for (uint64_t i = 0; i < 5000; i++)
        CHECK(memo_insert(&m, i * 0x9e3779b97f4a7c15u, &i, state) == MEMO_PRESENT);
    memo_free(&m);
    memo_init(&m, 1, 2, 4096);
    int rc = MEMO_INSERTED;
    for (uint64_t i = 0; i < 100000 && rc == MEMO_INSERTED; i++) {
        uint64_t st[2] = { i, i };
        rc = memo_insert(&m, i, &i, st);
    }
    CHECK(rc == MEMO_FULL && m.bytes_used <= 4096);
    memo_free(&m);
}

/* Past a few MiB the slots and chunks live in huge-page mappings: still exact, and within
 * the byte budget. */
static void test_memo_large_exact_and_bounded(void)
{
    enum { STATE_WORDS = 12, N = 150000 };
    uint64_t state[STATE_WORDS] = { 0 };
    struct memo m;
    memo_init(&m, 1, STATE_WORDS, UINT64_C(1) << 30);
    for (uint64_t i = 0; i < N; i++) {
        state[i % STATE_WORDS] = i;
        CHECK(memo_insert(&m, i * 0x9e3779b97f4a7c15u, &i, state) == MEMO_INSERTED);
        state[i % STATE_WORDS] = 0;
    }
    CHECK(m.exact.block_count > 0 && ((uint64_t)m.exact.mask + 1) * 8 >= (UINT64_C(2) << 20));
    for (uint64_t i = 0; i < N; i++) {
        state[i % STATE_WORDS] = i;
        CHECK(memo_insert(&m, i * 0x9e3779b97f4a7c15u, &i, state) == MEMO_PRESENT);
        state[(i + 1) % STATE_WORDS] = 1; /* same hash and set, another state */
        CHECK(memo_insert(&m, i * 0x9e3779b97f4a7c15u, &i, state) == MEMO_INSERTED);
        state[i % STATE_WORDS] = state[(i + 1) % STATE_WORDS] = 0;
    }
    memo_free(&m);
    memo_init(&m, 1, STATE_WORDS, 12u << 20);
    int rc = MEMO_INSERTED;
    for (uint64_t i = 0; i < N && rc == MEMO_INSERTED; i++)
        rc = memo_insert(&m, i, &i, state);
    CHECK(rc == MEMO_FULL && m.bytes_used <= (12u << 20) && m.exact.block_count > 0);
    memo_free(&m);
}

/* n concurrent appends to key k of "a0", "a1", ... (the same strings in every key), then a read
 * of all of them in reverse order, or (bad) without the first: many ropes, most of them built
 * from the same (parent, chunk) pairs in every key. */
static void add_concurrent_appends(struct rast_history *h, int64_t k, uint32_t n, bool bad)
{
    struct rast_value key = RAST_INT(k);
    char all[256];
    uint32_t ids[16], size = 0, id;
    for (uint32_t i = 0; i < n; i++) {
        char v[16];
        int len = snprintf(v, sizeof v, "a%u", (unsigned)i);
        struct rast_value arg = RAST_STR(v, len);
        if (rast_history_invoke(h, 300 + i, 0, RAST_F_APPEND, &key, &arg, NULL, &ids[i]) != 0)
            return;
    }
    for (uint32_t i = n; i-- > 0;) {
        if (rast_history_complete(h, ids[i], 0, RAST_OUTCOME_OK, NULL) != 0)
            return;
        if (i > 0 || !bad)
            size += (uint32_t)snprintf(all + size, sizeof all - size, "a%u", (unsigned)i);
    }
    struct rast_value read = RAST_STR(all, size);
    if (rast_history_invoke(h, 399, 0, RAST_F_READ, &key, NULL, NULL, &id) != 0 ||
        rast_history_complete(h, id, 0, RAST_OUTCOME_OK, &read) != 0)
        fprintf(stderr, "  cannot build the history\n");
}

/* Searches partition i of plan with cache, pausing half way through the step budget. */
static void search_part(const struct rast_history *h, const struct plan *plan, uint32_t i,
                        struct search_cache *cache, uint64_t steps, uint64_t bytes,
                        struct search_out *out)
{
    struct search *s = NULL;
    memset(out, 0, sizeof *out);
    CHECK_EQ_U64(search_create(h, plan, &plan->parts[i], bytes, cache, &s), 0);
    if (s == NULL)
        return;
    search_resume(s, steps / 2, cache);
    search_resume(s, steps, cache);
    CHECK_EQ_U64(search_finish(s, out), 0);
    search_destroy(s, cache);
}

/* The bytes of out's state descriptions. */
static size_t states_size(const struct search_out *out)
{
    size_t size = 0;
    for (uint32_t i = 0; i < out->state_count && out->states_text != NULL; i++)
        size += strlen(out->states_text + size) + 1;
    return size;
}

static void check_same_out(const struct search_out *a, const struct search_out *b)
{
    CHECK_EQ_U64(a->verdict, b->verdict);
    CHECK_EQ_U64(a->reason, b->reason);
    CHECK_EQ_U64(a->steps, b->steps);
    CHECK_EQ_U64(a->memo_bytes, b->memo_bytes);
    CHECK_EQ_U64(a->depth_max, b->depth_max);
    CHECK_EQ_U64(a->frontier_entry, b->frontier_entry);
    CHECK_EQ_U64(a->fail_op, b->fail_op);
    CHECK_EQ_U64(a->prefix_count, b->prefix_count);
    CHECK(a->prefix_count != b->prefix_count || a->prefix_count == 0 ||
          memcmp(a->prefix, b->prefix, a->prefix_count * sizeof *a->prefix) == 0);
    CHECK_EQ_U64(a->state_count, b->state_count);
    CHECK_EQ_U64(states_size(a), states_size(b));
    CHECK(states_size(a) != states_size(b) || states_size(a) == 0 ||
          memcmp(a->states_text, b->states_text, states_size(a)) == 0);
}

/* Searches plan's partitions forwards then backwards with one cache, each right after another
 * partition's search left its memory there, and compares each result with a fresh search's. */
static void check_cache_sweep(const struct rast_history *h, const struct plan *plan,
                              struct search_cache *cache, uint64_t steps, uint64_t bytes)
{
    for (uint32_t k = 0; k < 2 * plan->part_count; k++) {
        uint32_t i = k < plan->part_count ? k : 2 * plan->part_count - 1 - k;
        struct search_out got, want;
        search_part(h, plan, i, cache, steps, bytes, &got);
        search_part(h, plan, i, NULL, steps, bytes, &want);
        check_same_out(&got, &want);
        search_out_free(&got);
        search_out_free(&want);
    }
}

/* A search_cache passes only memory from search to search: ropes, memo tables and arrays left
 * by a larger or different partition (same strings, other nodes) change nothing, whatever the
 * step or byte budget, by key and whole map. */
static void test_cache_reuse_changes_nothing(void)
{
    struct rast_history *h = rast_history_create();
    add_concurrent_appends(h, 0, 6, false);
    add_append_key(h, 1, 70, true);
    add_hard_key(h, 2, 7, true);
    add_concurrent_appends(h, 3, 4, true);
    add_concurrent_appends(h, 4, 5, false);
    add_append_key(h, 5, 3, false);
    static const uint64_t budgets[][2] = {
        { RAST_CHECK_BUDGET_STEPS_DEFAULT, RAST_CHECK_MEMO_BYTES_DEFAULT },
        { 300, RAST_CHECK_MEMO_BYTES_DEFAULT },
        { RAST_CHECK_BUDGET_STEPS_DEFAULT, 40000 },
    };
    struct search_cache cache = { 0 };
    for (int whole = 0; whole <= 1; whole++) {
        struct rast_check_options o;
        rast_check_options_init(&o);
        o.model = RAST_MODEL_KV;
        o.partition = whole == 0;
        struct plan plan;
        CHECK_EQ_U64(plan_build(h, &o, &plan, NULL), 0);
        CHECK_EQ_U64(plan.part_count, whole ? 1 : 6);
        for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++)
            check_cache_sweep(h, &plan, &cache, budgets[b][0], budgets[b][1]);
        plan_free(&plan);
    }
    search_cache_free(&cache);
    rast_history_destroy(h);
}

/* The histories test_memory_reuse_changes_nothing checks back to back: large and small, by
 * key and whole map, ropes, hard keys, failing and linearizable. */
#define MEMORY_HISTORIES 5u

static struct rast_history *memory_history(uint32_t which)
{
    struct rast_history *h = rast_history_create();
    if (h == NULL)
        return NULL;
    for (int64_t k = 0; k < 6; k++) {
        if (which == 0)
            add_hard_key(h, k, 3 + (uint32_t)k % 4, k == 4);
        else if (which == 1)
            add_append_key(h, k, 12 + 5 * (uint32_t)k, false);
        else if (which == 2)
            add_concurrent_appends(h, k, 3 + (uint32_t)k % 3, k == 5);
        else if (which == 3 && k < 2)
            add_hard_key(h, k, 3, false);
        else if (which == 4)
            add_append_key(h, k, 4, k == 2);
    }
    return h;
}

/* Checks h as rast-check would, with memory (NULL: none); the text and JSON reports. */
static void memory_check(const struct rast_history *h, uint32_t jobs, uint64_t steps,
                         bool partition, struct rast_check_memory *memory, char **text,
                         char **json)
{
    struct rast_check_options o;
    rast_check_options_init(&o);
    o.model = RAST_MODEL_KV;
    o.jobs = jobs;
    o.partition = partition;
    o.budget_steps_max = steps != 0 ? steps : o.budget_steps_max;
    o.memory = memory;
    struct rast_check_result *r = NULL;
    *text = *json = NULL;
    if (rast_check_run(h, &o, &r, NULL) != 0)
        return;
    *text = report(r, h, 0);
    *json = report(r, h, 1);
    rast_check_result_destroy(r);
}

/* A rast_check_memory carried from check to check (as rast-bench, rast-sim and rast-check
 * with several files do) changes no report, memo bytes and step counts included, whichever
 * history ran before: bigger or smaller, by key or whole map, cut short by a budget. */
static void test_memory_reuse_changes_nothing(void)
{
    struct rast_history *hs[MEMORY_HISTORIES];
    for (uint32_t i = 0; i < MEMORY_HISTORIES; i++) {
        hs[i] = memory_history(i);
        CHECK(hs[i] != NULL);
    }
    struct rast_check_memory *memory = rast_check_memory_create();
    CHECK(memory != NULL);
    static const uint64_t steps[] = { 0, 40, 0 };
    for (uint32_t round = 0; round < 3; round++) {
        for (uint32_t n = 0; n < 2 * MEMORY_HISTORIES; n++) {
            uint32_t i = round == 1 ? MEMORY_HISTORIES - 1 - n % MEMORY_HISTORIES
                                    : n % MEMORY_HISTORIES;
            uint32_t jobs = n % 3 == 2 ? 2 : 1;
            bool partition = n % 4 != 3 || i < 3; /* whole map: only the small ones */
            char *text, *json, *fresh_text, *fresh_json;
            memory_check(hs[i], jobs, steps[round], partition, memory, &text, &json);
            memory_check(hs[i], jobs, steps[round], partition, NULL, &fresh_text, &fresh_json);
            CHECK(text != NULL && fresh_text != NULL && json != NULL && fresh_json != NULL);
            if (text != NULL && fresh_text != NULL)
                CHECK(strcmp(text, fresh_text) == 0);
            if (json != NULL && fresh_json != NULL)
                CHECK(strcmp(json, fresh_json) == 0);
            free(text);
            free(json);
            free(fresh_text);
            free(fresh_json);
        }
    }
    rast_check_memory_destroy(memory);
    rast_check_memory_destroy(NULL);
    for (uint32_t i = 0; i < MEMORY_HISTORIES; i++)
        rast_history_destroy(hs[i]);
}

/* n writes of key 1 whose outcome is unknown (half end :info, half never complete), all
 * concurrent, of values 1000..; then either a read of the key that returns `read` (0: nil)
 * or, when failed_cas, a CAS expecting nil that failed (kv: it observed a value other than
 * nil, so one of the writes must have happened before it). */
static struct rast_history *unknown_writes(uint32_t n, int64_t read, bool failed_cas)
{
    struct rast_history *h = rast_history_create();
    struct rast_value key = RAST_INT(1), nil = RAST_NIL;
    uint32_t id, ids[32];
    int rc = n <= 32 ? 0 : -1;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        struct rast_value v = RAST_INT(1000 + (int64_t)i);
        rc = rast_history_invoke(h, i, 1, RAST_F_WRITE, &key, &v, NULL, &ids[i]);
    }
    for (uint32_t i = 0; i < n && rc == 0; i += 2) /* half end :info, half never complete */
        rc = rast_history_complete(h, ids[i], 2, RAST_OUTCOME_INFO, NULL);
    struct rast_value expected = RAST_NIL, next = RAST_INT(7);
    if (rc == 0 && failed_cas &&
        (rc = rast_history_invoke(h, 900, 5, RAST_F_CAS, &key, &expected, &next, &id)) == 0)
        rc = rast_history_complete(h, id, 6, RAST_OUTCOME_FAIL, NULL);
    struct rast_value result = read == 0 ? nil : RAST_INT(read);
    if (rc == 0 && !failed_cas &&
        (rc = rast_history_invoke(h, 901, 10, RAST_F_READ, &key, NULL, NULL, &id)) == 0)
        rc = rast_history_complete(h, id, 11, RAST_OUTCOME_OK, &result);
    if (rc != 0) {
        rast_history_destroy(h);
        return NULL;
    }
    return h;
}

static uint32_t unknown_writes_verdict(uint32_t n, int64_t read, bool failed_cas, uint64_t *steps)
{
    struct rast_history *h = unknown_writes(n, read, failed_cas);
    if (h == NULL)
        return UINT32_MAX;
    struct rast_check_summary s;
    memset(&s, 0, sizeof s);
    s.verdict = UINT32_MAX;
    struct rast_check_result *r = run(h, 1, 0, 0, &s);
    rast_check_result_destroy(r);
    rast_history_destroy(h);
    *steps = s.steps;
    return s.verdict;
}

/* The first 50 lines of the history of `rast-sim run --seed 387` (docs/sim.md, "Checks"):
 * clients of one key whose writes mostly time out while a leader is elected. Before the
 * timed-out writes nobody read were dropped, its 26 ops took 50,639 steps; the whole run's
 * 694 ops, more than 50 M (UNKNOWN), now 153,090. */
static const char sim_timeouts_history[] =
    "rast-history 1\n"
    "model kv\n"
    "initial nil\n"
    "invoke 0 4 99 put 0 1\n"
    "invoke 1 5 264 put 0 2\n"
    "invoke 2 0 302 put 0 3\n"
    "invoke 3 2 305 put 0 4\n"
    "invoke 4 1 867 get 0\n"
    "invoke 5 3 867 put 0 5\n"
    "ok 4 286515 nil\n"
    "invoke 6 1 286516 put 0 6\n"
    "ok 5 380615\n"
    "invoke 7 3 380842 put 0 7\n"
    "info 0 381917\n"
    "invoke 8 4 382048 put 0 8\n"
    "info 1 382082\n"
    "info 2 382120\n"
    "info 3 382123\n"
    "invoke 9 5 382193 put 0 9\n"
    "invoke 10 2 382391 put 0 10\n"
    "invoke 11 0 382772 put 0 11\n"
    "info 6 668334\n"
    "invoke 12 1 668485 get 0\n"
    "info 7 762660\n"
    "invoke 13 3 762747 cas 0 5 12\n"
    "info 8 763866\n"
    "info 9 764011\n"
    "info 10 764209\n"
    "invoke 14 4 764285 get 0\n"
    "invoke 15 2 764344 put 0 13\n"
    "info 11 764590\n"
    "invoke 16 0 764641 get 0\n"
    "invoke 17 5 764753 put 0 14\n"
    "ok 12 867300 2\n"
    "invoke 18 1 867644 get 0\n"
    "ok 16 926357 2\n"
    "invoke 19 0 926947 put 0 15\n"
    "ok 18 977499 3\n"
    "invoke 20 1 978016 cas 0 3 16\n"
    "ok 14 1102114 3\n"
    "invoke 21 4 1103322 cas 0 3 17\n"
    "info 13 1144565\n"
    "invoke 22 3 1144886 get 0\n"
    "info 15 1146162\n"
    "invoke 23 2 1146163 put 0 18\n"
    "info 17 1146571\n"
    "invoke 24 5 1146682 put 0 19\n"
    "info 19 1308765\n"
    "invoke 25 0 1308951 cas 0 2 20\n"
    "info 20 1359834\n"
;

/* Timed-out writes nobody read are taken as never having happened (plan.c,
 * plan_drop_unobserved): the search no longer tries every subset of them. An observed one is
 * kept, and so are all of them when a failed CAS might need one (here it does: without a
 * write the key is nil, and the CAS could not have failed). */
static void test_unobserved_unknown_writes_dropped(void)
{
    struct rast_history *h = NULL;
    struct rast_check_error err;
    CHECK_EQ_U64(rast_history_parse("sim-387", sim_timeouts_history,
                                    sizeof sim_timeouts_history - 1, &h, &err),
                 0);
    struct rast_check_summary s;
    struct rast_check_result *r = run(h, 1, 0, 0, &s);
    CHECK(r != NULL);
    CHECK_EQ_U64(s.verdict, RAST_CHECK_LINEARIZABLE);
    CHECK(s.steps < 1000);
    rast_check_result_destroy(r);
    rast_history_destroy(h);
    uint64_t steps = 0;
    CHECK_EQ_U64(unknown_writes_verdict(24, 0, false, &steps), RAST_CHECK_LINEARIZABLE);
    CHECK_EQ_U64(unknown_writes_verdict(24, 1010, false, &steps), RAST_CHECK_LINEARIZABLE);
    CHECK_EQ_U64(unknown_writes_verdict(24, 5, false, &steps), RAST_CHECK_NOT_LINEARIZABLE);
    CHECK_EQ_U64(unknown_writes_verdict(3, 0, true, &steps), RAST_CHECK_LINEARIZABLE);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_step_budget_gives_unknown),   RAST_TEST(test_byte_budget_gives_unknown),
        RAST_TEST(test_cheap_violation_found_first), RAST_TEST(test_reported_partition_rule),
        RAST_TEST(test_jobs_do_not_change_output),   RAST_TEST(test_linearizable_and_empty),
        RAST_TEST(test_memo_exact_and_bounded),      RAST_TEST(test_witness_found),
        RAST_TEST(test_witness_key_favoured),        RAST_TEST(test_memo_large_exact_and_bounded),
        RAST_TEST(test_cache_reuse_changes_nothing), RAST_TEST(test_memory_reuse_changes_nothing),
        RAST_TEST(test_unobserved_unknown_writes_dropped),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
