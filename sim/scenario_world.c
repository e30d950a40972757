/*
 * scenario_world.c: the world a scenario drives (see scenario.h).
 *
 * Nodes are the simulator's hosts (host.c: a librast node plus its KV store) on the
 * simulator's crash-simulating disks (disk.c), checked by the simulator's invariants
 * (invariants.c) after every step, exactly as in a seeded run. What differs is the schedule:
 * nothing here is random. Messages wait in one queue in the order they were sent; settling
 * completes every disk write that is not held and delivers every queued message in that
 * order, again and again until nothing moves (bounded by SCN_SETTLE_EVENTS_MAX events).
 *
 * Link faults act when a message is sent: a blocked link (partition, block) drops it, and so
 * does a drop rule; a delay rule holds it for some tick rounds; a dup rule queues extra
 * copies. A blocked link also drops a message when it would be delivered (as in the seeded
 * simulator). A message to a paused node waits; one to a crashed node is lost.
 *
 * Invariants: msgs[0..msg_count) are in send order; every queued message owns one frame
 * slot; a node is stepped only while up; the first invariant violation is printed once.
 */
#include "scenario.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entropy.h"

void scn_world_fail(struct scn_world *w, const char *fmt, ...)
{
    if (w->crashed)
        return;
    w->crashed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->crash, sizeof w->crash, fmt, ap);
    va_end(ap);
    scn_outf(w->out, "crash: %s", w->crash);
}

bool scn_node_running(const struct scn_world *w, uint32_t id)
{
    return id >= 1 && id <= w->n && w->nodes[id].up && !w->nodes[id].paused;
}

/* The leader the cluster follows: a running leader of term T such that a quorum of the
 * cluster's nodes are running with a term <= T (nobody in that quorum has moved past it);
 * the highest such term wins. A deposed leader on the minority side of a partition, still
 * in its old term, does not count once a quorum has moved on. */
uint32_t scn_leader(const struct scn_world *w, uint64_t *term_out)
{
    uint64_t terms[SCN_NODES_MAX + 1] = {0}, top = 0, best_term = 0;
    uint32_t best = 0;
    for (uint32_t id = 1; id <= w->n; id++) {
        struct rast_status st;
        if (!scn_node_running(w, id))
            continue;
        rast_node_status(w->hosts[id].node, &st);
        terms[id] = st.term;
        top = st.term > top ? st.term : top;
    }
    for (uint32_t id = 1; id <= w->n; id++) {
        struct rast_status st;
        if (!scn_node_running(w, id))
            continue;
        rast_node_status(w->hosts[id].node, &st);
        uint32_t behind = 0;
        for (uint32_t j = 1; j <= w->n; j++)
            behind += scn_node_running(w, j) && terms[j] <= st.term ? 1u : 0u;
        if (st.role == RAST_LEADER && behind >= w->n / 2 + 1 && st.term >= best_term) {
            best = id;
            best_term = st.term;
        }
    }
    if (term_out != NULL)
        *term_out = best != 0 ? best_term : top;
    return best;
}

/* ---- host_io ------------------------------------------------------------------------ */

static bool scn_rule_matches(const struct scn_rule *r, uint32_t from, uint32_t to, uint8_t type)
{
    return (r->from == 0 || r->from == from) && (r->to == 0 || r->to == to) &&
           (r->type == 0 || r->type == type);
}

static void scn_enqueue(struct scn_world *w, uint32_t from, uint32_t to, uint8_t type,
                        const uint8_t *frame, size_t size, uint64_t release_round)
{
    if (w->free_count == 0 || w->msg_count == SCN_MSGS_MAX || size > NET_FRAME_BYTES_MAX) {
        if (w->msgs_dropped_full++ == 0)
            scn_outf(w->out, "network: queue full (%u messages): dropping", SCN_MSGS_MAX);
        return;
    }
    uint32_t slot = w->free_slots[--w->free_count];
    memcpy(w->frames + (size_t)slot * NET_FRAME_BYTES_MAX, frame, size);
    w->msgs[w->msg_count++] = (struct scn_msg){.seq = ++w->msg_seq,
                                               .release_round = release_round, .slot = slot,
                                               .size = (uint32_t)size, .from = (uint8_t)from,
                                               .to = (uint8_t)to, .type = type};
}

