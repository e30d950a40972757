/*
 * fixture.h: a small in-test cluster for the core's unit tests (header-only).
 *
 * N nodes in one process. Messages go to one FIFO queue (deep copies); each node has a model
 * disk (durable hard state + entries) and a queue of PERSIST requests not yet durable. Tests
 * choose what happens: deliver everything, drop messages to or from isolated nodes, hold
 * persists back, crash a node (its queued persists are lost) and restart it from its disk.
 * It records what every node applied, and every proposal/read outcome, so tests can assert
 * on them. Allocation per message is fine here: this is a test, not the hot path.
 */
#ifndef RAST_CORE_TEST_FIXTURE_H
#define RAST_CORE_TEST_FIXTURE_H

#include "rast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_NODES_MAX  7
#define FX_QUEUE_MAX  200000
#define FX_LOG_MAX    20000
#define FX_EVENTS_MAX 20000

struct fx_entry {
    uint64_t term;
    uint32_t size;
    uint8_t data[64];
};

struct fx_msg {
    struct rast_msg msg;
    struct rast_entry *entries;
    struct fx_entry *copies;
};

struct fx_persist {
    struct rast_persist req;
    struct fx_entry *copies;
};

struct fx_event { /* a proposal or read outcome */
    uint8_t kind;
    uint32_t node;
    uint64_t tag;
    uint64_t index;
    int reason;
};

struct fx_node {
    struct rast_node *node;
    bool up;
    bool isolated;
    bool hold_persists; /* when set, PERSIST requests wait for fx_complete_persists */
    struct rast_hard_state disk_hs;
    struct fx_entry *disk_log; /* [1..disk_len] */
    uint64_t disk_len;
    struct fx_persist *pending;
    uint32_t pending_count;
    struct fx_entry *applied; /* [1..applied_len] */
    uint64_t applied_len;
    uint8_t role;
};

struct fx {
    uint32_t n;
    struct rast_config cfg[FX_NODES_MAX + 1];
    struct fx_node nodes[FX_NODES_MAX + 1];
    struct fx_msg *queue;
    uint32_t queue_head, queue_count;
    struct fx_event *events;
    uint32_t event_count;
    struct rast_batch batch;
    uint64_t msgs_delivered;
    bool drop_type[RAST_MSG_TYPE_MAX + 1]; /* drop every message of these types */
    bool fail;                             /* a step returned an error */
};

static inline struct fx_entry fx_copy_entry(const struct rast_entry *e)
{
    struct fx_entry c;
    memset(&c, 0, sizeof c);
    c.term = e->term;
    c.size = e->size < sizeof c.data ? e->size : (uint32_t)sizeof c.data;
    if (c.size > 0)
        memcpy(c.data, e->data, c.size);
    return c;
}

static inline void fx_create_node(struct fx *f, uint32_t id)
{
    struct fx_node *fn = &f->nodes[id];
    struct rast_entry *entries = calloc(fn->disk_len + 1, sizeof *entries);
    for (uint64_t i = 0; i < fn->disk_len; i++) {
        entries[i].term = fn->disk_log[i + 1].term;
        entries[i].size = fn->disk_log[i + 1].size;
        entries[i].data = fn->disk_log[i + 1].data;
    }
    struct rast_restore restore = { fn->disk_hs, fn->disk_len, entries };
    int rc = rast_node_create(&f->cfg[id], &restore, &fn->node);
    free(entries);
    if (rc != 0) {
        fprintf(stderr, "fixture: rast_node_create: %s\n", rast_strerror(rc));
        abort();
    }
    fn->up = true;
    fn->role = RAST_FOLLOWER;
    fn->applied_len = 0;
}

