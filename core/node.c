/*
 * node.c: a node's life (create, restore, destroy), the rast_step dispatch, validation of
 * every input before anything changes, and role transitions (§5.1: terms and roles).
 *
 * A step either rejects its input with RAST_E_INVALID and changes nothing, or applies it
 * completely. At the end of every step, state not yet handed to the disk is flushed as
 * PERSIST outputs (persist_flush), so a caller that executes a step's outputs in order always
 * writes the node's state before acting on anything that depends on it.
 */
#include "node.h"

#include "bugs.h"

#include "rast_assert.h"

#include <stdlib.h>
#include <string.h>

/* ---- bounded FIFO ---- */

int ring_init(struct ring *r, uint32_t item_size, uint32_t capacity)
{
    memset(r, 0, sizeof *r);
    r->items = malloc((size_t)capacity * item_size); /* ring_push clears each slot it hands out */
    if (r->items == NULL)
        return RAST_E_NOMEM;
    r->item_size = item_size;
    r->capacity = capacity;
    return RAST_OK;
}

void ring_free(struct ring *r)
{
    free(r->items);
    memset(r, 0, sizeof *r);
}

int ring_ensure(struct ring *r, uint32_t item_size, uint32_t capacity)
{
    if (r->items != NULL && r->item_size == item_size && r->capacity == capacity) {
        r->head = 0;
        r->count = 0;
        return RAST_OK;
    }
    ring_free(r);
    return ring_init(r, item_size, capacity);
}

void *ring_at(const struct ring *r, uint32_t i)
{
    ASSERT(i < r->count);
    return (uint8_t *)r->items + (size_t)((r->head + i) % r->capacity) * r->item_size;
}

void *ring_front(const struct ring *r)
{
    return r->count == 0 ? NULL : ring_at(r, 0);
}

bool ring_full(const struct ring *r)
{
    return r->count == r->capacity;
}

void *ring_push(struct ring *r)
{
    if (ring_full(r))
        return NULL;
    r->count++;
    void *slot = ring_at(r, r->count - 1);
    memset(slot, 0, r->item_size);
    return slot;
}

void ring_pop(struct ring *r)
{
    ASSERT(r->count > 0);
    r->head = (r->head + 1) % r->capacity;
    r->count--;
}

/* ---- life ---- */

/* The queues cfg asks for. A node rebuilt in place (rast_node_recreate) arrives with the
 * queues of its last life, inflight_held slots per peer: they are kept when they fit. */
static int node_alloc_queues(struct rast_node *node, uint32_t inflight_held)
{
    const struct rast_config *cfg = &node->cfg;
    if (node->inflight_storage != NULL && inflight_held != cfg->inflight_msgs_max) {
        free(node->inflight_storage);
        node->inflight_storage = NULL;
    }
    /* Not zeroed: progress_track writes a ring slot before anything reads it. */
    if (node->inflight_storage == NULL)
        node->inflight_storage = malloc((size_t)(RAST_NODES_MAX + 1) * cfg->inflight_msgs_max *
                                        sizeof(struct progress_inflight));
    if (node->inflight_storage == NULL)
        return RAST_E_NOMEM;
    for (uint32_t i = 0; i <= RAST_NODES_MAX; i++) {
        node->progress[i].ring = node->inflight_storage + (size_t)i * cfg->inflight_msgs_max;
        node->progress[i].ring_capacity = cfg->inflight_msgs_max;
    }
    if (ring_ensure(&node->deferred, sizeof(struct deferred_msg), cfg->deferred_msgs_max) != 0 ||
        ring_ensure(&node->proposals, sizeof(struct proposal), cfg->proposals_pending_max) != 0 ||
        ring_ensure(&node->reads, sizeof(struct read_request), cfg->reads_pending_max) != 0)
        return RAST_E_NOMEM;
    return RAST_OK;
}

static int node_restore(struct rast_node *node, const struct rast_restore *restore)
{
    const struct rast_hard_state *hs = &restore->hard_state;
    if (hs->voted_for > node->cfg.voter_count)
        return RAST_E_INVALID;
    uint64_t prev_term = 0;
    for (uint64_t i = 0; i < restore->entry_count; i++) {
        const struct rast_entry *e = &restore->entries[i];
        if (e->term < prev_term || e->term > hs->term || e->size > node->cfg.entry_size_bytes_max ||
            (e->size > 0 && e->data == NULL))
            return RAST_E_INVALID;
        prev_term = e->term;
    }
    for (uint64_t i = 0; i < restore->entry_count; i++) {
        const struct rast_entry *e = &restore->entries[i];
        if (log_append(&node->log, e->term, e->data, e->size) != 0)
            return RAST_E_NOMEM;
    }
    node->term = hs->term;
    node->voted_for = hs->voted_for;
    node->persisted_index = restore->entry_count;
    return RAST_OK;
}

