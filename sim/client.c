/*
 * client.c: the workload. Up to 8 clients issue get/put/cas on a small key space with
 * unique written values, one operation at a time each, talking to nodes directly through
 * scheduled events with drawn latency (not through Raft messages). A refusal that proves the
 * operation did not happen (not leader, node down, busy) is retried at the hinted leader, up
 * to CLUSTER_RETRIES_MAX times; an unknown outcome (leadership lost, timeout) is recorded as
 * info and the client moves on. Every invocation and completion goes into the history.
 *
 * The liveness probe (client CLUSTER_CLIENTS_MAX - 1) only runs in the liveness phase: it
 * puts until one put is acknowledged, which ends the run.
 *
 * History note: the checker's kv model reads a failed cas as "compared and failed", so a
 * cas that provably did not happen is recorded as info (weaker, always sound).
 */
#include "cluster.h"

#include <inttypes.h>

#define CLIENT_PROBE (CLUSTER_CLIENTS_MAX - 1u)

static void client_send(struct cluster *c, uint32_t i)
{
    struct sim_client *cl = &c->clients[i];
    cl->request++;
    cl->op.request = cl->request;
    struct event ev = {.time_us = c->now_us + cluster_client_latency_us(c),
                       .kind = EV_CLIENT_ARRIVE, .node = (uint8_t)cl->target, .a = i,
                       .b = cl->request};
    cluster_push(c, &ev);
}

static uint32_t client_other_node(struct cluster *c, uint32_t current)
{
    uint32_t n = c->cfg.node_count;
    if (n == 1)
        return 1;
    uint32_t next = (uint32_t)entropy_range(&c->entropy, 1, n - 1);
    return ((current - 1 + next) % n) + 1; /* any node but current when current is valid */
}

static void client_schedule_next(struct cluster *c, uint32_t i)
{
    struct event ev = {.time_us = c->now_us + entropy_exponential(&c->entropy,
                                                                  c->cfg.client_think_us_mean),
                       .kind = EV_CLIENT_NEXT, .a = i};
    cluster_push(c, &ev);
}

void client_start(struct cluster *c)
{
    for (uint32_t i = 0; i < c->cfg.client_count; i++)
        client_schedule_next(c, i);
}

static void client_draw_op(struct cluster *c, uint32_t i, struct kv_op *op)
{
    struct sim_client *cl = &c->clients[i];
    uint64_t draw = entropy_below(&c->entropy, 1000000);
    op->client = i;
    op->key = (uint8_t)entropy_below(&c->entropy, c->cfg.key_count);
    op->v1 = 0;
    op->v2 = 0;
    if (i == CLIENT_PROBE || draw >= (uint64_t)c->cfg.get_ppm + c->cfg.put_ppm) {
        op->type = KV_CAS;
        if (i == CLIENT_PROBE || cl->last_seen[op->key] == 0)
            op->type = KV_PUT;
    } else {
        op->type = draw < c->cfg.get_ppm ? KV_GET : KV_PUT;
    }
    if (op->type == KV_PUT) {
        op->v1 = c->value_next++;
    } else if (op->type == KV_CAS) {
        op->v1 = cl->last_seen[op->key];
        op->v2 = c->value_next++;
    }
}

static void client_all_done_check(struct cluster *c)
{
    if (c->phase != PHASE_FAULT || c->ops_issued < c->cfg.ops_total)
        return;
    for (uint32_t i = 0; i < c->cfg.client_count; i++)
        if (c->clients[i].busy)
            return;
    struct event ev = {.time_us = c->now_us, .kind = EV_PHASE};
    cluster_push(c, &ev);
}

void client_next(struct cluster *c, uint32_t i)
{
    struct sim_client *cl = &c->clients[i];
    if (cl->busy)
        return;
    if (i == CLIENT_PROBE ? c->probe_done : c->phase != PHASE_FAULT)
        return;
    if (i != CLIENT_PROBE && c->ops_issued >= c->cfg.ops_total) {
        client_all_done_check(c);
        return;
    }
    client_draw_op(c, i, &cl->op);
    cl->op_id = history_invoke(&c->history, c->now_us, i, cl->op.type, cl->op.key, cl->op.v1,
                               cl->op.v2);
    if (cl->op_id == UINT32_MAX) {
        cluster_fail(c, "history_full", "more than %u operations", HISTORY_OPS_MAX);
        return;
    }
    if (i != CLIENT_PROBE)
        c->ops_issued++;
    cl->busy = true;
    cl->retries = 0;
    if (cl->target < 1 || cl->target > c->cfg.node_count)
        cl->target = (uint32_t)entropy_range(&c->entropy, 1, c->cfg.node_count);
    if (trace_text_on(&c->trace))
        trace_sim_event(&c->trace, NULL, c->now_us,
                        "c%" PRIu32 " invoke %s k%u %" PRIu64 " %" PRIu64 " -> n%" PRIu32, i,
                        kv_op_name(cl->op.type), (unsigned)cl->op.key, cl->op.v1, cl->op.v2,
                        cl->target);
    client_send(c, i);
    struct event ev = {.time_us = c->now_us + c->cfg.client_timeout_us,
                       .kind = EV_CLIENT_TIMEOUT, .a = i, .b = cl->op_id};
    cluster_push(c, &ev);
}

