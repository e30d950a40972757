/*
 * nemesis.c: the faults that are actions rather than rates. During the fault phase the
 * nemesis wakes after exponentially distributed intervals and picks one enabled action:
 * crash a node, pause a node, partition the network (symmetric, one-way, isolate the leader,
 * majority/minority, bridge, ring; it heals after a drawn time), isolate the leader from its
 * peers but not from its clients (it keeps serving them while a new leader takes over), clog
 * a path, corrupt a durable record, jump a node's clock. Rates (loss, duplication, bit flips, EIO)
 * live in the network and disk models.
 *
 * Fault atlas: unless the run is safety-only, latent corruption touches at most
 * (node_count - 1) / 2 distinct nodes, so a quorum of disks stays intact and the liveness
 * phase can succeed. nemesis_heal_all ends every fault for the liveness phase.
 */
#include "cluster.h"

#include <inttypes.h>

enum nemesis_action {
    NEMESIS_CRASH,
    NEMESIS_PAUSE,
    NEMESIS_PARTITION,
    NEMESIS_CLOG,
    NEMESIS_CORRUPT,
    NEMESIS_CLOCK,
    NEMESIS_ISOLATE,
    NEMESIS_REPLAY,
    NEMESIS_ACTIONS,
};

static const uint32_t nemesis_fault_of[NEMESIS_ACTIONS] = {
    RAST_SIM_FAULT_CRASH,   RAST_SIM_FAULT_PAUSE, RAST_SIM_FAULT_PARTITION, RAST_SIM_FAULT_CLOG,
    RAST_SIM_FAULT_CORRUPT, RAST_SIM_FAULT_CLOCK, RAST_SIM_FAULT_ISOLATE,   RAST_SIM_FAULT_REPLAY,
};

static void nemesis_schedule(struct cluster *c)
{
    uint64_t mean = c->cfg.nemesis_us_mean;
    struct event ev = {.time_us = c->now_us + mean / 4 + entropy_exponential(&c->entropy, mean),
                       .kind = EV_NEMESIS};
    cluster_push(c, &ev);
}

void nemesis_start(struct cluster *c)
{
    for (uint32_t a = 0; a < NEMESIS_ACTIONS; a++) {
        if (c->cfg.faults & nemesis_fault_of[a]) {
            nemesis_schedule(c);
            return;
        }
    }
}

static uint32_t nemesis_random_node(struct cluster *c)
{
    return (uint32_t)entropy_range(&c->entropy, 1, c->cfg.node_count);
}

/* Fisher-Yates over 1..n. */
static void nemesis_permute(struct cluster *c, uint32_t *order)
{
    uint32_t n = c->cfg.node_count;
    for (uint32_t i = 0; i < n; i++)
        order[i] = i + 1;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = (uint32_t)entropy_below(&c->entropy, i);
        uint32_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

static void nemesis_block_sides(struct cluster *c, const bool *side_a, bool one_way,
                                uint32_t bridge)
{
    for (uint32_t f = 1; f <= c->cfg.node_count; f++)
        for (uint32_t t = 1; t <= c->cfg.node_count; t++)
            if (f != t && f != bridge && t != bridge && side_a[f] && !side_a[t]) {
                net_block(&c->net, f, t);
                if (!one_way)
                    net_block(&c->net, t, f);
            }
}

static const char *nemesis_partition_shape(struct cluster *c, uint32_t shape)
{
    uint32_t n = c->cfg.node_count;
    uint32_t order[CLUSTER_NODES_MAX] = {0};
    bool side_a[CLUSTER_NODES_MAX + 1] = {false};
    nemesis_permute(c, order);
    uint32_t split = (uint32_t)entropy_range(&c->entropy, 1, n > 1 ? n - 1 : 1);
    if (shape == 3)
        split = n / 2 + 1; /* majority / minority */
    for (uint32_t i = 0; i < split; i++)
        side_a[order[i]] = true;
    switch (shape) {
    case 0: nemesis_block_sides(c, side_a, false, 0); return "symmetric";
    case 1: nemesis_block_sides(c, side_a, true, 0); return "one-way";
    case 2: {
        uint32_t leader = cluster_leader_guess(c);
        if (leader == 0)
            leader = order[0];
        for (uint32_t id = 1; id <= n; id++)
            side_a[id] = id == leader;
        nemesis_block_sides(c, side_a, false, 0);
        return "isolate-leader";
    }
    case 3: nemesis_block_sides(c, side_a, false, 0); return "majority-minority";
    case 4: nemesis_block_sides(c, side_a, false, order[0]); return "bridge";
    default:
        /* ring: each node hears only its two neighbours in a random cycle */
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < n; j++) {
                uint32_t d = (i + n - j) % n;
                if (i != j && d != 1 && d != n - 1)
                    net_block(&c->net, order[i], order[j]);
            }
        return "ring";
    }
}

