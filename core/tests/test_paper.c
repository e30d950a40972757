/*
 * test_paper.c: one small test per claim of the Raft paper (§5, Figure 2, Figure 8) and of
 * the thesis' ReadIndex (§6.4), in the spirit of etcd-raft's raft_paper_test.go. Each test
 * drives one node by hand, message by message, and opens with the sentence it checks.
 */
#include "rast_test.h"
#include "rast.h"

#include <stdlib.h>
#include <string.h>

static struct rast_batch out;

static struct rast_node *make_node(uint32_t id, uint32_t n, const struct rast_restore *restore)
{
    struct rast_config cfg;
    rast_config_default(&cfg, id, n);
    struct rast_node *node = NULL;
    if (rast_node_create(&cfg, restore, &node) != 0)
        abort();
    return node;
}

static int step(struct rast_node *node, const struct rast_input *in)
{
    out.count = 0;
    return rast_step(node, in, &out);
}

static int tick(struct rast_node *node)
{
    struct rast_input in = { .kind = RAST_INPUT_TICK };
    return step(node, &in);
}

static struct rast_msg msg(uint8_t type, uint32_t from, uint32_t to, uint64_t term)
{
    struct rast_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.from = from;
    m.to = to;
    m.term = term;
    return m;
}

static int recv(struct rast_node *node, const struct rast_msg *m)
{
    struct rast_input in = { .kind = RAST_INPUT_RECV };
    in.u.recv = *m;
    return step(node, &in);
}

/* The n-th output of a kind (and, for SEND, of a message type; 0 = any). */
static const struct rast_output *find(uint8_t kind, uint8_t type, uint32_t nth)
{
    for (uint32_t i = 0; i < out.count; i++) {
        const struct rast_output *o = &out.items[i];
        if (o->kind != kind || (type != 0 && o->u.send.type != type))
            continue;
        if (nth-- == 0)
            return o;
    }
    return NULL;
}

static uint32_t count(uint8_t kind, uint8_t type)
{
    uint32_t n = 0;
    while (find(kind, type, n) != NULL)
        n++;
    return n;
}

static uint64_t last_persist_token(void)
{
    uint64_t token = 0;
    for (uint32_t i = 0; i < out.count; i++) {
        if (out.items[i].kind == RAST_OUTPUT_PERSIST)
            token = out.items[i].u.persist.token;
    }
    return token;
}

static int persisted(struct rast_node *node, uint64_t token)
{
    struct rast_input in = { .kind = RAST_INPUT_PERSISTED };
    in.u.persisted.token = token;
    return step(node, &in);
}

static struct rast_status status(const struct rast_node *node)
{
    struct rast_status s;
    rast_node_status(node, &s);
    return s;
}

/* Completes the step's PERSIST requests, if it made any (the outputs then are those of the
 * PERSISTED step; otherwise the step's own outputs stay in place). */
static void settle(struct rast_node *node)
{
    uint64_t token = last_persist_token();
    if (token != 0)
        persisted(node, token);
}

/* Ticks until the node starts an election; returns the campaign's persist token. */
static uint64_t campaign(struct rast_node *node)
{
    for (int i = 0; i < 100; i++) {
        if (tick(node) != 0)
            abort();
        if (status(node).role == RAST_CANDIDATE)
            return last_persist_token();
    }
    abort();
}

static struct rast_msg vote_resp(uint32_t from, uint32_t to, uint64_t term, bool granted)
{
    struct rast_msg m = msg(RAST_MSG_VOTE_RESP, from, to, term);
    m.u.vote_resp.granted = granted;
    return m;
}

/* Makes node 1 of n the leader: campaign, persist the vote, collect grants. */
static struct rast_node *make_leader(uint32_t n, const struct rast_restore *restore)
{
    struct rast_node *node = make_node(1, n, restore);
    uint64_t token = campaign(node);
    persisted(node, token);
    uint64_t term = status(node).term;
    for (uint32_t peer = 2; status(node).role != RAST_LEADER && peer <= n; peer++) {
        struct rast_msg g = vote_resp(peer, 1, term, true);
        recv(node, &g);
    }
    if (status(node).role != RAST_LEADER)
        abort();
    return node;
}

static struct rast_msg append(uint32_t from, uint32_t to, uint64_t term, uint64_t prev_index,
                              uint64_t prev_term, uint64_t commit, const struct rast_entry *entries,
                              uint32_t n)
{
    struct rast_msg m = msg(RAST_MSG_APPEND_REQ, from, to, term);
    m.u.append_req.prev_index = prev_index;
    m.u.append_req.prev_term = prev_term;
    m.u.append_req.commit_index = commit;
    m.u.append_req.entries = entries;
    m.u.append_req.entry_count = n;
    return m;
}

/* A restore of entries with the given terms (data "e<i>"). */
static struct rast_restore restore_terms(uint64_t term, uint32_t voted_for, const uint64_t *terms,
                                         uint32_t n, struct rast_entry *storage)
{
    for (uint32_t i = 0; i < n; i++) {
        storage[i].term = terms[i];
        storage[i].data = (const uint8_t *)"e";
        storage[i].size = 1;
    }
    struct rast_restore r = { { term, voted_for }, n, storage };
    return r;
}

/* ---- §5.1 terms ---------------------------------------------------------------------- */

