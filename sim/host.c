/*
 * host.c: one node with its state machine, driven through host_io (see host.h).
 * Invariant: kv.applied_index is the last index this incarnation applied; APPLY outputs
 * arrive in index order without gaps (asserted by the invariant checker through io.applied).
 */
#include "host.h"

#include <string.h>

void host_init(struct host *h, uint32_t id, const struct host_io *io)
{
    memset(h, 0, sizeof *h);
    h->id = id;
    h->io = *io;
}

void host_free(struct host *h)
{
    host_stop(h);
    rast_node_destroy(h->parked);
    h->parked = NULL;
    rast_batch_free(&h->batch);
}

/* A node restarts many times in a run, and a fuzz harness runs thousands of runs: each start
 * rebuilds the parked node in place rather than freeing and allocating its ~400 KB of log
 * chunks and queues, which cost page faults and heap trimming, and under ASan shadow
 * poisoning (docs/fuzzing.md, "Speed"). The node is the same as a new one either way. */
int host_start(struct host *h, const struct rast_config *cfg, const struct rast_restore *r)
{
    host_stop(h);
    kv_reset(&h->kv);
    memset(h->wait, 0, sizeof h->wait);
    h->reads_waiting = 0;
    h->failed = false;
    if (h->parked == NULL)
        return rast_node_create(cfg, r, &h->node);
    int rc = rast_node_recreate(h->parked, cfg, r);
    if (rc != 0) {
        rast_node_destroy(h->parked);
        h->parked = NULL;
        return rc;
    }
    h->node = h->parked;
    h->parked = NULL;
    return 0;
}

void host_stop(struct host *h)
{
    if (h->node != NULL) {
        rast_node_destroy(h->parked);
        h->parked = h->node;
    }
    h->node = NULL;
    h->batch.count = 0;
    memset(h->wait, 0, sizeof h->wait);
    h->reads_waiting = 0;
}

static void host_reply(struct host *h, uint32_t client, uint8_t status, uint64_t value,
                       uint64_t index)
{
    struct host_wait *w = &h->wait[client];
    uint32_t request = w->request;
    if (w->read_ready)
        h->reads_waiting--;
    memset(w, 0, sizeof *w);
    h->io.reply(h->io.ctx, h, client, request, status, value, index);
}

/* Tags are (client << 32 | request); only the current request of a client is answered. */
static struct host_wait *host_wait_for(struct host *h, uint64_t tag, uint32_t *client)
{
    *client = (uint32_t)(tag >> 32);
    if (*client >= HOST_CLIENTS_MAX)
        return NULL;
    struct host_wait *w = &h->wait[*client];
    if (!w->active || w->request != (uint32_t)tag)
        return NULL;
    return w;
}

static void host_serve_reads(struct host *h)
{
    for (uint32_t c = 0; c < HOST_CLIENTS_MAX && h->reads_waiting > 0; c++) {
        struct host_wait *w = &h->wait[c];
        if (w->active && w->read_ready && h->kv.applied_index >= w->read_index)
            host_reply(h, c, HOST_REPLY_OK, h->kv.values[w->key], w->read_index);
    }
}

static void host_apply(struct host *h, uint64_t first, uint32_t count,
                       const struct rast_entry *entries)
{
    for (uint32_t i = 0; i < count; i++) {
        const struct rast_entry *e = &entries[i];
        uint64_t index = first + i;
        h->io.applied(h->io.ctx, h, index, e);
        h->kv.applied_index = index;
        struct kv_op op;
        if (!kv_decode(e->data, e->size, &op))
            continue;
        uint64_t before = 0;
        bool took = kv_apply(&h->kv, &op, &before);
        if (op.client < HOST_CLIENTS_MAX && h->wait[op.client].active &&
            h->wait[op.client].request == op.request && h->wait[op.client].type != KV_GET)
            host_reply(h, op.client, took ? HOST_REPLY_OK : HOST_REPLY_CAS_FAIL, before, index);
    }
    if (h->reads_waiting > 0)
        host_serve_reads(h);
}

static void host_refused(struct host *h, uint64_t tag, int reason, uint32_t hint)
{
    uint32_t client = 0;
    if (host_wait_for(h, tag, &client) == NULL)
        return;
    if (reason == RAST_E_NOT_LEADER)
        host_reply(h, client, HOST_REPLY_NOT_LEADER, hint, 0);
    else if (reason == RAST_E_LEADERSHIP_LOST)
        host_reply(h, client, HOST_REPLY_UNKNOWN, hint, 0);
    else
        host_reply(h, client, HOST_REPLY_REFUSED, hint, 0);
}