static void nemesis_partition(struct cluster *c)
{
    if (c->partitioned || c->cfg.node_count < 2)
        return;
    uint32_t shape = (uint32_t)entropy_below(&c->entropy, 6);
    const char *name = nemesis_partition_shape(c, shape);
    c->partitioned = true;
    c->partition_gen++;
    uint64_t heal_us = entropy_range(&c->entropy, 50000, 5000000);
    struct event ev = {.time_us = c->now_us + heal_us, .kind = EV_HEAL, .a = c->partition_gen};
    cluster_push(c, &ev);
    if (trace_on(&c->trace)) {
        struct rast_sim_probe p = {.what = RAST_SIM_PROBE_SIM, .time_us = c->now_us,
                                   .sim_event = RAST_SIM_EVENT_PARTITION,
                                   .partition_shape = (uint8_t)shape};
        trace_sim_event(&c->trace, &p, c->now_us, "partition %s for %" PRIu64 " us", name,
                        heal_us);
    }
}

/* Isolate the leader, keep its clients (etcd#20418, a deposed leader serving reads): what it
 * sends to its peers from now on is lost (what is already in flight still arrives), and what
 * its peers send it, in flight or not, is held until the heal, then arrives all at once in
 * the order it would have arrived: replies of its old term first, then the news of the new
 * one. Clients reach it throughout (client traffic never crosses a partition), so it keeps
 * taking requests while the majority elects a new leader and commits without it. */
static void nemesis_isolate(struct cluster *c)
{
    if (c->partitioned || c->cfg.node_count < 2)
        return;
    uint32_t leader = cluster_leader_guess(c);
    if (leader == 0)
        return;
    uint64_t heal_us = entropy_range(&c->entropy, 50000, 3000000);
    for (uint32_t id = 1; id <= c->cfg.node_count; id++) {
        if (id == leader)
            continue;
        net_cut(&c->net, leader, id);
        net_hold(&c->net, id, leader, c->now_us + heal_us);
    }
    c->partitioned = true;
    c->partition_gen++;
    struct event ev = { .time_us = c->now_us + heal_us, .kind = EV_HEAL, .a = c->partition_gen };
    cluster_push(c, &ev);
    if (trace_on(&c->trace)) {
        struct rast_sim_probe p = {.what = RAST_SIM_PROBE_SIM, .time_us = c->now_us,
                                   .sim_event = RAST_SIM_EVENT_ISOLATE};
        trace_sim_event(&c->trace, &p, c->now_us,
                        "isolate leader n%" PRIu32 " (clients still reach it) "
                        "for %" PRIu64 " us",
                        leader, heal_us);
    }
}

static void nemesis_corrupt(struct cluster *c)
{
    uint32_t id = nemesis_random_node(c);
    struct sim_node *n = &c->nodes[id];
    if (!c->cfg.safety_only && !n->corrupted_ever &&
        c->corrupted_nodes >= (c->cfg.node_count - 1) / 2)
        return; /* fault atlas: keep a quorum of intact disks */
    if (!disk_corrupt(&c->disks[id], &c->entropy))
        return;
    if (!n->corrupted_ever)
        c->corrupted_nodes++;
    n->corrupted_ever = true;
    if (trace_on(&c->trace)) {
        struct rast_sim_probe p = {.what = RAST_SIM_PROBE_SIM, .time_us = c->now_us,
                                   .sim_event = RAST_SIM_EVENT_CORRUPT};
        trace_sim_event(&c->trace, &p, c->now_us, "corrupt a durable record of n%" PRIu32, id);
    }
}

