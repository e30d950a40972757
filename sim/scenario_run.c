/*
 * scenario_run.c: runs a parsed scenario command by command against the world
 * (scenario_world.c) and keeps each command's actual output (rast_scenario_run).
 *
 * What a command prints: the events that happened while it ran (role changes, client
 * operations completing, crashes, invariant violations; with `set verbose=on` also every
 * delivered message and disk completion), then its own result line(s). Client operations
 * are numbered op 1, op 2, ... in the order they are issued; every written value is unique
 * inside the world (the label a scenario gives it is only its name), so the history can go
 * to the linearizability checker at `check`.
 */
#include "scenario.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- clients ------------------------------------------------------------------------ */

static uint64_t scn_now(const struct scn_world *w)
{
    return w->events;
}

static void scn_op_finish(struct scn_world *w, struct scn_op *op, uint8_t state,
                          const char *why, uint32_t hint)
{
    op->state = state;
    op->why = why;
    op->hint = hint;
    uint8_t outcome = state == SCN_OP_OK ? HISTORY_OK
                      : state == SCN_OP_FAILED ? HISTORY_FAIL : HISTORY_INFO;
    if (op->history_id != UINT32_MAX)
        history_complete(&w->history, op->history_id, scn_now(w), outcome,
                         op->type == KV_GET ? op->value : 0);
    scn_print_op(w, op);
}

void scn_on_reply(struct scn_world *w, uint32_t node, uint32_t client, uint32_t request,
                  uint8_t status, uint64_t value, uint64_t index)
{
    for (uint32_t i = w->op_count; i > 0; i--) {
        struct scn_op *op = &w->ops[i - 1];
        if (op->state != SCN_OP_PENDING || op->client != client || op->request != request)
            continue;
        switch (status) {
        case HOST_REPLY_OK:
            op->index = index;
            if (op->type == KV_GET)
                op->value = value;
            else
                inv_on_ack(&w->inv, index, rast_node_term_at(w->hosts[node].node, index));
            scn_op_finish(w, op, SCN_OP_OK, NULL, 0);
            break;
        case HOST_REPLY_NOT_LEADER:
            scn_op_finish(w, op, SCN_OP_FAILED, "not leader", (uint32_t)value);
            break;
        case HOST_REPLY_UNKNOWN: scn_op_finish(w, op, SCN_OP_UNKNOWN, "leadership lost", 0); break;
        default: scn_op_finish(w, op, SCN_OP_FAILED, "refused", 0); break;
        }
        return;
    }
}

void scn_ops_node_lost(struct scn_world *w, uint32_t node)
{
    for (uint32_t i = 0; i < w->op_count; i++) {
        struct scn_op *op = &w->ops[i];
        if (op->state == SCN_OP_PENDING && op->via == node)
            scn_op_finish(w, op, SCN_OP_UNKNOWN, "its node crashed", 0);
    }
}

static uint32_t scn_default_via(const struct scn_world *w)
{
    uint32_t leader = scn_leader(w, NULL);
    for (uint32_t id = 1; leader == 0 && id <= w->n; id++)
        if (scn_node_running(w, id))
            leader = id;
    return leader == 0 ? 1 : leader;
}

static bool scn_client_free(const struct scn_world *w, uint32_t *client)
{
    bool busy[SCN_CLIENTS_TRACKED] = {false};
    for (uint32_t i = 0; i < w->op_count; i++)
        if (w->ops[i].state == SCN_OP_PENDING && w->ops[i].client < SCN_CLIENTS_TRACKED)
            busy[w->ops[i].client] = true;
    for (uint32_t c = 0; c < SCN_CLIENTS_TRACKED; c++) {
        if (!busy[c]) {
            *client = c;
            return true;
        }
    }
    return false;
}

/* One request to a host: like a step (invariants, fail-stop), through host_client. */
static void scn_client_request(struct scn_world *w, uint32_t id, const struct kv_op *op)
{
    struct host *h = &w->hosts[id];
    int rc = host_client(h, op);
    if (rc != 0) {
        scn_world_fail(w, "n%" PRIu32 " rast_step(client %s): %s", id, kv_op_name(op->type),
                       rast_strerror(rc));
        return;
    }
    inv_after_step(&w->inv, id, h->node);
    scn_after_step(w, id);
}

