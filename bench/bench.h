/*
 * bench.h: the pieces of rast-bench. One program, one subcommand per component
 * (`rast-bench core|check|sim`); each lives in its own bench_<name>.c. Benchmarks report
 * ratios against a baseline run in the same process, never absolute pass/fail times.
 */
#ifndef RAST_BENCH_H
#define RAST_BENCH_H

#include <stdbool.h>
#include <stdint.h>

/* Each subcommand: argv[0] is the subcommand name. Returns the process exit code. */
int bench_core_main(int argc, char **argv);
int bench_check_main(int argc, char **argv);
int bench_sim_main(int argc, char **argv);

/* CPU time of the calling thread in nanoseconds (benchmarks only; never in core/ or sim/). */
uint64_t bench_now_ns(void);
uint64_t bench_wall_ns(void);

/* The core workload, shared by rast's own run and the canonical/raft peer run. */
struct bench_core_params {
    uint32_t node_count;           /* 3 or 5 */
    uint64_t entry_count;          /* entries to commit, e.g. 1,000,000 */
    uint32_t entry_size_bytes;     /* 16 */
    uint32_t entries_per_call;     /* 64, or 1 */
    uint32_t inflight_entries_max; /* entries proposed but not yet applied, at most; 1024 */
};

struct bench_core_result {
    bool ran; /* false when skipped (peer library absent) */
    char skip_reason[128];
    uint64_t entries_committed; /* applied on the leader */
    double seconds;
    double entries_per_second;
    double ns_per_entry;
    double bytes_per_entry_held; /* memory the library holds per log entry, 0 if unknown */
    double elections_per_second; /* separate measurement: fresh cluster to a leader */
};

/* canonical/raft's in-memory raft_fixture under the same workload (bench_peer_raft.c). */
void bench_peer_raft_run(const struct bench_core_params *params, struct bench_core_result *result);
/* canonical/raft's elections per second: fresh 3-node fixture until a leader, repeated. */
void bench_peer_raft_elections(uint32_t node_count, uint32_t rounds,
                               struct bench_core_result *result);

#endif /* RAST_BENCH_H */
