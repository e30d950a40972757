/*
 * rast.h: the one public header of librast, a deterministic Raft state machine.
 *
 * A node is a pure state machine. The caller feeds it one input at a time with rast_step();
 * the node appends what must happen next to a caller-owned output batch:
 *
 *     inputs                         outputs
 *     TICK       logical time        SEND          a message to another node
 *     RECV       a decoded message   PERSIST       hard state and/or log entries, with a token
 *     PERSISTED  a token is durable  APPLY         a committed range, in index order
 *     PROPOSE    client entries      PROPOSE_DONE  / PROPOSE_FAILED (tag, index or reason)
 *     READ       linearizable read   READ_READY    / READ_FAILED (tag, read index or reason)
 *
 * No I/O, no clock, no hidden randomness: the same inputs give the same outputs, byte for
 * byte. Election jitter comes from a PRNG seeded through rast_config.random_seed.
 *
 * The caller's side of the contract (the simulator obeys it and exploits it to the limit):
 *  - Outputs may be executed as soon as they are emitted. Messages may be lost, duplicated,
 *    delayed and reordered.
 *  - PERSIST requests must complete (be made durable) in the order they were emitted, and
 *    each completion is reported with a PERSISTED input carrying its token. A completion may
 *    be delayed arbitrarily; a crash may lose any suffix of the not-yet-completed requests and
 *    tear the one in flight. Reporting PERSISTED for token t means every PERSIST with a token
 *    <= t is durable.
 *  - The node emits messages that vouch for durable state (vote grants, append acks) only
 *    after the PERSISTED input that covers that state. A leader writes its own log in parallel
 *    with replication; its entries count toward the quorum once persisted.
 *  - Restart: a node is rebuilt from what its disk holds (hard state + log) and nothing else,
 *    through rast_node_create() with a rast_restore.
 *
 * Pointer lifetimes: pointers inside outputs (message entries, persisted entries, applied
 * entries) point into the node's log; they stay valid until the next rast_step() call on the
 * same node that truncates the log, and always at least until the next rast_step() call.
 * Pointers inside inputs (a RECV message's entries, PROPOSE data) are only read during the
 * rast_step() call; the node copies what it keeps.
 *
 * Errors are negative codes from enum rast_error (rast_strerror names them). Bad input from
 * the network is never an assertion: an impossible message is ignored and counted in
 * rast_stats, or rejected with RAST_E_INVALID.
 */
#ifndef RAST_H
#define RAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The shared library exports exactly what this header declares (built -fvisibility=hidden). */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif

#if defined(__GNUC__) || defined(__clang__)
#define RAST_MUST_USE __attribute__((warn_unused_result))
#else
#define RAST_MUST_USE
#endif

/* Node ids are 1..RAST_NODES_MAX; 0 means "none" (no vote, no known leader). */
#define RAST_NODES_MAX 7u
#define RAST_NODE_NONE 0u

enum rast_error {
    RAST_OK = 0,
    RAST_E_NOMEM = -1,             /* an amortized growth failed; discard the node, restart */
    RAST_E_INVALID = -2,           /* malformed input or argument */
    RAST_E_NOT_LEADER = -3,        /* PROPOSE/READ on a non-leader (see leader hint) */
    RAST_E_BUSY = -4,              /* a bounded queue is full; retry later */
    RAST_E_TOO_BIG = -5,           /* an entry or message exceeds its configured maximum */
    RAST_E_LEADERSHIP_LOST = -6,   /* leader stepped down; a proposal's outcome is unknown */
    RAST_E_TRUNCATED = -7,         /* codec: the buffer ends inside a frame */
    RAST_E_CHECKSUM = -8,          /* codec: the frame's XXH3-64 does not match */
    RAST_E_VERSION = -9,           /* codec: unknown format version */
    RAST_E_BUFFER_TOO_SMALL = -10, /* codec: output buffer too small to encode into */
};

/* A static English name for an error code (never NULL). */
const char *rast_strerror(int error);

/* The catalog bug this library was built with (meson -Dbug=NAME), or "none". Bug builds exist
 * only to prove the simulator finds bugs (docs/bug-catalog.md); never use one for real. */
const char *rast_build_bug(void);

enum rast_role {
    RAST_FOLLOWER = 1,
    RAST_CANDIDATE = 2,
    RAST_LEADER = 3,
};
const char *rast_role_name(enum rast_role role);

/* One log entry. Its index is implied by its position (a message's prev_index + 1 + i). */
struct rast_entry {
    uint64_t term;
    const uint8_t *data; /* size bytes; NULL when size is 0 (e.g. a leader's no-op) */
    uint32_t size;
};

