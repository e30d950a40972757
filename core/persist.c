/*
 * persist.c: the node's side of durability.
 *
 * Every change to the hard state (term, vote) or to the log is handed to the disk as PERSIST
 * outputs carrying increasing tokens; the caller completes them in order and reports each
 * with a PERSISTED input (DESIGN.md §2). From the tokens the node knows:
 *  - persisted_index: the log prefix known durable. A leader counts only this prefix toward
 *    the quorum (§5.3 with pipelined writes: its own write runs beside replication);
 *  - when a response may leave. Vote grants and append acks vouch for durable state
 *    (Figure 2: "updated on stable storage before responding to RPCs"), so persist_respond
 *    holds them in a bounded queue until the token covering the node's state so far is
 *    durable. A response from an older term is dropped at release; so is one that finds the
 *    queue full (the peer retries; a lost response is always allowed).
 *
 * Tracking is bounded: at most PERSIST_TRACKED_MAX outstanding requests are remembered one
 * by one; past that the newest slot is widened to the newer token (completions are in order,
 * so the newer token completing implies the older ones did: only granularity is lost).
 */
#include "node.h"

#include "bugs.h"

#include "rast_assert.h"

static void persist_track(struct rast_node *node, uint64_t token, uint64_t last_index)
{
    if (node->persist_pending_count == PERSIST_TRACKED_MAX) {
        struct persist_pending *newest = &node->persist_pending[PERSIST_TRACKED_MAX - 1];
        newest->token = token;
        newest->last_index = last_index;
        return;
    }
    struct persist_pending *slot = &node->persist_pending[node->persist_pending_count++];
    slot->token = token;
    slot->last_index = last_index;
}

/* One PERSIST output: optionally the hard state, then entries from first_index (contiguous
 * in memory, so at most one log chunk per output). */
static void persist_emit(struct rast_node *node, bool with_hard_state, uint64_t first_index,
                         uint32_t entry_count)
{
    struct rast_output *o = node_emit(node, RAST_OUTPUT_PERSIST);
    struct rast_persist *p = &o->u.persist;
    p->token = ++node->token_issued;
    p->has_hard_state = with_hard_state;
    p->hard_state.term = node->term;
    p->hard_state.voted_for = node->voted_for;
    p->truncate = node->truncate_pending;
    p->first_index = first_index;
    p->entry_count = entry_count;
    p->entries = entry_count > 0 ? log_entry_at(&node->log, first_index) : NULL;
    node->truncate_pending = false;
    persist_track(node, p->token, first_index + entry_count - 1);
}

uint64_t persist_flush_emit(struct rast_node *node)
{
    uint64_t last = node_last_index(node);
    bool with_hard_state = node->hard_state_dirty;
    node->hard_state_dirty = false;
    do {
        uint64_t first = node->persist_from_index;
        uint32_t count = log_contiguous_count(&node->log, first, UINT32_MAX);
        persist_emit(node, with_hard_state, first, count);
        with_hard_state = false;
        node->persist_from_index = first + count;
    } while (node->persist_from_index <= last);
    return node->token_issued;
}

void persist_on_truncate(struct rast_node *node, uint64_t first_index)
{
    if (node->persisted_index >= first_index)
        node->persisted_index = first_index - 1;
    for (uint32_t i = 0; i < node->persist_pending_count; i++) {
        if (node->persist_pending[i].last_index >= first_index)
            node->persist_pending[i].last_index = first_index - 1;
    }
    if (node->persist_from_index > first_index)
        node->persist_from_index = first_index;
    node->truncate_pending = true;
}

static void persist_send_now(struct rast_node *node, const struct rast_msg *msg)
{
    *node_emit_msg(node, msg->type, msg->to) = *msg;
}

void persist_respond(struct rast_node *node, const struct rast_msg *msg)
{
    uint64_t token = persist_flush(node);
#if RAST_BUG(vote_before_persist)
    if (msg->type == RAST_MSG_VOTE_RESP)
        token = 0;
#endif
#if RAST_BUG(ack_before_persist)
    if (msg->type == RAST_MSG_APPEND_RESP)
        token = 0;
#endif
    if (token <= node->token_durable && node->deferred.count == 0) {
        persist_send_now(node, msg);
        return;
    }
    struct deferred_msg *d = ring_push(&node->deferred);
    if (d == NULL) {
        node->stats.deferred_dropped++;
        return;
    }
    d->token = token;
    d->msg = *msg;
}

static void persist_release_deferred(struct rast_node *node)
{
    while (node->deferred.count > 0) {
        struct deferred_msg *d = ring_front(&node->deferred);
        if (d->token > node->token_durable)
            break;
        if (d->msg.term == node->term)
            persist_send_now(node, &d->msg);
        ring_pop(&node->deferred);
    }
}

static void persist_advance_index(struct rast_node *node)
{
    uint32_t done = 0;
    while (done < node->persist_pending_count &&
           node->persist_pending[done].token <= node->token_durable) {
        uint64_t last = node->persist_pending[done].last_index;
        if (last > node->persisted_index)
            node->persisted_index = last;
        done++;
    }
    for (uint32_t i = done; i < node->persist_pending_count; i++)
        node->persist_pending[i - done] = node->persist_pending[i];
    node->persist_pending_count -= done;
}

int persist_on_persisted(struct rast_node *node, uint64_t token)
{
    if (token <= node->token_durable)
        return RAST_OK; /* a duplicate or an older completion: nothing new is durable */
    node->token_durable = token;
    persist_advance_index(node);
    persist_release_deferred(node);
    if (node->role == RAST_CANDIDATE)
        election_on_persisted(node);
    else if (node->role == RAST_LEADER)
        replication_maybe_commit(node);
    return RAST_OK;
}
