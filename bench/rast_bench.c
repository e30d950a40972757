/*
 * rast-bench: benchmarks for the core, the checker and the simulator, each side by side with
 * a baseline measured in the same process. Usage: rast-bench core|check|sim [options].
 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* CPU time of the calling thread: every measured workload here is single-threaded, and CPU
 * time keeps the side-by-side ratios stable on a machine shared with other work. */
uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wall time, for workloads spread over threads (whose CPU time the above would miss). */
uint64_t bench_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: rast-bench core|check|sim [--help] [options]\n"
                 "  core   librast throughput, elections, memory; vs canonical/raft\n"
                 "  check  linearizability checker on the shared Porcupine histories\n"
                 "  sim    simulator events/s and seeds/s on the standard profile\n"
                 "Run `rast-bench SUBCOMMAND --help` for the options of each.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "core") == 0)
        return bench_core_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return bench_check_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "sim") == 0)
        return bench_sim_main(argc - 1, argv + 1);
    fprintf(stderr, "rast-bench: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
