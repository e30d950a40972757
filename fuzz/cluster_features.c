/*
 * cluster_features.c: trace lines -> protocol-state features (see cluster_features.h).
 *
 * Line shapes (docs/sim.md):
 *   t=<us> n<id> <L|F|C> term=<t> commit=<c> applied=<a> <event>
 *   t=<us> n<id> down <event>
 *   t=<us> sim <event>
 * The cursor below never reads past the line; a mismatch leaves the line unparsed.
 */
#include "cluster_features.h"

#include <string.h>

#include "fuzz.h"

/* Feature id bases: each family owns a disjoint range (sizes in the comments). */
enum {
    CF_ROLE = 0,      /* 4 old x 4 new x 4 term step x 3 leaders = 192 */
    CF_LEADERS = 192, /* 8 leaders x 4 spread = 32 */
    CF_COMMIT = 256,  /* 4 x 4 x 2 x 2 x 2 x 2 x 2 = 512 */
    CF_MSG = 768,     /* 7 x 7 x 4 x 3 = 588 */
    CF_EVENT = 1360,  /* 32 events x 2 phases = 64 */
    CF_CLIENT = 1424, /* 4 ops x 4 outcomes x 2 phases = 32 */
    CF_END = 1456,    /* 8 x 8 + 8 x 8 = 128 */
    CF_TOTAL = 1584,
};
_Static_assert(CF_TOTAL <= FUZZ_FEATURES_COUNT, "feature ids fit the counters");

struct cursor {
    const char *p;
    const char *end;
};

static bool cur_lit(struct cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    return true;
}

static bool cur_u64(struct cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    const char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && c->p - start < 20)
        v = v * 10 + (uint64_t)(*c->p++ - '0');
    *out = v;
    return c->p != start;
}

static void cur_skip_word(struct cursor *c)
{
    while (c->p < c->end && *c->p != ' ' && *c->p != '\n')
        c->p++;
    if (c->p < c->end && *c->p == ' ')
        c->p++;
}

/* 0, 1, 2-3, 4-7, ... capped at buckets - 1. */
static uint32_t bucket_log2(uint64_t v, uint32_t buckets)
{
    uint32_t b = 0;
    while (v != 0 && b + 1 < buckets) {
        v >>= 1;
        b++;
    }
    return b;
}

static void hit(uint32_t id)
{
    fuzz_feature_hit(id);
}

static uint32_t cf_leaders(const struct cluster_features *cf, uint64_t *spread)
{
    uint32_t n = 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t id = 1; id < CF_NODES_MAX; id++) {
        if (cf->role[id] != 3)
            continue;
        n++;
        lo = cf->term[id] < lo ? cf->term[id] : lo;
        hi = cf->term[id] > hi ? cf->term[id] : hi;
    }
    *spread = n == 0 ? 0 : hi - lo;
    return n;
}

/* A node's role or term changed (role 0: it went down). */
static void cf_role_change(struct cluster_features *cf, uint32_t id, uint8_t role, uint64_t term)
{
    uint8_t old = cf->role[id];
    uint64_t step = term > cf->term[id] ? term - cf->term[id] : 0;
    cf->role[id] = role;
    cf->term[id] = role == 0 ? cf->term[id] : term;
    cf->term_max = term > cf->term_max ? term : cf->term_max;
    uint64_t spread;
    uint32_t leaders = cf_leaders(cf, &spread);
    hit(CF_ROLE + ((old * 4u + role) * 4u + bucket_log2(step, 4)) * 3u +
        (leaders > 2 ? 2 : leaders));
    if (role == 3 && old != 3) {
        cf->elections++;
        hit(CF_LEADERS + (leaders > 7 ? 7 : leaders) * 4u + bucket_log2(spread, 4));
    }
}

static bool cf_any_down(const struct cluster_features *cf)
{
    for (uint32_t id = 1; id < CF_NODES_MAX; id++)
        if (cf->role[id] == 0 && cf->started[id])
            return true;
    return false;
}

static void cf_commit(struct cluster_features *cf, uint32_t id, uint64_t commit)
{
    if (commit <= cf->commit[id]) {
        cf->commit[id] = commit; /* a restart starts from 0 again: not an advance */
        return;
    }
    uint64_t step = commit - cf->commit[id];
    uint32_t f = cf->role[id];
    f = f * 4u + bucket_log2(step - 1, 4);
    f = f * 2u + (commit > cf->commit_max);
    f = f * 2u + (cf->term[id] < cf->term_max);
    f = f * 2u + cf->liveness_phase;
    f = f * 2u + cf->partitioned;
    f = f * 2u + cf_any_down(cf);
    hit(CF_COMMIT + f);
    cf->commit[id] = commit;
    cf->commit_max = commit > cf->commit_max ? commit : cf->commit_max;
}

