/*
 * rast_sim.h: the public interface of librastsim, rast's deterministic cluster simulator.
 *
 * One run = one seed (or one fuzz input, or one recorded choice log): the entropy source
 * draws the whole configuration (swarm testing: node count, fault classes and rates,
 * latencies, workload, run length; flags may pin any of them), then simulates a cluster of
 * librast nodes with simulated disks, a simulated network, a key-value state machine and
 * clients, checking the Raft invariants after every event, then a liveness phase, then the
 * client history. See docs/sim.md for the fault model.
 *
 * Threads: a struct rast_sim is used by one thread at a time; distinct sims are independent
 * (no global state). A sim keeps its memory between runs (a sweep reuses it).
 * Determinism: the same options give the same run, byte for byte, on every compiler and
 * optimization level. Nothing here reads a clock, the environment or a file.
 */
#ifndef RAST_SIM_H
#define RAST_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fault classes, one bit each. */
enum rast_sim_fault {
    RAST_SIM_FAULT_LOSS = 1u << 0,       /* messages lost */
    RAST_SIM_FAULT_DUP = 1u << 1,        /* messages duplicated */
    RAST_SIM_FAULT_DELAY = 1u << 2,      /* long, reordering delays */
    RAST_SIM_FAULT_CLOG = 1u << 3,       /* a path holds its messages for a while */
    RAST_SIM_FAULT_CAPACITY = 1u << 4,   /* small path capacity: eviction */
    RAST_SIM_FAULT_PARTITION = 1u << 5,  /* partitions of every shape, healing later */
    RAST_SIM_FAULT_BITFLIP = 1u << 6,    /* bit flips the codec must reject */
    RAST_SIM_FAULT_CRASH = 1u << 7,      /* process crash, restart from disk */
    RAST_SIM_FAULT_PAUSE = 1u << 8,      /* process pause (no ticks, no deliveries) */
    RAST_SIM_FAULT_TORN = 1u << 9,       /* a crash tears the write in flight */
    RAST_SIM_FAULT_CORRUPT = 1u << 10,   /* latent corruption of a durable record */
    RAST_SIM_FAULT_EIO = 1u << 11,       /* EIO / ENOSPC on a write: the node fail-stops */
    RAST_SIM_FAULT_SLOW_DISK = 1u << 12, /* a disk ten times slower */
    RAST_SIM_FAULT_CLOCK = 1u << 13,     /* clock drift and jumps of the tick */
    RAST_SIM_FAULT_ISOLATE = 1u << 14,   /* the leader is cut off from its peers, not clients */
    RAST_SIM_FAULT_REPLAY = 1u << 15,    /* a message arrives again, several timeouts later */
};
#define RAST_SIM_FAULT_COUNT 16u
#define RAST_SIM_FAULTS_ALL ((1u << RAST_SIM_FAULT_COUNT) - 1u)

/* The name of fault bit i ("loss", "dup", ...), NULL past the end. */
const char *rast_sim_fault_name(uint32_t i);
/* Parses "all", "none" or a comma list of names into *mask. False on an unknown name. */
bool rast_sim_fault_parse(const char *text, uint32_t *mask);

/* The configuration of one run (what the seed drew, after pins). */
struct rast_sim_config {
    uint32_t node_count;      /* 1..7 */
    uint32_t faults;          /* enum rast_sim_fault bits */
    bool safety_only;         /* no quorum protection, no liveness phase */
    uint64_t tick_us;
    uint32_t drift_ppm_max;
    uint64_t net_latency_us_min;
    uint64_t net_latency_us_mean;
    uint32_t loss_ppm, dup_ppm, bitflip_ppm;
    uint32_t path_capacity;
    uint32_t replay_ppm;    /* per message: a late copy (replay) */
    uint64_t replay_us_max; /* its extra delay, uniform in [SWARM_REPLAY_US_MIN, max] */
    uint64_t disk_latency_us_min;
    uint64_t disk_latency_us_mean;
    uint32_t eio_ppm;         /* per disk request */
    uint32_t tear_ppm;        /* per crash with a write in flight */
    uint64_t nemesis_us_mean; /* mean time between nemesis actions */
    uint32_t client_count;    /* 1..8 */
    uint32_t key_count;       /* 1..16 */
    uint32_t get_ppm, put_ppm; /* the rest are cas */
    uint32_t ops_total;       /* client operations in the fault phase */
    uint64_t client_timeout_us;
    uint64_t client_think_us_mean;
    uint64_t run_us_max;      /* fault phase bound */
    uint64_t liveness_us_max; /* the liveness phase must commit a write within this */
    uint32_t crash_persist_ppm; /* per persist request: crash before it completes (crash) */
    uint32_t election_ticks_spread; /* election timeouts in [10, 10 + spread) ticks */
    uint32_t msg_entries_max;       /* entries per AppendEntries (the core's batch limit) */
};

