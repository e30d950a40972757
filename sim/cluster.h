/*
 * cluster.h: one simulated cluster run: the state every sim module shares (entropy, event
 * queue, network, disks, hosts, clients, history, invariants, trace) and the operations on
 * nodes (boot, crash, pause). cluster.c runs the event loop; client.c drives the workload;
 * nemesis.c injects faults; sim.c is the public API around it.
 *
 * Run phases:  FAULT (workload + nemesis) --EV_PHASE--> LIVENESS (heal everything, restart
 * every node that can start, one probe write must commit before EV_DEADLINE) --> DONE.
 * Safety-only runs skip LIVENESS.
 */
#ifndef SIM_CLUSTER_H
#define SIM_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "disk.h"
#include "entropy.h"
#include "events.h"
#include "history.h"
#include "host.h"
#include "invariants.h"
#include "kv.h"
#include "network.h"
#include "rast_sim.h"
#include "trace.h"

#define CLUSTER_NODES_MAX 7u
#define CLUSTER_EVENTS_MAX 65536u
#define CLUSTER_CLIENTS_MAX 9u /* 8 workload clients + the liveness probe */
#define CLUSTER_RETRIES_MAX 8u
#define CLUSTER_EVENTS_DEFAULT_MAX 50000000u

enum cluster_phase {
    PHASE_FAULT = 1,
    PHASE_LIVENESS = 2,
    PHASE_DONE = 3,
};

struct sim_node {
    bool up;
    bool needs_repair; /* the disk holds a corrupt record: refuses to start */
    bool corrupted_ever;
    bool slow_disk;
    uint32_t epoch;
    uint64_t paused_until_us; /* 0 or the end of a pause */
    uint64_t stall_until_us;  /* clock jump backwards: no ticks before this */
    int64_t drift_ppm;
    uint64_t tick_interval_us; /* tick_us with drift_ppm applied: both fixed for the run */
    uint64_t disk_done_at_us; /* completion time of the last scheduled request */
    uint64_t crashes;
};

struct sim_client {
    bool busy;
    uint32_t op_id;   /* history op */
    uint32_t request; /* current attempt */
    uint32_t retries;
    uint32_t target;  /* node to send to next */
    struct kv_op op;
    uint64_t last_seen[KV_KEYS_MAX]; /* last value seen per key (for cas) */
};

struct cluster {
    struct rast_sim_config cfg;
    struct entropy entropy;
    struct events queue;
    struct network net;
    struct disk disks[CLUSTER_NODES_MAX + 1];
    struct host hosts[CLUSTER_NODES_MAX + 1];
    struct sim_node nodes[CLUSTER_NODES_MAX + 1];
    struct sim_client clients[CLUSTER_CLIENTS_MAX];
    struct history history;
    struct invariants inv;
    struct trace trace;
    uint64_t now_us;
    uint8_t phase;
    uint64_t events;
    uint64_t events_max;
    uint64_t events_after_input_max; /* 0: none (struct rast_sim_options) */
    uint64_t input_spent_at;         /* event count when the entropy input ran out; 0: not yet */
    uint64_t budget_check_at;        /* events at which cluster_check_budgets runs next */
    uint32_t ops_issued;
    uint64_t value_next; /* unique written values */
    uint32_t partition_gen;
    bool partitioned;
    bool probe_done;
    bool crashed; /* the core returned an error or the sim overflowed */
    char crash_kind[48];
    char crash_message[320];
    uint64_t restarts;
    uint64_t needs_repair_count;
    uint64_t codec_rejects;
    uint32_t corrupted_nodes;
    struct rast_entry decode_entries[1024];
};

bool cluster_init(struct cluster *c);
void cluster_free(struct cluster *c);
/* Runs one configured simulation to its end (the caller drew cfg through c->entropy). */
void cluster_run(struct cluster *c, const struct rast_sim_config *cfg, uint64_t events_max,
                 uint64_t events_after_input_max);

/* Helpers shared by client.c and nemesis.c. */
/* Schedules ev at ev->time_us; a full queue makes the run fail as a crash. */
void cluster_push(struct cluster *c, const struct event *ev);
/* A drawn one-way latency between a client and a node. */
uint64_t cluster_client_latency_us(struct cluster *c);
void cluster_crash_node(struct cluster *c, uint32_t id, const char *why);
void cluster_boot_node(struct cluster *c, uint32_t id);
void cluster_fail(struct cluster *c, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A client request reaches live node id (steps it, checks invariants). */
void cluster_host_client(struct cluster *c, uint32_t id, const struct kv_op *op);
bool cluster_node_usable(const struct cluster *c, uint32_t id);
/* replay: the stale store's messages to node id of terms older than its own arrive again. */
void cluster_replay_stale(struct cluster *c, uint32_t id);
uint32_t cluster_leader_guess(const struct cluster *c);

/* client.c */
void client_start(struct cluster *c);
void client_next(struct cluster *c, uint32_t client);
void client_arrive(struct cluster *c, const struct event *ev);
void client_reply(struct cluster *c, const struct event *ev);
void client_timeout(struct cluster *c, const struct event *ev);
void client_probe_start(struct cluster *c);
/* The host_io reply callback. */
void client_host_reply(void *ctx, struct host *h, uint32_t client, uint32_t request,
                       uint8_t status, uint64_t value, uint64_t index);

/* nemesis.c */
void nemesis_start(struct cluster *c);
void nemesis_act(struct cluster *c);
void nemesis_heal_all(struct cluster *c);

#endif /* SIM_CLUSTER_H */