/* §5.1: a node that sees a higher term adopts it, becomes a follower and clears its vote. */
static void test_higher_term_makes_follower(void)
{
    struct rast_node *node = make_leader(3, NULL);
    uint64_t term = status(node).term;
    struct rast_msg hb = msg(RAST_MSG_HEARTBEAT_REQ, 2, 1, term + 3);
    CHECK(recv(node, &hb) == 0);
    struct rast_status s = status(node);
    CHECK(s.role == RAST_FOLLOWER);
    CHECK_EQ_U64(s.term, term + 3);
    CHECK_EQ_U64(s.voted_for, RAST_NODE_NONE);
    CHECK_EQ_U64(s.leader, 2);
    const struct rast_output *p = find(RAST_OUTPUT_PERSIST, 0, 0);
    CHECK(p != NULL && p->u.persist.has_hard_state && p->u.persist.hard_state.term == term + 3);
    rast_node_destroy(node);
}

/* §5.1: a request from an older term is rejected with the current term, and changes nothing. */
static void test_stale_term_rejected(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    struct rast_msg hb = msg(RAST_MSG_HEARTBEAT_REQ, 2, 1, 5);
    recv(node, &hb);
    struct rast_entry e = { 4, (const uint8_t *)"x", 1 };
    struct rast_msg stale = append(3, 1, 4, 0, 0, 0, &e, 1);
    CHECK(recv(node, &stale) == 0);
    CHECK_EQ_U64(status(node).last_index, 0);
    CHECK_EQ_U64(status(node).leader, 2);
    const struct rast_output *r = find(RAST_OUTPUT_SEND, RAST_MSG_APPEND_RESP, 0);
    CHECK(r != NULL && !r->u.send.u.append_resp.success);
    CHECK_EQ_U64(r->u.send.term, 5);
    CHECK_EQ_U64(r->u.send.to, 3);
    rast_node_destroy(node);
}

/* ---- §5.2 elections ------------------------------------------------------------------ */

/* §5.2: election timeouts are randomized within [min, max), differ between seeds, and are the
 * same for the same seed. */
static void test_randomized_election_timeouts(void)
{
    bool seen[64] = { false };
    uint32_t distinct = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        struct rast_config cfg;
        rast_config_default(&cfg, 1, 3);
        cfg.random_seed = seed;
        uint32_t ticks[2];
        for (int run = 0; run < 2; run++) {
            struct rast_node *node = NULL;
            CHECK(rast_node_create(&cfg, NULL, &node) == 0);
            ticks[run] = 0;
            while (status(node).role == RAST_FOLLOWER && ticks[run] < 100) {
                tick(node);
                ticks[run]++;
            }
            rast_node_destroy(node);
        }
        CHECK_EQ_U64(ticks[0], ticks[1]);
        CHECK(ticks[0] >= cfg.election_timeout_ticks_min);
        CHECK(ticks[0] < cfg.election_timeout_ticks_max);
        distinct += !seen[ticks[0]];
        seen[ticks[0]] = true;
    }
    CHECK(distinct >= 8); /* 10 possible values */
}

/* §5.2: a follower that hears nothing starts an election: term + 1, votes for itself,
 * persists that, and once it is durable asks every peer for a vote with its last log index
 * and term. */
static void test_follower_starts_election(void)
{
    struct rast_node *node = make_node(2, 5, NULL);
    uint64_t token = campaign(node);
    struct rast_status s = status(node);
    CHECK_EQ_U64(s.term, 1);
    CHECK_EQ_U64(s.voted_for, 2);
    CHECK(token != 0);
    const struct rast_output *p = find(RAST_OUTPUT_PERSIST, 0, 0);
    CHECK(p != NULL && p->u.persist.hard_state.voted_for == 2);
    CHECK_EQ_U64(count(RAST_OUTPUT_SEND, RAST_MSG_VOTE_REQ), 0);
    persisted(node, token);
    CHECK_EQ_U64(count(RAST_OUTPUT_SEND, RAST_MSG_VOTE_REQ), 4);
    rast_node_destroy(node);
}

/* A candidate asks for votes only once its term, its vote and the log it advertises are
 * durable. A request sent before could outlive a crash that loses them: the node restarts in
 * the older term with a shorter log, campaigns in the same term again, and the grant a voter
 * gave to the first request (for the longer log) arrives and counts for the second campaign,
 * whose log lacks a committed entry (found by the cluster fuzzer:
 * corpus/cluster/regression-vote-req-before-durable). */
static void test_vote_requests_wait_for_durable_term_and_log(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    struct rast_msg app = msg(RAST_MSG_APPEND_REQ, 2, 1, 1);
    struct rast_entry e = { .term = 1, .data = (const uint8_t *)"x", .size = 1 };
    app.u.append_req.entries = &e;
    app.u.append_req.entry_count = 1;
    recv(node, &app); /* entry 1 (term 1) in memory; its write not yet done */
    uint64_t entry_token = last_persist_token();
    CHECK(entry_token != 0);
    uint64_t token = campaign(node);
    CHECK_EQ_U64(count(RAST_OUTPUT_SEND, RAST_MSG_VOTE_REQ), 0);
    persisted(node, entry_token); /* the entry is durable, the term and vote are not */
    CHECK_EQ_U64(count(RAST_OUTPUT_SEND, RAST_MSG_VOTE_REQ), 0);
    persisted(node, token);
    CHECK_EQ_U64(count(RAST_OUTPUT_SEND, RAST_MSG_VOTE_REQ), 2);
    const struct rast_output *req = find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_REQ, 0);
    CHECK(req != NULL && req->u.send.u.vote_req.last_log_index == 1 &&
          req->u.send.u.vote_req.last_log_term == 1 && req->u.send.term == 2);
    rast_node_destroy(node);
}

