/*
 * bench_peer_raft.c: the canonical/raft baseline for `rast-bench core`. Runs the core workload
 * (see struct bench_core_params) on canonical/raft's in-memory test cluster, `raft_fixture`
 * (libraft-dev 0.15, pkg-config `raft`), in this process, so that rast's figures can be printed
 * as ratios against it. Network and disk latencies are set to zero, so every message is
 * delivered and every persist completes as soon as the fixture is stepped; ticks only fire
 * when nothing else is pending, so simulated time stands still while entries flow.
 *
 * Each entry point writes only its own figures (throughput and memory, or elections/s) plus
 * `ran` and `skip_reason`, so one result may collect both. Built with
 * -DRAST_HAVE_CANONICAL_RAFT=1 (meson does so when the `raft` dependency is found); without it
 * both entry points report that they were skipped.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdio.h>
#include <string.h>

#if defined(RAST_HAVE_CANONICAL_RAFT) && RAST_HAVE_CANONICAL_RAFT

#include <malloc.h>
#include <stdlib.h>

#include <raft.h>
#include <raft/fixture.h>

/* Simulated-time budget for one election; the default election timeouts are 1-2 s. */
#define PEER_ELECTION_BUDGET_MSECS 60000u
/* Fixture steps allowed for one drain (some 6,000 when 1024 single-entry calls are queued). */
#define PEER_DRAIN_STEPS_MAX 100000000u

/* One in-process cluster: the fixture plus one counting FSM per server. */
struct peer_cluster {
    struct raft_fixture fixture;
    struct raft_fsm fsms[RAFT_FIXTURE_MAX_SERVERS];
    uint64_t applied_counts[RAFT_FIXTURE_MAX_SERVERS]; /* commands applied, per server */
    struct raft_tracer silent_tracer;
    uint32_t node_count;
    uint32_t leader_index;
};

/* Apply requests recycled through a stack: a request is free again once its callback ran. */
struct peer_request_pool {
    struct raft_apply *requests;
    struct raft_apply **free_stack;
    uint32_t free_count;
    uint32_t capacity;
};

/* The proposing side of one throughput run. */
struct peer_load {
    const struct bench_core_params *params;
    struct peer_request_pool pool;
    struct raft_buffer *bufs; /* entries_per_call slots, reused for every raft_apply call */
    uint64_t proposed_count;
};

static void peer_skip(struct bench_core_result *result, const char *reason)
{
    result->ran = false;
    snprintf(result->skip_reason, sizeof result->skip_reason, "%s", reason);
}

/* ---- FSM: counts applied commands; its snapshot is that count. ---------------------------- */

static int peer_fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result)
{
    uint64_t *applied_count = fsm->data;
    (void)buf;
    (*applied_count)++;
    *result = NULL;
    return 0;
}

/* raft takes ownership of both allocations and releases them once the snapshot is stored. */
static int peer_fsm_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
    const uint64_t *applied_count = fsm->data;
    struct raft_buffer *array = raft_malloc(sizeof *array);
    if (array == NULL)
        return RAFT_NOMEM;
    array->len = sizeof *applied_count;
    array->base = raft_malloc(array->len);
    if (array->base == NULL) {
        raft_free(array);
        return RAFT_NOMEM;
    }
    memcpy(array->base, applied_count, sizeof *applied_count);
    *bufs = array;
    *n_bufs = 1;
    return 0;
}

/* On success the FSM owns buf->base and must release it. */
static int peer_fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
    uint64_t *applied_count = fsm->data;
    if (buf->len != sizeof *applied_count)
        return RAFT_MALFORMED;
    memcpy(applied_count, buf->base, sizeof *applied_count);
    raft_free(buf->base);
    return 0;
}

/* `int line`: the type is fixed by struct raft_tracer's emit member. */
static void peer_trace_discard(struct raft_tracer *tracer, const char *file, int line,
                               const char *message)
{
    (void)tracer;
    (void)file;
    (void)line;
    (void)message;
}