/* Everything a new node starts with; node is zeroed but for its memory (an empty log and
 * the queues of an earlier life, if any, inflight_held slots per peer). */
static int node_start(struct rast_node *node, const struct rast_config *cfg,
                      const struct rast_restore *restore, uint32_t inflight_held)
{
    node->cfg = *cfg;
    node->quorum = cfg->voter_count / 2 + 1;
#if RAST_BUG(quorum_off_by_one)
    node->quorum = cfg->voter_count / 2 + (cfg->voter_count % 2 == 0 ? 1 : 0);
    if (node->quorum == 0)
        node->quorum = 1;
#endif
    node->role = RAST_FOLLOWER;
    rng_seed(&node->rng, cfg->random_seed);
    int rc = node_alloc_queues(node, inflight_held);
    if (rc == 0 && restore != NULL)
        rc = node_restore(node, restore);
    if (rc != 0)
        return rc;
    node->persist_from_index = node->log.last_index + 1;
    election_reset_timer(node);
    return RAST_OK;
}

int rast_node_create(const struct rast_config *cfg, const struct rast_restore *restore,
                     struct rast_node **out)
{
    if (out == NULL || rast_config_validate(cfg) != 0)
        return RAST_E_INVALID;
    struct rast_node *node = calloc(1, sizeof *node);
    if (node == NULL)
        return RAST_E_NOMEM;
    log_init(&node->log);
    int rc = node_start(node, cfg, restore, 0);
    if (rc != 0) {
        rast_node_destroy(node);
        return rc;
    }
    *out = node;
    return RAST_OK;
}

/* The allocations a node keeps when it is rebuilt in place. */
struct node_memory {
    struct rast_log log;
    struct ring deferred;
    struct ring proposals;
    struct ring reads;
    struct progress_inflight *inflight_storage;
    uint32_t inflight_held;
};

int rast_node_recreate(struct rast_node *node, const struct rast_config *cfg,
                       const struct rast_restore *restore)
{
    if (node == NULL || rast_config_validate(cfg) != 0)
        return RAST_E_INVALID;
    struct node_memory m = { .log = node->log,
                             .deferred = node->deferred,
                             .proposals = node->proposals,
                             .reads = node->reads,
                             .inflight_storage = node->inflight_storage,
                             .inflight_held = node->progress[0].ring_capacity };
    log_reset(&m.log);
    memset(node, 0, sizeof *node);
    node->log = m.log;
    node->deferred = m.deferred;
    node->proposals = m.proposals;
    node->reads = m.reads;
    node->inflight_storage = m.inflight_storage;
    return node_start(node, cfg, restore, m.inflight_held);
}

void rast_node_destroy(struct rast_node *node)
{
    if (node == NULL)
        return;
    log_free(&node->log);
    ring_free(&node->deferred);
    ring_free(&node->proposals);
    ring_free(&node->reads);
    free(node->inflight_storage);
    free(node);
}

/* ---- roles (§5.1) ---- */

static bool node_transition_legal(uint8_t from, uint8_t to)
{
    switch (from) {
    case RAST_FOLLOWER: return to == RAST_FOLLOWER || to == RAST_CANDIDATE;
    case RAST_CANDIDATE: return true; /* new election, win, or step down */
    case RAST_LEADER: return to == RAST_FOLLOWER;
    default: return false;
    }
}

static void node_trace_role(struct rast_node *node)
{
    struct rast_output *o = node_emit(node, RAST_OUTPUT_ROLE);
    o->u.role.role = node->role;
    o->u.role.term = node->term;
    o->u.role.leader = node->leader;
}

void node_set_role(struct rast_node *node, uint8_t role)
{
    ASSERT(node_transition_legal(node->role, role));
    if (node->role == RAST_LEADER && role != RAST_LEADER) {
        propose_fail_all(node, RAST_E_LEADERSHIP_LOST);
        read_fail_all(node, RAST_E_LEADERSHIP_LOST);
    }
    node->role = role;
    node_trace_role(node);
}