/* A cluster of n nodes with default config; seed varies the election jitter. */
static inline struct fx *fx_new(uint32_t n, uint64_t seed)
{
    struct fx *f = calloc(1, sizeof *f);
    f->n = n;
    f->queue = calloc(FX_QUEUE_MAX, sizeof *f->queue);
    f->events = calloc(FX_EVENTS_MAX, sizeof *f->events);
    for (uint32_t id = 1; id <= n; id++) {
        rast_config_default(&f->cfg[id], id, n);
        f->cfg[id].random_seed = seed * 1000 + id;
        f->nodes[id].disk_log = calloc(FX_LOG_MAX + 1, sizeof(struct fx_entry));
        f->nodes[id].applied = calloc(FX_LOG_MAX + 1, sizeof(struct fx_entry));
        f->nodes[id].pending = calloc(4096, sizeof(struct fx_persist));
        fx_create_node(f, id);
    }
    return f;
}

static inline void fx_free_msg(struct fx_msg *m)
{
    free(m->entries);
    free(m->copies);
}

static inline void fx_drop_pending(struct fx_node *fn)
{
    for (uint32_t i = 0; i < fn->pending_count; i++)
        free(fn->pending[i].copies);
    fn->pending_count = 0;
}

static inline void fx_free(struct fx *f)
{
    for (uint32_t id = 1; id <= f->n; id++) {
        struct fx_node *fn = &f->nodes[id];
        if (fn->up)
            rast_node_destroy(fn->node);
        fx_drop_pending(fn);
        free(fn->pending);
        free(fn->disk_log);
        free(fn->applied);
    }
    for (uint32_t i = 0; i < f->queue_count; i++)
        fx_free_msg(&f->queue[(f->queue_head + i) % FX_QUEUE_MAX]);
    free(f->queue);
    free(f->events);
    rast_batch_free(&f->batch);
    free(f);
}

static inline void fx_enqueue(struct fx *f, const struct rast_msg *msg)
{
    if (f->queue_count == FX_QUEUE_MAX)
        abort();
    struct fx_msg *m = &f->queue[(f->queue_head + f->queue_count++) % FX_QUEUE_MAX];
    m->msg = *msg;
    m->entries = NULL;
    m->copies = NULL;
    if (msg->type == RAST_MSG_APPEND_REQ && msg->u.append_req.entry_count > 0) {
        uint32_t n = msg->u.append_req.entry_count;
        m->entries = calloc(n, sizeof *m->entries);
        m->copies = calloc(n, sizeof *m->copies);
        for (uint32_t i = 0; i < n; i++) {
            m->copies[i] = fx_copy_entry(&msg->u.append_req.entries[i]);
            m->entries[i].term = m->copies[i].term;
            m->entries[i].size = m->copies[i].size;
            m->entries[i].data = m->copies[i].data;
        }
        m->msg.u.append_req.entries = m->entries;
    }
}

static inline void fx_record(struct fx *f, uint32_t id, uint8_t kind, uint64_t tag, uint64_t index,
                             int reason)
{
    if (f->event_count == FX_EVENTS_MAX)
        abort();
    struct fx_event *e = &f->events[f->event_count++];
    e->kind = kind;
    e->node = id;
    e->tag = tag;
    e->index = index;
    e->reason = reason;
}

static inline void fx_queue_persist(struct fx_node *fn, const struct rast_persist *p)
{
    struct fx_persist *q = &fn->pending[fn->pending_count++];
    q->req = *p;
    q->copies = calloc(p->entry_count + 1, sizeof *q->copies);
    for (uint32_t i = 0; i < p->entry_count; i++)
        q->copies[i] = fx_copy_entry(&p->entries[i]);
}

static inline void fx_apply(struct fx_node *fn, const struct rast_output *o)
{
    for (uint32_t i = 0; i < o->u.apply.entry_count; i++) {
        uint64_t index = o->u.apply.first_index + i;
        if (index != fn->applied_len + 1 || index > FX_LOG_MAX)
            abort(); /* APPLY must come in index order */
        fn->applied[index] = fx_copy_entry(&o->u.apply.entries[i]);
        fn->applied_len = index;
    }
}