/* §5.2: a node grants at most one vote per term; a second candidate in that term is denied. */
static void test_one_vote_per_term(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    struct rast_msg req = msg(RAST_MSG_VOTE_REQ, 2, 1, 1);
    recv(node, &req);
    settle(node);
    const struct rast_output *g = find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0);
    CHECK(g != NULL && g->u.send.u.vote_resp.granted && g->u.send.to == 2);
    struct rast_msg other = msg(RAST_MSG_VOTE_REQ, 3, 1, 1);
    recv(node, &other);
    settle(node);
    const struct rast_output *d = find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0);
    CHECK(d != NULL && !d->u.send.u.vote_resp.granted);
    recv(node, &req); /* the same candidate asking again is granted again */
    const struct rast_output *again = find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0);
    CHECK(again != NULL && again->u.send.u.vote_resp.granted);
    rast_node_destroy(node);
}

/* §5.4.1: a vote is denied to a candidate whose log is less up to date: an older last term,
 * or the same last term and a shorter log. */
static void test_vote_denied_to_stale_log(void)
{
    static const uint64_t terms[] = { 1, 2, 2 };
    struct rast_entry storage[3];
    struct rast_restore r = restore_terms(2, 0, terms, 3, storage);
    struct rast_node *node = make_node(1, 5, &r);
    struct rast_msg older = msg(RAST_MSG_VOTE_REQ, 2, 1, 3);
    older.u.vote_req.last_log_term = 1;
    older.u.vote_req.last_log_index = 10;
    recv(node, &older);
    settle(node);
    CHECK(find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0) != NULL);
    CHECK(!find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0)->u.send.u.vote_resp.granted);
    struct rast_msg shorter = msg(RAST_MSG_VOTE_REQ, 3, 1, 3);
    shorter.u.vote_req.last_log_term = 2;
    shorter.u.vote_req.last_log_index = 2;
    recv(node, &shorter);
    CHECK(find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0) != NULL);
    CHECK(!find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0)->u.send.u.vote_resp.granted);
    struct rast_msg equal = msg(RAST_MSG_VOTE_REQ, 4, 1, 3);
    equal.u.vote_req.last_log_term = 2;
    equal.u.vote_req.last_log_index = 3;
    recv(node, &equal);
    CHECK(find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0) == NULL); /* a grant waits for disk */
    settle(node);
    CHECK(find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0) != NULL);
    CHECK(find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0)->u.send.u.vote_resp.granted);
    rast_node_destroy(node);
}

/* Figure 2: a vote grant leaves only after the PERSISTED that covers the vote. */
static void test_vote_grant_waits_for_persist(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    struct rast_msg req = msg(RAST_MSG_VOTE_REQ, 2, 1, 4);
    recv(node, &req);
    CHECK(find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0) == NULL);
    uint64_t token = last_persist_token();
    CHECK(token != 0);
    const struct rast_output *p = find(RAST_OUTPUT_PERSIST, 0, 0);
    CHECK(p->u.persist.hard_state.term == 4 && p->u.persist.hard_state.voted_for == 2);
    persisted(node, token);
    const struct rast_output *g = find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0);
    CHECK(g != NULL && g->u.send.u.vote_resp.granted);
    rast_node_destroy(node);
}

/* §5.2: each voter counts once per term: a grant delivered three times from one peer does
 * not make a 5-node candidate leader (it needs 3 distinct votes). */
static void test_duplicate_vote_counted_once(void)
{
    struct rast_node *node = make_node(1, 5, NULL);
    persisted(node, campaign(node));
    uint64_t term = status(node).term;
    struct rast_msg g = vote_resp(2, 1, term, true);
    for (int i = 0; i < 3; i++)
        recv(node, &g);
    CHECK(status(node).role == RAST_CANDIDATE);
    struct rast_msg g3 = vote_resp(3, 1, term, true);
    recv(node, &g3);
    CHECK(status(node).role == RAST_LEADER);
    rast_node_destroy(node);
}

/* A candidate counts its own vote only once that vote is durable. */
static void test_self_vote_counts_after_persist(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    uint64_t token = campaign(node);
    struct rast_msg g = vote_resp(2, 1, status(node).term, true);
    recv(node, &g);
    CHECK(status(node).role == RAST_CANDIDATE);
    persisted(node, token);
    CHECK(status(node).role == RAST_LEADER);
    rast_node_destroy(node);
}

/* A candidate leads only once its own term and vote are durable, even with a majority of its
 * peers' grants: a leader whose term was not durable could crash, restart in the older term,
 * win the same term again from the same voters and write other entries under it (found by the
 * cluster fuzzer: corpus/cluster/regression-leader-term-not-durable). */
static void test_leader_waits_for_own_vote_durable(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    uint64_t token = campaign(node);
    uint64_t term = status(node).term;
    struct rast_msg g2 = vote_resp(2, 1, term, true), g3 = vote_resp(3, 1, term, true);
    recv(node, &g2);
    recv(node, &g3);
    CHECK(status(node).role == RAST_CANDIDATE); /* 2 of 3 grants, own vote not durable */
    CHECK(count(RAST_OUTPUT_SEND, RAST_MSG_APPEND_REQ) == 0);
    persisted(node, token);
    CHECK(status(node).role == RAST_LEADER);
    rast_node_destroy(node);
}

