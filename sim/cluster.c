/*
 * cluster.c: the event loop of one run, the simulator's implementation of host_io (network
 * and disk), and the life of nodes: boot from disk, crash, fail-stop (see cluster.h).
 *
 * Every event is dropped when it belongs to an older incarnation of its node (epoch), and
 * deferred to the end of a pause when its node is paused. After every step of a node the
 * invariants run on it; every INV_SCAN_EVENTS events the logs are compared across nodes.
 */
#include "cluster.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "swarm.h"

void cluster_fail(struct cluster *c, const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_first_failure(&c->crashed, c->crash_kind, sizeof c->crash_kind, c->crash_message,
                      sizeof c->crash_message, kind, fmt, ap);
    va_end(ap);
}

void cluster_push(struct cluster *c, const struct event *ev)
{
    if (!events_push(&c->queue, ev))
        cluster_fail(c, "event_queue_full", "more than %u events pending", CLUSTER_EVENTS_MAX);
}

uint64_t cluster_client_latency_us(struct cluster *c)
{
    return c->cfg.net_latency_us_min + entropy_exponential(&c->entropy, c->cfg.net_latency_us_mean);
}

bool cluster_node_usable(const struct cluster *c, uint32_t id)
{
    return id >= 1 && id <= c->cfg.node_count && c->nodes[id].up;
}

uint32_t cluster_leader_guess(const struct cluster *c)
{
    uint32_t best = 0;
    uint64_t best_term = 0;
    for (uint32_t id = 1; id <= c->cfg.node_count; id++) {
        if (!c->nodes[id].up)
            continue;
        struct rast_status st;
        rast_node_status(c->hosts[id].node, &st);
        if (st.role == RAST_LEADER && st.term >= best_term) {
            best = id;
            best_term = st.term;
        }
    }
    return best;
}

/* A node event for the trace: fields for the probe, text (what) when text is on. A node
 * that is down gets its "down" line. */
static void cluster_trace_event(struct cluster *c, uint32_t id, struct rast_sim_probe *p,
                                const char *what)
{
    if (!c->nodes[id].up) {
        trace_node(&c->trace, c->now_us, id, NULL, "%s", what);
        return;
    }
    p->time_us = c->now_us;
    p->node = id;
    rast_node_status(c->hosts[id].node, &p->status);
    trace_node_event(&c->trace, p, what);
}

static void cluster_trace_node(struct cluster *c, uint32_t id, uint8_t probe_what,
                               const char *what)
{
    if (!trace_on(&c->trace))
        return;
    struct rast_sim_probe p = {.what = probe_what};
    cluster_trace_event(c, id, &p, what);
}

/* ---- host_io: network and disk ------------------------------------------------------ */

static void cluster_io_send(void *ctx, struct host *h, const struct rast_msg *msg,
                            const uint8_t *frame, size_t size)
{
    struct cluster *c = ctx;
    if (msg->type == RAST_MSG_VOTE_RESP && msg->u.vote_resp.granted) {
        /* Figure 2: term and vote are on stable storage before the grant is sent */
        const struct rast_hard_state *hs = &c->disks[h->id].durable_hard_state;
        if (hs->term != msg->term || hs->voted_for != msg->to)
            inv_fail(&c->inv, "vote_durability", "n%" PRIu32 " granted its vote in term %"
                     PRIu64 " to n%" PRIu32 " before it was durable (disk: term %" PRIu64
                     " vote n%" PRIu32 ")", h->id, msg->term, msg->to, hs->term, hs->voted_for);
        inv_on_vote_grant(&c->inv, h->id, msg->to, msg->term);
    }
    if (c->cfg.faults & RAST_SIM_FAULT_REPLAY)
        net_remember(&c->net, h->id, msg->to, msg->type, msg->term, frame, size);
    uint64_t id = net_send(&c->net, h->id, msg->to, frame, size, c->now_us);
    if (id != 0 && c->trace.json_sink != NULL)
        trace_flow(&c->trace, c->now_us, h->id, id, true, msg->type);
}

static uint64_t cluster_disk_latency_us(struct cluster *c, uint32_t id)
{
    uint64_t us = c->cfg.disk_latency_us_min +
                  entropy_exponential(&c->entropy, c->cfg.disk_latency_us_mean);
    return c->nodes[id].slow_disk ? us * 10 : us;
}