/* Pins: a flag set on the command line overrides the drawn value. */
struct rast_sim_pins {
    bool node_count_set;
    uint32_t node_count;
    bool faults_set;
    uint32_t faults;
    bool safety_only_set;
    bool safety_only;
    bool ops_total_set;
    uint32_t ops_total;
    bool client_count_set;
    uint32_t client_count;
    bool key_count_set;
    uint32_t key_count;
};

enum rast_sim_entropy_kind {
    RAST_SIM_ENTROPY_SEED = 1,   /* seed */
    RAST_SIM_ENTROPY_BYTES = 2,  /* bytes: fuzz input */
    RAST_SIM_ENTROPY_REPLAY = 3, /* bytes: a recorded choice log */
};

typedef void (*rast_sim_sink_fn)(void *ctx, const char *text, size_t size);

/* The probe: a structured view of the trace for programs that watch a run (the cluster
 * fuzzer's protocol-state features) without paying to format and parse every line. The
 * frequent node events, client completions, the nemesis's actions and the phase change arrive
 * as fields; everything else (a down node's disk found corrupt or torn at its restart)
 * arrives as its trace line, formatted exactly as --trace prints it. Client invocations and
 * the end-of-run line are not reported. */
enum rast_sim_probe_what {
    RAST_SIM_PROBE_TEXT = 1,         /* text: a trace line without its newline */
    RAST_SIM_PROBE_TICK = 2,         /* node ticked */
    RAST_SIM_PROBE_RECV = 3,         /* node stepped a message: msg_type, msg_from, msg_term */
    RAST_SIM_PROBE_RECV_CORRUPT = 4, /* node's codec rejected a frame */
    RAST_SIM_PROBE_PERSISTED = 5,    /* node's disk completed a write */
    RAST_SIM_PROBE_ROLE = 6,         /* node changed role or term */
    RAST_SIM_PROBE_START = 7,        /* node started from its disk */
    RAST_SIM_PROBE_RESUME = 8,       /* node's pause ended */
    RAST_SIM_PROBE_CLIENT = 9,       /* a client operation completed: client, op, outcome */
    RAST_SIM_PROBE_CRASH = 10,       /* node crashed (now down): crash_cause, crash_torn */
    RAST_SIM_PROBE_PAUSE = 11,       /* the nemesis paused node */
    RAST_SIM_PROBE_CLOCK = 12,       /* the nemesis made node's clock jump or stall: clock_jump */
    RAST_SIM_PROBE_SIM = 13,         /* a cluster-level event: sim_event (node 0) */
};

/* What happened to the cluster (RAST_SIM_PROBE_SIM). */
enum rast_sim_event {
    RAST_SIM_EVENT_HEAL = 1,      /* the partition healed */
    RAST_SIM_EVENT_PARTITION = 2, /* a partition of shape partition_shape */
    RAST_SIM_EVENT_ISOLATE = 3,   /* the leader is isolated from its peers */
    RAST_SIM_EVENT_CORRUPT = 4,   /* a durable record was corrupted */
    RAST_SIM_EVENT_CLOG = 5,      /* a path holds its messages for a while */
    RAST_SIM_EVENT_REPLAY = 6,    /* stale messages replayed to a new leader */
    RAST_SIM_EVENT_LIVENESS = 7,  /* the liveness phase starts: heal, stop faults, restart */
};

/* Why a node crashed (RAST_SIM_PROBE_CRASH). */
enum rast_sim_crash_cause {
    RAST_SIM_CRASH_OTHER = 0,   /* at persist, fail-stop on a refused persist */
    RAST_SIM_CRASH_NEMESIS = 1, /* the nemesis's crash action */
    RAST_SIM_CRASH_EIO = 2,     /* the disk failed a write with EIO */
    RAST_SIM_CRASH_ENOSPC = 3,  /* the disk failed a write with ENOSPC */
};