/* Adopts term (>= current) as a follower of leader (RAST_NODE_NONE if unknown). A new term
 * clears the vote (Figure 2: "If RPC request or response contains term T > currentTerm: set
 * currentTerm = T, convert to follower"). */
void node_become_follower(struct rast_node *node, uint64_t term, uint32_t leader)
{
    ASSERT(term >= node->term);
    bool changed = term != node->term || node->role != RAST_FOLLOWER || node->leader != leader;
    if (term > node->term) {
        node->term = term;
        node->voted_for = RAST_NODE_NONE;
        node->hard_state_dirty = true;
    }
#if RAST_BUG(stepdown_forgets_vote)
    if (term == node->term && node->voted_for != RAST_NODE_NONE) {
        node->voted_for = RAST_NODE_NONE;
        node->hard_state_dirty = true;
    }
#endif
    node->leader = leader;
    if (changed)
        node_set_role(node, RAST_FOLLOWER);
}

/* ---- validation: bad input is an error code, never an assertion ---- */

static int node_validate_entries(const struct rast_node *node, const struct rast_msg *msg)
{
    const struct rast_append_req *a = &msg->u.append_req;
    if (a->entry_count > 0 && a->entries == NULL)
        return RAST_E_INVALID;
    if (a->prev_index > UINT64_MAX - a->entry_count || a->prev_term > msg->term)
        return RAST_E_INVALID;
    if (a->prev_index == 0 && a->prev_term != 0)
        return RAST_E_INVALID;
    uint64_t prev_term = a->prev_term;
    for (uint32_t i = 0; i < a->entry_count; i++) {
        const struct rast_entry *e = &a->entries[i];
        if (e->term < prev_term || e->term > msg->term || e->term == 0)
            return RAST_E_INVALID;
        if (e->size > node->cfg.entry_size_bytes_max || (e->size > 0 && e->data == NULL))
            return RAST_E_INVALID;
        prev_term = e->term;
    }
    return RAST_OK;
}

static int node_validate_msg(const struct rast_node *node, const struct rast_msg *msg)
{
    if (msg->to != node->cfg.id || !node_is_peer(node, msg->from) || msg->term == 0)
        return RAST_E_INVALID;
    switch (msg->type) {
    case RAST_MSG_APPEND_REQ: return node_validate_entries(node, msg);
    case RAST_MSG_VOTE_REQ:
        return msg->u.vote_req.last_log_term > msg->term ? RAST_E_INVALID : RAST_OK;
    case RAST_MSG_VOTE_RESP:
    case RAST_MSG_APPEND_RESP:
    case RAST_MSG_HEARTBEAT_REQ:
    case RAST_MSG_HEARTBEAT_RESP: return RAST_OK;
    default: return RAST_E_INVALID;
    }
}

static int node_validate_input(const struct rast_node *node, const struct rast_input *in)
{
    switch (in->kind) {
    case RAST_INPUT_TICK: return RAST_OK;
    case RAST_INPUT_RECV: return node_validate_msg(node, &in->u.recv);
    case RAST_INPUT_PERSISTED:
        return in->u.persisted.token > node->token_issued ? RAST_E_INVALID : RAST_OK;
    case RAST_INPUT_PROPOSE:
        if (in->u.propose.entry_count == 0 || in->u.propose.entries == NULL)
            return RAST_E_INVALID;
        for (uint32_t i = 0; i < in->u.propose.entry_count; i++) {
            const struct rast_entry *e = &in->u.propose.entries[i];
            if (e->size > 0 && e->data == NULL)
                return RAST_E_INVALID;
        }
        return RAST_OK;
    case RAST_INPUT_READ: return RAST_OK;
    default: return RAST_E_INVALID;
    }
}

/* ---- dispatch ---- */

/* §5.1: a message from a newer term makes us a follower first; one from an older term is
 * answered with our term (so a stale leader or candidate steps down) or dropped. */