static void scn_io_send(void *ctx, struct host *h, const struct rast_msg *msg,
                        const uint8_t *frame, size_t size)
{
    struct scn_world *w = ctx;
    uint32_t from = h->id, to = msg->to;
    if (to < 1 || to > w->n || w->blocked[from][to])
        return;
    uint64_t release = w->round;
    uint32_t copies = 0;
    for (uint32_t i = 0; i < w->rule_count; i++) {
        struct scn_rule *r = &w->rules[i];
        uint8_t action = r->action;
        if (action == 0 || !scn_rule_matches(r, from, to, msg->type))
            continue;
        if (r->count > 0 && --r->count == 0)
            r->action = 0; /* used up after this message */
        if (action == SCN_DROP)
            return;
        if (action == SCN_DELAY && w->round + r->ticks > release)
            release = w->round + r->ticks;
        if (action == SCN_DUP)
            copies += r->copies;
    }
    for (uint32_t k = 0; k <= copies; k++)
        scn_enqueue(w, from, to, msg->type, frame, size, release);
}

static int scn_io_persist(void *ctx, struct host *h, const struct rast_persist *p)
{
    struct scn_world *w = ctx;
    if (w->nodes[h->id].disk_full)
        return RAST_E_TOO_BIG; /* ENOSPC: the host fail-stops */
    return disk_submit(&w->disks[h->id], p);
}

static void scn_io_reply(void *ctx, struct host *h, uint32_t client, uint32_t request,
                         uint8_t status, uint64_t value, uint64_t index)
{
    scn_on_reply(ctx, h->id, client, request, status, value, index);
}

static void scn_io_applied(void *ctx, struct host *h, uint64_t index,
                           const struct rast_entry *entry)
{
    struct scn_world *w = ctx;
    inv_on_apply(&w->inv, h->id, index, entry);
}

static const char *scn_role_word(uint8_t role)
{
    return role == RAST_LEADER ? "leader" : role == RAST_CANDIDATE ? "candidate" : "follower";
}

/* Role events: every change of role, and every new campaign. */
static void scn_io_role(void *ctx, struct host *h, uint8_t role, uint64_t term, uint32_t leader)
{
    struct scn_world *w = ctx;
    struct scn_node *n = &w->nodes[h->id];
    (void)leader;
    if (role != n->role || role == RAST_CANDIDATE)
        scn_outf(w->out, "n%" PRIu32 ": %s -> %s term %" PRIu64, h->id, scn_role_word(n->role),
                 scn_role_word(role), term);
    n->role = role;
}

/* ---- stepping ----------------------------------------------------------------------- */

void scn_after_step(struct scn_world *w, uint32_t id)
{
    w->events++;
    if (w->inv.violated && !w->violation_reported) {
        w->violation_reported = true;
        scn_outf(w->out, "violation %s: %s", w->inv.kind, w->inv.message);
    }
    struct host *h = &w->hosts[id];
    if (h->msgs_encode_failed > 0)
        scn_world_fail(w, "n%" PRIu32 " emitted a message that does not encode", id);
    if (h->failed && w->nodes[id].up)
        scn_crash_node(w, id, SCN_TEAR_NONE, 0, "ENOSPC, fail-stop");
}

void scn_step(struct scn_world *w, uint32_t id, const struct rast_input *in)
{
    struct host *h = &w->hosts[id];
    if (w->crashed || h->node == NULL)
        return;
    int rc = host_step(h, in);
    if (rc == RAST_E_NOMEM || (rc != 0 && in->kind != RAST_INPUT_RECV)) {
        scn_world_fail(w, "n%" PRIu32 " rast_step(input %u): %s", id, (unsigned)in->kind,
                       rast_strerror(rc));
        return;
    }
    inv_after_step(&w->inv, id, h->node);
    scn_after_step(w, id);
}

/* ---- node life ---------------------------------------------------------------------- */