/* What must be durable before a vote is granted: term and vote (Figure 2, "persistent
 * state on all servers"). */
struct rast_hard_state {
    uint64_t term;
    uint32_t voted_for; /* RAST_NODE_NONE or a node id */
};

enum rast_msg_type {
    RAST_MSG_VOTE_REQ = 1,
    RAST_MSG_VOTE_RESP = 2,
    RAST_MSG_APPEND_REQ = 3,
    RAST_MSG_APPEND_RESP = 4,
    RAST_MSG_HEARTBEAT_REQ = 5,
    RAST_MSG_HEARTBEAT_RESP = 6,
};
#define RAST_MSG_TYPE_MAX 6u
const char *rast_msg_type_name(uint8_t type);

struct rast_vote_req {
    uint64_t last_log_index;
    uint64_t last_log_term;
};

struct rast_vote_resp {
    bool granted;
};

struct rast_append_req {
    uint64_t prev_index;
    uint64_t prev_term;
    uint64_t commit_index;
    uint32_t entry_count;
    const struct rast_entry *entries; /* entry_count entries at prev_index + 1 ... */
};

/* Success: match_index is the last index the follower holds durably that matches the
 * leader's log. Rejection (§5.3 with fast back-off): reject_index is the rejected prev_index;
 * the follower's log has no entry there (conflict_term 0, conflict_index = its last index+1)
 * or has conflict_term there, whose first index in its log is conflict_index. */
struct rast_append_resp {
    bool success;
    uint64_t match_index;
    uint64_t reject_index;
    uint64_t conflict_term;
    uint64_t conflict_index;
};

/* A heartbeat confirms leadership and carries the ReadIndex round being confirmed. The
 * commit index is capped at what the follower is known to hold (min(match, commit)). */
struct rast_heartbeat_req {
    uint64_t commit_index;
    uint64_t read_round;
};

struct rast_heartbeat_resp {
    uint64_t read_round;
    uint64_t match_hint; /* follower's last log index, lets the leader resume a stalled probe */
};

struct rast_msg {
    uint8_t type; /* enum rast_msg_type */
    uint32_t from;
    uint32_t to;
    uint64_t term;
    union {
        struct rast_vote_req vote_req;
        struct rast_vote_resp vote_resp;
        struct rast_append_req append_req;
        struct rast_append_resp append_resp;
        struct rast_heartbeat_req heartbeat_req;
        struct rast_heartbeat_resp heartbeat_resp;
    } u;
};

/* ---- configuration ----------------------------------------------------------------- */

struct rast_config {
    uint32_t id;          /* this node, 1..voter_count */
    uint32_t voter_count; /* the cluster is nodes 1..voter_count, at most RAST_NODES_MAX */
    uint32_t election_timeout_ticks_min; /* randomized in [min, max) each reset (§5.2) */
    uint32_t election_timeout_ticks_max;
    uint32_t heartbeat_interval_ticks;
    uint64_t random_seed;        /* election jitter; the only randomness in the node */
    uint32_t inflight_msgs_max;  /* per follower, append messages not yet acknowledged */
    uint32_t inflight_bytes_max; /* per follower, entry bytes not yet acknowledged */
    uint32_t msg_entries_max;    /* entries in one append message */
    uint32_t msg_bytes_max;      /* entry bytes in one append message */
    uint32_t entry_size_bytes_max;
    uint32_t proposals_pending_max; /* PROPOSE calls awaiting commit on a leader */
    uint32_t reads_pending_max;     /* READ calls awaiting confirmation on a leader */
    uint32_t deferred_msgs_max;     /* responses waiting for a PERSISTED; dropped when full */
};

/* Fills cfg with defaults for node id of voter_count (timeouts 10..20 ticks, heartbeat 2). */
void rast_config_default(struct rast_config *cfg, uint32_t id, uint32_t voter_count);

/* 0 when cfg is usable, RAST_E_INVALID otherwise. */
RAST_MUST_USE int rast_config_validate(const struct rast_config *cfg);

/* ---- inputs and outputs ------------------------------------------------------------- */

enum rast_input_kind {
    RAST_INPUT_TICK = 1,
    RAST_INPUT_RECV = 2,
    RAST_INPUT_PERSISTED = 3,
    RAST_INPUT_PROPOSE = 4,
    RAST_INPUT_READ = 5,
};

struct rast_input {
    uint8_t kind; /* enum rast_input_kind */
    union {
        struct rast_msg recv;
        struct {
            uint64_t token;
        } persisted;
        struct {
            uint64_t tag;
            uint32_t entry_count;
            const struct rast_entry *entries; /* term fields are ignored */
        } propose;
        struct {
            uint64_t tag;
        } read;
    } u;
};