static void client_finish(struct cluster *c, uint32_t i, uint8_t outcome, uint64_t result)
{
    struct sim_client *cl = &c->clients[i];
    history_complete(&c->history, cl->op_id, c->now_us, outcome, result);
    cl->busy = false;
    if (trace_on(&c->trace)) {
        static const char *const names[] = {"pending", "ok", "fail", "info"};
        struct rast_sim_probe p = {.what = RAST_SIM_PROBE_CLIENT, .time_us = c->now_us,
                                   .client = i, .client_op = cl->op.type,
                                   .client_outcome = (uint8_t)(outcome & 3)};
        trace_sim_event(&c->trace, &p, c->now_us, "c%" PRIu32 " %s %s k%u -> %" PRIu64, i,
                        names[outcome & 3], kv_op_name(cl->op.type), (unsigned)cl->op.key,
                        result);
    }
    if (i == CLIENT_PROBE && outcome == HISTORY_OK) {
        c->probe_done = true;
        c->phase = PHASE_DONE;
        return;
    }
    client_schedule_next(c, i);
    if (i != CLIENT_PROBE)
        client_all_done_check(c);
}

/* Reply statuses travel in event.d; event.c carries the value. */
static void client_push_reply(struct cluster *c, uint32_t client, uint32_t request,
                              uint8_t status, uint64_t value)
{
    struct event ev = {.time_us = c->now_us + cluster_client_latency_us(c),
                       .kind = EV_CLIENT_REPLY, .a = client, .b = request, .c = value,
                       .d = status};
    cluster_push(c, &ev);
}

void client_host_reply(void *ctx, struct host *h, uint32_t client, uint32_t request,
                       uint8_t status, uint64_t value, uint64_t index)
{
    struct cluster *c = ctx;
    if (status == HOST_REPLY_OK && c->clients[client].op.type != KV_GET &&
        c->clients[client].request == request)
        inv_on_ack(&c->inv, index, rast_node_term_at(h->node, index));
    client_push_reply(c, client, request, status, value);
}

void client_arrive(struct cluster *c, const struct event *ev)
{
    struct sim_client *cl = &c->clients[ev->a];
    if (!cl->busy || cl->request != ev->b)
        return;
    uint32_t id = ev->node;
    if (!cluster_node_usable(c, id)) {
        client_push_reply(c, ev->a, (uint32_t)ev->b, HOST_REPLY_NOT_LEADER, 0);
        return;
    }
    if (c->nodes[id].paused_until_us > c->now_us) {
        struct event again = *ev;
        again.time_us = c->nodes[id].paused_until_us;
        cluster_push(c, &again);
        return;
    }
    cluster_host_client(c, id, &cl->op);
}

/* The operation provably did not happen. */
static void client_refused(struct cluster *c, uint32_t i, uint32_t hint)
{
    struct sim_client *cl = &c->clients[i];
    if (cl->retries < CLUSTER_RETRIES_MAX) {
        cl->retries++;
        bool hint_ok = hint >= 1 && hint <= c->cfg.node_count && hint != cl->target;
        cl->target = hint_ok ? hint : client_other_node(c, cl->target);
        client_send(c, i);
        return;
    }
    client_finish(c, i, cl->op.type == KV_CAS ? HISTORY_INFO : HISTORY_FAIL, 0);
}

void client_reply(struct cluster *c, const struct event *ev)
{
    uint32_t i = ev->a;
    struct sim_client *cl = &c->clients[i];
    if (!cl->busy || cl->request != ev->b)
        return;
    switch (ev->d) {
    case HOST_REPLY_OK:
        cl->last_seen[cl->op.key] = cl->op.type == KV_GET   ? ev->c
                                    : cl->op.type == KV_PUT ? cl->op.v1
                                                            : cl->op.v2;
        client_finish(c, i, HISTORY_OK, cl->op.type == KV_GET ? ev->c : 0);
        break;
    case HOST_REPLY_CAS_FAIL:
        cl->last_seen[cl->op.key] = ev->c;
        client_finish(c, i, HISTORY_FAIL, 0);
        break;
    case HOST_REPLY_NOT_LEADER:
    case HOST_REPLY_REFUSED:
        client_refused(c, i, (uint32_t)ev->c);
        break;
    default:
        cl->target = client_other_node(c, cl->target);
        client_finish(c, i, HISTORY_INFO, 0);
        break;
    }
}

void client_timeout(struct cluster *c, const struct event *ev)
{
    struct sim_client *cl = &c->clients[ev->a];
    if (!cl->busy || cl->op_id != ev->b)
        return;
    cl->target = client_other_node(c, cl->target);
    client_finish(c, ev->a, HISTORY_INFO, 0);
}

void client_probe_start(struct cluster *c)
{
    client_next(c, CLIENT_PROBE);
}