static void scn_config(const struct scn_world *w, uint32_t id, struct rast_config *cfg)
{
    rast_config_default(cfg, id, w->n);
    cfg->election_timeout_ticks_min = w->opts.election_min;
    cfg->election_timeout_ticks_max = w->opts.election_max;
    cfg->heartbeat_interval_ticks = w->opts.heartbeat;
    cfg->msg_entries_max = w->opts.msg_entries;
    cfg->msg_bytes_max = w->opts.msg_bytes;
    cfg->inflight_msgs_max = w->opts.inflight;
    cfg->inflight_bytes_max = w->opts.inflight_bytes;
    uint64_t x = (w->opts.seed_set ? w->opts.seed : 0) ^ ((uint64_t)id << 32) ^
                 w->nodes[id].boots;
    cfg->random_seed = entropy_splitmix64(&x);
}

static void scn_boot(struct scn_world *w, uint32_t id, bool print)
{
    struct scn_node *n = &w->nodes[id];
    enum disk_load_result r = disk_load(&w->disks[id]);
    if (r == DISK_LOAD_CORRUPT || r == DISK_LOAD_GAP) {
        n->needs_repair = r == DISK_LOAD_CORRUPT;
        if (r == DISK_LOAD_GAP)
            inv_fail(&w->inv, "disk_gap", "n%" PRIu32 " disk holds an entry past its log", id);
        scn_outf(w->out, "n%" PRIu32 " cannot start: %s", id,
                 r == DISK_LOAD_GAP ? "disk gap" : "disk corrupt (needs repair)");
        scn_after_step(w, id);
        return;
    }
    struct rast_config cfg;
    scn_config(w, id, &cfg);
    int rc = host_start(&w->hosts[id], &cfg, &w->disks[id].restore);
    if (rc != 0) {
        scn_world_fail(w, "n%" PRIu32 " rast_node_create: %s", id, rast_strerror(rc));
        return;
    }
    n->up = true;
    n->paused = false;
    n->boots++;
    n->drift_acc = 0;
    n->role = RAST_FOLLOWER;
    inv_node_started(&w->inv, id);
    if (!print)
        return;
    const struct rast_restore *rs = &w->disks[id].restore;
    char vote[16] = "-";
    if (rs->hard_state.voted_for != 0)
        snprintf(vote, sizeof vote, "n%" PRIu32, rs->hard_state.voted_for);
    scn_outf(w->out, "n%" PRIu32 " restarted: term=%" PRIu64 " vote=%s entries=%" PRIu64 "%s", id,
             rs->hard_state.term, vote, rs->entry_count,
             r == DISK_LOAD_TORN_TAIL ? " (torn tail dropped)" : "");
}

void scn_restart_node(struct scn_world *w, uint32_t id)
{
    if (w->nodes[id].up) {
        scn_outf(w->out, "n%" PRIu32 " is already up", id);
        return;
    }
    if (w->nodes[id].needs_repair) {
        scn_outf(w->out, "n%" PRIu32 " cannot start: disk corrupt (needs repair)", id);
        return;
    }
    scn_boot(w, id, true);
}

static size_t scn_leb128(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = (uint8_t)(v & 0x7f);
        v >>= 7;
        out[n++] = (uint8_t)(b | (v != 0 ? 0x80 : 0));
    } while (v != 0);
    return n;
}

/* The choices that make disk_crash tear the write in flight as asked: a replayed choice log
 * (always tear; prefix or garbage; its length; the garbage bytes). */