/* One EV_DISK_DONE per request, at nondecreasing times: requests complete in order. */
static int cluster_io_persist(void *ctx, struct host *h, const struct rast_persist *p)
{
    struct cluster *c = ctx;
    struct sim_node *n = &c->nodes[h->id];
    int rc = disk_submit(&c->disks[h->id], p);
    if (rc != 0)
        return rc;
    uint64_t at = c->now_us > n->disk_done_at_us ? c->now_us : n->disk_done_at_us;
    at += cluster_disk_latency_us(c, h->id);
    n->disk_done_at_us = at;
    struct event ev = {.time_us = at, .kind = EV_DISK_DONE, .node = (uint8_t)h->id,
                       .epoch = n->epoch};
    cluster_push(c, &ev);
    /* crash at persist: the node dies halfway to this write's completion, after whatever
     * it sent in the same step (a vote, an ack) and before the write is durable */
    if (c->phase == PHASE_FAULT && entropy_chance_ppm(&c->entropy, c->cfg.crash_persist_ppm)) {
        struct event crash = {.time_us = c->now_us + (at - c->now_us) / 2, .kind = EV_CRASH,
                              .node = (uint8_t)h->id, .epoch = n->epoch};
        cluster_push(c, &crash);
    }
    return 0;
}

static void cluster_io_applied(void *ctx, struct host *h, uint64_t index,
                               const struct rast_entry *entry)
{
    struct cluster *c = ctx;
    inv_on_apply(&c->inv, h->id, index, entry);
}

static void cluster_io_role(void *ctx, struct host *h, uint8_t role, uint64_t term,
                            uint32_t leader)
{
    struct cluster *c = ctx;
    const struct rast_hard_state *hs = &c->disks[h->id].durable_hard_state;
    if (role == RAST_LEADER)
        inv_on_leader_votes(&c->inv, h->id, term, c->cfg.node_count,
                            hs->term == term && hs->voted_for == h->id);
    /* replay: half the new leaders get the stale messages of their earlier terms again
     * while their first entries are in flight (replies of a term they led before) */
    if (role == RAST_LEADER && (c->cfg.faults & RAST_SIM_FAULT_REPLAY) && c->phase == PHASE_FAULT &&
        entropy_below(&c->entropy, 2) == 0) {
        struct event ev = { .time_us = c->now_us + entropy_range(&c->entropy, 0, 200000),
                            .kind = EV_REPLAY,
                            .node = (uint8_t)h->id,
                            .epoch = c->nodes[h->id].epoch };
        cluster_push(c, &ev);
    }
    if (!trace_on(&c->trace))
        return;
    char what[96] = "";
    if (trace_text_on(&c->trace))
        snprintf(what, sizeof what, "role %s term %" PRIu64 " leader n%" PRIu32,
                 rast_role_name((enum rast_role)role), term, leader);
    struct rast_sim_probe p = {.what = RAST_SIM_PROBE_ROLE};
    cluster_trace_event(c, h->id, &p, what);
}

/* ---- node life ---------------------------------------------------------------------- */

/* Inline: half of all events are ticks, and each schedules the next one. */
static inline void cluster_schedule_tick(struct cluster *c, uint32_t id, uint64_t at_us)
{
    struct event ev = {.time_us = at_us, .kind = EV_TICK, .node = (uint8_t)id,
                       .epoch = c->nodes[id].epoch};
    cluster_push(c, &ev);
}