/* A new write value named by the command's label. */
static uint64_t scn_new_value(struct scn_world *w, const struct scn_cmd *c)
{
    if (w->value_next > HISTORY_OPS_MAX)
        return 0;
    uint64_t v = w->value_next++;
    w->labels[v] = w->s->text + c->label_off;
    w->label_sizes[v] = c->label_size;
    return v;
}

static struct scn_op *scn_new_op(struct scn_world *w, const struct scn_cmd *c, uint8_t type)
{
    uint32_t client = 0;
    if (w->op_count == SCN_OPS_MAX || w->value_next + c->n > HISTORY_OPS_MAX) {
        scn_outf(w->out, "too many operations in this scenario (at most %u)", SCN_OPS_MAX);
        return NULL;
    }
    if (!scn_client_free(w, &client)) {
        scn_outf(w->out, "too many operations pending (at most %u)", SCN_CLIENTS_TRACKED);
        return NULL;
    }
    struct scn_op *op = &w->ops[w->op_count];
    memset(op, 0, sizeof *op);
    op->number = ++w->op_count;
    op->type = type;
    op->key = c->key;
    op->via = (uint8_t)(c->via != 0 ? c->via : scn_default_via(w));
    op->client = client;
    op->repeat = (uint32_t)(c->n > 1 ? c->n : 1);
    op->history_id = UINT32_MAX;
    return op;
}

/* Sends op (and, for count=N writes, the N - 1 untracked writes before it). */
static void scn_issue(struct scn_world *w, const struct scn_cmd *c, struct scn_op *op)
{
    struct kv_op kop = {.type = op->type, .key = op->key};
    for (uint32_t k = 0; k < op->repeat && !w->crashed; k++) {
        bool last = k + 1 == op->repeat;
        kop.client = last ? op->client : SCN_CLIENTS_TRACKED; /* earlier ones: bulk client */
        kop.request = ++w->request_next;
        kop.v1 = op->type == KV_PUT ? scn_new_value(w, c) : 0;
        uint32_t hid = history_invoke(&w->history, scn_now(w),
                                      last ? op->client : 100u + kop.request, kop.type, kop.key,
                                      kop.v1, 0);
        if (last) {
            op->request = kop.request;
            op->value = kop.v1;
            op->history_id = hid;
        }
        if (!scn_node_running(w, op->via)) {
            if (last)
                scn_op_finish(w, op, SCN_OP_FAILED,
                              w->nodes[op->via].up ? "node paused" : "node down", 0);
            else if (hid != UINT32_MAX)
                history_complete(&w->history, hid, scn_now(w), HISTORY_FAIL, 0);
            continue;
        }
        scn_client_request(w, op->via, &kop);
    }
}

static void scn_cmd_client(struct scn_world *w, const struct scn_cmd *c, uint8_t type)
{
    struct scn_op *op = scn_new_op(w, c, type);
    if (op == NULL)
        return;
    scn_issue(w, c, op);
    scn_maybe_settle(w);
    if (op->state == SCN_OP_PENDING)
        scn_print_op(w, op);
}

/* ---- predicates --------------------------------------------------------------------- */

static bool scn_status(const struct scn_world *w, uint32_t id, struct rast_status *st)
{
    if (id < 1 || id > w->n || !w->nodes[id].up)
        return false;
    rast_node_status(w->hosts[id].node, st);
    return true;
}

static bool scn_pred_leader(const struct scn_world *w, const struct scn_pred *p, char *d,
                            size_t size)
{
    uint64_t term = 0;
    uint32_t l = scn_leader(w, &term);
    if (l == 0) {
        snprintf(d, size, "no leader (highest term %" PRIu64 ")", term);
        return false;
    }
    snprintf(d, size, "leader n%" PRIu32 " term %" PRIu64, l, term);
    return (p->node == 0 || l == p->node) && (p->not_node == 0 || l != p->not_node);
}

static bool scn_pred_index(const struct scn_world *w, const struct scn_pred *p, char *d,
                           size_t size)
{
    const char *what = p->kind == SCN_PRED_COMMITTED ? "committed" : "applied";
    char on[64] = "";
    size_t used = 0;
    for (uint32_t id = 1; id <= w->n; id++) {
        bool wanted = p->mask == 0 ? w->nodes[id].up : (p->mask & (1u << id)) != 0;
        if (!wanted)
            continue;
        struct rast_status st;
        if (!scn_status(w, id, &st)) {
            snprintf(d, size, "n%" PRIu32 " is down", id);
            return false;
        }
        uint64_t have = p->kind == SCN_PRED_COMMITTED ? st.commit_index : st.applied_index;
        if (have < p->index) {
            snprintf(d, size, "n%" PRIu32 " %s %" PRIu64 " < %" PRIu64, id, what, have, p->index);
            return false;
        }
        used += (size_t)snprintf(on + used, sizeof on - used, " n%" PRIu32, id);
    }
    snprintf(d, size, "%s %" PRIu64 " on%s", what, p->index, used == 0 ? " no node" : on);
    return used > 0;
}