/* Vote replies from an older term are not counted. */
static void test_stale_vote_reply_ignored(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    persisted(node, campaign(node));
    uint64_t token = 0;
    for (int i = 0; i < 100 && status(node).term < 2; i++) { /* a second election */
        tick(node);
        token = last_persist_token();
    }
    persisted(node, token);
    uint64_t term = status(node).term;
    CHECK(term >= 2);
    struct rast_msg old = vote_resp(2, 1, term - 1, true);
    recv(node, &old);
    CHECK(status(node).role == RAST_CANDIDATE);
    rast_node_destroy(node);
}

/* ---- §5.3 log replication ------------------------------------------------------------ */

/* §5.3: a new leader appends a no-op of its term and sends it to every follower. */
static void test_leader_sends_noop(void)
{
    struct rast_node *node = make_leader(3, NULL);
    struct rast_status s = status(node);
    CHECK_EQ_U64(s.last_index, 1);
    CHECK_EQ_U64(s.last_term, s.term);
    CHECK_EQ_U64(count(RAST_OUTPUT_SEND, RAST_MSG_APPEND_REQ), 2);
    rast_node_destroy(node);
}

/* §5.3 consistency check: an append whose prev entry does not match is rejected with the
 * conflicting term and that term's first index in the follower's log. */
static void test_consistency_check_and_conflict_hint(void)
{
    static const uint64_t terms[] = { 1, 1, 2, 2, 2 };
    struct rast_entry storage[5];
    struct rast_restore r = restore_terms(3, 0, terms, 5, storage);
    struct rast_node *node = make_node(1, 3, &r);
    struct rast_msg a = append(2, 1, 3, 5, 3, 0, NULL, 0);
    recv(node, &a);
    settle(node);
    const struct rast_output *resp = find(RAST_OUTPUT_SEND, RAST_MSG_APPEND_RESP, 0);
    CHECK(resp != NULL && !resp->u.send.u.append_resp.success);
    CHECK_EQ_U64(resp->u.send.u.append_resp.reject_index, 5);
    CHECK_EQ_U64(resp->u.send.u.append_resp.conflict_term, 2);
    CHECK_EQ_U64(resp->u.send.u.append_resp.conflict_index, 3);
    struct rast_msg beyond = append(2, 1, 3, 9, 3, 0, NULL, 0);
    recv(node, &beyond);
    resp = find(RAST_OUTPUT_SEND, RAST_MSG_APPEND_RESP, 0);
    CHECK(resp != NULL && resp->u.send.u.append_resp.conflict_term == 0);
    CHECK_EQ_U64(resp->u.send.u.append_resp.conflict_index, 6);
    rast_node_destroy(node);
}

/* §5.3: a conflicting suffix is truncated and replaced, and the disk is told to truncate. */
static void test_conflicting_suffix_truncated(void)
{
    static const uint64_t terms[] = { 1, 1, 2, 2, 2 };
    struct rast_entry storage[5];
    struct rast_restore r = restore_terms(3, 0, terms, 5, storage);
    struct rast_node *node = make_node(1, 3, &r);
    struct rast_entry e[2] = { { 3, (const uint8_t *)"n", 1 }, { 3, (const uint8_t *)"m", 1 } };
    struct rast_msg a = append(2, 1, 3, 3, 2, 0, e, 2);
    recv(node, &a);
    CHECK_EQ_U64(status(node).last_index, 5);
    CHECK_EQ_U64(rast_node_term_at(node, 4), 3);
    CHECK_EQ_U64(rast_node_term_at(node, 5), 3);
    const struct rast_output *p = find(RAST_OUTPUT_PERSIST, 0, 0);
    CHECK(p != NULL && p->u.persist.truncate && p->u.persist.first_index == 4);
    CHECK_EQ_U64(p->u.persist.entry_count, 2);
    rast_node_destroy(node);
}

/* §5.3: matching entries are never truncated: a delayed, shorter append leaves the newer
 * entries after it in place. */
static void test_matching_entries_not_truncated(void)
{
    static const uint64_t terms[] = { 1, 1, 1, 1, 1 };
    struct rast_entry storage[5];
    struct rast_restore r = restore_terms(1, 0, terms, 5, storage);
    struct rast_node *node = make_node(1, 3, &r);
    struct rast_entry e = { 1, (const uint8_t *)"e", 1 };
    struct rast_msg a = append(2, 1, 1, 1, 1, 0, &e, 1);
    recv(node, &a);
    CHECK_EQ_U64(status(node).last_index, 5);
    CHECK(find(RAST_OUTPUT_PERSIST, 0, 0) == NULL);
    const struct rast_output *resp = find(RAST_OUTPUT_SEND, RAST_MSG_APPEND_RESP, 0);
    CHECK(resp != NULL && resp->u.send.u.append_resp.success);
    CHECK_EQ_U64(resp->u.send.u.append_resp.match_index, 2);
    rast_node_destroy(node);
}

