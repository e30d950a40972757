/*
 * node.h: the inside of a rast node, shared by the core's modules (never by callers).
 *
 * Modules, one Raft concern each:
 *   node.c         rast_step dispatch, input validation, role transitions (§5.1 terms)
 *   election.c     timeouts, campaigns, votes (§5.2, §5.4.1)
 *   replication.c  AppendEntries both sides, conflict back-off, commitment (§5.3, §5.4.2)
 *   propose.c      client proposals and their completion
 *   read_index.c   linearizable reads (thesis §6.4)
 *   persist.c      PERSIST outputs, tokens, responses deferred until durable
 *   progress.c     per-follower flow control; log.c the in-memory log; codec.c the bytes
 *
 * Role transitions (asserted in node_set_role):
 *
 *     FOLLOWER --timeout--> CANDIDATE --quorum--> LEADER
 *        ^  ^                  |  ^ timeout          |
 *        |  +---higher term----+  +------------------+ (no)
 *        +-------------higher term / same-term leader-+
 *
 * Invariants:
 *  - commit_index <= last log index; applied_index <= commit_index; both never decrease;
 *  - persisted_index <= last log index, and entries 1..persisted_index are durable;
 *  - a leader's log is append-only while it leads;
 *  - a response that vouches for durable state leaves only after its PERSISTED.
 */
#ifndef RAST_CORE_NODE_H
#define RAST_CORE_NODE_H

#include "log.h"
#include "progress.h"
#include "rast.h"
#include "rng.h"

/* PERSIST requests not yet completed that the node tracks one by one; beyond this, the
 * newest slot is widened to cover the next request too (see persist.c). */
#define PERSIST_TRACKED_MAX 64u

struct persist_pending {
    uint64_t token;
    uint64_t last_index; /* the log is durable up to here once token completes */
};

struct deferred_msg {
    uint64_t token; /* send once this token is durable */
    struct rast_msg msg;
};

struct proposal {
    uint64_t tag;
    uint64_t first_index;
    uint64_t last_index;
};

struct read_request {
    uint64_t tag;
    uint64_t read_index; /* commit index when the read arrived */
    uint64_t round;      /* the confirmation round that must complete */
};

/* A bounded FIFO of fixed-size items; capacity fixed at creation. */
struct ring {
    void *items;
    uint32_t item_size;
    uint32_t capacity;
    uint32_t head;
    uint32_t count;
};

struct rast_node {
    struct rast_config cfg;
    uint32_t quorum;
    uint8_t role;
    uint64_t term;
    uint32_t voted_for;
    uint32_t leader;
    uint64_t commit_index;
    uint64_t applied_index;
    struct rast_log log;
    struct rng rng;

    /* persistence (persist.c) */
    bool hard_state_dirty;
    bool truncate_pending;
    uint64_t persist_from_index; /* first log index not yet handed to the disk */
    uint64_t token_issued;
    uint64_t token_durable;
    uint64_t persisted_index;
    struct persist_pending persist_pending[PERSIST_TRACKED_MAX];
    uint32_t persist_pending_count;
    struct ring deferred; /* struct deferred_msg */

    /* election (election.c) */
    uint32_t election_elapsed_ticks;
    uint32_t election_timeout_ticks;
    uint32_t heartbeat_elapsed_ticks;
    uint64_t self_vote_token;
    bool vote_reqs_pending; /* a candidate whose hard state is not durable yet (election.c) */
    bool vote_responded[RAST_NODES_MAX + 1];
    bool vote_granted[RAST_NODES_MAX + 1];
    uint32_t vote_grants_counted; /* only used by the vote_double_count catalog bug */

    /* leader state (replication.c, propose.c, read_index.c) */
    struct progress progress[RAST_NODES_MAX + 1];
    struct progress_inflight *inflight_storage;
    uint64_t term_start_index; /* index of this leader's no-op entry */
    struct ring proposals;     /* struct proposal */
    struct ring reads;         /* struct read_request */
    uint64_t read_round_sent;
    uint64_t read_round_confirmed;
    bool read_round_wanted;

    /* the current step */
    struct rast_batch *out;
    bool out_of_memory;
    bool failed;
    struct rast_output scratch_output;
    struct rast_stats stats;
};