void cluster_crash_node(struct cluster *c, uint32_t id, const char *why)
{
    struct sim_node *n = &c->nodes[id];
    if (!n->up)
        return;
    host_stop(&c->hosts[id]);
    bool torn = disk_crash(&c->disks[id], &c->entropy, c->cfg.tear_ppm);
    n->up = false;
    n->epoch++;
    n->paused_until_us = 0;
    n->stall_until_us = 0;
    n->disk_done_at_us = 0;
    n->crashes++;
    if (trace_on(&c->trace)) {
        uint8_t cause = strcmp(why, "nemesis") == 0 ? RAST_SIM_CRASH_NEMESIS
                        : strcmp(why, "EIO") == 0   ? RAST_SIM_CRASH_EIO
                        : strcmp(why, "ENOSPC") == 0 ? RAST_SIM_CRASH_ENOSPC
                                                     : RAST_SIM_CRASH_OTHER;
        struct rast_sim_probe p = {.what = RAST_SIM_PROBE_CRASH, .time_us = c->now_us,
                                   .node = id, .crash_cause = cause, .crash_torn = torn};
        trace_node_down_event(&c->trace, &p, "crash (%s)%s", why, torn ? " torn write" : "");
    }
    /* half the restarts are quick (1-30 ms, a supervisor restarting the process), so a node
     * is back while messages from before its crash are still in flight */
    uint64_t delay = 0;
    if (c->phase != PHASE_FAULT)
        delay = entropy_range(&c->entropy, 0, 100000);
    else if (entropy_below(&c->entropy, 2) == 0)
        delay = entropy_range(&c->entropy, 1000, 30000);
    else
        delay = entropy_range(&c->entropy, 10000, 3000000);
    struct event ev = {.time_us = c->now_us + delay, .kind = EV_RESTART, .node = (uint8_t)id,
                       .epoch = n->epoch};
    cluster_push(c, &ev);
}

static bool cluster_load_disk(struct cluster *c, uint32_t id)
{
    enum disk_load_result r = disk_load(&c->disks[id]);
    if (r == DISK_LOAD_CORRUPT) {
        if (!c->nodes[id].needs_repair)
            c->needs_repair_count++;
        c->nodes[id].needs_repair = true;
        if (trace_on(&c->trace))
            trace_node(&c->trace, c->now_us, id, NULL, "disk corrupt: needs repair, stays down");
        return false;
    }
    if (r == DISK_LOAD_GAP) {
        inv_fail(&c->inv, "disk_gap",
                 "n%" PRIu32 " disk holds an entry past the end of its log", id);
        return false;
    }
    if (r == DISK_LOAD_TORN_TAIL && trace_on(&c->trace))
        trace_node(&c->trace, c->now_us, id, NULL, "disk torn tail dropped");
    return true;
}

void cluster_boot_node(struct cluster *c, uint32_t id)
{
    struct sim_node *n = &c->nodes[id];
    if (n->up || n->needs_repair || !cluster_load_disk(c, id))
        return;
    struct rast_config cfg;
    rast_config_default(&cfg, id, c->cfg.node_count);
    /* The node id is mixed in, so that a boring draw (0: fuzz bytes ran out, or a shrunk or
     * zeroed choice log) still gives every node its own election timeouts: nodes with equal
     * seeds time out in lockstep and split every vote forever. */
    uint64_t seed = entropy_below(&c->entropy, UINT64_MAX) ^ id;
    cfg.random_seed = entropy_splitmix64(&seed);
    cfg.msg_entries_max = c->cfg.msg_entries_max > 0 ? c->cfg.msg_entries_max : 32;
    cfg.msg_bytes_max = 1024;
    if (c->cfg.election_ticks_spread > 0)
        cfg.election_timeout_ticks_max = cfg.election_timeout_ticks_min +
                                         c->cfg.election_ticks_spread;
    int rc = host_start(&c->hosts[id], &cfg, &c->disks[id].restore);
    if (rc != 0) {
        cluster_fail(c, "core_create", "n%" PRIu32 " rast_node_create: %s", id,
                     rast_strerror(rc));
        return;
    }
    n->up = true;
    n->epoch++;
    n->paused_until_us = 0;
    n->stall_until_us = 0;
    n->disk_done_at_us = 0;
    c->restarts++;
    inv_node_started(&c->inv, id);
    cluster_trace_node(c, id, RAST_SIM_PROBE_START, "start from disk");
    cluster_schedule_tick(c, id, c->now_us + entropy_range(&c->entropy, 0, c->cfg.tick_us));
}

/* commit_quorum (§5.3, Figure 2): a leader commits an index only once a majority of the
 * nodes store its entry there durably (the leader's own disk included). The disks' term
 * shadows say what a restart would read; corruption is not subtracted, so the check errs on
 * the lenient side. It turns "an ack was counted that should not have been" (a stale ack,
 * an unpersisted entry) into the direct symptom, before any leader change exposes it. */