static bool scn_pred_caught_up(const struct scn_world *w, const struct scn_pred *p, char *d,
                               size_t size)
{
    uint32_t l = scn_leader(w, NULL);
    struct rast_status ls, st;
    if (l == 0 || !scn_status(w, l, &ls)) {
        snprintf(d, size, "no leader");
        return false;
    }
    if (!scn_status(w, p->node, &st)) {
        snprintf(d, size, "n%u is down", p->node);
        return false;
    }
    bool same = st.last_index == ls.last_index && st.commit_index == ls.commit_index &&
                rast_node_term_at(w->hosts[p->node].node, st.last_index) == ls.last_term;
    snprintf(d, size, "n%u %s: last=%" PRIu64 " commit=%" PRIu64 " (leader n%" PRIu32
             " last=%" PRIu64 " commit=%" PRIu64 ")", p->node, same ? "caught up" : "behind",
             st.last_index, st.commit_index, l, ls.last_index, ls.commit_index);
    return same;
}

static bool scn_pred_eval(const struct scn_world *w, const struct scn_pred *p, char *d,
                          size_t size)
{
    static const char *const roles[] = {"down", "follower", "candidate", "leader"};
    struct rast_status st;
    switch (p->kind) {
    case SCN_PRED_LEADER: return scn_pred_leader(w, p, d, size);
    case SCN_PRED_COMMITTED:
    case SCN_PRED_APPLIED: return scn_pred_index(w, p, d, size);
    case SCN_PRED_CAUGHT_UP: return scn_pred_caught_up(w, p, d, size);
    case SCN_PRED_DONE: {
        bool done = p->index <= w->op_count && w->ops[p->index - 1].state != SCN_OP_PENDING;
        snprintf(d, size, "op %" PRIu64 " %s", p->index,
                 p->index > w->op_count ? "was never issued" : done ? "done" : "pending");
        return done;
    }
    default: {
        uint8_t role = scn_status(w, p->node, &st) ? st.role : (uint8_t)SCN_ROLE_DOWN;
        snprintf(d, size, "n%u is %s", p->node, roles[role <= RAST_LEADER ? role : 0]);
        return role == p->role;
    }
    }
}

static void scn_cmd_run(struct scn_world *w, const struct scn_cmd *c)
{
    char desc[200];
    for (uint64_t ticks = 0;; ticks++) {
        if (scn_pred_eval(w, &c->pred, desc, sizeof desc)) {
            scn_outf(w->out, "%s after %" PRIu64 " tick%s", desc, ticks, ticks == 1 ? "" : "s");
            return;
        }
        if (ticks == c->n || w->crashed || w->budget_out) {
            scn_outf(w->out, "not reached after %" PRIu64 " ticks: %s", ticks, desc);
            return;
        }
        scn_tick_round(w, 0);
    }
}

/* ---- checks and replays ------------------------------------------------------------ */

static void scn_live_nodes(struct scn_world *w, struct rast_node **nodes)
{
    for (uint32_t id = 0; id <= SCN_NODES_MAX; id++)
        nodes[id] = id >= 1 && id <= w->n && w->nodes[id].up ? w->hosts[id].node : NULL;
}

static void scn_report_violation(struct scn_world *w)
{
    if (w->inv.violated && !w->violation_reported) {
        w->violation_reported = true;
        scn_outf(w->out, "violation %s: %s", w->inv.kind, w->inv.message);
    }
}

