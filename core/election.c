/*
 * election.c: leader election (§5.2) with the election restriction (§5.4.1).
 *
 * Rules, each cited where it is enforced:
 *  - a follower or candidate that hears from no leader for a randomized timeout, drawn anew
 *    from [election_timeout_ticks_min, _max) at every reset, starts an election (§5.2);
 *  - a node votes at most once per term, and only for a candidate whose log is at least as
 *    up to date as its own (§5.4.1); the vote is durable before the grant leaves (Figure 2);
 *  - a candidate counts each voter once per term (a duplicated grant never counts twice), and
 *    counts its own vote only once that vote is durable: a candidate that crashed before
 *    persisting its self-vote could otherwise vote again in the same term after restart and
 *    elect a second leader.
 */
#include "node.h"

#include "bugs.h"

#include "rast_assert.h"

#include <string.h>

void election_reset_timer(struct rast_node *node)
{
    uint32_t min = node->cfg.election_timeout_ticks_min;
    uint32_t span = node->cfg.election_timeout_ticks_max - min;
    node->election_elapsed_ticks = 0;
    node->election_timeout_ticks = min + (uint32_t)rng_below(&node->rng, span);
}

static void election_request_votes(struct rast_node *node)
{
    node->vote_reqs_pending = false;
    for (uint32_t peer = 1; peer <= node->cfg.voter_count; peer++) {
        if (peer == node->cfg.id)
            continue;
        struct rast_msg *m = node_emit_msg(node, RAST_MSG_VOTE_REQ, peer);
        m->u.vote_req.last_log_index = node_last_index(node);
        m->u.vote_req.last_log_term = log_last_term(&node->log);
    }
}

/*
 * The vote requests leave only once the campaign's hard state (term, vote for itself) is
 * durable, and with it every log write emitted before it (writes complete in order): a
 * request vouches for the term and for the log it advertises. Sent earlier, it could outlive a
 * crash that loses both: the node restarts in the older term with a shorter log, campaigns in
 * the same term again, and a grant given to the first request (for the longer log, which a
 * voter may rightly prefer to its own) arrives and counts for the second campaign, whose log
 * may lack a committed entry. Leader completeness broken; found by the cluster fuzzer
 * (corpus/cluster/regression-vote-req-before-durable).
 */
static void election_campaign(struct rast_node *node)
{
    node->term++;
    node->voted_for = node->cfg.id;
    node->leader = RAST_NODE_NONE;
    node->hard_state_dirty = true;
    node->stats.elections_started++;
    memset(node->vote_responded, 0, sizeof node->vote_responded);
    memset(node->vote_granted, 0, sizeof node->vote_granted);
    node->vote_grants_counted = 0;
    election_reset_timer(node);
    node_set_role(node, RAST_CANDIDATE);
    node->self_vote_token = persist_flush(node);
    node->vote_reqs_pending = true;
#if RAST_BUG(self_vote_unpersisted)
    election_request_votes(node); /* the catalog bug: asks (and counts itself) at once */
#endif
    election_on_persisted(node); /* a one-node cluster wins once its vote is durable */
}

void election_on_persisted(struct rast_node *node)
{
    if (node->role != RAST_CANDIDATE)
        return;
    if (node->vote_reqs_pending && node->token_durable >= node->self_vote_token)
        election_request_votes(node);
    election_tally(node);
}

void election_tick(struct rast_node *node)
{
    if (node->role == RAST_LEADER) {
        if (++node->heartbeat_elapsed_ticks >= node->cfg.heartbeat_interval_ticks) {
            node->heartbeat_elapsed_ticks = 0;
            replication_heartbeat(node);
        }
        return;
    }
    if (++node->election_elapsed_ticks >= node->election_timeout_ticks)
        election_campaign(node);
}

/* §5.4.1: "If the logs have last entries with different terms, then the log with the later
 * term is more up-to-date. If the logs end with the same term, then whichever log is longer
 * is more up-to-date." */
static bool election_log_up_to_date(const struct rast_node *node, const struct rast_vote_req *v)
{
#if RAST_BUG(vote_no_log_check)
    return true;
#endif
    uint64_t my_term = log_last_term(&node->log);
    if (v->last_log_term != my_term)
        return v->last_log_term > my_term;
    return v->last_log_index >= node_last_index(node);
}

void election_on_vote_req(struct rast_node *node, const struct rast_msg *msg)
{
    ASSERT(msg->term == node->term);
    struct rast_msg resp;
    memset(&resp, 0, sizeof resp);
    resp.type = RAST_MSG_VOTE_RESP;
    resp.from = node->cfg.id;
    resp.to = msg->from;
    resp.term = node->term;
    bool free_to_vote = node->voted_for == RAST_NODE_NONE || node->voted_for == msg->from;
    if (node->role == RAST_FOLLOWER && free_to_vote &&
        election_log_up_to_date(node, &msg->u.vote_req)) {
        if (node->voted_for != msg->from) {
            node->voted_for = msg->from;
            node->hard_state_dirty = true;
        }
        election_reset_timer(node);
        resp.u.vote_resp.granted = true;
    }
    persist_respond(node, &resp);
}

/*
 * A candidate leads only once its own term and vote for itself are durable, even when its
 * peers' grants alone are a majority. A leader that crashed before they were durable would
 * restart in the older term with no vote: it could campaign in the same term again, win it
 * again from the same voters (a repeated grant to the same candidate is legal), and append
 * different entries at the indexes its first reign already replicated under that term, so two
 * logs would hold different entries with the same index and term (Log Matching broken). Its
 * own vote therefore counts only once durable, and it must be.
 */
void election_tally(struct rast_node *node)
{
    if (node->role != RAST_CANDIDATE)
        return;
    bool self_vote_durable = node->token_durable >= node->self_vote_token;
#if RAST_BUG(self_vote_unpersisted)
    self_vote_durable = true;
#endif
    uint32_t granted = self_vote_durable ? 1 : 0;
    for (uint32_t peer = 1; peer <= node->cfg.voter_count; peer++)
        granted += node->vote_granted[peer] ? 1 : 0;
#if RAST_BUG(vote_double_count)
    granted += node->vote_grants_counted; /* a running count, duplicates included */
#endif
    if (self_vote_durable && granted >= node->quorum)
        replication_become_leader(node);
}

void election_on_vote_resp(struct rast_node *node, const struct rast_msg *msg)
{
#if RAST_BUG(vote_double_count)
    if (node->role == RAST_CANDIDATE && node->vote_responded[msg->from] &&
        msg->u.vote_resp.granted) {
        node->vote_grants_counted++;
        election_tally(node);
        return;
    }
#endif
    if (node->role != RAST_CANDIDATE || node->vote_responded[msg->from])
        return; /* not campaigning, or this voter was counted already this term */
    node->vote_responded[msg->from] = true;
    node->vote_granted[msg->from] = msg->u.vote_resp.granted;
    election_tally(node);
}