static bool node_check_term(struct rast_node *node, const struct rast_msg *msg)
{
    if (msg->term > node->term) {
        bool from_leader = msg->type == RAST_MSG_APPEND_REQ || msg->type == RAST_MSG_HEARTBEAT_REQ;
        node_become_follower(node, msg->term, from_leader ? msg->from : RAST_NODE_NONE);
        return true;
    }
    if (msg->term == node->term)
        return true;
    node->stats.msgs_stale_term++;
#if RAST_BUG(stale_vote_counted)
    if (msg->type == RAST_MSG_VOTE_RESP)
        election_on_vote_resp(node, msg);
#endif
#if RAST_BUG(stale_ack_counted)
    if (msg->type == RAST_MSG_APPEND_RESP)
        replication_on_append_resp(node, msg);
#endif
    if (msg->type == RAST_MSG_VOTE_REQ)
        node_emit_msg(node, RAST_MSG_VOTE_RESP, msg->from);
    else if (msg->type == RAST_MSG_APPEND_REQ || msg->type == RAST_MSG_HEARTBEAT_REQ)
        node_emit_msg(node, RAST_MSG_APPEND_RESP, msg->from)->u.append_resp.reject_index =
            msg->type == RAST_MSG_APPEND_REQ ? msg->u.append_req.prev_index : 0;
    return false;
}

static void node_on_recv(struct rast_node *node, const struct rast_msg *msg)
{
    if (!node_check_term(node, msg))
        return;
    switch (msg->type) {
    case RAST_MSG_VOTE_REQ: election_on_vote_req(node, msg); break;
    case RAST_MSG_VOTE_RESP: election_on_vote_resp(node, msg); break;
    case RAST_MSG_APPEND_REQ: replication_on_append_req(node, msg); break;
    case RAST_MSG_APPEND_RESP: replication_on_append_resp(node, msg); break;
    case RAST_MSG_HEARTBEAT_REQ: replication_on_heartbeat_req(node, msg); break;
    case RAST_MSG_HEARTBEAT_RESP: replication_on_heartbeat_resp(node, msg); break;
    default: ASSERT(false); /* validated */
    }
}

static void node_dispatch(struct rast_node *node, const struct rast_input *in)
{
    switch (in->kind) {
    case RAST_INPUT_TICK: election_tick(node); break;
    case RAST_INPUT_RECV: node_on_recv(node, &in->u.recv); break;
    case RAST_INPUT_PERSISTED: (void)persist_on_persisted(node, in->u.persisted.token); break;
    case RAST_INPUT_PROPOSE:
        propose_on_request(node, in->u.propose.tag, in->u.propose.entry_count,
                           in->u.propose.entries);
        break;
    case RAST_INPUT_READ: read_on_request(node, in->u.read.tag); break;
    default: ASSERT(false); /* validated */
    }
}

int rast_step(struct rast_node *node, const struct rast_input *in, struct rast_batch *out)
{
    if (node == NULL || in == NULL || out == NULL)
        return RAST_E_INVALID;
    if (node->failed)
        return RAST_E_NOMEM;
    if (node_validate_input(node, in) != 0) {
        node->stats.msgs_ignored += in->kind == RAST_INPUT_RECV;
        return RAST_E_INVALID;
    }
    node->out = out;
    node->out_of_memory = false;
    node_dispatch(node, in);
    if (node->role == RAST_LEADER)
        read_flush(node);
    (void)persist_flush(node);
    node->out = NULL;
#if !RAST_BUG(apply_beyond_commit)
    ASSERT(node->applied_index <= node->commit_index);
#endif
    ASSERT(node->commit_index <= node_last_index(node));
    ASSERT(node->persisted_index <= node_last_index(node));
    if (node->out_of_memory) {
        node->failed = true;
        return RAST_E_NOMEM;
    }
    return RAST_OK;
}

/* ---- views ---- */

void rast_node_status(const struct rast_node *node, struct rast_status *status)
{
    /* Every field, without a memset first: the simulator reads the status after every event,
     * and without the memset the cluster fuzz harness runs 1.7% fewer instructions. */
    *status = (struct rast_status){
        .id = node->cfg.id,
        .role = node->role,
        .term = node->term,
        .voted_for = node->voted_for,
        .leader = node->leader,
        .commit_index = node->commit_index,
        .applied_index = node->applied_index,
        .last_index = node->log.last_index,
        .last_term = log_last_term(&node->log),
        .persisted_index = node->persisted_index,
    };
}

uint64_t rast_node_term_at(const struct rast_node *node, uint64_t index)
{
    return log_term_at(&node->log, index);
}

const struct rast_entry *rast_node_entry_at(const struct rast_node *node, uint64_t index)
{
    return log_entry_at(&node->log, index);
}

void rast_node_stats(const struct rast_node *node, struct rast_stats *stats)
{
    *stats = node->stats;
    stats->log_bytes_held = log_bytes_held(&node->log);
}