static void scn_cmd_check(struct scn_world *w)
{
    struct rast_node *nodes[SCN_NODES_MAX + 1];
    scn_live_nodes(w, nodes);
    inv_final(&w->inv, nodes, w->n);
    scn_report_violation(w);
    scn_outf(w->out, "invariants: %s", w->inv.violated ? "violated" : "ok");
    char why[320];
    uint32_t ops = w->history.count;
    const char *plural = ops == 1 ? "" : "s";
    if (!history_check_simple(&w->history, why, sizeof why)) {
        scn_outf(w->out, "history: %" PRIu32 " operation%s, violation: %s", ops, plural, why);
        return;
    }
    int verdict = history_check_linearizable(&w->history, NULL, why, sizeof why);
    if (verdict == 1)
        scn_outf(w->out, "history: %" PRIu32 " operation%s, linearizable", ops, plural);
    else if (verdict == 0)
        scn_outf(w->out, "history: %" PRIu32 " operation%s, violation: %s", ops, plural, why);
    else
        scn_outf(w->out, "history: %" PRIu32 " operation%s, per-key check ok%s%s", ops, plural,
                 why[0] != 0 ? "; checker: " : "", why);
}

static const char *scn_verdict_name(int verdict)
{
    switch (verdict) {
    case RAST_SIM_OK: return "ok";
    case RAST_SIM_SAFETY: return "safety";
    case RAST_SIM_LIVENESS: return "liveness";
    default: return "crash";
    }
}

static void scn_cmd_replay(struct scn_world *w, const struct scn_cmd *c,
                           const struct rast_scenario_env *env)
{
    char path[256];
    snprintf(path, sizeof path, "%.*s", (int)c->label_size, w->s->text + c->label_off);
    uint8_t *data = NULL;
    size_t size = 0;
    if (env == NULL || env->load == NULL) {
        scn_outf(w->out, "replay: no file loader here (use rast-sim scenario)");
        return;
    }
    if (env->load(env->load_ctx, path, &data, &size) != 0) {
        scn_outf(w->out, "replay: cannot read %s", path);
        return;
    }
    struct rast_sim *sim = rast_sim_create();
    if (sim == NULL) {
        free(data);
        scn_world_fail(w, "out of memory");
        return;
    }
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_REPLAY;
    o.bytes = data;
    o.bytes_size = size;
    o.pins = c->pins;
    o.use_checker = true;
    struct rast_sim_result r;
    int verdict = rast_sim_run(sim, &o, &r);
    scn_outf(w->out, "verdict %s %s", scn_verdict_name(verdict),
             verdict == RAST_SIM_OK ? "-" : r.kind);
    rast_sim_destroy(sim);
    free(data);
}

/* ---- the other commands ------------------------------------------------------------- */

static void scn_cmd_campaign(struct scn_world *w, uint32_t id)
{
    struct rast_status st;
    if (!scn_node_running(w, id)) {
        scn_outf(w->out, "n%" PRIu32 " is %s", id, w->nodes[id].up ? "paused" : "down");
        return;
    }
    rast_node_status(w->hosts[id].node, &st);
    if (st.role == RAST_LEADER) {
        scn_outf(w->out, "n%" PRIu32 " is the leader already", id);
        return;
    }
    uint64_t term = st.term;
    /* Only this node's clock runs until its election timeout fires: a new term. */
    for (uint32_t t = 0; t <= 2 * w->opts.election_max && !w->crashed; t++) {
        if (!scn_status(w, id, &st) || st.term > term)
            break;
        struct rast_input in = {.kind = RAST_INPUT_TICK};
        scn_step(w, id, &in);
    }
    scn_maybe_settle(w);
}

static void scn_cmd_partition(struct scn_world *w, const struct scn_cmd *c)
{
    memset(w->blocked, 0, sizeof w->blocked);
    for (uint32_t a = 1; a <= w->n; a++)
        for (uint32_t b = 1; b <= w->n; b++) {
            bool isolate = c->kind == SCN_ISOLATE && a != b && (a == c->node || b == c->node);
            bool split = c->kind == SCN_PARTITION && c->group[a] != 0 && c->group[b] != 0 &&
                         c->group[a] != c->group[b];
            w->blocked[a][b] = isolate || split;
        }
}

static void scn_cmd_disk(struct scn_world *w, const struct scn_cmd *c)
{
    struct scn_node *n = &w->nodes[c->node];
    switch (c->sub) {
    case SCN_DISK_HOLD: n->disk_hold = true; break;
    case SCN_DISK_RELEASE:
        n->disk_hold = false;
        scn_maybe_settle(w);
        break;
    case SCN_DISK_SYNC: {
        uint32_t pending = w->disks[c->node].count;
        uint32_t done = scn_disk_sync(w, c->node, (uint32_t)c->n);
        scn_outf(w->out, "n%u synced %" PRIu32 " of %" PRIu32 " pending write%s", c->node, done,
                 pending, pending == 1 ? "" : "s");
        scn_maybe_settle(w);
        break;
    }
    case SCN_DISK_FULL: n->disk_full = true; break;
    case SCN_DISK_CORRUPT: scn_disk_corrupt(w, c->node); break;
    default: n->disk_full = false; break;
    }
}