/* ---- Cluster set-up and tear-down. --------------------------------------------------------- */

/* Adds node_count servers with zero latencies and a tracer that never prints. */
static int peer_cluster_grow(struct peer_cluster *cluster)
{
    struct raft_fixture *f = &cluster->fixture;
    for (uint32_t i = 0; i < cluster->node_count; i++) {
        struct raft_fsm *fsm = &cluster->fsms[i];
        fsm->version = 1;
        fsm->data = &cluster->applied_counts[i];
        fsm->apply = peer_fsm_apply;
        fsm->snapshot = peer_fsm_snapshot;
        fsm->restore = peer_fsm_restore;
        int32_t rv = raft_fixture_grow(f, fsm);
        if (rv != 0)
            return rv;
        f->servers[i].tracer = cluster->silent_tracer;
        f->servers[i].raft.tracer = &f->servers[i].tracer;
        raft_fixture_set_network_latency(f, i, 0);
        raft_fixture_set_disk_latency(f, i, 0);
    }
    return 0;
}

/*
 * Returns a zeroed, bootstrapped and started cluster of node_count voters, or NULL. The whole
 * struct raft_fixture is zeroed first (calloc): in 0.15 raft_fixture_initialize() sets only the
 * time, the log copy, the commit index and the hook, leaving the server count, the leader id
 * and the servers as it finds them; and raft_fixture_grow() points each server's raft at
 * servers[i].tracer and sets that tracer's emit function (to stderr) but not `enabled`, so
 * stale bytes there trace every step. The tracer is then replaced by one that discards.
 */
static struct peer_cluster *peer_cluster_create(uint32_t node_count)
{
    struct peer_cluster *cluster = calloc(1, sizeof *cluster);
    if (cluster == NULL)
        return NULL;
    cluster->node_count = node_count;
    cluster->silent_tracer.impl = NULL;
    cluster->silent_tracer.enabled = false;
    cluster->silent_tracer.emit = peer_trace_discard;
    struct raft_fixture *f = &cluster->fixture;
    struct raft_configuration configuration;
    bool ok = raft_fixture_initialize(f) == 0 && peer_cluster_grow(cluster) == 0 &&
              raft_fixture_configuration(f, node_count, &configuration) == 0;
    if (ok) {
        ok = raft_fixture_bootstrap(f, &configuration) == 0;
        raft_configuration_close(&configuration);
    }
    if (ok && raft_fixture_start(f) != 0)
        ok = false;
    if (!ok) {
        raft_fixture_close(f);
        free(cluster);
        return NULL;
    }
    return cluster;
}

static void peer_cluster_destroy(struct peer_cluster *cluster)
{
    raft_fixture_close(&cluster->fixture);
    free(cluster);
}

/* Steps until a stable leader exists; records its index. */
static bool peer_cluster_elect(struct peer_cluster *cluster)
{
    struct raft_fixture *f = &cluster->fixture;
    if (!raft_fixture_step_until_has_leader(f, PEER_ELECTION_BUDGET_MSECS))
        return false;
    cluster->leader_index = (uint32_t)raft_fixture_leader_index(f);
    return cluster->leader_index < cluster->node_count;
}

/* ---- Proposals. ---------------------------------------------------------------------------- */

static void peer_apply_done(struct raft_apply *req, int status, void *result)
{
    struct peer_request_pool *pool = req->data;
    (void)status; /* failures surface as a stalled or lost leader in peer_drive() */
    (void)result;
    pool->free_stack[pool->free_count++] = req;
}

/* Every outstanding request still has all its entries unapplied (its callback fires when its
 * first entry is applied), so inflight/per_call requests plus one short tail request suffice. */