__attribute__((noinline)) static void cluster_check_commit_advance(struct cluster *c,
                                                                  uint32_t id)
{
    struct rast_status st;
    rast_node_status(c->hosts[id].node, &st);
    if (st.role != RAST_LEADER)
        return;
    uint64_t index = st.commit_index;
    uint64_t term = rast_node_term_at(c->hosts[id].node, index);
    uint32_t stored = 0;
    for (uint32_t n = 1; n <= c->cfg.node_count; n++)
        stored += disk_durable_term_at(&c->disks[n], index) == term;
    if (stored < c->cfg.node_count / 2 + 1)
        inv_fail(&c->inv, "commit_quorum",
                 "leader n%" PRIu32 " of term %" PRIu64 " committed index %" PRIu64
                 " (term %" PRIu64 ") durable on only %" PRIu32 " of %" PRIu32 " nodes",
                 id, st.term, index, term, stored, c->cfg.node_count);
}

/* The test inline, the check out of line: most steps do not advance the commit index. */
static inline void cluster_check_commit_quorum(struct cluster *c, uint32_t id,
                                               uint64_t commit_before)
{
    if (c->inv.last_commit[id] > commit_before && !c->inv.violated)
        cluster_check_commit_advance(c, id); /* (inv_after_step keeps last_commit) */
}

/* Feeds one input to a live node, then the invariants; fail-stops on a refused persist. */
static void cluster_step(struct cluster *c, uint32_t id, const struct rast_input *in)
{
    struct host *h = &c->hosts[id];
    uint64_t commit_before = c->inv.last_commit[id];
    int rc = host_step(h, in);
    if (rc == RAST_E_NOMEM || (rc != 0 && in->kind != RAST_INPUT_RECV)) {
        cluster_fail(c, "core_error", "n%" PRIu32 " rast_step(kind %u): %s", id,
                     (unsigned)in->kind, rast_strerror(rc));
        return;
    }
    if (h->msgs_encode_failed > 0)
        cluster_fail(c, "encode_failed", "n%" PRIu32 " emitted a message that does not "
                     "encode into %u bytes", id, NET_FRAME_BYTES_MAX);
    inv_after_step(&c->inv, id, h->node);
    cluster_check_commit_quorum(c, id, commit_before);
    if (h->failed)
        cluster_crash_node(c, id, "persist refused: fail-stop");
}

/* ---- events ------------------------------------------------------------------------- */

static bool cluster_defer_if_paused(struct cluster *c, const struct event *ev)
{
    struct sim_node *n = &c->nodes[ev->node];
    if (n->paused_until_us <= c->now_us)
        return false;
    struct event again = *ev;
    again.time_us = n->paused_until_us;
    cluster_push(c, &again);
    return true;
}

static void cluster_on_tick(struct cluster *c, const struct event *ev)
{
    uint32_t id = ev->node;
    struct sim_node *n = &c->nodes[id];
    if (n->stall_until_us > c->now_us) {
        if (ev->a == 0)
            cluster_schedule_tick(c, id, n->stall_until_us);
        return;
    }
    struct rast_input in; /* a tick reads nothing but its kind: no zeroing, half the events */
    in.kind = RAST_INPUT_TICK;
    cluster_step(c, id, &in);
    /* a = 1 marks the extra ticks of a clock jump: they do not start a new tick chain */
    if (n->up && n->epoch == ev->epoch && ev->a == 0)
        cluster_schedule_tick(c, id, c->now_us + n->tick_interval_us);
    if (trace_on(&c->trace)) /* half the events are ticks: no call when tracing is off */
        cluster_trace_node(c, id, RAST_SIM_PROBE_TICK, "tick");
}

/* Intact frames travel unsealed and take the trusted decoder (every check but the
 * checksums); a flipped frame was sealed before its flip and takes the full decoder. */
static int cluster_decode(struct cluster *c, const uint8_t *frame, size_t size, bool flipped,
                          struct rast_msg *msg, size_t *used)
{
    if (flipped)
        return rast_msg_decode(frame, size, msg, c->decode_entries, 1024, used);
    return rast_msg_decode_trusted(frame, size, msg, c->decode_entries, 1024, used);
}