/* Figure 2 rule 5: a follower's commit index is min(leader commit, index of last new entry). */
static void test_follower_commit_capped_at_last_new_entry(void)
{
    static const uint64_t terms[] = { 1, 1, 1, 1, 1 };
    struct rast_entry storage[5];
    struct rast_restore r = restore_terms(1, 0, terms, 5, storage);
    struct rast_node *node = make_node(1, 3, &r);
    struct rast_entry e = { 1, (const uint8_t *)"e", 1 };
    struct rast_msg a = append(2, 1, 1, 1, 1, 5, &e, 1);
    recv(node, &a);
    CHECK_EQ_U64(status(node).commit_index, 2);
    const struct rast_output *apply = find(RAST_OUTPUT_APPLY, 0, 0);
    CHECK(apply != NULL && apply->u.apply.first_index == 1 && apply->u.apply.entry_count == 2);
    rast_node_destroy(node);
}

/* Figure 2: an append ack leaves only after the PERSISTED that covers the entries. */
static void test_append_ack_waits_for_persist(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    struct rast_entry e = { 1, (const uint8_t *)"e", 1 };
    struct rast_msg a = append(2, 1, 1, 0, 0, 0, &e, 1);
    recv(node, &a);
    CHECK(find(RAST_OUTPUT_SEND, RAST_MSG_APPEND_RESP, 0) == NULL);
    CHECK_EQ_U64(status(node).persisted_index, 0);
    settle(node);
    const struct rast_output *resp = find(RAST_OUTPUT_SEND, RAST_MSG_APPEND_RESP, 0);
    CHECK(resp != NULL && resp->u.send.u.append_resp.success);
    CHECK_EQ_U64(resp->u.send.u.append_resp.match_index, 1);
    CHECK_EQ_U64(status(node).persisted_index, 1);
    rast_node_destroy(node);
}

/* Fast back-off: a rejection naming a term the leader does not have sends the next probe to
 * the follower's first index of that term, skipping the whole term in one round trip. */
static void test_leader_backs_off_by_term(void)
{
    static const uint64_t terms[] = { 1, 1, 1, 4, 4, 4, 4 };
    struct rast_entry storage[7];
    struct rast_restore r = restore_terms(5, 0, terms, 7, storage);
    struct rast_node *node = make_leader(3, &r);
    uint64_t term = status(node).term;
    struct rast_msg rej = msg(RAST_MSG_APPEND_RESP, 2, 1, term);
    rej.u.append_resp.reject_index = 7;
    rej.u.append_resp.conflict_term = 3;
    rej.u.append_resp.conflict_index = 2;
    recv(node, &rej);
    const struct rast_output *probe = find(RAST_OUTPUT_SEND, RAST_MSG_APPEND_REQ, 0);
    CHECK(probe != NULL);
    CHECK_EQ_U64(probe->u.send.u.append_req.prev_index, 1);
    struct rast_msg rej2 = msg(RAST_MSG_APPEND_RESP, 3, 1, term);
    rej2.u.append_resp.reject_index = 7;
    rej2.u.append_resp.conflict_term = 4;
    rej2.u.append_resp.conflict_index = 5;
    recv(node, &rej2); /* the leader has term 4 up to index 7: resume after it... */
    probe = find(RAST_OUTPUT_SEND, RAST_MSG_APPEND_REQ, 0);
    CHECK(probe != NULL); /* ...capped below the rejected index 7 */
    CHECK_EQ_U64(probe->u.send.u.append_req.prev_index, 6);
    rast_node_destroy(node);
}

/* A leader never truncates or overwrites its own log: an append from an older term leaves it
 * unchanged. */
static void test_leader_append_only(void)
{
    struct rast_restore r = { { 5, 0 }, 0, NULL };
    struct rast_node *node = make_leader(3, &r);
    struct rast_status before = status(node);
    struct rast_entry e = { 5, (const uint8_t *)"z", 1 };
    struct rast_msg a = append(2, 1, 5, 0, 0, 0, &e, 1);
    recv(node, &a);
    struct rast_status after = status(node);
    CHECK(after.role == RAST_LEADER);
    CHECK_EQ_U64(after.last_index, before.last_index);
    CHECK_EQ_U64(rast_node_term_at(node, 1), before.term);
    rast_node_destroy(node);
}

/* ---- §5.4.2 commitment ---------------------------------------------------------------- */

static struct rast_msg ack(uint32_t from, uint64_t term, uint64_t match)
{
    struct rast_msg m = msg(RAST_MSG_APPEND_RESP, from, 1, term);
    m.u.append_resp.success = true;
    m.u.append_resp.match_index = match;
    return m;
}

/* §5.4.2, Figure 8: a leader never commits an entry of a previous term by counting replicas;
 * it commits once an entry of its own term is on a quorum, and the older ones with it. */
static void test_figure8_no_commit_of_previous_term(void)
{
    static const uint64_t terms[] = { 1, 2 };
    struct rast_entry storage[2];
    struct rast_restore r = restore_terms(3, 0, terms, 2, storage);
    struct rast_node *node = make_leader(3, &r);
    settle(node); /* the leader's no-op (index 3) is durable */
    uint64_t term = status(node).term;
    struct rast_msg a2 = ack(2, term, 2);
    recv(node, &a2);
    CHECK_EQ_U64(status(node).commit_index, 0); /* index 2 is on a quorum, but of term 2 */
    struct rast_msg a3 = ack(2, term, 3);
    recv(node, &a3);
    CHECK_EQ_U64(status(node).commit_index, 3);
    rast_node_destroy(node);
}