struct rast_sim_probe {
    uint8_t what; /* enum rast_sim_probe_what */
    uint64_t time_us;
    uint32_t node;             /* 1..7; 0 for TEXT */
    struct rast_status status; /* the node's status after the event (not for TEXT, CLIENT,
                                * CRASH, PAUSE, CLOCK) */
    uint8_t msg_type;          /* RECV: enum rast_msg_type */
    uint32_t msg_from;
    uint64_t msg_term;
    bool msg_replayed;      /* RECV: a late replayed copy (fault class replay) */
    uint32_t client;        /* CLIENT: client index */
    uint8_t client_op;      /* CLIENT: 1 get, 2 put, 3 cas */
    uint8_t client_outcome; /* CLIENT: 0 pending, 1 ok, 2 fail, 3 info */
    uint8_t crash_cause;    /* CRASH: enum rast_sim_crash_cause */
    bool crash_torn;        /* CRASH: the crash tore the write in flight */
    bool clock_jump;        /* CLOCK: true jumps ahead, false stalls */
    uint8_t sim_event;      /* SIM: enum rast_sim_event */
    uint8_t partition_shape; /* SIM PARTITION: 0 symmetric, 1 one-way, 2 isolate-leader,
                              * 3 majority-minority, 4 bridge, 5 ring */
    const char *text;       /* TEXT */
    size_t text_size;
};

typedef void (*rast_sim_probe_fn)(void *ctx, const struct rast_sim_probe *p);

struct rast_sim_options {
    uint8_t entropy; /* enum rast_sim_entropy_kind */
    uint64_t seed;
    const uint8_t *bytes; /* borrowed for the run */
    size_t bytes_size;
    struct rast_sim_pins pins;
    bool record;           /* keep the choice log (rast_sim_choice_log) */
    bool keep_history;     /* always kept; this writes it through history_sink at the end */
    rast_sim_sink_fn history_sink;
    void *history_ctx;
    rast_sim_sink_fn trace_sink; /* --trace lines */
    void *trace_ctx;
    rast_sim_sink_fn trace_json_sink; /* --trace-json */
    void *trace_json_ctx;
    bool trace_hash;       /* compute the XXH3 hash of the trace (formats every line) */
    rast_sim_probe_fn probe; /* structured trace (see struct rast_sim_probe); NULL: none */
    void *probe_ctx;
    rast_sim_sink_fn config_sink; /* the configuration, printed before the run */
    void *config_ctx;
    uint64_t events_max;   /* 0: default budget */
    /* Byte-reader and replay entropy: end the run (as the event budget does) this many events
     * after the input ran out; 0: no such limit. From then on every choice is the boring one,
     * exactly as if the input went on with zero bytes, so an input that wants a longer tail
     * can have it by carrying the zeros (the cluster harness: RAST_FUZZ_TAIL_EVENTS). */
    uint64_t events_after_input_max;
    bool use_checker;      /* hand the history to check/ when it is built (default on) */
};

enum rast_sim_verdict {
    RAST_SIM_OK = 0,
    RAST_SIM_SAFETY = 1,
    RAST_SIM_LIVENESS = 3,
    RAST_SIM_CRASH = 4,
};

struct rast_sim_result {
    uint8_t verdict;      /* enum rast_sim_verdict; also the process exit code */
    char kind[48];        /* e.g. "election_safety", "liveness", "core_error" */
    char message[320];
    struct rast_sim_config config;
    uint64_t events;
    uint64_t sim_time_us;
    uint64_t trace_hash;  /* when options.trace_hash */
    uint64_t ops_ok, ops_fail, ops_info;
    uint64_t msgs_sent, msgs_delivered;
    uint64_t crashes, restarts, needs_repair;
    uint64_t leader_elections;
    uint64_t commit_index_max;
    const char *history_check; /* "linearizable", "simple", ... */
};

struct rast_sim;

/* NULL when out of memory. */
struct rast_sim *rast_sim_create(void);
void rast_sim_destroy(struct rast_sim *sim);

/* Runs one simulation. Returns the verdict (also in result->verdict). */
int rast_sim_run(struct rast_sim *sim, const struct rast_sim_options *opts,
                 struct rast_sim_result *result);

/* The choice log of the last run made with opts.record (valid until the next run). */
const uint8_t *rast_sim_choice_log(const struct rast_sim *sim, size_t *size_out);

/* Formats cfg as one line "nodes=5 faults=loss,dup,... ..." into buf. */
void rast_sim_config_format(const struct rast_sim_config *cfg, char *buf, size_t size);

/* Formats the pins as command-line flags (" --nodes 3 --faults loss,dup") into buf. */
void rast_sim_pins_format(const struct rast_sim_pins *pins, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* RAST_SIM_H */