static bool peer_pool_init(struct peer_request_pool *pool, const struct bench_core_params *params)
{
    pool->capacity = params->inflight_entries_max / params->entries_per_call + 2u;
    pool->requests = calloc(pool->capacity, sizeof *pool->requests);
    pool->free_stack = calloc(pool->capacity, sizeof *pool->free_stack);
    if (pool->requests == NULL || pool->free_stack == NULL)
        return false;
    for (uint32_t i = 0; i < pool->capacity; i++) {
        pool->requests[i].data = pool;
        pool->free_stack[i] = &pool->requests[i];
    }
    pool->free_count = pool->capacity;
    return true;
}

static void peer_pool_close(struct peer_request_pool *pool)
{
    free(pool->requests);
    free(pool->free_stack);
}

/* Proposes entry_count_call fresh entries in one raft_apply call. Each entry's payload is
 * entry_size_bytes long, allocated with raft_malloc (raft owns it once raft_apply succeeds),
 * and starts with its sequence number. */
static bool peer_propose(struct peer_load *load, struct raft *leader, uint32_t entry_count_call)
{
    uint32_t size_bytes = load->params->entry_size_bytes;
    for (uint32_t i = 0; i < entry_count_call; i++) {
        uint64_t sequence = load->proposed_count + i;
        void *base = raft_malloc(size_bytes);
        if (base == NULL) {
            for (uint32_t j = 0; j < i; j++)
                raft_free(load->bufs[j].base);
            return false;
        }
        memset(base, 0, size_bytes);
        memcpy(base, &sequence, size_bytes < sizeof sequence ? size_bytes : sizeof sequence);
        load->bufs[i].base = base;
        load->bufs[i].len = size_bytes;
    }
    struct peer_request_pool *pool = &load->pool;
    struct raft_apply *req = pool->free_stack[--pool->free_count];
    if (raft_apply(leader, req, load->bufs, entry_count_call, peer_apply_done) != 0) {
        pool->free_stack[pool->free_count++] = req;
        for (uint32_t i = 0; i < entry_count_call; i++)
            raft_free(load->bufs[i].base);
        return false;
    }
    load->proposed_count += entry_count_call;
    return true;
}

/* Tops the leader up to inflight_entries_max proposed-but-unapplied entries, per_call at a time
 * (the last call may be shorter), never proposing past entry_count. */
static bool peer_top_up(struct peer_load *load, struct raft *leader, uint64_t applied_count)
{
    const struct bench_core_params *params = load->params;
    while (load->proposed_count < params->entry_count && load->pool.free_count > 0) {
        uint64_t remaining_count = params->entry_count - load->proposed_count;
        uint32_t call_count = params->entries_per_call;
        if (remaining_count < call_count)
            call_count = (uint32_t)remaining_count;
        uint64_t inflight_count = load->proposed_count - applied_count;
        if (inflight_count + call_count > params->inflight_entries_max)
            break;
        if (!peer_propose(load, leader, call_count))
            return false;
    }
    return true;
}

/*
 * Steps until nothing is pending anywhere: every message delivered, every persist completed.
 * With zero latencies every request completes at the current simulated time, and the fixture
 * only fires a tick that moves time forward when no request is due at or before it, so such a
 * tick marks the point where everything queued has been handled. This is the fixture's analog
 * of draining rast's FIFO in bench_core.c; draining also keeps the fixture's fixed
 * lowest-server-first order from starving the last followers while the leader stays busy.
 */
static bool peer_drain(struct raft_fixture *f)
{
    for (uint32_t step = 0; step < PEER_DRAIN_STEPS_MAX; step++) {
        raft_time before_ms = raft_fixture_time(f);
        struct raft_fixture_event *event = raft_fixture_step(f);
        if (event->type == RAFT_FIXTURE_TICK && raft_fixture_time(f) > before_ms)
            return true;
    }
    return false;
}

/* Cycles of: propose up to inflight_entries_max, then drain; until entry_count entries are
 * applied on the leader. The same loop as rast's side in bench_core.c. */