/* The leader's own entries count toward the quorum only once they are durable. */
static void test_leader_counts_itself_once_persisted(void)
{
    struct rast_node *node = make_leader(3, NULL);
    uint64_t noop_token = last_persist_token();
    uint64_t term = status(node).term;
    struct rast_msg a = ack(2, term, 1);
    recv(node, &a);
    CHECK_EQ_U64(status(node).commit_index, 0); /* 1 durable copy of 3 */
    persisted(node, noop_token);
    CHECK_EQ_U64(status(node).commit_index, 1);
    rast_node_destroy(node);
}

/* APPLY outputs come in index order and never go beyond the commit index. */
static void test_apply_in_order_up_to_commit(void)
{
    struct rast_node *node = make_leader(3, NULL);
    settle(node);
    uint64_t term = status(node).term;
    struct rast_entry e[3] = { { 0, (const uint8_t *)"a", 1 },
                               { 0, (const uint8_t *)"b", 1 },
                               { 0, (const uint8_t *)"c", 1 } };
    struct rast_input in = { .kind = RAST_INPUT_PROPOSE };
    in.u.propose.tag = 7;
    in.u.propose.entry_count = 3;
    in.u.propose.entries = e;
    step(node, &in);
    settle(node);
    struct rast_msg a = ack(2, term, 2);
    recv(node, &a);
    const struct rast_output *apply = find(RAST_OUTPUT_APPLY, 0, 0);
    CHECK(apply != NULL && apply->u.apply.first_index == 1 && apply->u.apply.entry_count == 2);
    CHECK(find(RAST_OUTPUT_PROPOSE_DONE, 0, 0) == NULL); /* its last entry (4) not committed */
    struct rast_msg b = ack(2, term, 4);
    recv(node, &b);
    apply = find(RAST_OUTPUT_APPLY, 0, 0);
    CHECK(apply != NULL && apply->u.apply.first_index == 3 && apply->u.apply.entry_count == 2);
    CHECK(apply->u.apply.entries[1].data[0] == 'c');
    const struct rast_output *done = find(RAST_OUTPUT_PROPOSE_DONE, 0, 0);
    CHECK(done != NULL && done->u.propose_done.tag == 7 && done->u.propose_done.last_index == 4);
    CHECK_EQ_U64(status(node).applied_index, 4);
    rast_node_destroy(node);
}

/* ---- persistence and restart ------------------------------------------------------------ */

/* A node restarted from its persisted hard state and log keeps its term and vote: it does not
 * vote for another candidate in the term it already voted in. */
static void test_restart_keeps_vote(void)
{
    static const uint64_t terms[] = { 1, 1 };
    struct rast_entry storage[2];
    struct rast_restore r = restore_terms(5, 2, terms, 2, storage);
    struct rast_node *node = make_node(1, 3, &r);
    struct rast_status s = status(node);
    CHECK_EQ_U64(s.term, 5);
    CHECK_EQ_U64(s.voted_for, 2);
    CHECK_EQ_U64(s.last_index, 2);
    CHECK_EQ_U64(s.persisted_index, 2);
    CHECK_EQ_U64(s.commit_index, 0);
    struct rast_msg req = msg(RAST_MSG_VOTE_REQ, 3, 1, 5);
    req.u.vote_req.last_log_term = 1;
    req.u.vote_req.last_log_index = 9;
    recv(node, &req);
    const struct rast_output *resp = find(RAST_OUTPUT_SEND, RAST_MSG_VOTE_RESP, 0);
    CHECK(resp != NULL && !resp->u.send.u.vote_resp.granted);
    rast_node_destroy(node);
}

/* A restore that breaks the log's rules (terms going down, or above the hard state's term)
 * is rejected with RAST_E_INVALID, never an assertion. */
static void test_restore_rejects_impossible_disk(void)
{
    static const uint64_t terms[] = { 2, 1 };
    struct rast_entry storage[2];
    struct rast_restore r = restore_terms(5, 0, terms, 2, storage);
    struct rast_config cfg;
    rast_config_default(&cfg, 1, 3);
    struct rast_node *node = NULL;
    CHECK(rast_node_create(&cfg, &r, &node) == RAST_E_INVALID);
    static const uint64_t high[] = { 1, 9 };
    r = restore_terms(5, 0, high, 2, storage);
    CHECK(rast_node_create(&cfg, &r, &node) == RAST_E_INVALID);
    r = restore_terms(5, 4, high, 0, storage); /* voted for node 4 of 3 */
    CHECK(rast_node_create(&cfg, &r, &node) == RAST_E_INVALID);
}

/* ---- thesis §6.4 ReadIndex ---------------------------------------------------------------- */

static int read_req(struct rast_node *node, uint64_t tag)
{
    struct rast_input in = { .kind = RAST_INPUT_READ };
    in.u.read.tag = tag;
    return step(node, &in);
}

static struct rast_msg hb_resp(uint32_t from, uint64_t term, uint64_t round)
{
    struct rast_msg m = msg(RAST_MSG_HEARTBEAT_RESP, from, 1, term);
    m.u.heartbeat_resp.read_round = round;
    return m;
}

static uint64_t sent_round(void)
{
    const struct rast_output *hb = find(RAST_OUTPUT_SEND, RAST_MSG_HEARTBEAT_REQ, 0);
    return hb == NULL ? 0 : hb->u.send.u.heartbeat_req.read_round;
}