static void cluster_on_deliver(struct cluster *c, const struct event *ev)
{
    uint32_t id = ev->node;
    if (c->nodes[id].up && cluster_defer_if_paused(c, ev))
        return;
    if (net_defer_if_held(&c->net, ev, c->now_us))
        return;
    size_t size = 0;
    const uint8_t *frame = net_arrive(&c->net, ev->a, &size);
    if (frame == NULL)
        return;
    bool flipped = c->net.slots[ev->a].flipped;
    bool replayed = c->net.slots[ev->a].replayed;
    if (!c->nodes[id].up) {
        net_release(&c->net, ev->a);
        return;
    }
    struct rast_input in; /* the decoder zeroes in.u.recv before it fills it */
    in.kind = RAST_INPUT_RECV;
    size_t used = 0;
    int rc = cluster_decode(c, frame, size, flipped, &in.u.recv, &used);
    if (rc != 0 || used != size) {
        if (!flipped)
            inv_fail(&c->inv, "codec_rejected_valid_frame",
                     "n%" PRIu32 " could not decode an intact frame: %s", id, rast_strerror(rc));
        c->codec_rejects++;
        net_release(&c->net, ev->a);
        cluster_trace_node(c, id, RAST_SIM_PROBE_RECV_CORRUPT, "recv corrupt frame: rejected");
        return;
    }
    if (flipped)
        inv_fail(&c->inv, "codec_accepted_corrupt_frame",
                 "n%" PRIu32 " decoded a frame with a flipped bit (msg %" PRIu64 ")", id, ev->b);
    if (trace_on(&c->trace)) {
        trace_flow(&c->trace, c->now_us, id, ev->b, false, in.u.recv.type);
        struct rast_sim_probe p = {.what = RAST_SIM_PROBE_RECV, .msg_type = in.u.recv.type,
                                   .msg_from = in.u.recv.from, .msg_term = in.u.recv.term,
                                   .msg_replayed = replayed};
        char what[96] = "";
        if (trace_text_on(&c->trace))
            snprintf(what, sizeof what, "recv %s from n%" PRIu32 " term %" PRIu64 "%s",
                     rast_msg_type_name(in.u.recv.type), in.u.recv.from, in.u.recv.term,
                     replayed ? " (replayed)" : "");
        cluster_step(c, id, &in);
        net_release(&c->net, ev->a);
        cluster_trace_event(c, id, &p, what);
        return;
    }
    cluster_step(c, id, &in);
    net_release(&c->net, ev->a);
}

static void cluster_on_disk_done(struct cluster *c, const struct event *ev)
{
    uint32_t id = ev->node;
    struct disk *d = &c->disks[id];
    if (d->count == 0)
        return;
    if (entropy_chance_ppm(&c->entropy, c->phase == PHASE_FAULT ? c->cfg.eio_ppm : 0)) {
        cluster_crash_node(c, id, entropy_below(&c->entropy, 2) == 0 ? "EIO" : "ENOSPC");
        return;
    }
    uint64_t token = disk_complete_head(d);
    struct rast_input in = {.kind = RAST_INPUT_PERSISTED};
    in.u.persisted.token = token;
    cluster_step(c, id, &in);
    if (trace_on(&c->trace)) {
        char what[64] = "";
        if (trace_text_on(&c->trace))
            snprintf(what, sizeof what, "persisted token %" PRIu64, token);
        cluster_trace_node(c, id, RAST_SIM_PROBE_PERSISTED, what);
    }
}

void cluster_replay_stale(struct cluster *c, uint32_t id)
{
    if (!cluster_node_usable(c, id))
        return;
    struct rast_status st;
    rast_node_status(c->hosts[id].node, &st);
    uint32_t count = net_replay_stale(&c->net, id, st.term, c->now_us);
    if (trace_on(&c->trace)) {
        struct rast_sim_probe p = {.what = RAST_SIM_PROBE_SIM, .time_us = c->now_us,
                                   .sim_event = RAST_SIM_EVENT_REPLAY};
        trace_sim_event(&c->trace, &p, c->now_us,
                        "replay %" PRIu32 " stale messages to n%" PRIu32
                        " (older than term %" PRIu64 ")",
                        count, id, st.term);
    }
}

