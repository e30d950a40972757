/*
 * read_index.c: linearizable reads without log writes (Raft thesis §6.4, ReadIndex).
 *
 * A read that reaches the leader is stamped with the commit index at arrival (its read
 * index) and with a confirmation round: the next round the leader will broadcast. Rounds are
 * numbered by one counter that never goes back, carried on heartbeats and echoed by their
 * replies. The leader knows it was still leader when the read arrived once a quorum (itself
 * included) has echoed a round >= the read's round; a reply to an older round can never
 * confirm a newer read. Many reads share one round: while one round is in flight, new reads
 * wait for the next, which starts as soon as the current one is confirmed (at most two
 * rounds serve any burst).
 *
 * One more rule (§6.4 step 1): a new leader does not know the true commit index until it
 * commits an entry of its own term, so no read is released before the leader's no-op
 * (term_start_index) commits, and the read index is at least that no-op's index.
 *
 * READ_READY(tag, read_index): serve the read once the state machine has applied up to
 * read_index. READ_FAILED: not leader (hint), busy, or leadership lost.
 */
#include "node.h"

#include "bugs.h"

static void read_fail(struct rast_node *node, uint64_t tag, int reason)
{
    struct rast_output *o = node_emit(node, RAST_OUTPUT_READ_FAILED);
    o->u.read_failed.tag = tag;
    o->u.read_failed.reason = reason;
    o->u.read_failed.leader_hint = node->leader == node->cfg.id ? RAST_NODE_NONE : node->leader;
}

void read_on_request(struct rast_node *node, uint64_t tag)
{
    if (node->role != RAST_LEADER) {
        read_fail(node, tag, RAST_E_NOT_LEADER);
        return;
    }
    struct read_request *r = ring_push(&node->reads);
    if (r == NULL) {
        read_fail(node, tag, RAST_E_BUSY);
        return;
    }
    r->tag = tag;
    r->read_index = node->commit_index;
    r->round = node->read_round_sent + 1;
#if RAST_BUG(read_stale_round)
    r->round = node->read_round_sent; /* an in-flight round, sent before the read arrived */
#endif
#if RAST_BUG(read_no_confirm)
    r->round = 0;
#endif
    node->read_round_wanted = true;
}

/* The highest round a quorum has echoed; the leader's own echo is the round it sent. */
static uint64_t read_quorum_round(const struct rast_node *node)
{
    uint64_t acked[RAST_NODES_MAX];
    uint32_t n = 0;
    for (uint32_t id = 1; id <= node->cfg.voter_count; id++)
        acked[n++] =
            id == node->cfg.id ? node->read_round_sent : node->progress[id].read_round_acked;
    for (uint32_t i = 1; i < n; i++) { /* insertion sort, descending; n <= 7 */
        uint64_t v = acked[i];
        uint32_t j = i;
        for (; j > 0 && acked[j - 1] < v; j--)
            acked[j] = acked[j - 1];
        acked[j] = v;
    }
    return acked[node->quorum - 1];
}

static void read_update_confirmed(struct rast_node *node)
{
    uint64_t round = read_quorum_round(node);
    if (round > node->read_round_confirmed) {
        node->read_round_confirmed = round;
        read_release(node);
    }
}

void read_release(struct rast_node *node)
{
#if !RAST_BUG(read_before_term_commit)
    if (node->commit_index < node->term_start_index)
        return; /* §6.4: wait until this leader has committed an entry of its term */
#endif
    while (node->reads.count > 0) {
        const struct read_request *r = ring_front(&node->reads);
        if (r->round > node->read_round_confirmed)
            break;
        struct rast_output *o = node_emit(node, RAST_OUTPUT_READ_READY);
        o->u.read_ready.tag = r->tag;
        o->u.read_ready.read_index =
            r->read_index > node->term_start_index ? r->read_index : node->term_start_index;
#if RAST_BUG(read_before_term_commit)
        o->u.read_ready.read_index = r->read_index; /* the new leader's stale commit index */
#endif
        ring_pop(&node->reads);
    }
}

void read_on_ack(struct rast_node *node, uint32_t from, uint64_t round)
{
    struct progress *p = &node->progress[from];
    if (round > node->read_round_sent)
        return; /* echoes a round we never sent: impossible, ignore */
    if (round > p->read_round_acked) {
        p->read_round_acked = round;
        read_update_confirmed(node);
    }
}

void read_flush(struct rast_node *node)
{
    if (!node->read_round_wanted || node->read_round_confirmed != node->read_round_sent)
        return;
    node->read_round_wanted = false;
    if (node->reads.count == 0)
        return;
    node->read_round_sent++;
    replication_heartbeat(node);
    read_update_confirmed(node); /* a one-node cluster is its own quorum */
    if (node->reads.count > 0 &&
        ((const struct read_request *)ring_at(&node->reads, node->reads.count - 1))->round >
            node->read_round_sent)
        node->read_round_wanted = true;
}

void read_fail_all(struct rast_node *node, int reason)
{
    while (node->reads.count > 0) {
        const struct read_request *r = ring_front(&node->reads);
        read_fail(node, r->tag, reason);
        ring_pop(&node->reads);
    }
    node->read_round_wanted = false;
}