/* §6.4: a read on a non-leader fails at once with the known leader as hint. */
static void test_read_on_follower_fails_with_hint(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    struct rast_msg hb = msg(RAST_MSG_HEARTBEAT_REQ, 3, 1, 2);
    recv(node, &hb);
    read_req(node, 11);
    const struct rast_output *f = find(RAST_OUTPUT_READ_FAILED, 0, 0);
    CHECK(f != NULL && f->u.read_failed.tag == 11);
    CHECK_EQ_U64(f->u.read_failed.leader_hint, 3);
    CHECK(f->u.read_failed.reason == RAST_E_NOT_LEADER);
    rast_node_destroy(node);
}

/* §6.4: a new leader releases no read before it has committed an entry of its own term, even
 * once its leadership is confirmed; the read index is then at least that entry's index. */
static void test_read_waits_for_leader_commit_in_term(void)
{
    static const uint64_t terms[] = { 1, 1, 1 };
    struct rast_entry storage[3];
    struct rast_restore r = restore_terms(1, 0, terms, 3, storage);
    struct rast_node *node = make_leader(3, &r);
    uint64_t noop_token = last_persist_token();
    uint64_t term = status(node).term;
    read_req(node, 21);
    uint64_t round = sent_round();
    CHECK(round != 0);
    struct rast_msg hr = hb_resp(2, term, round);
    recv(node, &hr);
    CHECK(find(RAST_OUTPUT_READ_READY, 0, 0) == NULL); /* confirmed, but no-op not committed */
    persisted(node, noop_token);
    struct rast_msg a = ack(2, term, 4);
    recv(node, &a);
    const struct rast_output *ready = find(RAST_OUTPUT_READ_READY, 0, 0);
    CHECK(ready != NULL && ready->u.read_ready.tag == 21);
    CHECK_EQ_U64(ready->u.read_ready.read_index, 4);
    rast_node_destroy(node);
}

/* §6.4: a heartbeat reply for an older round never confirms a read that arrived later: the
 * read needs a quorum for a round sent after it arrived. */
static void test_stale_round_does_not_confirm_newer_read(void)
{
    struct rast_node *node = make_leader(3, NULL);
    settle(node);
    uint64_t term = status(node).term;
    struct rast_msg a = ack(2, term, 1);
    recv(node, &a);
    CHECK_EQ_U64(status(node).commit_index, 1);
    read_req(node, 31);
    uint64_t round1 = sent_round();
    read_req(node, 32); /* joins the next round: round1 is in flight */
    CHECK(sent_round() == 0);
    struct rast_msg old = hb_resp(2, term, round1 - 1);
    recv(node, &old);
    CHECK(find(RAST_OUTPUT_READ_READY, 0, 0) == NULL);
    struct rast_msg r1 = hb_resp(2, term, round1);
    recv(node, &r1);
    CHECK_EQ_U64(count(RAST_OUTPUT_READ_READY, 0), 1);
    CHECK(find(RAST_OUTPUT_READ_READY, 0, 0)->u.read_ready.tag == 31);
    uint64_t round2 = sent_round(); /* the next round started at once */
    CHECK_EQ_U64(round2, round1 + 1);
    struct rast_msg again = hb_resp(3, term, round1);
    recv(node, &again);
    CHECK(find(RAST_OUTPUT_READ_READY, 0, 0) == NULL);
    struct rast_msg r2 = hb_resp(3, term, round2);
    recv(node, &r2);
    CHECK(find(RAST_OUTPUT_READ_READY, 0, 0) != NULL);
    CHECK(find(RAST_OUTPUT_READ_READY, 0, 0)->u.read_ready.tag == 32);
    rast_node_destroy(node);
}

/* Pending reads and proposals fail with a leader hint when the leader steps down. */
static void test_leadership_loss_fails_pending(void)
{
    struct rast_node *node = make_leader(3, NULL);
    uint64_t term = status(node).term;
    read_req(node, 41);
    struct rast_entry e = { 0, (const uint8_t *)"p", 1 };
    struct rast_input in = { .kind = RAST_INPUT_PROPOSE };
    in.u.propose.tag = 42;
    in.u.propose.entry_count = 1;
    in.u.propose.entries = &e;
    step(node, &in);
    struct rast_msg hb = msg(RAST_MSG_HEARTBEAT_REQ, 3, 1, term + 1);
    recv(node, &hb);
    const struct rast_output *rf = find(RAST_OUTPUT_READ_FAILED, 0, 0);
    const struct rast_output *pf = find(RAST_OUTPUT_PROPOSE_FAILED, 0, 0);
    CHECK(rf != NULL && rf->u.read_failed.tag == 41 && rf->u.read_failed.leader_hint == 3);
    CHECK(pf != NULL && pf->u.propose_failed.tag == 42);
    CHECK(pf->u.propose_failed.reason == RAST_E_LEADERSHIP_LOST);
    CHECK_EQ_U64(pf->u.propose_failed.leader_hint, 3);
    rast_node_destroy(node);
}

/* ---- inputs that are not Raft ------------------------------------------------------------ */

/* Malformed inputs are rejected with RAST_E_INVALID and change nothing: a message for another
 * node, from an unknown node, of an unknown type, entries with impossible terms, a
 * PERSISTED token never issued. */