static void cluster_on_phase(struct cluster *c)
{
    if (c->phase != PHASE_FAULT)
        return;
    if (trace_on(&c->trace)) {
        struct rast_sim_probe p = {.what = RAST_SIM_PROBE_SIM, .time_us = c->now_us,
                                   .sim_event = RAST_SIM_EVENT_LIVENESS};
        trace_sim_event(&c->trace, &p, c->now_us,
                        "phase liveness: heal, stop faults, restart nodes");
    }
    c->phase = PHASE_LIVENESS;
    nemesis_heal_all(c);
    if (c->cfg.safety_only) {
        c->phase = PHASE_DONE;
        return;
    }
    client_probe_start(c);
    struct event ev = {.time_us = c->now_us + c->cfg.liveness_us_max, .kind = EV_DEADLINE};
    cluster_push(c, &ev);
}

static void cluster_on_deadline(struct cluster *c)
{
    if (c->phase != PHASE_LIVENESS || c->probe_done)
        return;
    uint32_t up = 0;
    for (uint32_t id = 1; id <= c->cfg.node_count; id++)
        up += c->nodes[id].up ? 1u : 0u;
    cluster_fail(c, "liveness",
                 "no write committed within %" PRIu64 " us after healing (%" PRIu32
                 " of %" PRIu32 " nodes up, leader n%" PRIu32 ")",
                 c->cfg.liveness_us_max, up, c->cfg.node_count, cluster_leader_guess(c));
}

static bool cluster_event_is_stale(const struct cluster *c, const struct event *ev)
{
    switch (ev->kind) {
    case EV_TICK:
    case EV_DISK_DONE:
    case EV_RESUME:
    case EV_CRASH:
    case EV_REPLAY: return !c->nodes[ev->node].up || c->nodes[ev->node].epoch != ev->epoch;
    case EV_RESTART:
        return c->nodes[ev->node].up || c->nodes[ev->node].epoch != ev->epoch;
    default:
        return false;
    }
}

static void cluster_dispatch(struct cluster *c, const struct event *ev)
{
    if (cluster_event_is_stale(c, ev))
        return;
    switch (ev->kind) {
    case EV_TICK:
        if (!cluster_defer_if_paused(c, ev))
            cluster_on_tick(c, ev);
        break;
    case EV_DELIVER: cluster_on_deliver(c, ev); break;
    case EV_DISK_DONE:
        if (!cluster_defer_if_paused(c, ev))
            cluster_on_disk_done(c, ev);
        break;
    case EV_CLIENT_ARRIVE: client_arrive(c, ev); break;
    case EV_CLIENT_REPLY: client_reply(c, ev); break;
    case EV_CLIENT_TIMEOUT: client_timeout(c, ev); break;
    case EV_CLIENT_NEXT: client_next(c, ev->a); break;
    case EV_NEMESIS: nemesis_act(c); break;
    case EV_RESTART: cluster_boot_node(c, ev->node); break;
    case EV_CRASH:
        if (c->phase == PHASE_FAULT)
            cluster_crash_node(c, ev->node, "at persist");
        break;
    case EV_RESUME:
        if (c->nodes[ev->node].paused_until_us <= c->now_us)
            cluster_trace_node(c, ev->node, RAST_SIM_PROBE_RESUME, "resume");
        break;
    case EV_HEAL:
        if (ev->a == c->partition_gen && c->partitioned) {
            net_heal(&c->net);
            c->partitioned = false;
            if (trace_on(&c->trace)) {
                struct rast_sim_probe p = {.what = RAST_SIM_PROBE_SIM, .time_us = c->now_us,
                                           .sim_event = RAST_SIM_EVENT_HEAL};
                trace_sim_event(&c->trace, &p, c->now_us, "partition healed");
            }
        }
        break;
    case EV_REPLAY:
        if (c->phase == PHASE_FAULT)
            cluster_replay_stale(c, ev->node);
        break;
    case EV_PHASE: cluster_on_phase(c); break;
    case EV_DEADLINE: cluster_on_deadline(c); break;
    default: break;
    }
}

