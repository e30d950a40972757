/*
 * invariants.h: the Raft safety properties, checked after every event with incremental
 * oracles (O(1) amortized per event; a full cross-node scan every INV_SCAN_EVENTS events and
 * at the end of a run):
 *
 *  1. election safety     at most one leader per term (term -> leader map);
 *  2. leader append-only  a leader never removes or rewrites its own entries: its last index
 *                         never shrinks and the term at its remembered last index never
 *                         changes while it leads in one term;
 *  3. log matching        two logs with the same term at an index agree on all entries up to
 *                         it (full scan, periodic);
 *  4. leader completeness a new leader of term L holds every entry known committed in a
 *                         term < L (chosen[]; a candidate may legally win an old term
 *                         late, after later terms committed entries it lacks);
 *  5. state machine safety the first (term, data hash) committed or applied at an index
 *                         anywhere is the only one ever committed or applied there;
 *  6. commit monotonic    a live node's commit index never moves backwards;
 *  7. acked writes        every acknowledged write stays chosen at its index (the entry
 *                         chosen there has the acked entry's term) and is held by every
 *                         live node whose commit index covers it (end of run).
 * The first violation is kept (kind + message); checking stops there.
 */
#ifndef SIM_INVARIANTS_H
#define SIM_INVARIANTS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "rast.h"

#define INV_NODES_MAX 8u
#define INV_SCAN_EVENTS 16384u
#define INV_VOTES_MAX 32u /* grants remembered per node (a ring) for the vote oracle */

struct inv_chosen {
    uint64_t term;
    uint64_t hash;
    /* an upper bound of the term in which the entry was committed: the smallest current
     * term of a node seen committing it (UINT64_MAX when only seen applied so far) */
    uint64_t commit_term;
};

struct invariants {
    uint32_t *term_leader; /* by term; 0 = none seen */
    uint64_t term_capacity;
    struct inv_chosen *chosen; /* by index - 1 */
    uint64_t chosen_count;     /* indexes 1..chosen_count are chosen */
    uint64_t chosen_capacity;
    uint64_t last_commit[INV_NODES_MAX];
    uint64_t last_applied[INV_NODES_MAX];
    uint64_t leader_term[INV_NODES_MAX];
    uint64_t leader_last_index[INV_NODES_MAX];
    uint64_t leader_last_term[INV_NODES_MAX];
    uint64_t *acked; /* pairs: index, term */
    uint32_t acked_count;
    uint32_t acked_capacity;
    uint64_t elections;
    uint64_t vote_term[INV_NODES_MAX][INV_VOTES_MAX]; /* 0: empty slot */
    uint32_t vote_for[INV_NODES_MAX][INV_VOTES_MAX];
    uint32_t vote_next[INV_NODES_MAX];
    bool violated;
    char kind[48];
    char message[320];
};

/* The first failure of a run wins: when *set is false, sets it and writes what into kind
 * and the formatted message; later calls change nothing. Shared by the invariants' and the
 * cluster's verdicts. */
void sim_first_failure(bool *set, char *kind, size_t kind_size, char *message,
                       size_t message_size, const char *what, const char *fmt, va_list ap);

bool inv_init(struct invariants *inv);
void inv_free(struct invariants *inv);
void inv_reset(struct invariants *inv);
/* A node (re)starts: its volatile state (commit, leadership) begins again. */
void inv_node_started(struct invariants *inv, uint32_t id);
/* After every step of node id. */
void inv_after_step(struct invariants *inv, uint32_t id, const struct rast_node *node);
/* Node id applied entry at index. */
void inv_on_apply(struct invariants *inv, uint32_t id, uint64_t index,
                  const struct rast_entry *entry);
/* Node voter sent a vote grant for term to candidate (issue 5): at most one candidate per
 * term (Figure 2, votedFor), and never another than itself in a term it led. */
void inv_on_vote_grant(struct invariants *inv, uint32_t voter, uint32_t candidate,
                       uint64_t term);
/* Node id became leader of term: the grants sent to it in that term, plus its own vote when
 * durable, must make a majority of node_count (issue 5). */
void inv_on_leader_votes(struct invariants *inv, uint32_t id, uint64_t term,
                         uint32_t node_count, bool self_vote_durable);
/* A write, the entry (index, term), was acknowledged to a client. */
void inv_on_ack(struct invariants *inv, uint64_t index, uint64_t term);
/* Log matching over the live nodes (nodes[i] NULL when down). */
void inv_scan(struct invariants *inv, struct rast_node *const *nodes, uint32_t count);
/* Acked writes present on every live node that committed them. */
void inv_final(struct invariants *inv, struct rast_node *const *nodes, uint32_t count);
/* Records a violation found elsewhere (codec, disk, core errors). */
void inv_fail(struct invariants *inv, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* SIM_INVARIANTS_H */