static void test_malformed_inputs_rejected(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    struct rast_status before = status(node);
    struct rast_msg wrong_to = msg(RAST_MSG_HEARTBEAT_REQ, 2, 3, 9);
    CHECK(recv(node, &wrong_to) == RAST_E_INVALID);
    struct rast_msg unknown_from = msg(RAST_MSG_HEARTBEAT_REQ, 7, 1, 9);
    CHECK(recv(node, &unknown_from) == RAST_E_INVALID);
    struct rast_msg self = msg(RAST_MSG_HEARTBEAT_REQ, 1, 1, 9);
    CHECK(recv(node, &self) == RAST_E_INVALID);
    struct rast_msg bad_type = msg(99, 2, 1, 9);
    CHECK(recv(node, &bad_type) == RAST_E_INVALID);
    struct rast_entry e[2] = { { 3, (const uint8_t *)"a", 1 }, { 2, (const uint8_t *)"b", 1 } };
    struct rast_msg down = append(2, 1, 9, 0, 0, 0, e, 2); /* terms go down */
    CHECK(recv(node, &down) == RAST_E_INVALID);
    struct rast_entry future = { 10, (const uint8_t *)"a", 1 };
    struct rast_msg ahead = append(2, 1, 9, 0, 0, 0, &future, 1); /* term above the message's */
    CHECK(recv(node, &ahead) == RAST_E_INVALID);
    CHECK(persisted(node, 5) == RAST_E_INVALID);
    struct rast_input bad = { .kind = 77 };
    CHECK(step(node, &bad) == RAST_E_INVALID);
    struct rast_status after = status(node);
    CHECK_EQ_U64(after.term, before.term);
    CHECK_EQ_U64(after.last_index, 0);
    CHECK_EQ_U64(out.count, 0);
    rast_node_destroy(node);
}

/* A forged append that would overwrite a committed entry is ignored, not obeyed. */
static void test_append_cannot_cut_committed_entries(void)
{
    static const uint64_t terms[] = { 1, 1, 1 };
    struct rast_entry storage[3];
    struct rast_restore r = restore_terms(1, 0, terms, 3, storage);
    struct rast_node *node = make_node(1, 3, &r);
    struct rast_msg commit = append(2, 1, 1, 3, 1, 3, NULL, 0);
    recv(node, &commit);
    CHECK_EQ_U64(status(node).commit_index, 3);
    struct rast_entry e = { 2, (const uint8_t *)"x", 1 };
    struct rast_msg cut = append(3, 1, 2, 1, 1, 0, &e, 1);
    CHECK(recv(node, &cut) == 0);
    CHECK_EQ_U64(rast_node_term_at(node, 2), 1);
    CHECK_EQ_U64(status(node).last_index, 3);
    rast_node_destroy(node);
}

/* Proposals on a follower fail at once with RAST_E_NOT_LEADER and the leader hint. */
static void test_propose_on_follower(void)
{
    struct rast_node *node = make_node(1, 3, NULL);
    struct rast_msg hb = msg(RAST_MSG_HEARTBEAT_REQ, 2, 1, 1);
    recv(node, &hb);
    struct rast_entry e = { 0, (const uint8_t *)"p", 1 };
    struct rast_input in = { .kind = RAST_INPUT_PROPOSE };
    in.u.propose.tag = 51;
    in.u.propose.entry_count = 1;
    in.u.propose.entries = &e;
    step(node, &in);
    const struct rast_output *f = find(RAST_OUTPUT_PROPOSE_FAILED, 0, 0);
    CHECK(f != NULL && f->u.propose_failed.reason == RAST_E_NOT_LEADER);
    CHECK_EQ_U64(f->u.propose_failed.leader_hint, 2);
    CHECK_EQ_U64(status(node).last_index, 0);
    rast_node_destroy(node);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_higher_term_makes_follower),
        RAST_TEST(test_stale_term_rejected),
        RAST_TEST(test_randomized_election_timeouts),
        RAST_TEST(test_follower_starts_election),
        RAST_TEST(test_one_vote_per_term),
        RAST_TEST(test_vote_denied_to_stale_log),
        RAST_TEST(test_vote_grant_waits_for_persist),
        RAST_TEST(test_duplicate_vote_counted_once),
        RAST_TEST(test_self_vote_counts_after_persist),
        RAST_TEST(test_vote_requests_wait_for_durable_term_and_log),
        RAST_TEST(test_leader_waits_for_own_vote_durable),
        RAST_TEST(test_stale_vote_reply_ignored),
        RAST_TEST(test_leader_sends_noop),
        RAST_TEST(test_consistency_check_and_conflict_hint),
        RAST_TEST(test_conflicting_suffix_truncated),
        RAST_TEST(test_matching_entries_not_truncated),
        RAST_TEST(test_follower_commit_capped_at_last_new_entry),
        RAST_TEST(test_append_ack_waits_for_persist),
        RAST_TEST(test_leader_backs_off_by_term),
        RAST_TEST(test_leader_append_only),
        RAST_TEST(test_figure8_no_commit_of_previous_term),
        RAST_TEST(test_leader_counts_itself_once_persisted),
        RAST_TEST(test_apply_in_order_up_to_commit),
        RAST_TEST(test_restart_keeps_vote),
        RAST_TEST(test_restore_rejects_impossible_disk),
        RAST_TEST(test_read_on_follower_fails_with_hint),
        RAST_TEST(test_read_waits_for_leader_commit_in_term),
        RAST_TEST(test_stale_round_does_not_confirm_newer_read),
        RAST_TEST(test_leadership_loss_fails_pending),
        RAST_TEST(test_malformed_inputs_rejected),
        RAST_TEST(test_append_cannot_cut_committed_entries),
        RAST_TEST(test_propose_on_follower),
    };
    int rc = rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
    rast_batch_free(&out);
    return rc;
}
