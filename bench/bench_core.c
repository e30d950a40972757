/*
 * bench_core.c: `rast-bench core`, librast's throughput, per-entry cost, memory per entry
 * and election rate, side by side with canonical/raft's raft_fixture under the same workload
 * (bench_peer_raft.c), ending with the ratios.
 *
 * The cluster here is the cheapest correct caller of the core: one FIFO of inputs; a SEND
 * becomes a RECV for its destination (its entries point into the sender's log, which is
 * append-only in this workload); the PERSIST requests of a step complete right after the
 * step (a PERSISTED input for the step's last token). The client keeps at most
 * inflight_entries_max entries proposed and not yet applied on the leader.
 *
 * Cold and warm: a first run pays the kernel's first touch of every page the log grows into
 * (about 30,000 page faults for 1M entries on 3 nodes: most of its time). A long-running node
 * compacts its log and reuses memory, so each configuration runs twice in the same process
 * with glibc keeping freed memory in its heap; the second (warm) run is the steady state.
 * Both libraries get the same treatment and the same allocator settings.
 */
#define _GNU_SOURCE /* mallopt */
#include "bench.h"
#include "rast.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_CAPACITY (1u << 14) /* live items stay in the thousands; small keeps it in cache */

struct work {
    uint32_t node;
    struct rast_input in;
};

struct cluster {
    uint32_t n;
    struct rast_node *nodes[RAST_NODES_MAX + 1];
    struct rast_batch batch;
    struct work *queue;
    uint32_t head, count;
    uint64_t leader_applied;
    uint64_t inflight_entries;
    uint32_t leader;
};

static void cluster_push(struct cluster *c, uint32_t node, const struct rast_input *in)
{
    if (c->count == QUEUE_CAPACITY) {
        fprintf(stderr, "rast-bench core: work queue overflow\n");
        exit(4);
    }
    struct work *w = &c->queue[(c->head + c->count++) & (QUEUE_CAPACITY - 1)];
    w->node = node;
    w->in = *in;
}

static void cluster_outputs(struct cluster *c, uint32_t id)
{
    uint64_t token = 0;
    for (uint32_t i = 0; i < c->batch.count; i++) {
        const struct rast_output *o = &c->batch.items[i];
        struct rast_input in;
        switch (o->kind) {
        case RAST_OUTPUT_SEND:
            in.kind = RAST_INPUT_RECV;
            in.u.recv = o->u.send;
            cluster_push(c, o->u.send.to, &in);
            break;
        case RAST_OUTPUT_PERSIST: token = o->u.persist.token; break;
        case RAST_OUTPUT_APPLY:
            if (id == c->leader)
                c->leader_applied += o->u.apply.entry_count;
            break;
        case RAST_OUTPUT_PROPOSE_DONE:
            c->inflight_entries -= o->u.propose_done.last_index - o->u.propose_done.first_index + 1;
            break;
        case RAST_OUTPUT_ROLE:
            if (o->u.role.role == RAST_LEADER)
                c->leader = id;
            break;
        default: break;
        }
    }
    if (token != 0) {
        struct rast_input in = { .kind = RAST_INPUT_PERSISTED };
        in.u.persisted.token = token;
        cluster_push(c, id, &in);
    }
}

static void cluster_step(struct cluster *c, uint32_t id, const struct rast_input *in)
{
    c->batch.count = 0;
    int rc = rast_step(c->nodes[id], in, &c->batch);
    if (rc != 0 && rc != RAST_E_INVALID) {
        fprintf(stderr, "rast-bench core: rast_step: %s\n", rast_strerror(rc));
        exit(4);
    }
    cluster_outputs(c, id);
}

static void cluster_drain(struct cluster *c)
{
    while (c->count > 0) {
        struct work w = c->queue[c->head];
        c->head = (c->head + 1) & (QUEUE_CAPACITY - 1);
        c->count--;
        cluster_step(c, w.node, &w.in);
    }
}

static void cluster_init(struct cluster *c, uint32_t n, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->queue = malloc(QUEUE_CAPACITY * sizeof *c->queue);
    for (uint32_t id = 1; id <= n; id++) {
        struct rast_config cfg;
        rast_config_default(&cfg, id, n);
        cfg.random_seed = seed + id;
        cfg.inflight_msgs_max = 256;
        cfg.msg_entries_max = 4096;
        /* node 1 times out first, so the election is one round trip */
        cfg.election_timeout_ticks_min = id == 1 ? 3 : 30;
        cfg.election_timeout_ticks_max = id == 1 ? 4 : 40;
        if (c->queue == NULL || rast_node_create(&cfg, NULL, &c->nodes[id]) != 0) {
            fprintf(stderr, "rast-bench core: cannot create node %u\n", id);
            exit(4);
        }
    }
}

static void cluster_free(struct cluster *c)
{
    for (uint32_t id = 1; id <= c->n; id++)
        rast_node_destroy(c->nodes[id]);
    rast_batch_free(&c->batch);
    free(c->queue);
}

