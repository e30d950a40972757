/*
 * invariants.c: incremental oracles for the Raft safety properties (see invariants.h).
 */
#include "invariants.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* small frames: the inlined short-input paths are much cheaper */
#include <xxhash.h>

bool inv_init(struct invariants *inv)
{
    memset(inv, 0, sizeof *inv);
    return true;
}

void inv_free(struct invariants *inv)
{
    free(inv->term_leader);
    free(inv->chosen);
    free(inv->acked);
    memset(inv, 0, sizeof *inv);
}

void inv_reset(struct invariants *inv)
{
    if (inv->term_leader != NULL)
        memset(inv->term_leader, 0, (size_t)inv->term_capacity * sizeof *inv->term_leader);
    inv->chosen_count = 0;
    memset(inv->last_commit, 0, sizeof inv->last_commit);
    memset(inv->last_applied, 0, sizeof inv->last_applied);
    memset(inv->leader_term, 0, sizeof inv->leader_term);
    inv->acked_count = 0;
    inv->elections = 0;
    memset(inv->vote_term, 0, sizeof inv->vote_term);
    memset(inv->vote_for, 0, sizeof inv->vote_for);
    memset(inv->vote_next, 0, sizeof inv->vote_next);
    inv->violated = false;
    inv->kind[0] = 0;
    inv->message[0] = 0;
}

void sim_first_failure(bool *set, char *kind, size_t kind_size, char *message,
                       size_t message_size, const char *what, const char *fmt, va_list ap)
{
    if (*set)
        return;
    *set = true;
    snprintf(kind, kind_size, "%s", what);
    vsnprintf(message, message_size, fmt, ap);
}

void inv_fail(struct invariants *inv, const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_first_failure(&inv->violated, inv->kind, sizeof inv->kind, inv->message,
                      sizeof inv->message, kind, fmt, ap);
    va_end(ap);
}

void inv_node_started(struct invariants *inv, uint32_t id)
{
    inv->last_commit[id] = 0;
    inv->last_applied[id] = 0;
    inv->leader_term[id] = 0;
}

static uint64_t inv_hash(const struct rast_entry *e)
{
    return XXH3_64bits(e->data, e->data == NULL ? 0 : e->size);
}

static bool inv_grow(void **p, uint64_t *capacity, uint64_t needed, size_t item)
{
    if (needed <= *capacity)
        return true;
    uint64_t grown = *capacity == 0 ? 1024 : *capacity;
    while (grown < needed)
        grown *= 2;
    void *q = realloc(*p, (size_t)grown * item);
    if (q == NULL)
        return false;
    memset((char *)q + (size_t)*capacity * item, 0, (size_t)(grown - *capacity) * item);
    *p = q;
    *capacity = grown;
    return true;
}

/* State machine safety: the first (term, hash) at an index is the only one. */
static void inv_choose(struct invariants *inv, uint32_t id, uint64_t index, uint64_t term,
                       uint64_t hash, const char *what, uint64_t commit_term)
{
    if (index <= inv->chosen_count && inv->chosen[index - 1].term != 0) {
        struct inv_chosen *c = &inv->chosen[index - 1];
        if (commit_term < c->commit_term)
            c->commit_term = commit_term;
        if (c->term != term || c->hash != hash)
            inv_fail(inv, "state_machine_safety",
                     "n%" PRIu32 " %s index %" PRIu64 " term %" PRIu64 " hash %016" PRIx64
                     " but term %" PRIu64 " hash %016" PRIx64 " was chosen there",
                     id, what, index, term, hash, c->term, c->hash);
        return;
    }
    void *p = inv->chosen;
    if (!inv_grow(&p, &inv->chosen_capacity, index, sizeof *inv->chosen))
        return;
    inv->chosen = p;
    /* Indexes between chosen_count and index stay term 0 (unknown) until someone commits
     * or applies them: applies run inside a step, before that step's commit scan. */
    for (uint64_t i = inv->chosen_count; i + 1 < index; i++)
        inv->chosen[i].term = 0;
    inv->chosen[index - 1].term = term;
    inv->chosen[index - 1].hash = hash;
    inv->chosen[index - 1].commit_term = commit_term;
    if (index > inv->chosen_count)
        inv->chosen_count = index;
}

/* Out of line, as inv_new_leader: inv_after_step runs after every step, and with these
 * inlined it saved and restored six registers for a step that nearly always changes neither
 * the commit index nor the leader. */
__attribute__((noinline)) static void inv_check_commit(struct invariants *inv, uint32_t id,
                                                       const struct rast_node *node)
{
    struct rast_status status; /* read again: see inv_after_step */
    rast_node_status(node, &status);
    const struct rast_status *st = &status;
    if (st->commit_index < inv->last_commit[id]) {
        inv_fail(inv, "commit_monotonic",
                 "n%" PRIu32 " commit index went back from %" PRIu64 " to %" PRIu64, id,
                 inv->last_commit[id], st->commit_index);
        return;
    }
    if (st->commit_index > st->last_index) {
        inv_fail(inv, "commit_beyond_log",
                 "n%" PRIu32 " commit index %" PRIu64 " beyond last index %" PRIu64, id,
                 st->commit_index, st->last_index);
        return;
    }
    for (uint64_t i = inv->last_commit[id] + 1; i <= st->commit_index && !inv->violated; i++) {
        const struct rast_entry *e = rast_node_entry_at(node, i);
        if (e == NULL) {
            inv_fail(inv, "commit_beyond_log", "n%" PRIu32 " has no entry %" PRIu64, id, i);
            return;
        }
        inv_choose(inv, id, i, e->term, inv_hash(e), "committed", st->term);
    }
    inv->last_commit[id] = st->commit_index;
}