/* ---- ring (node.c) ---- */
int ring_init(struct ring *r, uint32_t item_size, uint32_t capacity);
void ring_free(struct ring *r);
/* Empties r for items of item_size, capacity of them: keeps its items when they are exactly
 * that, else frees them and allocates anew. 0 or RAST_E_NOMEM. */
int ring_ensure(struct ring *r, uint32_t item_size, uint32_t capacity);
void *ring_push(struct ring *r); /* NULL when full */
void *ring_front(const struct ring *r);
void *ring_at(const struct ring *r, uint32_t i);
void ring_pop(struct ring *r);
bool ring_full(const struct ring *r);

/* ---- outputs (batch.c) ---- */
/* A fresh zeroed output slot at the end of node->out. On allocation failure it returns a
 * scratch slot and marks the step out of memory, so callers need no error path. */
struct rast_output *node_emit(struct rast_node *node, uint8_t kind);
struct rast_msg *node_emit_msg(struct rast_node *node, uint8_t type, uint32_t to);

/* ---- node.c ---- */
void node_set_role(struct rast_node *node, uint8_t role);
void node_become_follower(struct rast_node *node, uint64_t term, uint32_t leader);
/* Inline: every step asks several times (asserts, validation). */
static inline uint64_t node_last_index(const struct rast_node *node)
{
    return node->log.last_index;
}

static inline bool node_is_peer(const struct rast_node *node, uint32_t id)
{
    return id >= 1 && id <= node->cfg.voter_count && id != node->cfg.id;
}

/* ---- election.c ---- */
void election_reset_timer(struct rast_node *node);
void election_tick(struct rast_node *node);
void election_on_vote_req(struct rast_node *node, const struct rast_msg *msg);
void election_on_vote_resp(struct rast_node *node, const struct rast_msg *msg);
void election_tally(struct rast_node *node);
/* A candidate's PERSISTED: sends its vote requests once its hard state is durable, tallies. */
void election_on_persisted(struct rast_node *node);

/* ---- replication.c ---- */
void replication_become_leader(struct rast_node *node);
void replication_broadcast(struct rast_node *node);
void replication_heartbeat(struct rast_node *node);
void replication_on_append_req(struct rast_node *node, const struct rast_msg *msg);
void replication_on_append_resp(struct rast_node *node, const struct rast_msg *msg);
void replication_on_heartbeat_req(struct rast_node *node, const struct rast_msg *msg);
void replication_on_heartbeat_resp(struct rast_node *node, const struct rast_msg *msg);
void replication_maybe_commit(struct rast_node *node);
void replication_commit_to(struct rast_node *node, uint64_t commit_index);

/* ---- propose.c ---- */
void propose_on_request(struct rast_node *node, uint64_t tag, uint32_t entry_count,
                        const struct rast_entry *entries);
void propose_on_commit(struct rast_node *node);
void propose_fail_all(struct rast_node *node, int reason);

/* ---- read_index.c ---- */
void read_on_request(struct rast_node *node, uint64_t tag);
void read_on_ack(struct rast_node *node, uint32_t from, uint64_t round);
void read_release(struct rast_node *node);
void read_fail_all(struct rast_node *node, int reason);
void read_flush(struct rast_node *node);

/* ---- persist.c ---- */
/* persist_flush's half for a node with something to hand to the disk. */
uint64_t persist_flush_emit(struct rast_node *node);
/* Hands everything not yet durable-requested to the disk; returns the token that covers all
 * of the node's state so far. Inline: every step ends with a flush, and most have nothing to
 * flush; out of line, that test cost the saving and restoring of six registers. */
static inline uint64_t persist_flush(struct rast_node *node)
{
    if (!node->hard_state_dirty && !node->truncate_pending &&
        node->persist_from_index > node_last_index(node))
        return node->token_issued;
    return persist_flush_emit(node);
}
/* Sends msg now if the node's state is durable, else once it is. msg was built with
 * node_emit_msg semantics but not emitted: persist_respond copies it. */
void persist_respond(struct rast_node *node, const struct rast_msg *msg);
void persist_on_truncate(struct rast_node *node, uint64_t first_index);
int persist_on_persisted(struct rast_node *node, uint64_t token);

#endif /* RAST_CORE_NODE_H */
