/*
 * replication.c: log replication (§5.3) and commitment (§5.4.2), both sides.
 *
 * Leader: appends go out pipelined under each follower's window (progress.c); a rejection
 * carries a conflict hint (the follower's term at the rejected index and that term's first
 * index, or its last index + 1) so the leader skips a whole term per round trip. An index
 * commits only when a quorum holds it durably and it is from the leader's current term
 * (§5.4.2, Figure 8); the leader's own copy counts once persisted.
 *
 * Follower: the consistency check on (prev_index, prev_term); only a conflicting suffix is
 * truncated, never entries that match (a delayed, shorter append must not cut newer
 * entries); commit = min(leader commit, index of last new entry) (Figure 2, rule 5).
 * Acks leave only once the accepted entries are durable (persist_respond).
 */
#include "node.h"

#include "bugs.h"

#include "rast_assert.h"

#include <string.h>

/* ---- leader: sending ---- */

static uint32_t replication_batch_count(const struct rast_node *node, uint64_t first,
                                        uint32_t *bytes_out)
{
    uint32_t count = log_contiguous_count(&node->log, first, node->cfg.msg_entries_max);
    const struct rast_entry *e = log_entry_at(&node->log, first);
    uint32_t bytes = 0, n = 0;
    for (; n < count; n++) {
        if (n > 0 && bytes + e[n].size > node->cfg.msg_bytes_max)
            break;
        bytes += e[n].size;
    }
    *bytes_out = bytes;
    return n;
}

static void replication_send_append(struct rast_node *node, uint32_t peer)
{
    struct progress *p = &node->progress[peer];
    uint64_t next = p->next_index;
    uint32_t bytes = 0;
    uint32_t count = replication_batch_count(node, next, &bytes);
    struct rast_msg *m = node_emit_msg(node, RAST_MSG_APPEND_REQ, peer);
    struct rast_append_req *a = &m->u.append_req;
    a->prev_index = next - 1;
    a->prev_term = log_term_at(&node->log, next - 1);
    a->commit_index = node->commit_index;
    a->entry_count = count;
    a->entries = count > 0 ? log_entry_at(&node->log, next) : NULL;
    progress_on_sent(p, next - 1 + count, count, bytes);
}

/* Sends what the window allows: in PROBE one append (possibly empty), in REPLICATE every
 * pending entry up to the window. */
static void replication_maybe_send(struct rast_node *node, uint32_t peer)
{
    struct progress *p = &node->progress[peer];
    uint64_t last = node_last_index(node);
    if (p->state == PROGRESS_PROBE) {
        if (!p->probe_sent)
            replication_send_append(node, peer);
        return;
    }
    while (p->next_index <= last && progress_can_send(p, node->cfg.inflight_bytes_max))
        replication_send_append(node, peer);
}

void replication_broadcast(struct rast_node *node)
{
    for (uint32_t peer = 1; peer <= node->cfg.voter_count; peer++) {
        if (peer != node->cfg.id)
            replication_maybe_send(node, peer);
    }
}

void replication_heartbeat(struct rast_node *node)
{
    for (uint32_t peer = 1; peer <= node->cfg.voter_count; peer++) {
        if (peer == node->cfg.id)
            continue;
        const struct progress *p = &node->progress[peer];
        struct rast_msg *m = node_emit_msg(node, RAST_MSG_HEARTBEAT_REQ, peer);
        uint64_t commit = node->commit_index;
        m->u.heartbeat_req.commit_index = p->match_index < commit ? p->match_index : commit;
#if RAST_BUG(heartbeat_commit_uncapped)
        m->u.heartbeat_req.commit_index = commit;
#endif
        m->u.heartbeat_req.read_round = node->read_round_sent;
    }
}

void replication_become_leader(struct rast_node *node)
{
    node->leader = node->cfg.id;
    node->heartbeat_elapsed_ticks = 0;
    node_set_role(node, RAST_LEADER);
    for (uint32_t peer = 1; peer <= node->cfg.voter_count; peer++)
        progress_reset(&node->progress[peer], node_last_index(node));
    /* A no-op of the new term: commits the previous terms' entries (§5.4.2) and opens
     * ReadIndex (thesis §6.4). */
    if (log_append(&node->log, node->term, NULL, 0) != 0) {
        node->out_of_memory = true;
        return;
    }
    node->term_start_index = node_last_index(node);
    node->read_round_confirmed = node->read_round_sent;
    (void)persist_flush(node);
    replication_broadcast(node);
}

/* ---- follower: receiving appends ---- */

static void replication_reply(struct rast_node *node, const struct rast_msg *req,
                              const struct rast_append_resp *body)
{
    struct rast_msg resp;
    memset(&resp, 0, sizeof resp);
    resp.type = RAST_MSG_APPEND_RESP;
    resp.from = node->cfg.id;
    resp.to = req->from;
    resp.term = node->term;
    resp.u.append_resp = *body;
    persist_respond(node, &resp);
}