static void scn_cmd_pause(struct scn_world *w, const struct scn_cmd *c, bool pause)
{
    struct scn_node *n = &w->nodes[c->node];
    if (!n->up) {
        scn_outf(w->out, "n%u is down", c->node);
        return;
    }
    n->paused = pause;
    n->resume_round = pause && c->n > 0 ? w->round + c->n : 0;
    if (!pause)
        scn_maybe_settle(w);
}

static void scn_cmd_world(struct scn_world *w, const struct scn_cmd *c)
{
    switch (c->kind) {
    case SCN_TICK:
        for (uint64_t i = 0; i < c->n && !w->crashed && !w->budget_out; i++)
            scn_tick_round(w, c->mask);
        break;
    case SCN_CAMPAIGN: scn_cmd_campaign(w, c->node); break;
    case SCN_PROPOSE: scn_cmd_client(w, c, KV_PUT); break;
    case SCN_READ: scn_cmd_client(w, c, KV_GET); break;
    case SCN_CRASH:
        scn_crash_node(w, c->node, c->sub, c->n, NULL);
        scn_maybe_settle(w);
        break;
    case SCN_RESTART:
        scn_restart_node(w, c->node);
        scn_maybe_settle(w);
        break;
    case SCN_PAUSE: scn_cmd_pause(w, c, true); break;
    case SCN_RESUME: scn_cmd_pause(w, c, false); break;
    case SCN_DRIFT:
        w->nodes[c->node].drift_pct = c->drift_pct;
        w->nodes[c->node].drift_acc = 0;
        break;
    case SCN_PARTITION:
    case SCN_ISOLATE: scn_cmd_partition(w, c); break;
    case SCN_BLOCK:
        for (uint32_t i = 0; i < c->pair_count; i++)
            w->blocked[c->pairs[i][0]][c->pairs[i][1]] = true;
        break;
    case SCN_HEAL:
        scn_heal(w);
        scn_maybe_settle(w);
        break;
    case SCN_DROP:
    case SCN_DELAY:
    case SCN_DUP: scn_add_rule(w, &c->rule); break;
    case SCN_DISK: scn_cmd_disk(w, c); break;
    case SCN_DELIVER:
        if (scn_deliver(w, c->from, c->to, c->type, (uint32_t)c->n) == 0)
            scn_outf(w->out, "no message to deliver");
        break;
    case SCN_STABILIZE: scn_settle(w); break;
    default: break;
    }
}

static void scn_cmd_view(struct scn_world *w, const struct scn_cmd *c,
                         const struct rast_scenario_env *env)
{
    char desc[200];
    switch (c->kind) {
    case SCN_STATUS:
        for (uint32_t id = 1; id <= w->n; id++)
            scn_print_status(w, id);
        break;
    case SCN_LOG:
        for (uint32_t id = 1; id <= w->n; id++)
            if (c->mask == 0 || (c->mask & (1u << id)) != 0)
                scn_print_log(w, id);
        break;
    case SCN_NET: scn_print_net(w); break;
    case SCN_RUN: scn_cmd_run(w, c); break;
    case SCN_EXPECT: {
        bool ok = scn_pred_eval(w, &c->pred, desc, sizeof desc);
        scn_outf(w->out, "%s: %s", ok ? "ok" : "expectation failed", desc);
        break;
    }
    case SCN_CHECK: scn_cmd_check(w); break;
    case SCN_REPLAY: scn_cmd_replay(w, c, env); break;
    case SCN_SET:
        if (c->sub == SCN_SET_DELIVERY_AUTO || c->sub == SCN_SET_DELIVERY_MANUAL)
            w->manual = c->sub == SCN_SET_DELIVERY_MANUAL;
        else
            w->verbose = c->sub == SCN_SET_VERBOSE_ON;
        break;
    default: scn_cmd_world(w, c); break;
    }
}