static bool peer_drive(struct peer_cluster *cluster, struct peer_load *load)
{
    struct raft_fixture *f = &cluster->fixture;
    struct raft *leader = raft_fixture_get(f, cluster->leader_index);
    const uint64_t *applied_count = &cluster->applied_counts[cluster->leader_index];
    uint64_t start_count = *applied_count;
    while (*applied_count - start_count < load->params->entry_count) {
        uint64_t cycle_start_count = *applied_count;
        if (!peer_top_up(load, leader, *applied_count - start_count) || !peer_drain(f))
            return false;
        if (raft_state(leader) != RAFT_LEADER || *applied_count == cycle_start_count)
            return false;
    }
    return true;
}

/*
 * Heap bytes held by one server's in-memory log (struct raft_log, public in raft.h): the
 * circular entry array, the reference-count hash table and each entry's payload allocation
 * (a batch shared by consecutive entries counted once), as malloc_usable_size() reports them;
 * raft's default heap is malloc. Collision chains of the hash table are not reachable through
 * the public types and are left out. *entry_count_out is the number of entries the log holds.
 */
static uint64_t peer_log_bytes_held(const struct raft_log *log, uint64_t *entry_count_out)
{
    uint64_t held_bytes = 0;
    if (log->entries != NULL)
        held_bytes += malloc_usable_size(log->entries);
    if (log->refs != NULL)
        held_bytes += malloc_usable_size(log->refs);
    uint64_t entry_count = 0;
    const void *last_batch = NULL;
    for (size_t slot = log->front; slot != log->back; slot = (slot + 1) % log->size) {
        const struct raft_entry *entry = &log->entries[slot];
        entry_count++;
        if (entry->batch == NULL)
            held_bytes += malloc_usable_size(entry->buf.base);
        else if (entry->batch != last_batch)
            held_bytes += malloc_usable_size(entry->batch);
        last_batch = entry->batch;
    }
    *entry_count_out = entry_count;
    return held_bytes;
}

/* ---- Entry points. ------------------------------------------------------------------------- */

static const char *peer_params_problem(const struct bench_core_params *params)
{
    if (params->node_count == 0 || params->node_count > RAFT_FIXTURE_MAX_SERVERS)
        return "canonical/raft fixture: node_count must be 1..8";
    if (params->entry_count == 0)
        return "canonical/raft fixture: entry_count must be > 0";
    if (params->entries_per_call == 0 || params->entry_size_bytes == 0)
        return "canonical/raft fixture: entries_per_call and entry_size_bytes must be > 0";
    if (params->inflight_entries_max < params->entries_per_call)
        return "canonical/raft fixture: inflight_entries_max must be >= entries_per_call";
    return NULL;
}

/* Fills in the throughput figures of a completed run. */
static void peer_record(const struct peer_cluster *cluster, const struct bench_core_params *params,
                        uint64_t elapsed_ns, struct bench_core_result *result)
{
    const struct raft_fixture_server *leader = &cluster->fixture.servers[cluster->leader_index];
    uint64_t held_count = 0;
    uint64_t held_bytes = peer_log_bytes_held(&leader->raft.log, &held_count);
    result->ran = true;
    result->skip_reason[0] = '\0';
    result->entries_committed = params->entry_count;
    result->seconds = (double)elapsed_ns / 1e9;
    result->entries_per_second = (double)params->entry_count / result->seconds;
    result->ns_per_entry = (double)elapsed_ns / (double)params->entry_count;
    result->bytes_per_entry_held = held_count > 0 ? (double)held_bytes / (double)held_count : 0.0;
}

/*
 * Throughput. Timed: from the first raft_apply() until the leader's FSM has applied
 * entry_count entries, i.e. proposing (payload allocation included) and every fixture step:
 * delivery, persistence, snapshots, ticks ending each drain, and the fixture's own per-step
 * checks (election safety; leader append-only, which copies the leader's whole in-memory log
 * on every step and dominates the cost). Not timed: cluster creation, the first election,
 * the memory measurement, teardown.
 *
 * Memory: bytes held per entry by the leader's in-memory log at the end of the run (see
 * peer_log_bytes_held()), the counterpart of rast's log_bytes_held / last_index. raft keeps
 * its in-memory log short with snapshots (defaults: every 1024 entries, keeping 128), so this
 * is measured over the few thousand entries still held; the fixture's own copies (its stub
 * storage, its copy of the leader's log) are not the library's and are not counted.
 */