/* Ticks node 1 until it is elected; returns the ticks used. */
static uint32_t cluster_elect(struct cluster *c)
{
    struct rast_input tick = { .kind = RAST_INPUT_TICK };
    uint32_t ticks = 0;
    while (c->leader == 0 && ticks < 1000) {
        cluster_step(c, 1, &tick);
        cluster_drain(c);
        ticks++;
    }
    return ticks;
}

static void cluster_propose(struct cluster *c, uint32_t per_call, const struct rast_entry *e,
                            uint64_t tag)
{
    struct rast_input in = { .kind = RAST_INPUT_PROPOSE };
    in.u.propose.tag = tag;
    in.u.propose.entry_count = per_call;
    in.u.propose.entries = e;
    c->inflight_entries += per_call;
    cluster_step(c, c->leader, &in);
}

static void rast_core_run(const struct bench_core_params *p, struct bench_core_result *r)
{
    struct cluster c;
    cluster_init(&c, p->node_count, 42);
    if (cluster_elect(&c) == 1000) {
        snprintf(r->skip_reason, sizeof r->skip_reason, "no leader elected");
        cluster_free(&c);
        return;
    }
    cluster_drain(&c);
    struct rast_entry *entries = calloc(p->entries_per_call, sizeof *entries);
    uint8_t *data = calloc(p->entries_per_call, p->entry_size_bytes);
    for (uint32_t i = 0; i < p->entries_per_call; i++) {
        memset(data + (size_t)i * p->entry_size_bytes, (int)i, p->entry_size_bytes);
        entries[i].data = data + (size_t)i * p->entry_size_bytes;
        entries[i].size = p->entry_size_bytes;
    }
    uint64_t base = c.leader_applied, proposed = 0, tag = 0;
    uint64_t start = bench_now_ns();
    while (c.leader_applied - base < p->entry_count) {
        while (proposed < p->entry_count &&
               c.inflight_entries + p->entries_per_call <= p->inflight_entries_max) {
            cluster_propose(&c, p->entries_per_call, entries, ++tag);
            proposed += p->entries_per_call;
        }
        cluster_drain(&c);
    }
    uint64_t elapsed = bench_now_ns() - start;
    struct rast_stats stats;
    rast_node_stats(c.nodes[c.leader], &stats);
    struct rast_status status;
    rast_node_status(c.nodes[c.leader], &status);
    r->ran = true;
    r->entries_committed = c.leader_applied - base;
    r->seconds = (double)elapsed / 1e9;
    r->entries_per_second = (double)r->entries_committed / r->seconds;
    r->ns_per_entry = (double)elapsed / (double)r->entries_committed;
    r->bytes_per_entry_held = (double)stats.log_bytes_held / (double)status.last_index;
    free(entries);
    free(data);
    cluster_free(&c);
}

/* Elections per second: a fresh cluster each round (creation not timed); timed from the
 * first tick until a leader exists, including the ticks of node 1's election timeout. */
static void rast_core_elections(uint32_t n, uint32_t rounds, struct bench_core_result *r)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < rounds; i++) {
        struct cluster c;
        cluster_init(&c, n, i);
        uint64_t start = bench_now_ns();
        uint32_t ticks = cluster_elect(&c);
        total += bench_now_ns() - start;
        cluster_free(&c);
        if (ticks == 1000) {
            snprintf(r->skip_reason, sizeof r->skip_reason, "no leader elected");
            return;
        }
    }
    r->ran = true;
    r->elections_per_second = (double)rounds / ((double)total / 1e9);
}

static void print_row(const char *who, const struct bench_core_params *p,
                      const struct bench_core_result *r)
{
    if (!r->ran) {
        printf("  %-15s %u nodes %4u/call  skipped: %s\n", who, p->node_count, p->entries_per_call,
               r->skip_reason);
        return;
    }
    printf("  %-15s %u nodes %4u/call  %10.3f M entries/s  %8.1f ns/entry", who, p->node_count,
           p->entries_per_call, r->entries_per_second / 1e6, r->ns_per_entry);
    if (r->bytes_per_entry_held > 0)
        printf("  %6.1f B/entry held", r->bytes_per_entry_held);
    printf("\n");
    fflush(stdout); /* each row as soon as it is measured: the peer's rows take a while */
}

struct core_options {
    uint64_t entry_count;
    uint32_t nodes_only;    /* 0 = 3 and 5 */
    uint32_t per_call_only; /* 0 = 64 and 1 */
    bool peer;
    uint32_t election_rounds;
};

static int core_usage(FILE *out, int code)
{
    fprintf(out,
            "usage: rast-bench core [--entries N] [--nodes 3|5] [--per-call 64|1] [--no-peer]\n"
            "                       [--election-rounds N]\n"
            "Commits N 16-byte entries (default 1000000) through an in-process cluster with\n"
            "at most 1024 entries in flight, for 3 and 5 nodes, 64 and 1 entries per call;\n"
            "then the same on canonical/raft's raft_fixture (unless --no-peer or not built;\n"
            "at most 200000 entries at 64/call, 20000 at 1/call: its fixture is slow) and\n"
            "prints the ratios. Each runs cold, then warm (steady state: see docs/bench.md).\n"
            "Also elections per second (default 2000 rounds). Rows: entries committed,\n"
            "M entries/s (leader applied), ns per entry, bytes held per log entry.\n");
    return code;
}

