/*
 * scenario.h: the inside of the scenario language (rast_scenario.h, docs/scenarios.md),
 * shared by its four files:
 *
 *   scenario_parse.c  text -> typed commands (every argument checked here, none at run time)
 *   scenario_world.c  the world a scenario drives: nodes (host.c), disks (disk.c), an
 *                     ordered message queue with link faults, the invariants (invariants.c)
 *                     after every step, and settling ("deliver all pending, in order")
 *   scenario_run.c    one command at a time against the world; predicates; the output
 *   scenario_text.c   output buffers, message/status/log formatting, rewrite
 *
 * The world is not the seeded simulator (cluster.c): nothing in it is random. Time is a
 * count of tick rounds; in a round every running node gets its ticks (one, or more or
 * fewer with clock drift), then, in the default "auto" delivery mode, the world settles:
 * disk writes complete and queued messages are delivered in the order they were sent,
 * until nothing moves. "manual" mode leaves messages queued until `deliver`/`stabilize`.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk.h"
#include "history.h"
#include "host.h"
#include "invariants.h"
#include "kv.h"
#include "rast_scenario.h"
#include "rast_sim.h"

#define SCN_NODES_MAX 7u
#define SCN_TOKENS_MAX 64u
#define SCN_NAME_BYTES_MAX 24u /* a key name or a value label */
#define SCN_KEYS_MAX KV_KEYS_MAX
#define SCN_RULES_MAX 32u
#define SCN_PAIRS_MAX 49u
#define SCN_TICKS_MAX 100000u    /* one command's rounds */
#define SCN_COUNT_MAX 10000u     /* count= arguments */
#define SCN_MSGS_MAX 2048u       /* messages queued in the world's network */
#define SCN_OPS_MAX 4096u        /* client operations per run */
#define SCN_CLIENTS_TRACKED 9u   /* clients 0..8 carry tracked operations; 9 bulk writes */
#define SCN_SETTLE_EVENTS_MAX 200000u
#define SCN_ROUNDS_DEFAULT_MAX 1000000u
#define SCN_EVENTS_RUN_MAX 50000000u /* node steps in one run */
#define SCN_RUN_TICKS_DEFAULT 1000u

enum scn_kind {
    SCN_CLUSTER = 1, SCN_TICK, SCN_CAMPAIGN, SCN_PROPOSE, SCN_READ, SCN_CRASH, SCN_RESTART,
    SCN_PAUSE, SCN_RESUME, SCN_DRIFT, SCN_PARTITION, SCN_ISOLATE, SCN_BLOCK, SCN_HEAL,
    SCN_DROP, SCN_DELAY, SCN_DUP, SCN_DISK, SCN_DELIVER, SCN_STABILIZE, SCN_SET, SCN_STATUS,
    SCN_LOG, SCN_NET, SCN_RUN, SCN_EXPECT, SCN_CHECK, SCN_REPLAY,
};

enum scn_disk_action { SCN_DISK_HOLD = 1, SCN_DISK_RELEASE, SCN_DISK_SYNC, SCN_DISK_FULL,
                       SCN_DISK_OK, SCN_DISK_CORRUPT };
enum scn_set_option { SCN_SET_DELIVERY_AUTO = 1, SCN_SET_DELIVERY_MANUAL, SCN_SET_VERBOSE_ON,
                      SCN_SET_VERBOSE_OFF };
enum scn_tear { SCN_TEAR_NONE = 0, SCN_TEAR_PREFIX, SCN_TEAR_GARBAGE };
enum scn_pred_kind { SCN_PRED_LEADER = 1, SCN_PRED_COMMITTED, SCN_PRED_APPLIED,
                     SCN_PRED_CAUGHT_UP, SCN_PRED_DONE, SCN_PRED_ROLE };
#define SCN_ROLE_DOWN 0u /* with the rast_role values: the roles a `role` predicate names */

struct scn_pred {
    uint8_t kind;    /* enum scn_pred_kind */
    uint8_t node;    /* leader is= / caught-up / role: the node; 0 none */
    uint8_t not_node;/* leader not= */
    uint8_t role;    /* role: SCN_ROLE_DOWN or enum rast_role */
    uint32_t mask;   /* committed/applied on=: bit per node; 0 = every running node */
    uint64_t index;  /* committed/applied: index; done: op number */
};