void bench_peer_raft_run(const struct bench_core_params *params, struct bench_core_result *result)
{
    const char *problem = peer_params_problem(params);
    if (problem != NULL) {
        peer_skip(result, problem);
        return;
    }
    struct peer_load load = { .params = params, .proposed_count = 0 };
    load.bufs = calloc(params->entries_per_call, sizeof *load.bufs);
    struct peer_cluster *cluster = NULL;
    if (load.bufs == NULL || !peer_pool_init(&load.pool, params) ||
        (cluster = peer_cluster_create(params->node_count)) == NULL) {
        peer_skip(result, "canonical/raft fixture: set-up failed");
    } else if (!peer_cluster_elect(cluster)) {
        peer_skip(result, "canonical/raft fixture: no leader elected");
    } else {
        uint64_t start_ns = bench_now_ns();
        bool ok = peer_drive(cluster, &load);
        uint64_t elapsed_ns = bench_now_ns() - start_ns;
        if (ok)
            peer_record(cluster, params, elapsed_ns, result);
        else
            peer_skip(result, "canonical/raft fixture: run stalled or lost its leader");
    }
    if (cluster != NULL)
        peer_cluster_destroy(cluster);
    peer_pool_close(&load.pool);
    free(load.bufs);
}

/*
 * Elections. Each round builds a fresh cluster of node_count voters (zeroed, bootstrapped,
 * started, zero latencies), then times only raft_fixture_step_until_has_leader(): the ticks
 * until the first election timer expires (simulated time, so no waiting), the vote requests and
 * replies, and the leader's first append round that makes the fixture see it as a stable
 * leader. Creation and teardown are not timed. elections_per_second = rounds / timed seconds.
 */
void bench_peer_raft_elections(uint32_t node_count, uint32_t rounds,
                               struct bench_core_result *result)
{
    if (node_count == 0 || node_count > RAFT_FIXTURE_MAX_SERVERS || rounds == 0) {
        peer_skip(result, "canonical/raft fixture: node_count must be 1..8, rounds > 0");
        return;
    }
    uint64_t elect_ns = 0;
    for (uint32_t round = 0; round < rounds; round++) {
        struct peer_cluster *cluster = peer_cluster_create(node_count);
        if (cluster == NULL) {
            peer_skip(result, "canonical/raft fixture: set-up failed");
            return;
        }
        uint64_t start_ns = bench_now_ns();
        bool elected = peer_cluster_elect(cluster);
        elect_ns += bench_now_ns() - start_ns;
        peer_cluster_destroy(cluster);
        if (!elected) {
            peer_skip(result, "canonical/raft fixture: no leader elected");
            return;
        }
    }
    result->ran = true;
    result->skip_reason[0] = '\0';
    result->elections_per_second = (double)rounds / ((double)elect_ns / 1e9);
}

#else /* !RAST_HAVE_CANONICAL_RAFT */

#define PEER_NOT_FOUND "canonical/raft (libraft-dev, pkg-config raft) not found"

void bench_peer_raft_run(const struct bench_core_params *params, struct bench_core_result *result)
{
    (void)params;
    result->ran = false;
    snprintf(result->skip_reason, sizeof result->skip_reason, "%s", PEER_NOT_FOUND);
}

void bench_peer_raft_elections(uint32_t node_count, uint32_t rounds,
                               struct bench_core_result *result)
{
    (void)node_count;
    (void)rounds;
    result->ran = false;
    snprintf(result->skip_reason, sizeof result->skip_reason, "%s", PEER_NOT_FOUND);
}

#endif /* RAST_HAVE_CANONICAL_RAFT */