static void cluster_live_nodes(const struct cluster *c, struct rast_node **nodes)
{
    nodes[0] = NULL;
    for (uint32_t id = 1; id <= CLUSTER_NODES_MAX; id++)
        nodes[id] = id <= c->cfg.node_count && c->nodes[id].up ? c->hosts[id].node : NULL;
}

/* The nodes of a run end with it; their memory stays parked in the hosts for the next
 * run's boots (host_start). Once the hosts have seen the run's node count, a run allocates
 * nothing for its nodes and frees nothing, so a caller that counts mallocs and frees per run,
 * as libFuzzer does under a sanitizer, sees them balance instead of re-running the input to
 * look for a leak. Nothing reads a node after the end checks; the sim_node records stay. */
static void cluster_stop_nodes(struct cluster *c)
{
    for (uint32_t id = 1; id <= CLUSTER_NODES_MAX; id++)
        host_stop(&c->hosts[id]);
}

static uint64_t cluster_tick_interval_us(const struct cluster *c, uint32_t id)
{
    int64_t tick = (int64_t)c->cfg.tick_us;
    int64_t us = tick + tick * c->nodes[id].drift_ppm / 1000000;
    return us < 1 ? 1 : (uint64_t)us;
}

static void cluster_begin(struct cluster *c, const struct rast_sim_config *cfg)
{
    c->cfg = *cfg;
    c->now_us = 0;
    c->phase = PHASE_FAULT;
    c->events = 0;
    c->ops_issued = 0;
    c->value_next = 1;
    c->partition_gen = 0;
    c->partitioned = false;
    c->probe_done = false;
    c->crashed = false;
    c->crash_kind[0] = 0;
    c->crash_message[0] = 0;
    c->restarts = 0;
    c->needs_repair_count = 0;
    c->codec_rejects = 0;
    c->corrupted_nodes = 0;
    events_clear(&c->queue);
    struct net_config nc = { .latency_us_min = cfg->net_latency_us_min,
                             .latency_us_mean = cfg->net_latency_us_mean,
                             .loss_ppm = cfg->loss_ppm,
                             .dup_ppm = cfg->dup_ppm,
                             .bitflip_ppm = cfg->bitflip_ppm,
                             .path_capacity = cfg->path_capacity,
                             .replay_ppm = cfg->replay_ppm,
                             .replay_us_min = SWARM_REPLAY_US_MIN,
                             .replay_us_max = cfg->replay_us_max };
    net_reset(&c->net, &nc, &c->queue, &c->entropy);
    history_clear(&c->history);
    inv_reset(&c->inv);
    memset(c->clients, 0, sizeof c->clients);
    for (uint32_t id = 1; id <= CLUSTER_NODES_MAX; id++) {
        host_stop(&c->hosts[id]);
        c->hosts[id].msgs_encode_failed = 0;
        disk_reset(&c->disks[id]);
        memset(&c->nodes[id], 0, sizeof c->nodes[id]);
    }
    for (uint32_t id = 1; id <= cfg->node_count; id++) {
        struct sim_node *n = &c->nodes[id];
        int64_t span = (int64_t)cfg->drift_ppm_max;
        n->drift_ppm = (int64_t)entropy_below(&c->entropy, (uint64_t)(2 * span + 1)) - span;
        n->tick_interval_us = cluster_tick_interval_us(c, id);
        n->slow_disk = (cfg->faults & RAST_SIM_FAULT_SLOW_DISK) != 0 &&
                       entropy_below(&c->entropy, 3) == 2;
    }
}

/* The run's budgets, checked when c->events reaches c->budget_check_at: the event budget,
 * and the limit on events after the entropy input ran out (struct rast_sim_options,
 * events_after_input_max). Without that limit the check comes only at the event budget, so a
 * seeded run pays one compare per event, as it did before the limit existed; with it, every
 * event until the input runs out, then at the end of the tail. */
