/*
 * propose.c: client proposals on a leader.
 *
 * A PROPOSE input appends its entries to the leader's log in the current term, hands them to
 * the disk and to the followers at once (pipelined), and is remembered with its caller tag
 * until the commit index covers its last entry: then PROPOSE_DONE. Refusals are outputs:
 * PROPOSE_FAILED with RAST_E_NOT_LEADER (nothing was appended; retry at the leader hint),
 * RAST_E_BUSY (the pending queue is full), RAST_E_TOO_BIG (an entry over
 * entry_size_bytes_max). When a leader steps down with proposals unresolved they fail with
 * RAST_E_LEADERSHIP_LOST: their entries may still commit under a later leader, so the caller
 * must treat the outcome as unknown.
 */
#include "node.h"

#include "bugs.h"

static void propose_fail(struct rast_node *node, uint64_t tag, int reason)
{
    struct rast_output *o = node_emit(node, RAST_OUTPUT_PROPOSE_FAILED);
    o->u.propose_failed.tag = tag;
    o->u.propose_failed.reason = reason;
    o->u.propose_failed.leader_hint = node->leader == node->cfg.id ? RAST_NODE_NONE : node->leader;
}

static bool propose_sizes_ok(const struct rast_node *node, uint32_t entry_count,
                             const struct rast_entry *entries)
{
    for (uint32_t i = 0; i < entry_count; i++) {
        if (entries[i].size > node->cfg.entry_size_bytes_max)
            return false;
    }
    return true;
}

void propose_on_request(struct rast_node *node, uint64_t tag, uint32_t entry_count,
                        const struct rast_entry *entries)
{
    if (node->role != RAST_LEADER) {
        propose_fail(node, tag, RAST_E_NOT_LEADER);
        return;
    }
    if (!propose_sizes_ok(node, entry_count, entries)) {
        propose_fail(node, tag, RAST_E_TOO_BIG);
        return;
    }
    struct proposal *pending = ring_push(&node->proposals);
    if (pending == NULL) {
        propose_fail(node, tag, RAST_E_BUSY);
        return;
    }
    pending->tag = tag;
    pending->first_index = node_last_index(node) + 1;
    if (log_append_entries(&node->log, entries, entry_count, node->term) != 0) {
        node->out_of_memory = true;
        return;
    }
    pending->last_index = node_last_index(node);
#if RAST_BUG(propose_done_early)
    {
        struct rast_output *o = node_emit(node, RAST_OUTPUT_PROPOSE_DONE);
        o->u.propose_done.tag = tag;
        o->u.propose_done.first_index = pending->first_index;
        o->u.propose_done.last_index = pending->last_index;
        pending->tag = UINT64_MAX; /* its real completion is still emitted; callers ignore */
    }
#endif
    (void)persist_flush(node);
    replication_broadcast(node);
    replication_maybe_commit(node); /* a one-node cluster commits on persist alone */
}

void propose_on_commit(struct rast_node *node)
{
    while (node->proposals.count > 0) {
        const struct proposal *p = ring_front(&node->proposals);
        if (p->last_index > node->commit_index)
            break;
        struct rast_output *o = node_emit(node, RAST_OUTPUT_PROPOSE_DONE);
        o->u.propose_done.tag = p->tag;
        o->u.propose_done.first_index = p->first_index;
        o->u.propose_done.last_index = p->last_index;
        ring_pop(&node->proposals);
    }
}

void propose_fail_all(struct rast_node *node, int reason)
{
    while (node->proposals.count > 0) {
        const struct proposal *p = ring_front(&node->proposals);
        propose_fail(node, p->tag, reason);
        ring_pop(&node->proposals);
    }
}
