/*
 * run.c: the checker's driver: plan the partitions, search each one (inline, or on --jobs
 * threads, the caller and a pool of workers, pulling partition indexes from an atomic
 * counter), and combine the results in partition order so the outcome never depends on
 * scheduling.
 *
 * Partitions are searched in rounds of growing step budgets (run_rounds). The verdict is
 * NOT_LINEARIZABLE if a partition failed (the lowest-index failure of the first round that had
 * one is reported), else UNKNOWN if one ran out of budget (the lowest such index is reported),
 * else LINEARIZABLE. Partitions left undecided when a failure ends the search stay unreported.
 *
 * Round k gives each undecided partition a total of run_round_budget(k) steps: 256, then +1/4
 * per round (320, 400, 500, 625, ...). A failure costing n steps is thus found after at most
 * about 1.25 n steps in each partition still undecided, where doubling rounds cost up to 2 n.
 *
 * Favoured partition: when a kv partition is provably not linearizable without searching
 * (plan_witness: a read that misses an append which had to precede it; looked for in partitions
 * of at least RUN_WITNESS_OPS_MIN ops, as smaller ones cost less to search), the one whose witness
 * comes first in the history gets the whole round budget and the others 1/RUN_FAVOUR_SHARE of
 * it, until it is decided or the last round (which gives everyone the maximum). The failure it
 * is known to hold is then found at about 1 + (partitions - 1) / RUN_FAVOUR_SHARE times its own
 * cost instead of once per partition (c50-bad: ten keys all failing, 23.6 k steps -> ~4 k);
 * if the favoured search turns out dear, a cheaper failure elsewhere still surfaces, at most
 * RUN_FAVOUR_SHARE times later. Budgets stay a function of the round and the plan alone, so
 * the outcome still does not depend on jobs or timing, and verdicts not on the hint.
 */
#define _POSIX_C_SOURCE 200809L
#include "result.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define RUN_JOBS_MAX          256u
#define RUN_ROUND_STEPS_FIRST UINT64_C(256)
#define RUN_FAVOUR_SHARE      16u
/* Partitions with fewer ops are not looked at for a witness: their search is cheaper. */
#define RUN_WITNESS_OPS_MIN 64u

void rast_check_options_init(struct rast_check_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->model = RAST_MODEL_AUTO;
    opts->partition = true;
    opts->jobs = 1;
    opts->budget_steps_max = RAST_CHECK_BUDGET_STEPS_DEFAULT;
    opts->memo_bytes_max = RAST_CHECK_MEMO_BYTES_DEFAULT;
    opts->initial = RAST_NIL;
}

struct run_shared {
    const struct rast_history *h;
    struct rast_check_result *r;
    uint64_t round_steps; /* this round's total step budget per partition */
    bool last_round;
    uint32_t favoured; /* the partition given the full budget while others get a share, or
                          HIST_NONE (see the file comment) */
    uint64_t memo_bytes_max;
    struct search **searches; /* per partition: its paused search, or NULL */
    uint32_t *todo;           /* partitions searched in this round, in order */
    uint32_t todo_count;
    int *rcs; /* per partition: the first error, or 0 */
    atomic_uint_fast32_t next;
    struct run_pool *pool; /* worker threads for jobs > 1, started at the first round */
    struct search_cache *cache; /* the calling thread's (each worker has its own): own_cache,
                                   or the caller's rast_check_memory */
    struct search_cache own_cache;
};

struct rast_check_memory {
    struct search_cache cache;
};

struct rast_check_memory *rast_check_memory_create(void)
{
    return calloc(1, sizeof(struct rast_check_memory));
}

void rast_check_memory_destroy(struct rast_check_memory *m)
{
    if (m == NULL)
        return;
    search_cache_free(&m->cache);
    free(m);
}

/*
 * The workers, started once and reused by every round: a round costs a broadcast and a wait
 * instead of creating and joining threads (a failing kv history takes a dozen rounds). The
 * calling thread drains partitions too, so jobs = N means N - 1 extra threads.
 */
struct run_pool {
    pthread_mutex_t lock;
    pthread_cond_t start; /* a round began, or stop */
    pthread_cond_t done;  /* the last busy worker finished the round */
    uint64_t round;       /* rounds begun */
    uint32_t busy;        /* workers still in the current round */
    bool stop;
    uint32_t started;
    pthread_t threads[RUN_JOBS_MAX];
    struct run_shared *sh;
};

/* Searches partition i up to this round's budget; settles it unless it may continue. cache is
 * the calling thread's. */