static void cluster_check_budgets(struct cluster *c)
{
    if (c->events >= c->events_max) {
        cluster_fail(c, "liveness", "event budget of %" PRIu64 " events exhausted",
                     c->events_max);
        return;
    }
    if (c->input_spent_at == 0) {
        if (!entropy_spent(&c->entropy)) {
            c->budget_check_at = c->events + 1;
            return;
        }
        c->input_spent_at = c->events;
    }
    uint64_t tail_end = c->events_after_input_max > UINT64_MAX - c->input_spent_at
                            ? UINT64_MAX /* any limit past the budget is no limit */
                            : c->input_spent_at + c->events_after_input_max;
    if (c->events >= tail_end) {
        cluster_fail(c, "liveness",
                     "event budget: %" PRIu64 " events after the input ran out (at event %" PRIu64
                     ")", c->events_after_input_max, c->input_spent_at);
        return;
    }
    c->budget_check_at = tail_end < c->events_max ? tail_end : c->events_max;
}

void cluster_run(struct cluster *c, const struct rast_sim_config *cfg, uint64_t events_max,
                 uint64_t events_after_input_max)
{
    cluster_begin(c, cfg);
    c->events_max = events_max;
    c->events_after_input_max = events_after_input_max;
    c->input_spent_at = 0;
    c->budget_check_at = events_after_input_max != 0 ? 1 : events_max;
    for (uint32_t id = 1; id <= cfg->node_count; id++)
        cluster_boot_node(c, id);
    client_start(c);
    nemesis_start(c);
    struct event phase = {.time_us = cfg->run_us_max, .kind = EV_PHASE};
    cluster_push(c, &phase);
    struct rast_node *nodes[CLUSTER_NODES_MAX + 1];
    struct event ev;
    while (c->phase != PHASE_DONE && !c->inv.violated && !c->crashed &&
           events_pop(&c->queue, &ev)) {
        c->now_us = ev.time_us;
        c->events++;
        cluster_dispatch(c, &ev);
        if ((c->events % INV_SCAN_EVENTS) == 0) {
            cluster_live_nodes(c, nodes);
            inv_scan(&c->inv, nodes, cfg->node_count);
        }
        if (c->events >= c->budget_check_at)
            cluster_check_budgets(c);
    }
    cluster_live_nodes(c, nodes);
    if (!c->inv.violated && !c->crashed)
        inv_final(&c->inv, nodes, cfg->node_count);
    cluster_stop_nodes(c);
}

bool cluster_init(struct cluster *c)
{
    memset(c, 0, sizeof *c);
    if (!events_init(&c->queue, CLUSTER_EVENTS_MAX) || !net_init(&c->net) ||
        !history_init(&c->history) || !inv_init(&c->inv) || !trace_init(&c->trace)) {
        cluster_free(c);
        return false;
    }
    /* Frames travel unsealed: the network seals a frame before it flips a bit of it, and
     * only flipped frames go through the checksums at delivery. */
    struct host_io io = { .ctx = c,
                          .frames_unsealed = true,
                          .send = cluster_io_send,
                          .persist = cluster_io_persist,
                          .reply = client_host_reply,
                          .applied = cluster_io_applied,
                          .role = cluster_io_role };
    for (uint32_t id = 0; id <= CLUSTER_NODES_MAX; id++) {
        disk_init(&c->disks[id]);
        host_init(&c->hosts[id], id, &io);
    }
    return true;
}

void cluster_free(struct cluster *c)
{
    for (uint32_t id = 0; id <= CLUSTER_NODES_MAX; id++) {
        host_free(&c->hosts[id]);
        disk_free(&c->disks[id]);
    }
    events_free(&c->queue);
    net_free(&c->net);
    history_free(&c->history);
    inv_free(&c->inv);
    trace_free(&c->trace);
    entropy_free(&c->entropy);
}

void cluster_host_client(struct cluster *c, uint32_t id, const struct kv_op *op)
{
    struct host *h = &c->hosts[id];
    uint64_t commit_before = c->inv.last_commit[id];
    int rc = host_client(h, op);
    if (rc != 0) {
        cluster_fail(c, "core_error", "n%" PRIu32 " rast_step(client %s): %s", id,
                     kv_op_name(op->type), rast_strerror(rc));
        return;
    }
    inv_after_step(&c->inv, id, h->node);
    cluster_check_commit_quorum(c, id, commit_before);
    if (h->failed)
        cluster_crash_node(c, id, "persist refused: fail-stop");
}