static bool scn_disk_crash(struct scn_world *w, uint32_t id, uint8_t tear, uint64_t bytes,
                           size_t *kept)
{
    struct disk *d = &w->disks[id];
    uint8_t log[256];
    size_t n = 0;
    size_t head_size = d->count > 0 ? d->requests[d->head].size : 0;
    *kept = 0;
    if (tear == SCN_TEAR_PREFIX && head_size > 0) {
        uint64_t prefix = bytes < head_size ? bytes : head_size - 1;
        n += scn_leb128(log + n, 0);
        n += scn_leb128(log + n, 0);
        n += scn_leb128(log + n, prefix == 0 ? head_size - 1 : prefix - 1);
        *kept = (size_t)prefix;
    } else if (tear == SCN_TEAR_GARBAGE && d->count > 0) {
        n += scn_leb128(log + n, 0);
        n += scn_leb128(log + n, 1);
        n += scn_leb128(log + n, bytes - 1);
        for (uint64_t i = 0; i < bytes; i++)
            n += scn_leb128(log + n, (0xa5u + 37u * (uint32_t)i) & 0xffu);
        *kept = (size_t)bytes;
    }
    struct entropy e;
    memset(&e, 0, sizeof e);
    entropy_init_replay(&e, log, n);
    bool torn = disk_crash(d, &e, n > 0 ? 1000000u : 0u);
    entropy_free(&e);
    return torn;
}

void scn_crash_node(struct scn_world *w, uint32_t id, uint8_t tear, uint64_t bytes,
                    const char *why)
{
    struct scn_node *n = &w->nodes[id];
    if (!n->up) {
        scn_outf(w->out, "n%" PRIu32 " is already down", id);
        return;
    }
    uint32_t lost = w->disks[id].count;
    host_stop(&w->hosts[id]);
    size_t kept = 0;
    bool torn = scn_disk_crash(w, id, tear, bytes, &kept);
    n->up = false;
    n->paused = false;
    n->role = 0;
    char torn_text[80] = "";
    if (torn)
        snprintf(torn_text, sizeof torn_text, tear == SCN_TEAR_GARBAGE
                     ? ", the write in flight torn (%zu bytes of garbage written)"
                     : ", the write in flight torn (only its first %zu bytes written)", kept);
    else if (tear != SCN_TEAR_NONE)
        snprintf(torn_text, sizeof torn_text, ", no write in flight to tear");
    char cause[64] = "";
    if (why != NULL)
        snprintf(cause, sizeof cause, " (%s)", why);
    scn_outf(w->out, "n%" PRIu32 " crashed%s: %" PRIu32 " unsynced write%s lost%s", id, cause,
             lost, lost == 1 ? "" : "s", torn_text);
    scn_ops_node_lost(w, id);
}

/* ---- time, disks, messages ---------------------------------------------------------- */
/* Latent corruption, made deterministic: the lowest bit of the first data byte of the first
 * client entry in the durable log that is not its last record (the seeded simulator flips a
 * random bit of such a record). The payload byte keeps the frame's length and kind intact,
 * so only the checksum can tell: a restart must refuse the disk (needs repair). */
void scn_disk_corrupt(struct scn_world *w, uint32_t id)
{
    struct disk *d = &w->disks[id];
    size_t offset = 0;
    while (offset < d->durable_size && offset < d->last_record_offset) {
        struct rast_record rec;
        size_t frame = 0;
        if (rast_record_decode(d->durable + offset, d->durable_size - offset, &rec, &frame) != 0)
            break;
        if (rec.type == RAST_RECORD_ENTRY && rec.entry.size > 0) {
            size_t at = (size_t)(rec.entry.data - d->durable);
            d->durable[at] ^= 1u;
            d->corrupted = true;
            scn_outf(w->out, "n%" PRIu32 " disk: flipped a bit of entry %" PRIu64
                     " (byte %zu of %zu durable bytes)", id, rec.index, at, d->durable_size);
            return;
        }
        offset += frame;
    }
    scn_outf(w->out, "n%" PRIu32 " disk: no entry to corrupt", id);
}


uint32_t scn_disk_sync(struct scn_world *w, uint32_t id, uint32_t count)
{
    uint32_t done = 0;
    while (!w->crashed && scn_node_running(w, id) && w->disks[id].count > 0 &&
           (count == 0 || done < count)) {
        struct rast_input in = {.kind = RAST_INPUT_PERSISTED};
        in.u.persisted.token = disk_complete_head(&w->disks[id]);
        done++;
        scn_step(w, id, &in);
        if (w->verbose)
            scn_outf(w->out, "n%" PRIu32 " persisted token %" PRIu64, id, in.u.persisted.token);
    }
    return done;
}

static void scn_release_slot(struct scn_world *w, uint32_t slot)
{
    w->free_slots[w->free_count++] = slot;
}