static void run_one(struct run_shared *sh, uint32_t i, struct search_cache *cache)
{
    struct rast_check_result *r = sh->r;
    if (sh->searches[i] == NULL) {
        sh->rcs[i] = search_create(sh->h, &r->plan, &r->plan.parts[i], sh->memo_bytes_max, cache,
                                   &sh->searches[i]);
        if (sh->rcs[i] != 0)
            return;
    }
    struct search *s = sh->searches[i];
    uint64_t budget = sh->round_steps;
    if (sh->favoured != HIST_NONE && i != sh->favoured && !sh->last_round)
        budget = budget / RUN_FAVOUR_SHARE > 0 ? budget / RUN_FAVOUR_SHARE : 1;
    uint32_t verdict = search_resume(s, budget, cache);
    const struct search_out *o = search_result(s);
    r->part_steps[i] = o->steps;
    if (o->memo_bytes > r->part_memo_bytes[i])
        r->part_memo_bytes[i] = o->memo_bytes;
    if (verdict == RAST_CHECK_UNKNOWN && o->reason == RAST_CHECK_REASON_STEPS && !sh->last_round)
        return; /* undecided: continues in the next round */
    r->part_state[i] = (uint8_t)(verdict == RAST_CHECK_LINEARIZABLE       ? RUN_PART_LINEARIZABLE
                                 : verdict == RAST_CHECK_NOT_LINEARIZABLE ? RUN_PART_FAILED
                                                                          : RUN_PART_UNKNOWN);
    sh->rcs[i] = search_finish(s, &r->outs[i]);
    search_destroy(s, cache);
    sh->searches[i] = NULL;
}

/* Searches partitions of the round until none is left; cache is the calling thread's. */
static void run_drain(struct run_shared *sh, struct search_cache *cache)
{
    for (;;) {
        uint_fast32_t k = atomic_fetch_add(&sh->next, 1);
        if (k >= sh->todo_count)
            return;
        run_one(sh, sh->todo[k], cache);
    }
}

static void *run_worker(void *arg)
{
    struct run_pool *pool = arg;
    struct search_cache cache = { 0 }; /* this thread's, for all its rounds */
    uint64_t seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->round == seen && !pool->stop)
            pthread_cond_wait(&pool->start, &pool->lock);
        if (pool->stop)
            break;
        seen = pool->round;
        pthread_mutex_unlock(&pool->lock);
        run_drain(pool->sh, &cache);
        pthread_mutex_lock(&pool->lock);
        if (--pool->busy == 0)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    search_cache_free(&cache);
    return NULL;
}

/* Starts up to workers threads (fewer if some cannot start: the caller drains the rest). */
static struct run_pool *run_pool_start(struct run_shared *sh, uint32_t workers)
{
    struct run_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return NULL;
    pool->sh = sh;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->start, NULL);
    pthread_cond_init(&pool->done, NULL);
    for (; pool->started < workers; pool->started++)
        if (pthread_create(&pool->threads[pool->started], NULL, run_worker, pool) != 0)
            break;
    return pool;
}

static void run_pool_stop(struct run_pool *pool)
{
    if (pool == NULL)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stop = true;
    pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);
    for (uint32_t t = 0; t < pool->started; t++)
        pthread_join(pool->threads[t], NULL);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->start);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