/* §5.3 consistency check failed at prev_index: tell the leader where our log diverges. */
static void replication_reject(struct rast_node *node, const struct rast_msg *req)
{
    const struct rast_append_req *a = &req->u.append_req;
    struct rast_append_resp body;
    memset(&body, 0, sizeof body);
    body.reject_index = a->prev_index;
    if (a->prev_index > node_last_index(node)) {
        body.conflict_index = node_last_index(node) + 1;
    } else {
        body.conflict_term = log_term_at(&node->log, a->prev_index);
        body.conflict_index = log_first_index_of_term(&node->log, a->prev_index);
    }
    replication_reply(node, req, &body);
}

/* First entry of the request that is not already in our log, or entry_count when all are.
 * *conflict_out is true when that entry replaces a different one (a truncation). */
static uint32_t replication_first_new(const struct rast_node *node, const struct rast_append_req *a,
                                      bool *conflict_out)
{
    *conflict_out = false;
    for (uint32_t i = 0; i < a->entry_count; i++) {
        uint64_t index = a->prev_index + 1 + i;
        if (index > node_last_index(node))
            return i;
        if (log_term_at(&node->log, index) != a->entries[i].term) {
#if RAST_BUG(conflict_not_truncated)
            continue; /* keeps the old entry as if it matched */
#endif
            *conflict_out = true;
            return i;
        }
    }
    return a->entry_count;
}

/* Appends entries[first..] after truncating a conflicting suffix. Returns false (and changes
 * nothing) for a request that would cut a committed entry: no correct leader sends one. */
static bool replication_accept(struct rast_node *node, const struct rast_append_req *a)
{
    bool conflict = false;
    uint32_t first = replication_first_new(node, a, &conflict);
    uint64_t index = a->prev_index + 1 + first;
#if RAST_BUG(matching_truncated)
    if (a->entry_count > 0 && node_last_index(node) > a->prev_index &&
        a->prev_index + 1 > node->commit_index) {
        first = 0; /* rewrite from prev_index + 1, cutting whatever followed */
        index = a->prev_index + 1;
        conflict = true;
    }
#endif
    if (conflict) {
        if (index <= node->commit_index)
            return false;
        log_truncate_from(&node->log, index);
        persist_on_truncate(node, index);
    }
    if (first < a->entry_count &&
        log_append_entries(&node->log, a->entries + first, a->entry_count - first, 0) != 0) {
        node->out_of_memory = true;
        return false;
    }
    return true;
}

void replication_on_append_req(struct rast_node *node, const struct rast_msg *msg)
{
    const struct rast_append_req *a = &msg->u.append_req;
    if (node->role != RAST_FOLLOWER || node->leader != msg->from)
        node_become_follower(node, node->term, msg->from); /* §5.2: a leader of our term */
    election_reset_timer(node);
    if (a->prev_index > node_last_index(node) ||
        log_term_at(&node->log, a->prev_index) != a->prev_term) {
        replication_reject(node, msg);
        return;
    }
    if (!replication_accept(node, a)) {
        node->stats.msgs_ignored++;
        return;
    }
    uint64_t last_new = a->prev_index + a->entry_count;
#if RAST_BUG(follower_commit_uncapped)
    last_new = node_last_index(node); /* capped by the log, not by the last new entry */
#endif
    if (a->commit_index > node->commit_index)
        replication_commit_to(node, a->commit_index < last_new ? a->commit_index : last_new);
    struct rast_append_resp body;
    memset(&body, 0, sizeof body);
    body.success = true;
    body.match_index = last_new;
    replication_reply(node, msg, &body);
}

void replication_on_heartbeat_req(struct rast_node *node, const struct rast_msg *msg)
{
    if (node->role != RAST_FOLLOWER || node->leader != msg->from)
        node_become_follower(node, node->term, msg->from);
    election_reset_timer(node);
    uint64_t commit = msg->u.heartbeat_req.commit_index;
    uint64_t last = node_last_index(node);
    if (commit > node->commit_index)
        replication_commit_to(node, commit < last ? commit : last);
    struct rast_msg *m = node_emit_msg(node, RAST_MSG_HEARTBEAT_RESP, msg->from);
    m->u.heartbeat_resp.read_round = msg->u.heartbeat_req.read_round;
    m->u.heartbeat_resp.match_hint = last;
}

/* ---- commitment and apply ---- */

static void replication_apply(struct rast_node *node)
{
    uint64_t apply_to = node->commit_index;
#if RAST_BUG(apply_beyond_commit)
    apply_to = node_last_index(node); /* applies what it has, committed or not */
#endif
    while (node->applied_index < apply_to) {
        uint64_t first = node->applied_index + 1;
        uint64_t want = apply_to - node->applied_index;
        uint32_t count = log_contiguous_count(&node->log, first,
                                              want < UINT32_MAX ? (uint32_t)want : UINT32_MAX);
        ASSERT(count > 0);
        struct rast_output *o = node_emit(node, RAST_OUTPUT_APPLY);
        o->u.apply.first_index = first;
        o->u.apply.entry_count = count;
        o->u.apply.entries = log_entry_at(&node->log, first);
        node->applied_index = first + count - 1;
    }
}