enum rast_output_kind {
    RAST_OUTPUT_SEND = 1,
    RAST_OUTPUT_PERSIST = 2,
    RAST_OUTPUT_APPLY = 3,
    RAST_OUTPUT_PROPOSE_DONE = 4,
    RAST_OUTPUT_PROPOSE_FAILED = 5,
    RAST_OUTPUT_READ_READY = 6,
    RAST_OUTPUT_READ_FAILED = 7,
    RAST_OUTPUT_ROLE = 8, /* trace: the node changed role or term */
};

/* PERSIST: make durable, in order: the hard state (if has_hard_state), then the log
 * truncated to first_index - 1 followed by entry_count entries from first_index (only if
 * entry_count > 0 or truncate is set). */
struct rast_persist {
    uint64_t token;
    bool has_hard_state;
    struct rast_hard_state hard_state;
    bool truncate; /* drop every stored entry at index >= first_index first */
    uint64_t first_index;
    uint32_t entry_count;
    const struct rast_entry *entries;
};

struct rast_output {
    uint8_t kind; /* enum rast_output_kind */
    union {
        struct rast_msg send;
        struct rast_persist persist;
        struct {
            uint64_t first_index;
            uint32_t entry_count;
            const struct rast_entry *entries;
        } apply;
        struct {
            uint64_t tag;
            uint64_t first_index;
            uint64_t last_index;
        } propose_done;
        struct {
            uint64_t tag;
            int reason;           /* RAST_E_NOT_LEADER, RAST_E_LEADERSHIP_LOST, RAST_E_BUSY, ... */
            uint32_t leader_hint; /* RAST_NODE_NONE when unknown */
        } propose_failed;
        struct {
            uint64_t tag;
            uint64_t read_index; /* serve the read once applied >= read_index */
        } read_ready;
        struct {
            uint64_t tag;
            int reason;
            uint32_t leader_hint;
        } read_failed;
        struct {
            uint8_t role; /* enum rast_role */
            uint64_t term;
            uint32_t leader; /* known leader, RAST_NODE_NONE if unknown */
        } role;
    } u;
};

/* A caller-owned batch. rast_step() appends to it (growing it, amortized); the caller
 * consumes items[0..count) and sets count to 0 before reusing it. Zero-initialize, then
 * release with rast_batch_free(). */
struct rast_batch {
    struct rast_output *items;
    uint32_t count;
    uint32_t capacity;
};
void rast_batch_free(struct rast_batch *batch);

/* ---- the node ----------------------------------------------------------------------- */

struct rast_node;

/* What a restarting node read back from its disk: the durable hard state and the durable
 * log entries 1..entry_count (the caller drops any torn or corrupt tail before this). */
struct rast_restore {
    struct rast_hard_state hard_state;
    uint64_t entry_count;
    const struct rast_entry *entries;
};

/* Creates a node. restore may be NULL (a brand-new node with an empty disk). Copies what it
 * keeps from restore. Returns RAST_E_INVALID for a bad config, RAST_E_NOMEM.
 * On success *out owns the node; release it with rast_node_destroy(). */
RAST_MUST_USE int rast_node_create(const struct rast_config *cfg,
                                   const struct rast_restore *restore, struct rast_node **out);
void rast_node_destroy(struct rast_node *node);
/* Rebuilds node in place: afterwards it is exactly what rast_node_create(cfg, restore) would
 * have made, but it keeps the memory it holds (log chunks, its first log data block, queues
 * of the same capacities) instead of freeing and allocating it again: for hosts that restart
 * nodes often, like the simulator. Everything the node knew is gone; pointers into its log
 * (earlier outputs) are invalid. Same errors as rast_node_create; after an error other than
 * RAST_E_INVALID for cfg the node holds no usable state: destroy it (or recreate it). */
RAST_MUST_USE int rast_node_recreate(struct rast_node *node, const struct rast_config *cfg,
                                     const struct rast_restore *restore);

/* Feeds one input. Appends outputs to out. Returns 0, or RAST_E_INVALID for an input that is
 * malformed (unknown kind, entry too big, message not addressed to this node, ...) in which
 * case the node did not change, or RAST_E_NOMEM (the node must be discarded). Refusals of
 * client requests (not leader, busy) are outputs, not errors. */
RAST_MUST_USE int rast_step(struct rast_node *node, const struct rast_input *in,
                            struct rast_batch *out);

/* Read-only views, for traces, tests and invariant checks. */
struct rast_status {
    uint32_t id;
    uint8_t role;
    uint64_t term;
    uint32_t voted_for;
    uint32_t leader;
    uint64_t commit_index;
    uint64_t applied_index;
    uint64_t last_index;
    uint64_t last_term;
    uint64_t persisted_index; /* last index of the log known durable */
};
void rast_node_status(const struct rast_node *node, struct rast_status *status);