void scn_run_command(struct scn_world *w, const struct scn_cmd *c,
                     const struct rast_scenario_env *env)
{
    if (c->kind == SCN_CLUSTER) {
        if (scn_world_start(w, &c->cluster))
            scn_outf(w->out, "%" PRIu32 " nodes, election timeout %" PRIu32 "..%" PRIu32
                     " ticks, heartbeat every %" PRIu32 " ticks", c->cluster.nodes,
                     c->cluster.election_min, c->cluster.election_max, c->cluster.heartbeat);
        return;
    }
    if (w->n == 0 && c->kind != SCN_REPLAY && c->kind != SCN_SET)
        return; /* the parser rejects this; a second guard costs nothing */
    scn_cmd_view(w, c, env);
    if (w->n > 0 && !w->crashed) {
        struct rast_node *nodes[SCN_NODES_MAX + 1];
        scn_live_nodes(w, nodes);
        inv_scan(&w->inv, nodes, w->n); /* log matching, after every command */
        scn_report_violation(w);
    }
}

/* ---- rast_scenario_run -------------------------------------------------------------- */

static bool scn_keep_output(struct rast_scenario *s, uint32_t i, const struct scn_out *o)
{
    size_t need = s->actual_size + o->size + 1;
    if (need > s->actual_capacity) {
        size_t cap = s->actual_capacity == 0 ? 65536 : s->actual_capacity;
        while (cap < need)
            cap *= 2;
        char *grown = realloc(s->actual, cap);
        if (grown == NULL)
            return false;
        s->actual = grown;
        s->actual_capacity = cap;
    }
    if (o->size > 0)
        memcpy(s->actual + s->actual_size, o->buf, o->size);
    s->actual_off[i] = (uint32_t)s->actual_size;
    s->actual_len[i] = (uint32_t)o->size;
    s->actual_size += o->size;
    return true;
}

static int scn_run_all(struct rast_scenario *s, struct scn_world *w, struct scn_out *out,
                       const struct rast_scenario_env *env, struct rast_scenario_result *r)
{
    for (uint32_t i = 0; i < s->count; i++) {
        if (env != NULL && env->progress != NULL)
            env->progress(env->progress_ctx, i);
        scn_out_reset(out);
        scn_run_command(w, &s->cmds[i], env);
        if (out->oom || !scn_keep_output(s, i, out))
            scn_world_fail(w, "out of memory");
        r->commands_run = i + 1;
        const struct scn_cmd *c = &s->cmds[i];
        if (!w->crashed && (c->exp_size != out->size ||
                            memcmp(s->text + c->exp_off, out->buf == NULL ? "" : out->buf,
                                   out->size) != 0)) {
            if (r->mismatches++ == 0)
                r->first_mismatch = i;
        }
        if (w->crashed) {
            snprintf(r->crash, sizeof r->crash, "%s", w->crash);
            return RAST_SCENARIO_CRASH;
        }
    }
    return r->mismatches > 0 ? RAST_SCENARIO_MISMATCH : RAST_SCENARIO_PASS;
}

int rast_scenario_run(struct rast_scenario *s, const struct rast_scenario_env *env,
                      struct rast_scenario_result *result)
{
    struct rast_scenario_result local;
    struct rast_scenario_result *r = result != NULL ? result : &local;
    memset(r, 0, sizeof *r);
    r->verdict = RAST_SCENARIO_CRASH;
    if (s == NULL)
        return RAST_SCENARIO_CRASH;
    free(s->actual_off);
    free(s->actual_len);
    s->actual_size = 0;
    s->actual_off = malloc(((size_t)s->count + 1) * sizeof *s->actual_off);
    s->actual_len = calloc((size_t)s->count + 1, sizeof *s->actual_len);
    struct scn_world *w = malloc(sizeof *w);
    struct scn_out out;
    memset(&out, 0, sizeof out);
    if (s->actual_off == NULL || s->actual_len == NULL || w == NULL) {
        snprintf(r->crash, sizeof r->crash, "out of memory");
        free(w);
        return RAST_SCENARIO_CRASH;
    }
    for (uint32_t i = 0; i < s->count; i++)
        s->actual_off[i] = UINT32_MAX;
    uint64_t rounds = env != NULL && env->rounds_max != 0 ? env->rounds_max
                                                          : SCN_ROUNDS_DEFAULT_MAX;
    int verdict = RAST_SCENARIO_CRASH;
    if (scn_world_init(w, s, &out, rounds))
        verdict = scn_run_all(s, w, &out, env, r);
    else
        snprintf(r->crash, sizeof r->crash, "out of memory");
    scn_world_free(w);
    free(w);
    scn_out_free(&out);
    r->verdict = (uint8_t)verdict;
    return verdict;
}