static uint8_t cf_msg_type(struct cursor *c)
{
    static const char *const names[] = { "vote_req ",    "vote_resp ",     "append_req ",
                                         "append_resp ", "heartbeat_req ", "heartbeat_resp " };
    for (uint8_t i = 0; i < 6; i++)
        if (cur_lit(c, names[i]))
            return (uint8_t)(i + 1);
    return 0;
}

/* Named events: the first word(s) of the text select one of 32 ids. */
static void cf_event(struct cluster_features *cf, uint32_t ev)
{
    hit(CF_EVENT + ev * 2u + cf->liveness_phase);
}

/* A message of type (1..6) from node from with term, stepped by node to, after the
 * receiver's status was updated. */
static void cf_recv_msg(struct cluster_features *cf, uint32_t to, uint64_t term_before,
                        uint8_t type, uint64_t from, uint64_t term)
{
    if (type == 0 || type >= CF_MSG_TYPES || from == 0 || from >= CF_NODES_MAX)
        return;
    uint8_t prev = cf->link_last[from][to];
    cf->link_last[from][to] = type;
    uint32_t rel = term < term_before ? 0 : term == term_before ? 1 : 2;
    hit(CF_MSG + ((prev * 7u + type) * 4u + cf->role[to]) * 3u + rel);
}

/* "recv <type> from n<id> term <t>". */
static void cf_recv(struct cluster_features *cf, uint32_t to, uint64_t term_before,
                    struct cursor *c)
{
    uint8_t type = cf_msg_type(c);
    uint64_t from = 0, term = 0;
    if (type == 0 || !cur_lit(c, "from n") || !cur_u64(c, &from) || !cur_lit(c, " term ") ||
        !cur_u64(c, &term))
        return;
    cf_recv_msg(cf, to, term_before, type, from, term);
    if (cur_lit(c, " (replayed)"))
        cf_event(cf, 27);
}


/* Node id crashed; cause is the event id of its cause (2 nemesis, 3 EIO, 4 ENOSPC, 5 other). */
static void cf_crash(struct cluster_features *cf, uint32_t id, bool torn, uint32_t cause)
{
    cf->crashes++;
    cf_event(cf, torn ? 1 : 0);
    cf_event(cf, cause);
    if (cf->role[id] != 0)
        cf_role_change(cf, id, 0, cf->term[id]);
    cf->commit[id] = 0;
}

static void cf_node_down(struct cluster_features *cf, uint32_t id, struct cursor *c)
{
    if (cur_lit(c, "crash (")) {
        bool torn = c->end - c->p > 10 && memcmp(c->end - 10, "torn write", 10) == 0;
        cf_crash(cf, id, torn,
                 cur_lit(c, "nemesis")  ? 2
                 : cur_lit(c, "EIO")    ? 3
                 : cur_lit(c, "ENOSPC") ? 4
                                        : 5);
    } else if (cur_lit(c, "disk corrupt")) {
        cf_event(cf, 6);
    } else if (cur_lit(c, "disk torn tail")) {
        cf_event(cf, 7);
    }
}

/* A live node's status after an event; returns its term before the event. */
static uint64_t cf_node_status(struct cluster_features *cf, uint32_t id, uint8_t role,
                               uint64_t term, uint64_t commit)
{
    uint64_t term_before = cf->term[id];
    cf->started[id] = true;
    if (role != cf->role[id] || term != cf->term[id])
        cf_role_change(cf, id, role, term);
    if (commit != cf->commit[id])
        cf_commit(cf, id, commit);
    return term_before;
}

static void cf_node_line(struct cluster_features *cf, uint32_t id, struct cursor *c)
{
    uint8_t role;
    if (cur_lit(c, "down ")) {
        cf_node_down(cf, id, c);
        return;
    }
    if (cur_lit(c, "L "))
        role = 3;
    else if (cur_lit(c, "C "))
        role = 2;
    else if (cur_lit(c, "F "))
        role = 1;
    else
        return;
    uint64_t term = 0, commit = 0, applied = 0;
    if (!cur_lit(c, "term=") || !cur_u64(c, &term) || !cur_lit(c, " commit=") ||
        !cur_u64(c, &commit) || !cur_lit(c, " applied=") || !cur_u64(c, &applied) ||
        !cur_lit(c, " "))
        return;
    uint64_t term_before = cf_node_status(cf, id, role, term, commit);
    if (cur_lit(c, "recv corrupt"))
        cf_event(cf, 8);
    else if (cur_lit(c, "recv "))
        cf_recv(cf, id, term_before, c);
    else if (cur_lit(c, "start from disk"))
        cf_event(cf, 9);
    else if (cur_lit(c, "resume"))
        cf_event(cf, 10);
}