static void nemesis_clock(struct cluster *c)
{
    uint32_t id = nemesis_random_node(c);
    struct sim_node *n = &c->nodes[id];
    if (!n->up)
        return;
    if (entropy_below(&c->entropy, 2) == 0) {
        uint32_t ticks = (uint32_t)entropy_range(&c->entropy, 1, 30);
        for (uint32_t k = 0; k < ticks; k++) {
            struct event ev = {.time_us = c->now_us, .kind = EV_TICK, .node = (uint8_t)id,
                               .epoch = n->epoch, .a = 1};
            cluster_push(c, &ev);
        }
        if (trace_on(&c->trace)) {
            struct rast_sim_probe p = {.what = RAST_SIM_PROBE_CLOCK, .time_us = c->now_us,
                                       .node = id, .clock_jump = true};
            trace_sim_event(&c->trace, &p, c->now_us,
                            "clock of n%" PRIu32 " jumps %" PRIu32 " ticks", id, ticks);
        }
    } else {
        n->stall_until_us = c->now_us + entropy_range(&c->entropy, 10000, 1000000);
        if (trace_on(&c->trace)) {
            struct rast_sim_probe p = {.what = RAST_SIM_PROBE_CLOCK, .time_us = c->now_us,
                                       .node = id, .clock_jump = false};
            trace_sim_event(&c->trace, &p, c->now_us, "clock of n%" PRIu32 " stalls", id);
        }
    }
}

static void nemesis_do(struct cluster *c, uint32_t action)
{
    uint32_t id = nemesis_random_node(c);
    switch (action) {
    case NEMESIS_CRASH: cluster_crash_node(c, id, "nemesis"); break;
    case NEMESIS_PAUSE:
        if (c->nodes[id].up && c->nodes[id].paused_until_us <= c->now_us) {
            c->nodes[id].paused_until_us = c->now_us + entropy_range(&c->entropy, 10000, 2000000);
            struct event ev = {.time_us = c->nodes[id].paused_until_us, .kind = EV_RESUME,
                               .node = (uint8_t)id, .epoch = c->nodes[id].epoch};
            cluster_push(c, &ev);
            if (trace_on(&c->trace)) {
                struct rast_sim_probe p = {.what = RAST_SIM_PROBE_PAUSE, .time_us = c->now_us,
                                           .node = id};
                trace_sim_event(&c->trace, &p, c->now_us, "pause n%" PRIu32, id);
            }
        }
        break;
    case NEMESIS_PARTITION: nemesis_partition(c); break;
    case NEMESIS_CLOG: {
        uint32_t to = nemesis_random_node(c);
        uint64_t until = c->now_us + entropy_range(&c->entropy, 10000, 2000000);
        if (to != id) {
            net_clog(&c->net, id, to, until);
            if (trace_on(&c->trace)) {
                struct rast_sim_probe p = {.what = RAST_SIM_PROBE_SIM, .time_us = c->now_us,
                                           .sim_event = RAST_SIM_EVENT_CLOG};
                trace_sim_event(&c->trace, &p, c->now_us, "clog n%" PRIu32 "->n%" PRIu32, id,
                                to);
            }
        }
        break;
    }
    case NEMESIS_CORRUPT: nemesis_corrupt(c); break;
    case NEMESIS_ISOLATE: nemesis_isolate(c); break;
    case NEMESIS_REPLAY: {
        /* stale messages burst in, at the leader half the time */
        uint32_t leader = cluster_leader_guess(c);
        cluster_replay_stale(c, leader != 0 && entropy_below(&c->entropy, 2) == 0 ? leader : id);
        break;
    }
    default: nemesis_clock(c); break;
    }
}

void nemesis_act(struct cluster *c)
{
    if (c->phase != PHASE_FAULT)
        return;
    uint32_t enabled[NEMESIS_ACTIONS];
    uint32_t count = 0;
    for (uint32_t a = 0; a < NEMESIS_ACTIONS; a++)
        if (c->cfg.faults & nemesis_fault_of[a])
            enabled[count++] = a;
    if (count == 0)
        return;
    nemesis_do(c, enabled[entropy_below(&c->entropy, count)]);
    nemesis_schedule(c);
}

void nemesis_heal_all(struct cluster *c)
{
    net_heal(&c->net);
    c->partitioned = false;
    for (uint32_t f = 0; f <= CLUSTER_NODES_MAX; f++)
        for (uint32_t t = 0; t <= CLUSTER_NODES_MAX; t++)
            c->net.clog_until_us[f][t] = 0;
    c->net.cfg.loss_ppm = 0;
    c->net.cfg.dup_ppm = 0;
    c->net.cfg.bitflip_ppm = 0;
    c->net.cfg.replay_ppm = 0;
    c->net.cfg.path_capacity = NET_PATH_CAPACITY_MAX;
    for (uint32_t id = 1; id <= c->cfg.node_count; id++) {
        struct sim_node *n = &c->nodes[id];
        n->stall_until_us = 0;
        if (n->paused_until_us > c->now_us)
            n->paused_until_us = c->now_us;
        if (!n->up && !n->needs_repair)
            cluster_boot_node(c, id);
    }
}