/* A message rule: drop, delay or duplicate matching messages as they are sent. */
struct scn_rule {
    uint8_t action; /* SCN_DROP, SCN_DELAY, SCN_DUP */
    uint8_t from;   /* 0 = any */
    uint8_t to;     /* 0 = any */
    uint8_t type;   /* 0 = any, else enum rast_msg_type */
    uint32_t count; /* messages still to affect; 0 = unlimited */
    uint32_t ticks; /* delay */
    uint32_t copies;/* dup: extra copies */
};

struct scn_cluster_opts {
    uint32_t nodes;
    uint32_t election_min, election_max, heartbeat;
    uint64_t seed;
    bool seed_set;
    uint32_t msg_entries, msg_bytes, inflight, inflight_bytes;
};

/* One parsed command; which fields mean something depends on kind. */
struct scn_cmd {
    uint8_t kind; /* enum scn_kind */
    uint8_t sub;  /* disk action, set option, tear kind */
    uint8_t node;
    uint8_t via;  /* propose/read: 0 = the leader (or n1) */
    uint8_t key;
    uint8_t from, to, type; /* deliver filters (0 = any) */
    bool terminated;         /* its output ended with a blank line (not the end of the file) */
    uint32_t line;
    uint32_t pre_off, pre_size;   /* comments and blank lines before the command */
    uint32_t text_off, text_size; /* the command line */
    uint32_t exp_off, exp_size;   /* expected output, each line ending with '\n' */
    uint32_t label_off, label_size; /* propose: the value label; replay: the path */
    uint32_t mask;   /* tick only= */
    uint64_t n;      /* tick rounds, counts, tear bytes, pause ticks, max */
    int32_t drift_pct;
    uint8_t group[SCN_NODES_MAX + 1]; /* partition: group of each node, 0 = unlisted */
    uint8_t pairs[SCN_PAIRS_MAX][2];  /* block */
    uint32_t pair_count;
    struct scn_rule rule;
    struct scn_pred pred;
    struct scn_cluster_opts cluster;
    struct rast_sim_pins pins;
};

struct rast_scenario {
    char *text; /* a copy of the file */
    size_t size;
    char file_name[256];
    struct scn_cmd *cmds;
    uint32_t count;
    uint32_t capacity;
    uint32_t trail_off, trail_size; /* text after the last command's block */
    char keys[SCN_KEYS_MAX][SCN_NAME_BYTES_MAX + 1];
    uint32_t key_count;
    /* actual outputs of the last run */
    char *actual;
    size_t actual_size, actual_capacity;
    uint32_t *actual_off; /* per command; UINT32_MAX when it did not run */
    uint32_t *actual_len;
};