static int core_parse(int argc, char **argv, struct core_options *o)
{
    o->entry_count = 1000000;
    o->nodes_only = 0;
    o->per_call_only = 0;
    o->peer = true;
    o->election_rounds = 2000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return core_usage(stdout, 0) - 1;
        if (strcmp(a, "--no-peer") == 0) {
            o->peer = false;
            continue;
        }
        if (v == NULL)
            return core_usage(stderr, 2);
        unsigned long long n = strtoull(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n == 0) {
            fprintf(stderr, "rast-bench core: %s takes a positive integer, not '%s'\n", a, v);
            return 2;
        }
        if (strcmp(a, "--entries") == 0)
            o->entry_count = n;
        else if (strcmp(a, "--nodes") == 0 && (n == 3 || n == 5))
            o->nodes_only = (uint32_t)n;
        else if (strcmp(a, "--per-call") == 0 && (n == 64 || n == 1))
            o->per_call_only = (uint32_t)n;
        else if (strcmp(a, "--election-rounds") == 0)
            o->election_rounds = (uint32_t)n;
        else
            return core_usage(stderr, 2);
        i++;
    }
    return 0;
}

static void print_ratio(const char *label, const struct bench_core_params *p,
                        const struct bench_core_result *mine, const struct bench_core_result *peer)
{
    if (mine->ran && peer->ran)
        printf("  %-15s %u nodes %4u/call           %9.2fx\n", label, p->node_count,
               p->entries_per_call, mine->entries_per_second / peer->entries_per_second);
    fflush(stdout);
}

static void core_compare(const struct core_options *o, uint32_t nodes, uint32_t per_call)
{
    struct bench_core_params p = { nodes, o->entry_count, 16, per_call, 1024 };
    struct bench_core_result mine_cold = { 0 }, mine = { 0 }, peer_cold = { 0 }, peer = { 0 };
    rast_core_run(&p, &mine_cold);
    rast_core_run(&p, &mine);
    print_row("rast cold", &p, &mine_cold);
    print_row("rast warm", &p, &mine);
    if (!o->peer)
        return;
    /* canonical/raft's raft_fixture costs ~4,400 instructions per entry at 64 per call and
     * far more at one per call (it rescans its pending requests on every step): fewer
     * entries keep its rows to seconds; entries/s does not depend on the count. */
    struct bench_core_params pp = p;
    uint64_t peer_max = per_call == 1 ? 20000 : 200000;
    if (pp.entry_count > peer_max)
        pp.entry_count = peer_max;
    bench_peer_raft_run(&pp, &peer_cold);
    bench_peer_raft_run(&pp, &peer);
    print_row("canonical cold", &pp, &peer_cold);
    print_row("canonical warm", &pp, &peer);
    print_ratio("ratio cold", &p, &mine_cold, &peer_cold);
    print_ratio("ratio warm", &p, &mine, &peer);
}

static void core_elections(const struct core_options *o)
{
    struct bench_core_result mine = { 0 }, peer = { 0 };
    rast_core_elections(3, o->election_rounds, &mine);
    printf("  elections (3 nodes, %u rounds):\n", o->election_rounds);
    if (mine.ran)
        printf("    rast             %10.0f elections/s  %8.2f us/election\n",
               mine.elections_per_second, 1e6 / mine.elections_per_second);
    if (!o->peer)
        return;
    bench_peer_raft_elections(3, o->election_rounds, &peer);
    if (peer.ran)
        printf("    canonical/raft   %10.0f elections/s  %8.2f us/election\n",
               peer.elections_per_second, 1e6 / peer.elections_per_second);
    else
        printf("    canonical/raft   skipped: %s\n", peer.skip_reason);
}

int bench_core_main(int argc, char **argv)
{
    struct core_options o;
    int rc = core_parse(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
#ifdef __GLIBC__
    /* Keep freed log memory in the heap so warm runs reuse touched pages (see top). */
    mallopt(M_MMAP_THRESHOLD, 512 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
    printf("rast-bench core: %llu entries of 16 bytes, at most 1024 in flight; "
           "CPU time of this thread\n",
           (unsigned long long)o.entry_count);
    static const uint32_t node_counts[] = { 3, 5 };
    static const uint32_t per_calls[] = { 64, 1 };
    for (int a = 0; a < 2; a++) {
        for (int b = 0; b < 2; b++) {
            if ((o.nodes_only == 0 || o.nodes_only == node_counts[a]) &&
                (o.per_call_only == 0 || o.per_call_only == per_calls[b]))
                core_compare(&o, node_counts[a], per_calls[b]);
        }
    }
    core_elections(&o);
    return 0;
}