/* Delivers queued message i (it is marked consumed; the caller compacts). */
static void scn_deliver_one(struct scn_world *w, uint32_t i, bool print)
{
    struct scn_msg m = w->msgs[i];
    w->msgs[i].slot = UINT32_MAX;
    const uint8_t *frame = w->frames + (size_t)m.slot * NET_FRAME_BYTES_MAX;
    struct rast_input in = {.kind = RAST_INPUT_RECV};
    size_t used = 0;
    int rc = rast_msg_decode(frame, m.size, &in.u.recv, w->decode_entries, 1024, &used);
    if (rc != 0 || used != m.size) {
        inv_fail(&w->inv, "codec_rejected_valid_frame", "n%u could not decode a frame: %s", m.to,
                 rast_strerror(rc));
        scn_after_step(w, m.to);
        scn_release_slot(w, m.slot);
        return;
    }
    char fate[48] = "";
    if (!w->nodes[m.to].up)
        snprintf(fate, sizeof fate, " (lost: n%u is down)", m.to);
    else if (w->blocked[m.from][m.to])
        snprintf(fate, sizeof fate, " (lost: link blocked)");
    if (print) {
        char text[256];
        scn_format_msg(text, sizeof text, &in.u.recv);
        scn_outf(w->out, "%s%s", text, fate);
    }
    if (fate[0] == 0)
        scn_step(w, m.to, &in);
    scn_release_slot(w, m.slot);
}

static void scn_compact(struct scn_world *w)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < w->msg_count; i++)
        if (w->msgs[i].slot != UINT32_MAX)
            w->msgs[kept++] = w->msgs[i];
    w->msg_count = kept;
}

static bool scn_deliverable(const struct scn_world *w, const struct scn_msg *m)
{
    return m->slot != UINT32_MAX && m->release_round <= w->round &&
           !(w->nodes[m->to].up && w->nodes[m->to].paused);
}

uint32_t scn_deliver(struct scn_world *w, uint32_t from, uint32_t to, uint32_t type,
                     uint32_t count)
{
    uint32_t end = w->msg_count, done = 0;
    for (uint32_t i = 0; i < end && !w->crashed && (count == 0 || done < count); i++) {
        const struct scn_msg *m = &w->msgs[i];
        if (!scn_deliverable(w, m) || (from != 0 && m->from != from) || (to != 0 && m->to != to) ||
            (type != 0 && m->type != type))
            continue;
        scn_deliver_one(w, i, true);
        done++;
    }
    scn_compact(w);
    return done;
}

/* The whole run's budget: past it, time stops (ticks and settling do nothing). */
static bool scn_out_of_budget(struct scn_world *w)
{
    if (w->budget_out)
        return true;
    if (w->round < w->rounds_max && w->events < SCN_EVENTS_RUN_MAX)
        return false;
    w->budget_out = true;
    scn_outf(w->out, "budget: %s used up", w->round >= w->rounds_max ? "tick rounds" : "events");
    return true;
}

void scn_settle(struct scn_world *w)
{
    uint64_t start = w->events;
    bool moved = true;
    while (moved && !w->crashed && !scn_out_of_budget(w)) {
        moved = false;
        for (uint32_t id = 1; id <= w->n; id++)
            if (!w->nodes[id].disk_hold && scn_disk_sync(w, id, 0) > 0)
                moved = true;
        uint32_t end = w->msg_count;
        for (uint32_t i = 0; i < end && !w->crashed; i++) {
            if (scn_deliverable(w, &w->msgs[i])) {
                scn_deliver_one(w, i, w->verbose);
                moved = true;
            }
        }
        scn_compact(w);
        if (moved && w->events - start > SCN_SETTLE_EVENTS_MAX) {
            scn_outf(w->out, "settle: still busy after %u events", SCN_SETTLE_EVENTS_MAX);
            break;
        }
    }
}

void scn_maybe_settle(struct scn_world *w)
{
    if (!w->manual)
        scn_settle(w);
}