static uint32_t cf_op(struct cursor *c)
{
    if (cur_lit(c, "get "))
        return 0;
    if (cur_lit(c, "put "))
        return 1;
    if (cur_lit(c, "cas "))
        return 2;
    return 3;
}

/* A client operation completed: op 0 get, 1 put, 2 cas, 3 other; outcome 0 ok, 1 fail,
 * 2 info, 3 other. */
static void cf_client_done(struct cluster_features *cf, uint32_t op, uint32_t outcome)
{
    hit(CF_CLIENT + (op * 4u + outcome) * 2u + cf->liveness_phase);
}

/* "c<i> invoke <op> ..." or "c<i> <ok|fail|info|pending> <op> ...". */
static void cf_client(struct cluster_features *cf, struct cursor *c)
{
    cur_skip_word(c);
    uint32_t outcome;
    if (cur_lit(c, "invoke "))
        return;
    if (cur_lit(c, "ok "))
        outcome = 0;
    else if (cur_lit(c, "fail "))
        outcome = 1;
    else if (cur_lit(c, "info "))
        outcome = 2;
    else
        outcome = 3;
    if (outcome == 3)
        cur_skip_word(c);
    cf_client_done(cf, cf_op(c), outcome);
}

/* The event id of a "sim" line, or -1 (client lines are handled here too). */
static int cf_sim_event(struct cluster_features *cf, struct cursor *c)
{
    static const char *const partitions[] = { "symmetric",         "one-way", "isolate-leader",
                                              "majority-minority", "bridge",  "ring" };
    if (c->end - c->p > 1 && c->p[0] == 'c' && c->p[1] >= '0' && c->p[1] <= '9') {
        cf_client(cf, c);
        return -1;
    }
    if (cur_lit(c, "partition healed")) {
        cf->partitioned = false;
        return 11;
    }
    if (cur_lit(c, "partition ")) {
        cf->partitioned = true;
        for (int i = 0; i < 6; i++)
            if (cur_lit(c, partitions[i]))
                return 12 + i;
        return 18;
    }
    if (cur_lit(c, "phase liveness")) {
        cf->partitioned = false;
        cf->liveness_phase = true;
        return 19;
    }
    if (cur_lit(c, "corrupt "))
        return 20;
    if (cur_lit(c, "clock of n")) {
        cur_skip_word(c);
        return cur_lit(c, "jumps") ? 21 : 22;
    }
    if (cur_lit(c, "pause "))
        return 23;
    if (cur_lit(c, "clog "))
        return 24;
    if (cur_lit(c, "isolate leader")) {
        cf->partitioned = true;
        return 25;
    }
    if (cur_lit(c, "replay "))
        return 26;
    return -1;
}

void cluster_features_reset(struct cluster_features *cf)
{
    memset(cf, 0, sizeof *cf);
}

void cluster_features_line(void *ctx, const char *text, size_t size)
{
    struct cluster_features *cf = ctx;
    if (size > 0 && text[size - 1] == '\n')
        size--;
    struct cursor c = { text, text + size };
    uint64_t t = 0, id = 0;
    cf->lines++;
    if (!cur_lit(&c, "t=") || !cur_u64(&c, &t) || !cur_lit(&c, " "))
        return;
    if (cur_lit(&c, "sim ")) {
        int ev = cf_sim_event(cf, &c);
        if (ev >= 0)
            cf_event(cf, (uint32_t)ev);
        return;
    }
    if (cur_lit(&c, "n") && cur_u64(&c, &id) && id >= 1 && id < CF_NODES_MAX && cur_lit(&c, " "))
        cf_node_line(cf, (uint32_t)id, &c);
}

/* The event id of a RAST_SIM_PROBE_SIM event (as cf_sim_event gives it for its line), or -1. */
static int cf_sim_probe(struct cluster_features *cf, const struct rast_sim_probe *p)
{
    switch (p->sim_event) {
    case RAST_SIM_EVENT_HEAL: cf->partitioned = false; return 11;
    case RAST_SIM_EVENT_PARTITION:
        cf->partitioned = true;
        return p->partition_shape < 6 ? 12 + p->partition_shape : 18;
    case RAST_SIM_EVENT_LIVENESS:
        cf->partitioned = false;
        cf->liveness_phase = true;
        return 19;
    case RAST_SIM_EVENT_CORRUPT: return 20;
    case RAST_SIM_EVENT_CLOG: return 24;
    case RAST_SIM_EVENT_ISOLATE: cf->partitioned = true; return 25;
    case RAST_SIM_EVENT_REPLAY: return 26;
    default: return -1;
    }
}