/* A node that just became leader of term: election safety, leader completeness. */
__attribute__((noinline)) static void inv_new_leader(struct invariants *inv, uint32_t id,
                                                     const struct rast_node *node,
                                                     const struct rast_status *st)
{
    void *p = inv->term_leader;
    if (st->term >= (1u << 26) ||
        !inv_grow(&p, &inv->term_capacity, st->term + 1, sizeof *inv->term_leader)) {
        inv_fail(inv, "term_overflow", "n%" PRIu32 " term %" PRIu64 " is implausible", id,
                 st->term);
        return;
    }
    inv->term_leader = p;
    uint32_t other = inv->term_leader[st->term];
    if (other != 0 && other != id) {
        inv_fail(inv, "election_safety",
                 "n%" PRIu32 " and n%" PRIu32 " are both leaders of term %" PRIu64, other, id,
                 st->term);
        return;
    }
    inv->term_leader[st->term] = id;
    inv->elections++;
    for (uint64_t i = 1; i <= inv->chosen_count; i++) {
        if (inv->chosen[i - 1].term != 0 && inv->chosen[i - 1].commit_term < st->term &&
            rast_node_term_at(node, i) != inv->chosen[i - 1].term) {
            inv_fail(inv, "leader_completeness",
                     "n%" PRIu32 " leads term %" PRIu64 " without chosen entry %" PRIu64
                     " (term %" PRIu64 ", it has term %" PRIu64 ")",
                     id, st->term, i, inv->chosen[i - 1].term, rast_node_term_at(node, i));
            return;
        }
    }
    inv->leader_term[id] = st->term;
    inv->leader_last_index[id] = st->last_index;
    inv->leader_last_term[id] = st->last_term;
}

/* A step of a leader: a new one (election safety, leader completeness) or one that led
 * before it (append-only). Out of line, as the commit check: most steps are followers'. */
__attribute__((noinline)) static void inv_leader_step(struct invariants *inv, uint32_t id,
                                                      const struct rast_node *node)
{
    struct rast_status status; /* read again: see inv_after_step */
    rast_node_status(node, &status);
    const struct rast_status *st = &status;
    if (inv->leader_term[id] != st->term) {
        inv_new_leader(inv, id, node, st);
        return;
    }
    uint64_t last = inv->leader_last_index[id];
    if (st->last_index < last || rast_node_term_at(node, last) != inv->leader_last_term[id]) {
        inv_fail(inv, "leader_append_only",
                 "leader n%" PRIu32 " of term %" PRIu64 " lost or rewrote index %" PRIu64, id,
                 st->term, last);
        return;
    }
    inv->leader_last_index[id] = st->last_index;
    inv->leader_last_term[id] = st->last_term;
}

void inv_after_step(struct invariants *inv, uint32_t id, const struct rast_node *node)
{
    if (inv->violated)
        return;
    /* The callees read the status again rather than take this one's address: this one then
     * lives in registers, and only the four fields tested here are read. */
    struct rast_status st;
    rast_node_status(node, &st);
    /* with the commit index where it was and inside the log, inv_check_commit finds nothing */
    if (st.commit_index != inv->last_commit[id] || st.commit_index > st.last_index)
        inv_check_commit(inv, id, node);
    if (!inv->violated && st.role == RAST_LEADER)
        inv_leader_step(inv, id, node);
}

void inv_on_apply(struct invariants *inv, uint32_t id, uint64_t index,
                  const struct rast_entry *entry)
{
    if (inv->violated)
        return;
    if (index != inv->last_applied[id] + 1) {
        inv_fail(inv, "apply_order", "n%" PRIu32 " applied %" PRIu64 " after %" PRIu64, id,
                 index, inv->last_applied[id]);
        return;
    }
    inv->last_applied[id] = index;
    inv_choose(inv, id, index, entry->term, inv_hash(entry), "applied", UINT64_MAX);
}

void inv_on_ack(struct invariants *inv, uint64_t index, uint64_t term)
{
    if (inv->acked_count == inv->acked_capacity) {
        uint64_t capacity = inv->acked_capacity;
        void *p = inv->acked;
        if (!inv_grow(&p, &capacity, capacity + 1, 2 * sizeof *inv->acked))
            return;
        inv->acked = p;
        inv->acked_capacity = (uint32_t)capacity;
    }
    inv->acked[2 * inv->acked_count] = index;
    inv->acked[2 * inv->acked_count + 1] = term;
    inv->acked_count++;
}