void scn_tick_round(struct scn_world *w, uint32_t mask)
{
    if (scn_out_of_budget(w))
        return;
    w->round++;
    for (uint32_t id = 1; id <= w->n; id++) {
        struct scn_node *n = &w->nodes[id];
        if (n->up && n->paused && n->resume_round != 0 && w->round >= n->resume_round) {
            n->paused = false;
            scn_outf(w->out, "n%" PRIu32 " resumed", id);
        }
    }
    for (uint32_t id = 1; id <= w->n && !w->crashed; id++) {
        struct scn_node *n = &w->nodes[id];
        if ((mask != 0 && (mask & (1u << id)) == 0) || !scn_node_running(w, id))
            continue;
        n->drift_acc += (uint32_t)(100 + n->drift_pct);
        while (n->drift_acc >= 100 && scn_node_running(w, id) && !w->crashed) {
            n->drift_acc -= 100;
            struct rast_input in = {.kind = RAST_INPUT_TICK};
            scn_step(w, id, &in);
        }
    }
    scn_maybe_settle(w);
}

void scn_add_rule(struct scn_world *w, const struct scn_rule *r)
{
    if (w->rule_count == SCN_RULES_MAX) {
        scn_outf(w->out, "too many message rules (at most %u; heal clears them)", SCN_RULES_MAX);
        return;
    }
    w->rules[w->rule_count++] = *r;
}

void scn_heal(struct scn_world *w)
{
    memset(w->blocked, 0, sizeof w->blocked);
    w->rule_count = 0;
}

/* ---- life of the world -------------------------------------------------------------- */

bool scn_world_init(struct scn_world *w, const struct rast_scenario *s, struct scn_out *out,
                    uint64_t rounds_max)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->out = out;
    w->rounds_max = rounds_max;
    w->value_next = 1;
    struct host_io io = {.ctx = w, .send = scn_io_send, .persist = scn_io_persist,
                         .reply = scn_io_reply, .applied = scn_io_applied, .role = scn_io_role};
    for (uint32_t id = 0; id <= SCN_NODES_MAX; id++) {
        disk_init(&w->disks[id]);
        host_init(&w->hosts[id], id, &io);
    }
    return inv_init(&w->inv);
}

void scn_world_free(struct scn_world *w)
{
    for (uint32_t id = 0; id <= SCN_NODES_MAX; id++) {
        host_free(&w->hosts[id]);
        disk_free(&w->disks[id]);
    }
    inv_free(&w->inv);
    if (w->history_ready)
        history_free(&w->history);
    free(w->msgs);
    free(w->frames);
    free(w->free_slots);
    free(w->ops);
    free(w->labels);
    free(w->label_sizes);
    memset(w, 0, sizeof *w);
}

bool scn_world_start(struct scn_world *w, const struct scn_cluster_opts *opts)
{
    w->opts = *opts;
    w->msgs = calloc(SCN_MSGS_MAX, sizeof *w->msgs);
    w->frames = malloc((size_t)SCN_MSGS_MAX * NET_FRAME_BYTES_MAX);
    w->free_slots = calloc(SCN_MSGS_MAX, sizeof *w->free_slots);
    w->ops = calloc(SCN_OPS_MAX, sizeof *w->ops);
    w->labels = calloc(HISTORY_OPS_MAX + 1, sizeof *w->labels);
    w->label_sizes = calloc(HISTORY_OPS_MAX + 1, sizeof *w->label_sizes);
    w->history_ready = history_init(&w->history);
    if (w->msgs == NULL || w->frames == NULL || w->free_slots == NULL || w->ops == NULL ||
        w->labels == NULL || w->label_sizes == NULL || !w->history_ready) {
        scn_world_fail(w, "out of memory");
        return false;
    }
    for (uint32_t i = 0; i < SCN_MSGS_MAX; i++)
        w->free_slots[i] = SCN_MSGS_MAX - 1 - i;
    w->free_count = SCN_MSGS_MAX;
    inv_reset(&w->inv);
    w->n = opts->nodes;
    for (uint32_t id = 1; id <= w->n && !w->crashed; id++) {
        disk_reset(&w->disks[id]);
        scn_boot(w, id, false);
    }
    return !w->crashed;
}