/* ---- output buffer (scenario_text.c) ---- */
struct scn_out {
    char *buf;
    size_t size, capacity;
    bool cut;  /* RAST_SCENARIO_OUTPUT_BYTES_MAX reached */
    bool oom;
};
void scn_out_reset(struct scn_out *o);
void scn_out_free(struct scn_out *o);
/* Appends one formatted line (a '\n' is added). */
void scn_outf(struct scn_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the world (scenario_world.c) ---- */
struct scn_msg {
    uint64_t seq;
    uint64_t release_round; /* delay rules: not delivered before this round */
    uint32_t slot;          /* frame slot */
    uint32_t size;
    uint8_t from, to, type;
};

enum scn_op_state { SCN_OP_PENDING = 0, SCN_OP_OK, SCN_OP_FAILED, SCN_OP_UNKNOWN };

struct scn_op {
    uint32_t number;   /* #number in outputs, 1-based */
    uint8_t type;      /* KV_PUT or KV_GET */
    uint8_t key;
    uint8_t via;
    uint8_t state;     /* enum scn_op_state */
    uint32_t client;
    uint32_t request;
    uint32_t history_id;
    uint32_t repeat;   /* bulk writes: how many */
    uint64_t value;    /* put: the (unique) value written; get: the value read */
    uint64_t index;
    const char *why;   /* failed/unknown: a static reason */
    uint32_t hint;
};

struct scn_node {
    bool up;
    bool needs_repair;
    bool disk_hold;
    bool disk_full;
    bool paused;
    uint64_t resume_round; /* pause ticks=: 0 = until `resume` */
    int32_t drift_pct;
    uint32_t drift_acc;
    uint32_t boots;
    uint8_t role; /* last role seen (for transition events); 0 while down */
};

struct scn_world {
    const struct rast_scenario *s;
    struct scn_cluster_opts opts;
    uint32_t n; /* node count; 0 before `cluster` */
    struct host hosts[SCN_NODES_MAX + 1];
    struct disk disks[SCN_NODES_MAX + 1];
    struct scn_node nodes[SCN_NODES_MAX + 1];
    struct invariants inv;
    struct history history;
    bool history_ready;
    bool violation_reported;
    /* network */
    struct scn_msg *msgs;
    uint32_t msg_count;
    uint8_t *frames; /* SCN_MSGS_MAX slots of NET_FRAME_BYTES_MAX */
    uint32_t *free_slots;
    uint32_t free_count;
    uint64_t msg_seq;
    uint64_t msgs_dropped_full;
    bool blocked[SCN_NODES_MAX + 1][SCN_NODES_MAX + 1];
    struct scn_rule rules[SCN_RULES_MAX];
    uint32_t rule_count;
    struct rast_entry decode_entries[1024];
    /* time and modes */
    uint64_t round;
    uint64_t rounds_max;
    uint64_t events;
    bool manual;
    bool verbose;
    bool budget_out;
    /* clients */
    struct scn_op *ops;
    uint32_t op_count;
    uint32_t request_next;
    uint64_t value_next;
    const char **labels; /* by written value; points into the scenario text */
    uint32_t *label_sizes;
    /* failure */
    bool crashed;
    char crash[320];
    struct scn_out *out; /* where events go */
};

bool scn_world_init(struct scn_world *w, const struct rast_scenario *s, struct scn_out *out,
                    uint64_t rounds_max);
void scn_world_free(struct scn_world *w);
/* `cluster`: creates and boots the nodes. False (and crash set) on failure. */
bool scn_world_start(struct scn_world *w, const struct scn_cluster_opts *opts);
void scn_world_fail(struct scn_world *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool scn_node_running(const struct scn_world *w, uint32_t id); /* up and not paused */
/* Feeds one input to node id, then the invariants; fail-stops on a refused write. */
void scn_step(struct scn_world *w, uint32_t id, const struct rast_input *in);
void scn_crash_node(struct scn_world *w, uint32_t id, uint8_t tear, uint64_t tear_bytes,
                    const char *why);
void scn_restart_node(struct scn_world *w, uint32_t id);
/* One tick round for the nodes in mask (0: all). */
void scn_tick_round(struct scn_world *w, uint32_t mask);
/* Delivers and completes everything deliverable until nothing moves (bounded). */
void scn_settle(struct scn_world *w);
/* Settles when the delivery mode is auto. */
void scn_maybe_settle(struct scn_world *w);
/* Latent corruption: flips one bit in node id's durable log (see scenario_world.c). */
void scn_disk_corrupt(struct scn_world *w, uint32_t id);
/* Completes up to count (0: all) pending disk writes of node id. */
uint32_t scn_disk_sync(struct scn_world *w, uint32_t id, uint32_t count);
/* Delivers the queued messages matching the filters (0 = any), at most count (0: all), in
 * queue order; prints each one. */
uint32_t scn_deliver(struct scn_world *w, uint32_t from, uint32_t to, uint32_t type,
                     uint32_t count);
void scn_add_rule(struct scn_world *w, const struct scn_rule *r);
void scn_heal(struct scn_world *w);
/* Role-change events, violations: called after every step. */
void scn_after_step(struct scn_world *w, uint32_t id);
uint32_t scn_leader(const struct scn_world *w, uint64_t *term_out);

/* ---- formatting (scenario_text.c) ---- */
void scn_format_msg(char *buf, size_t size, const struct rast_msg *m);
void scn_print_status(struct scn_world *w, uint32_t id);
void scn_print_log(struct scn_world *w, uint32_t id);
void scn_print_net(struct scn_world *w);
/* "x" for key 0, the value label for a written value ("nil" for 0). */
void scn_value_name(const struct scn_world *w, uint64_t value, char *buf, size_t size);
const char *scn_key_name(const struct scn_world *w, uint8_t key);
void scn_print_op(struct scn_world *w, const struct scn_op *op);

/* ---- running (scenario_run.c) ---- */
void scn_run_command(struct scn_world *w, const struct scn_cmd *c,
                     const struct rast_scenario_env *env);
/* A reply from a host (the host_io reply callback). */
void scn_on_reply(struct scn_world *w, uint32_t node, uint32_t client, uint32_t request,
                  uint8_t status, uint64_t value, uint64_t index);
void scn_ops_node_lost(struct scn_world *w, uint32_t node);

#endif /* SIM_SCENARIO_H */