void replication_commit_to(struct rast_node *node, uint64_t commit_index)
{
    if (commit_index <= node->commit_index)
        return;
    ASSERT(commit_index <= node_last_index(node));
    node->commit_index = commit_index;
    replication_apply(node);
    if (node->role == RAST_LEADER) {
        propose_on_commit(node);
        read_release(node);
    }
}

/* The highest index held durably by a quorum: the quorum-th largest match index, the
 * leader's own being its persisted index. */
static uint64_t replication_quorum_index(const struct rast_node *node)
{
    uint64_t match[RAST_NODES_MAX];
    uint32_t n = 0;
    for (uint32_t id = 1; id <= node->cfg.voter_count; id++)
        match[n++] = id == node->cfg.id ? node->persisted_index : node->progress[id].match_index;
#if RAST_BUG(leader_counts_unpersisted)
    match[node->cfg.id - 1] = node_last_index(node);
#endif
    for (uint32_t i = 1; i < n; i++) { /* insertion sort, descending; n <= 7 */
        uint64_t v = match[i];
        uint32_t j = i;
        for (; j > 0 && match[j - 1] < v; j--)
            match[j] = match[j - 1];
        match[j] = v;
    }
    return match[node->quorum - 1];
}

void replication_maybe_commit(struct rast_node *node)
{
    uint64_t index = replication_quorum_index(node);
    /* §5.4.2: never commit an entry from a previous term by counting replicas. */
#if RAST_BUG(commit_previous_term)
    if (index > node->commit_index)
        replication_commit_to(node, index);
    return;
#endif
    if (index > node->commit_index && log_term_at(&node->log, index) == node->term)
        replication_commit_to(node, index);
}

/* ---- leader: responses ---- */

/* Where to probe next after a rejection (§5.3, with the thesis' conflict-term back-off): if
 * our log has conflict_term, resume after its last entry of that term; otherwise at the
 * follower's first index of that term. Never below match + 1, never past the rejected
 * index (the rejected prev_index itself cannot be the next prev). */
static uint64_t replication_next_after_reject(const struct rast_node *node,
                                              const struct progress *p,
                                              const struct rast_append_resp *r)
{
    uint64_t next = r->conflict_index;
    if (r->conflict_term != 0) {
        uint64_t at =
            log_last_index_with_term_at_most(&node->log, r->reject_index, r->conflict_term);
        if (at > 0 && log_term_at(&node->log, at) == r->conflict_term)
            next = at + 1;
    }
    if (next > r->reject_index)
        next = r->reject_index;
    if (next <= p->match_index)
        next = p->match_index + 1;
    return next;
}

void replication_on_append_resp(struct rast_node *node, const struct rast_msg *msg)
{
    if (node->role != RAST_LEADER)
        return;
    struct progress *p = &node->progress[msg->from];
    const struct rast_append_resp *r = &msg->u.append_resp;
    if (r->success) {
        if (r->match_index > node_last_index(node)) {
            node->stats.msgs_ignored++; /* acks an entry we never had: impossible */
            return;
        }
        if (progress_on_ack(p, r->match_index))
            replication_maybe_commit(node);
        replication_maybe_send(node, msg->from);
        return;
    }
    if (r->reject_index <= p->match_index || r->reject_index > node_last_index(node) ||
        r->reject_index == 0) {
        node->stats.msgs_ignored++; /* stale: we already know the follower matches there */
        return;
    }
    if (p->state == PROGRESS_PROBE && r->reject_index + 1 != p->next_index)
        return; /* answers an older probe; the current one is still out */
    progress_on_reject(p, replication_next_after_reject(node, p, r));
    replication_maybe_send(node, msg->from);
}

void replication_on_heartbeat_resp(struct rast_node *node, const struct rast_msg *msg)
{
    if (node->role != RAST_LEADER)
        return;
    struct progress *p = &node->progress[msg->from];
    read_on_ack(node, msg->from, msg->u.heartbeat_resp.read_round);
    /* The path works again: un-stall a probe, or a window whose appends were lost. */
    if (p->state == PROGRESS_PROBE)
        p->probe_sent = false;
    else if (progress_window_full(p, node->cfg.inflight_bytes_max))
        progress_free_oldest(p);
    if (p->match_index >= node_last_index(node))
        return;
    /* The follower lags. In REPLICATE with nothing left to send, every entry is in flight
     * and an append or its ack may have been lost: an idle leader would wait forever. Send
     * an (empty) append at next_index: the follower acks it (commit proceeds) or rejects
     * it (probe and catch up). etcd-raft does the same on heartbeat replies. */
    if (p->state == PROGRESS_REPLICATE && p->next_index > node_last_index(node))
        replication_send_append(node, msg->from);
    else
        replication_maybe_send(node, msg->from);
}