/* Runs the round's partitions on the pool's workers and the calling thread. */
static void run_pool_round(struct run_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->round++;
    pool->busy = pool->started;
    pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);
    run_drain(pool->sh, pool->sh->cache);
    pthread_mutex_lock(&pool->lock);
    while (pool->busy > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

/* One round: searches every partition of sh->todo up to sh->round_steps. Returns 1 when
 * some partition failed (the search is over), 0 otherwise, or an error. */
static int run_round(struct run_shared *sh, uint32_t jobs)
{
    struct rast_check_result *r = sh->r;
    atomic_store(&sh->next, 0);
    if (jobs <= 1 || sh->todo_count <= 1) {
        run_drain(sh, sh->cache);
    } else {
        if (sh->pool == NULL) {
            uint32_t parts = sh->r->plan.part_count;
            sh->pool = run_pool_start(sh, (jobs < parts ? jobs : parts) - 1);
            if (sh->pool == NULL)
                return RAST_CHECK_ENOMEM;
        }
        run_pool_round(sh->pool);
    }
    int failed = 0;
    for (uint32_t k = 0; k < sh->todo_count; k++) {
        uint32_t i = sh->todo[k];
        if (sh->rcs[i] != 0)
            return sh->rcs[i];
        failed |= r->part_state[i] == RUN_PART_FAILED;
    }
    return failed;
}

/* The next round's total budget per partition: +1/4 (see the file comment), at most max. */
static uint64_t run_round_next(uint64_t budget, uint64_t steps_max)
{
    return budget >= steps_max - steps_max / 5 ? steps_max : budget + budget / 4;
}

/*
 * Searches in rounds of growing step budgets (RUN_ROUND_STEPS_FIRST, then +1/4 up to the
 * maximum), each round resuming the partitions still undecided, and stops after the first round
 * in which a partition fails. A cheap violation in one key is thus found without first
 * exhausting an expensive key; since a search's outcome depends only on its total budget, not
 * on how it was split, the result does not depend on jobs or timing.
 */
static int run_rounds(struct run_shared *sh, uint32_t jobs, uint64_t steps_max)
{
    struct rast_check_result *r = sh->r;
    uint64_t budget = RUN_ROUND_STEPS_FIRST;
    for (;;) {
        sh->todo_count = 0;
        for (uint32_t i = 0; i < r->plan.part_count; i++)
            if (r->part_state[i] == RUN_PART_UNDECIDED)
                sh->todo[sh->todo_count++] = i;
        if (sh->todo_count == 0)
            return 0;
        if (sh->favoured != HIST_NONE && r->part_state[sh->favoured] != RUN_PART_UNDECIDED)
            sh->favoured = HIST_NONE; /* everyone at the full budget from now on */
        sh->last_round = budget >= steps_max || sh->todo_count == 1;
        sh->round_steps = sh->last_round ? steps_max : budget;
        int rc = run_round(sh, jobs);
        if (rc != 0)
            return rc < 0 ? rc : 0;
        budget = run_round_next(budget, steps_max);
    }
}

/* The verdict from the partitions' states (see the file comment). */
static void run_combine(struct rast_check_result *r)
{
    r->verdict = RAST_CHECK_LINEARIZABLE;
    r->fail_part = HIST_NONE;
    for (uint32_t i = 0; i < r->plan.part_count; i++) {
        r->steps += r->part_steps[i];
        if (r->part_memo_bytes[i] > r->memo_bytes_peak)
            r->memo_bytes_peak = r->part_memo_bytes[i];
        r->checked += r->part_state[i] == RUN_PART_LINEARIZABLE;
        if (r->part_state[i] == RUN_PART_FAILED && r->verdict != RAST_CHECK_NOT_LINEARIZABLE) {
            r->verdict = RAST_CHECK_NOT_LINEARIZABLE;
            r->reason = RAST_CHECK_REASON_NONE;
            r->fail_part = i;
        }
        if (r->part_state[i] == RUN_PART_UNKNOWN && r->verdict == RAST_CHECK_LINEARIZABLE) {
            r->verdict = RAST_CHECK_UNKNOWN;
            r->reason = r->outs[i].reason;
            r->fail_part = i;
        }
    }
}

static int run_prefix(struct rast_check_result *r)
{
    if (r->fail_part == HIST_NONE)
        return 0;
    const struct search_out *o = &r->outs[r->fail_part];
    const struct plan_part *part = &r->plan.parts[r->fail_part];
    r->prefix_hist = malloc(((size_t)o->prefix_count + 1) * sizeof *r->prefix_hist);
    if (r->prefix_hist == NULL)
        return RAST_CHECK_ENOMEM;
    for (uint32_t i = 0; i < o->prefix_count; i++)
        r->prefix_hist[i] = part->ops[o->prefix[i]].hist_op;
    r->prefix_count = o->prefix_count;
    return 0;
}

void rast_check_result_destroy(struct rast_check_result *r)
{
    if (r == NULL)
        return;
    for (uint32_t i = 0; r->outs != NULL && i < r->plan.part_count; i++)
        search_out_free(&r->outs[i]);
    free(r->outs);
    free(r->prefix_hist);
    free(r->part_state);
    free(r->part_steps);
    free(r->part_memo_bytes);
    plan_free(&r->plan);
    free(r);
}

static void run_initial_text(struct rast_check_result *r)
{
    struct rast_value v = r->plan.initial;
    if (v.kind == RAST_VALUE_INT)
        snprintf(r->initial_text, sizeof r->initial_text, "%lld", (long long)v.i);
    else if (v.kind == RAST_VALUE_STR)
        snprintf(r->initial_text, sizeof r->initial_text, "\"%.*s\"",
                 (int)(v.str_size_bytes > 100 ? 100 : v.str_size_bytes), v.str ? v.str : "");
    else
        snprintf(r->initial_text, sizeof r->initial_text, "nil");
    r->plan.initial = RAST_NIL; /* its string may not outlive the run */
}

/* The partition to favour (see the file comment): the kv partition whose witness read
 * returns first in the history, or HIST_NONE. */
static uint32_t run_favoured(const struct rast_history *h, const struct plan *plan)
{
    uint32_t best = HIST_NONE, best_event = HIST_NONE;
    if (plan->vt->id != RAST_MODEL_KV || plan->part_count < 2)
        return HIST_NONE;
    for (uint32_t i = 0; i < plan->part_count; i++) {
        if (plan->parts[i].op_count < RUN_WITNESS_OPS_MIN)
            continue;
        uint32_t w = plan_witness(h, &plan->parts[i]);
        if (w != HIST_NONE && plan->parts[i].entry_events[w] < best_event) {
            best = i;
            best_event = plan->parts[i].entry_events[w];
        }
    }
    return best;
}

static int run_alloc(struct rast_check_result *r, struct run_shared *sh)
{
    size_t n = (size_t)r->plan.part_count + 1;
    r->outs = calloc(n, sizeof *r->outs);
    r->part_state = calloc(n, sizeof *r->part_state);
    r->part_steps = calloc(n, sizeof *r->part_steps);
    r->part_memo_bytes = calloc(n, sizeof *r->part_memo_bytes);
    sh->rcs = calloc(n, sizeof *sh->rcs);
    sh->todo = calloc(n, sizeof *sh->todo);
    sh->searches = calloc(n, sizeof *sh->searches);
    if (!r->outs || !r->part_state || !r->part_steps || !r->part_memo_bytes || !sh->rcs ||
        !sh->todo || !sh->searches)
        return RAST_CHECK_ENOMEM;
    return 0;
}

int rast_check_run(const struct rast_history *h, const struct rast_check_options *opts,
                   struct rast_check_result **out, struct rast_check_error *err)
{
    *out = NULL;
    if (h == NULL || opts == NULL)
        return RAST_CHECK_EINVAL;
    struct rast_check_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RAST_CHECK_ENOMEM;
    struct run_shared sh = { .h = h, .r = r, .favoured = HIST_NONE };
    sh.cache = opts->memory != NULL ? &opts->memory->cache : &sh.own_cache;
    sh.memo_bytes_max = opts->memo_bytes_max;
    r->budget_steps_max = opts->budget_steps_max;
    r->memo_bytes_max = opts->memo_bytes_max;
    atomic_init(&sh.next, 0);
    int rc = plan_build(h, opts, &r->plan, err);
    if (rc == 0) {
        r->model = r->plan.vt->id;
        rc = run_alloc(r, &sh);
        sh.favoured = run_favoured(h, &r->plan);
    }
    uint32_t jobs = opts->jobs > RUN_JOBS_MAX ? RUN_JOBS_MAX : opts->jobs;
    if (rc == 0)
        rc = run_rounds(&sh, jobs, opts->budget_steps_max);
    run_pool_stop(sh.pool);
    if (rc == 0) {
        run_combine(r);
        rc = run_prefix(r);
    }
    run_initial_text(r);
    for (uint32_t i = 0; sh.searches != NULL && i < r->plan.part_count; i++)
        search_destroy(sh.searches[i], NULL); /* undecided when a failure ended the search */
    search_cache_free(&sh.own_cache);
    free(sh.searches);
    free(sh.rcs);
    free(sh.todo);
    if (rc != 0) {
        rast_check_result_destroy(r);
        return rc;
    }
    *out = r;
    return 0;
}

void rast_check_result_summary(const struct rast_check_result *r, struct rast_check_summary *out)
{
    memset(out, 0, sizeof *out);
    out->verdict = r->verdict;
    out->unknown_reason = r->reason;
    out->model = r->model;
    out->partition_count = r->plan.part_count;
    out->partitions_linearizable = r->checked;
    out->fail_partition = r->fail_part;
    out->fail_op_id = HIST_NONE;
    if (r->fail_part != HIST_NONE) {
        const struct search_out *o = &r->outs[r->fail_part];
        if (o->fail_op != HIST_NONE)
            out->fail_op_id = r->plan.parts[r->fail_part].ops[o->fail_op].hist_op;
    }
    out->prefix_op_count = r->prefix_count;
    out->steps = r->steps;
    out->memo_bytes_peak = r->memo_bytes_peak;
}

const uint32_t *rast_check_result_prefix(const struct rast_check_result *r)
{
    return r->prefix_hist;
}