/* Term of the entry at index (0 for index 0 or beyond the last index). */
uint64_t rast_node_term_at(const struct rast_node *node, uint64_t index);
/* The entry at index, or NULL when index is 0 or beyond the last index. */
const struct rast_entry *rast_node_entry_at(const struct rast_node *node, uint64_t index);

/* Counters of what a node ignored or dropped, for traces and fuzzing feedback. */
struct rast_stats {
    uint64_t msgs_stale_term;  /* messages from an older term, answered or ignored */
    uint64_t msgs_ignored;     /* impossible or out-of-place messages, dropped */
    uint64_t deferred_dropped; /* responses dropped because the deferred queue was full */
    uint64_t elections_started;
    uint64_t log_bytes_held; /* bytes of log data and entry headers the node holds */
};
void rast_node_stats(const struct rast_node *node, struct rast_stats *stats);

/* ---- codec: versioned little-endian frames, each checked with XXH3-64 -------------- */

/* Message frame: encodes msg into buf (capacity buf_size). On success *size_out is the
 * frame length. RAST_E_BUFFER_TOO_SMALL if it does not fit. */
RAST_MUST_USE int rast_msg_encode(const struct rast_msg *msg, uint8_t *buf, size_t buf_size,
                                  size_t *size_out);
/* Upper bound of the encoded size of msg. */
size_t rast_msg_encoded_size(const struct rast_msg *msg);

/* Decodes one frame from buf. Append entries are written to entries (capacity
 * entries_max) and their data points into buf (zero copy: keep buf alive while msg is
 * used). Never reads past buf + size. Errors: RAST_E_TRUNCATED, RAST_E_CHECKSUM,
 * RAST_E_VERSION, RAST_E_INVALID (bad type, impossible index or length), RAST_E_TOO_BIG
 * (more entries than entries_max). *frame_size_out is the bytes consumed. */
RAST_MUST_USE int rast_msg_decode(const uint8_t *buf, size_t size, struct rast_msg *msg,
                                  struct rast_entry *entries, uint32_t entries_max,
                                  size_t *frame_size_out);

/* Unsealed frames, for a transport that guarantees integrity by itself (the simulator uses
 * them for the frames its network leaves intact). rast_msg_encode_unsealed writes the frame
 * rast_msg_encode writes, except that the header check and the checksum are zeros: the full
 * decoder rejects it (RAST_E_CHECKSUM) until rast_frame_seal computes them in place.
 * rast_msg_decode_trusted decodes like rast_msg_decode, with every bounds, length and range
 * check, but does not compare the header check and checksum: use it only for frames that
 * cannot have been damaged since they were encoded. Same arguments and errors as
 * rast_msg_encode and rast_msg_decode (no RAST_E_CHECKSUM from the trusted decoder). */
RAST_MUST_USE int rast_msg_encode_unsealed(const struct rast_msg *msg, uint8_t *buf,
                                           size_t buf_size, size_t *size_out);
RAST_MUST_USE int rast_msg_decode_trusted(const uint8_t *buf, size_t size, struct rast_msg *msg,
                                          struct rast_entry *entries, uint32_t entries_max,
                                          size_t *frame_size_out);
/* Writes the header check and checksum of the whole frame at frame[0..frame_size) (a message
 * or a record). RAST_E_INVALID when frame is NULL or frame_size does not match the body size
 * in its header. */
RAST_MUST_USE int rast_frame_seal(uint8_t *frame, size_t frame_size);

/* Disk records. A log is a sequence of records; each is one frame. */
enum rast_record_type {
    RAST_RECORD_HARD_STATE = 1,
    RAST_RECORD_ENTRY = 2,
    RAST_RECORD_TRUNCATE = 3, /* every entry at index >= index is dropped */
};

struct rast_record {
    uint8_t type;                      /* enum rast_record_type */
    struct rast_hard_state hard_state; /* HARD_STATE */
    uint64_t index;                    /* ENTRY, TRUNCATE */
    struct rast_entry entry;           /* ENTRY; data points into the decoded buffer */
};

RAST_MUST_USE int rast_record_encode(const struct rast_record *rec, uint8_t *buf, size_t buf_size,
                                     size_t *size_out);
size_t rast_record_encoded_size(const struct rast_record *rec);
/* Same error contract as rast_msg_decode. */
RAST_MUST_USE int rast_record_decode(const uint8_t *buf, size_t size, struct rast_record *rec,
                                     size_t *frame_size_out);

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* RAST_H */