static inline void fx_handle_output(struct fx *f, uint32_t id, const struct rast_output *o)
{
    struct fx_node *fn = &f->nodes[id];
    switch (o->kind) {
    case RAST_OUTPUT_SEND: fx_enqueue(f, &o->u.send); break;
    case RAST_OUTPUT_PERSIST: fx_queue_persist(fn, &o->u.persist); break;
    case RAST_OUTPUT_APPLY: fx_apply(fn, o); break;
    case RAST_OUTPUT_PROPOSE_DONE:
        fx_record(f, id, o->kind, o->u.propose_done.tag, o->u.propose_done.last_index, 0);
        break;
    case RAST_OUTPUT_PROPOSE_FAILED:
        fx_record(f, id, o->kind, o->u.propose_failed.tag, 0, o->u.propose_failed.reason);
        break;
    case RAST_OUTPUT_READ_READY:
        fx_record(f, id, o->kind, o->u.read_ready.tag, o->u.read_ready.read_index, 0);
        break;
    case RAST_OUTPUT_READ_FAILED:
        fx_record(f, id, o->kind, o->u.read_failed.tag, 0, o->u.read_failed.reason);
        break;
    case RAST_OUTPUT_ROLE: fn->role = o->u.role.role; break;
    default: abort();
    }
}

static inline int fx_step(struct fx *f, uint32_t id, const struct rast_input *in)
{
    struct fx_node *fn = &f->nodes[id];
    if (!fn->up)
        return 0;
    f->batch.count = 0;
    int rc = rast_step(fn->node, in, &f->batch);
    if (rc != 0 && rc != RAST_E_INVALID)
        f->fail = true;
    for (uint32_t i = 0; i < f->batch.count; i++)
        fx_handle_output(f, id, &f->batch.items[i]);
    return rc;
}

/* Makes the oldest pending persist of node id durable and reports it. */
static inline void fx_complete_one_persist(struct fx *f, uint32_t id)
{
    struct fx_node *fn = &f->nodes[id];
    struct fx_persist p = fn->pending[0];
    memmove(fn->pending, fn->pending + 1, (fn->pending_count - 1) * sizeof *fn->pending);
    fn->pending_count--;
    if (p.req.has_hard_state)
        fn->disk_hs = p.req.hard_state;
    if (p.req.entry_count > 0 || p.req.truncate)
        fn->disk_len = p.req.first_index - 1;
    for (uint32_t i = 0; i < p.req.entry_count; i++)
        fn->disk_log[++fn->disk_len] = p.copies[i];
    free(p.copies);
    struct rast_input in = { .kind = RAST_INPUT_PERSISTED };
    in.u.persisted.token = p.req.token;
    fx_step(f, id, &in);
}

static inline void fx_complete_persists(struct fx *f, uint32_t id)
{
    while (f->nodes[id].pending_count > 0)
        fx_complete_one_persist(f, id);
}

/* Delivers queued messages and completes persists (of nodes not holding them) until nothing
 * is left; messages to or from isolated or down nodes are dropped. */
static inline void fx_run(struct fx *f)
{
    for (;;) {
        bool progressed = false;
        for (uint32_t id = 1; id <= f->n; id++) {
            if (f->nodes[id].up && !f->nodes[id].hold_persists && f->nodes[id].pending_count) {
                fx_complete_persists(f, id);
                progressed = true;
            }
        }
        if (f->queue_count == 0 && !progressed)
            return;
        while (f->queue_count > 0) {
            struct fx_msg m = f->queue[f->queue_head];
            f->queue_head = (f->queue_head + 1) % FX_QUEUE_MAX;
            f->queue_count--;
            struct fx_node *to = &f->nodes[m.msg.to];
            bool drop = !to->up || to->isolated || f->nodes[m.msg.from].isolated ||
                        f->drop_type[m.msg.type];
            if (!drop) {
                struct rast_input in = { .kind = RAST_INPUT_RECV };
                in.u.recv = m.msg;
                fx_step(f, m.msg.to, &in);
                f->msgs_delivered++;
            }
            fx_free_msg(&m);
        }
    }
}