static void inv_scan_pair(struct invariants *inv, uint32_t a, const struct rast_node *x,
                          uint32_t b, const struct rast_node *y)
{
    struct rast_status sx, sy;
    rast_node_status(x, &sx);
    rast_node_status(y, &sy);
    uint64_t top = sx.last_index < sy.last_index ? sx.last_index : sy.last_index;
    uint64_t i = top;
    while (i > 0 && rast_node_term_at(x, i) != rast_node_term_at(y, i))
        i--;
    for (; i > 0; i--) {
        const struct rast_entry *ex = rast_node_entry_at(x, i);
        const struct rast_entry *ey = rast_node_entry_at(y, i);
        if (ex == NULL || ey == NULL || ex->term != ey->term || ex->size != ey->size ||
            (ex->size > 0 && memcmp(ex->data, ey->data, ex->size) != 0)) {
            inv_fail(inv, "log_matching",
                     "n%" PRIu32 " and n%" PRIu32 " share a term at a later index but differ "
                     "at index %" PRIu64, a, b, i);
            return;
        }
    }
}

void inv_scan(struct invariants *inv, struct rast_node *const *nodes, uint32_t count)
{
    for (uint32_t a = 1; a <= count && !inv->violated; a++)
        for (uint32_t b = a + 1; b <= count && !inv->violated; b++)
            if (nodes[a] != NULL && nodes[b] != NULL)
                inv_scan_pair(inv, a, nodes[a], b, nodes[b]);
}

void inv_final(struct invariants *inv, struct rast_node *const *nodes, uint32_t count)
{
    inv_scan(inv, nodes, count);
    for (uint32_t k = 0; k < inv->acked_count && !inv->violated; k++) {
        uint64_t index = inv->acked[2 * k];
        uint64_t term = inv->acked[2 * k + 1];
        if (index > inv->chosen_count || inv->chosen[index - 1].term == 0) {
            inv_fail(inv, "acked_write_lost", "acked index %" PRIu64 " is not chosen", index);
            return;
        }
        if (inv->chosen[index - 1].term != term) {
            inv_fail(inv, "acked_write_lost",
                     "acked entry (index %" PRIu64 ", term %" PRIu64 ") was replaced by the "
                     "entry of term %" PRIu64 " chosen there",
                     index, term, inv->chosen[index - 1].term);
            return;
        }
        for (uint32_t n = 1; n <= count; n++) {
            if (nodes[n] == NULL)
                continue;
            struct rast_status st;
            rast_node_status(nodes[n], &st);
            if (st.commit_index >= index &&
                rast_node_term_at(nodes[n], index) != inv->chosen[index - 1].term) {
                inv_fail(inv, "acked_write_lost",
                         "n%" PRIu32 " committed %" PRIu64 " but lost acked index %" PRIu64, n,
                         st.commit_index, index);
                return;
            }
        }
    }
}

void inv_on_vote_grant(struct invariants *inv, uint32_t voter, uint32_t candidate,
                       uint64_t term)
{
    if (inv->violated || voter >= INV_NODES_MAX || term == 0)
        return;
    if (term < inv->term_capacity && inv->term_leader[term] == voter && candidate != voter) {
        inv_fail(inv, "vote_safety", "n%" PRIu32 " led term %" PRIu64
                 " and then granted its vote in that term to n%" PRIu32, voter, term, candidate);
        return;
    }
    for (uint32_t i = 0; i < INV_VOTES_MAX; i++) {
        if (inv->vote_term[voter][i] == term && inv->vote_for[voter][i] != candidate) {
            inv_fail(inv, "vote_safety", "n%" PRIu32 " granted its vote in term %" PRIu64
                     " to n%" PRIu32 " and to n%" PRIu32, voter, term,
                     inv->vote_for[voter][i], candidate);
            return;
        }
    }
    uint32_t slot = inv->vote_next[voter]++ % INV_VOTES_MAX;
    inv->vote_term[voter][slot] = term;
    inv->vote_for[voter][slot] = candidate;
}

void inv_on_leader_votes(struct invariants *inv, uint32_t id, uint64_t term,
                         uint32_t node_count, bool self_vote_durable)
{
    if (inv->violated || id >= INV_NODES_MAX)
        return;
    if (!self_vote_durable) { /* core/election.c: restarted, it could win this term again */
        inv_fail(inv, "election_quorum", "n%" PRIu32 " leads term %" PRIu64
                 " before its own term and vote are durable", id, term);
        return;
    }
    uint32_t votes = 1;
    for (uint32_t voter = 1; voter < INV_NODES_MAX && voter <= node_count; voter++) {
        if (voter == id)
            continue;
        for (uint32_t i = 0; i < INV_VOTES_MAX; i++) {
            if (inv->vote_term[voter][i] == term && inv->vote_for[voter][i] == id) {
                votes++;
                break;
            }
        }
    }
    if (votes < node_count / 2 + 1)
        inv_fail(inv, "election_quorum", "n%" PRIu32 " leads term %" PRIu64 " with %" PRIu32
                 " durable votes of %" PRIu32 " nodes", id, term, votes, node_count);
}