/* The entries of a put are committed (PROPOSE_DONE): it is acknowledged now, as a real
 * server replies on PROPOSE_DONE; a cas waits for its apply, which decides its result. When
 * this node applies as it commits (the leader does), the apply has already replied. */
static void host_propose_done(struct host *h, uint64_t tag, uint64_t last_index)
{
    uint32_t client = 0;
    struct host_wait *w = host_wait_for(h, tag, &client);
    if (w != NULL && w->type == KV_PUT)
        host_reply(h, client, HOST_REPLY_OK, 0, last_index);
}

static void host_read_ready(struct host *h, uint64_t tag, uint64_t read_index)
{
    uint32_t client = 0;
    struct host_wait *w = host_wait_for(h, tag, &client);
    if (w == NULL || w->read_ready)
        return;
    if (h->kv.applied_index >= read_index) {
        host_reply(h, client, HOST_REPLY_OK, h->kv.values[w->key], read_index);
        return;
    }
    w->read_ready = true;
    w->read_index = read_index;
    h->reads_waiting++;
}

static void host_send(struct host *h, const struct rast_msg *msg)
{
    size_t size = 0;
    int rc = h->io.frames_unsealed ? rast_msg_encode_unsealed(msg, h->frame, sizeof h->frame, &size)
                                   : rast_msg_encode(msg, h->frame, sizeof h->frame, &size);
    if (rc != 0) {
        h->msgs_encode_failed++;
        return;
    }
    h->io.send(h->io.ctx, h, msg, h->frame, size);
}

static void host_output(struct host *h, const struct rast_output *o)
{
    switch (o->kind) {
    case RAST_OUTPUT_SEND: host_send(h, &o->u.send); break;
    case RAST_OUTPUT_PERSIST:
        if (!h->failed && h->io.persist(h->io.ctx, h, &o->u.persist) != 0)
            h->failed = true;
        break;
    case RAST_OUTPUT_APPLY:
        host_apply(h, o->u.apply.first_index, o->u.apply.entry_count, o->u.apply.entries);
        break;
    case RAST_OUTPUT_PROPOSE_DONE:
        host_propose_done(h, o->u.propose_done.tag, o->u.propose_done.last_index);
        break;
    case RAST_OUTPUT_PROPOSE_FAILED:
        host_refused(h, o->u.propose_failed.tag, o->u.propose_failed.reason,
                     o->u.propose_failed.leader_hint);
        break;
    case RAST_OUTPUT_READ_READY:
        host_read_ready(h, o->u.read_ready.tag, o->u.read_ready.read_index);
        break;
    case RAST_OUTPUT_READ_FAILED:
        host_refused(h, o->u.read_failed.tag, o->u.read_failed.reason,
                     o->u.read_failed.leader_hint);
        break;
    case RAST_OUTPUT_ROLE:
        h->io.role(h->io.ctx, h, o->u.role.role, o->u.role.term, o->u.role.leader);
        break;
    default: break;
    }
}

int host_step(struct host *h, const struct rast_input *in)
{
    h->batch.count = 0;
    int rc = rast_step(h->node, in, &h->batch);
    for (uint32_t i = 0; i < h->batch.count; i++)
        host_output(h, &h->batch.items[i]);
    h->batch.count = 0;
    return rc;
}

int host_client(struct host *h, const struct kv_op *op)
{
    if (op->client >= HOST_CLIENTS_MAX)
        return RAST_E_INVALID;
    struct host_wait *w = &h->wait[op->client];
    if (w->read_ready)
        h->reads_waiting--;
    memset(w, 0, sizeof *w);
    w->active = true;
    w->type = op->type;
    w->key = op->key;
    w->request = op->request;
    struct rast_input in;
    memset(&in, 0, sizeof in);
    uint64_t tag = ((uint64_t)op->client << 32) | op->request;
    uint8_t data[KV_OP_BYTES];
    struct rast_entry entry = {.term = 0, .data = data, .size = KV_OP_BYTES};
    if (op->type == KV_GET) {
        in.kind = RAST_INPUT_READ;
        in.u.read.tag = tag;
    } else {
        kv_encode(op, data);
        in.kind = RAST_INPUT_PROPOSE;
        in.u.propose.tag = tag;
        in.u.propose.entry_count = 1;
        in.u.propose.entries = &entry;
    }
    return host_step(h, &in);
}