static inline void fx_tick(struct fx *f, uint32_t id)
{
    struct rast_input in = { .kind = RAST_INPUT_TICK };
    fx_step(f, id, &in);
}

/* Ticks every up node once, then runs to quiescence; repeated `rounds` times. */
static inline void fx_tick_all(struct fx *f, uint32_t rounds)
{
    for (uint32_t r = 0; r < rounds; r++) {
        for (uint32_t id = 1; id <= f->n; id++)
            fx_tick(f, id);
        fx_run(f);
    }
}

static inline uint32_t fx_leader(const struct fx *f)
{
    uint32_t leader = 0;
    uint64_t best_term = 0;
    for (uint32_t id = 1; id <= f->n; id++) {
        if (!f->nodes[id].up)
            continue;
        struct rast_status s;
        rast_node_status(f->nodes[id].node, &s);
        if (s.role == RAST_LEADER && s.term >= best_term && !f->nodes[id].isolated) {
            leader = id;
            best_term = s.term;
        }
    }
    return leader;
}

/* Ticks until a (non-isolated) leader exists; 0 if none within max_rounds. */
static inline uint32_t fx_elect(struct fx *f, uint32_t max_rounds)
{
    for (uint32_t r = 0; r < max_rounds; r++) {
        uint32_t leader = fx_leader(f);
        if (leader != 0)
            return leader;
        fx_tick_all(f, 1);
    }
    return fx_leader(f);
}

static inline int fx_propose(struct fx *f, uint32_t id, uint64_t tag, const char *text)
{
    struct rast_entry e = { 0, (const uint8_t *)text, (uint32_t)strlen(text) };
    struct rast_input in = { .kind = RAST_INPUT_PROPOSE };
    in.u.propose.tag = tag;
    in.u.propose.entry_count = 1;
    in.u.propose.entries = &e;
    return fx_step(f, id, &in);
}

static inline int fx_read(struct fx *f, uint32_t id, uint64_t tag)
{
    struct rast_input in = { .kind = RAST_INPUT_READ };
    in.u.read.tag = tag;
    return fx_step(f, id, &in);
}

/* The last recorded outcome for tag, or NULL. */
static inline const struct fx_event *fx_outcome(const struct fx *f, uint64_t tag)
{
    for (uint32_t i = f->event_count; i > 0; i--) {
        if (f->events[i - 1].tag == tag)
            return &f->events[i - 1];
    }
    return NULL;
}

/* Crash: memory and queued persists are lost; the disk keeps what completed. */
static inline void fx_crash(struct fx *f, uint32_t id)
{
    struct fx_node *fn = &f->nodes[id];
    rast_node_destroy(fn->node);
    fn->node = NULL;
    fn->up = false;
    fx_drop_pending(fn);
}

static inline void fx_restart(struct fx *f, uint32_t id)
{
    fx_create_node(f, id);
}

static inline struct rast_status fx_status(const struct fx *f, uint32_t id)
{
    struct rast_status s;
    rast_node_status(f->nodes[id].node, &s);
    return s;
}

/* State machine safety across the cluster: no two nodes applied different entries at one
 * index. Returns the first bad index or 0. */
static inline uint64_t fx_applied_divergence(const struct fx *f)
{
    for (uint32_t a = 1; a <= f->n; a++) {
        for (uint32_t b = a + 1; b <= f->n; b++) {
            const struct fx_node *x = &f->nodes[a], *y = &f->nodes[b];
            uint64_t n = x->applied_len < y->applied_len ? x->applied_len : y->applied_len;
            for (uint64_t i = 1; i <= n; i++) {
                if (x->applied[i].term != y->applied[i].term ||
                    x->applied[i].size != y->applied[i].size ||
                    memcmp(x->applied[i].data, y->applied[i].data, x->applied[i].size) != 0)
                    return i;
            }
        }
    }
    return 0;
}

#endif /* RAST_CORE_TEST_FIXTURE_H */