/* The probe's general path: any kind, any change of status. */
static void cf_probe_event(struct cluster_features *cf, const struct rast_sim_probe *p)
{
    if (p->what == RAST_SIM_PROBE_SIM) {
        cf->lines++;
        int ev = cf_sim_probe(cf, p);
        if (ev >= 0)
            cf_event(cf, (uint32_t)ev);
        return;
    }
    if (p->what == RAST_SIM_PROBE_TEXT) {
        cluster_features_line(cf, p->text, p->text_size);
        return;
    }
    if (p->what == RAST_SIM_PROBE_CLIENT) { /* probe: 1 get 2 put 3 cas; 1 ok 2 fail 3 info */
        uint32_t op = p->client_op >= 1 && p->client_op <= 3 ? p->client_op - 1u : 3u;
        uint32_t outcome = p->client_outcome >= 1 ? p->client_outcome - 1u : 3u;
        cf->lines++;
        cf_client_done(cf, op, outcome);
        return;
    }
    if (p->what >= RAST_SIM_PROBE_CRASH && p->what <= RAST_SIM_PROBE_CLOCK) { /* cf_sim_event */
        if (p->node == 0 || p->node >= CF_NODES_MAX)
            return;
        cf->lines++;
        if (p->what == RAST_SIM_PROBE_CRASH) {
            static const uint8_t causes[] = { 5, 2, 3, 4 }; /* enum rast_sim_crash_cause */
            uint32_t cause = p->crash_cause <= RAST_SIM_CRASH_ENOSPC ? causes[p->crash_cause] : 5;
            cf_crash(cf, p->node, p->crash_torn, cause);
        } else if (p->what == RAST_SIM_PROBE_PAUSE) {
            cf_event(cf, 23);
        } else if (p->what == RAST_SIM_PROBE_CLOCK) {
            cf_event(cf, p->clock_jump ? 21 : 22);
        }
        return;
    }
    uint8_t role = p->status.role;
    if (p->node == 0 || p->node >= CF_NODES_MAX || role < RAST_FOLLOWER || role > RAST_LEADER)
        return;
    cf->lines++;
    uint64_t term_before =
        cf_node_status(cf, p->node, role, p->status.term, p->status.commit_index);
    switch (p->what) {
    case RAST_SIM_PROBE_RECV_CORRUPT: cf_event(cf, 8); break;
    case RAST_SIM_PROBE_RECV:
        cf_recv_msg(cf, p->node, term_before, p->msg_type, p->msg_from, p->msg_term);
        if (p->msg_replayed)
            cf_event(cf, 27);
        break;
    case RAST_SIM_PROBE_START: cf_event(cf, 9); break;
    case RAST_SIM_PROBE_RESUME: cf_event(cf, 10); break;
    default: break;
    }
}

/* About nine probed events in ten are a tick, a receive or a completed write of a live node whose role,
 * term and commit index did not change: those are decided here, before any call (the same
 * features as cf_probe_event gives them: no status feature, and a receive's term_before is
 * the unchanged term). A known role implies the node has started. */
void cluster_features_probe(void *ctx, const struct rast_sim_probe *p)
{
    struct cluster_features *cf = ctx;
    uint32_t id = p->node;
    if ((p->what == RAST_SIM_PROBE_TICK || p->what == RAST_SIM_PROBE_RECV ||
         p->what == RAST_SIM_PROBE_PERSISTED) &&
        id != 0 && id < CF_NODES_MAX && p->status.role >= RAST_FOLLOWER &&
        p->status.role <= RAST_LEADER && p->status.role == cf->role[id] &&
        p->status.term == cf->term[id] && p->status.commit_index == cf->commit[id]) {
        cf->lines++;
        if (p->what == RAST_SIM_PROBE_RECV) {
            cf_recv_msg(cf, id, cf->term[id], p->msg_type, p->msg_from, p->msg_term);
            if (p->msg_replayed)
                cf_event(cf, 27);
        }
        return;
    }
    cf_probe_event(cf, p);
}

void cluster_features_end(struct cluster_features *cf)
{
    hit(CF_END + bucket_log2(cf->term_max, 8) * 8u + bucket_log2(cf->commit_max, 8));
    hit(CF_END + 64 + bucket_log2(cf->elections, 8) * 8u + bucket_log2(cf->crashes, 8));
}
