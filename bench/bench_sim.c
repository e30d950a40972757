/*
 * bench_sim.c: `rast-bench sim`: simulator throughput on the standard profile (5 nodes,
 * 1,000 client operations, every fault class on, liveness mode), one core: events per
 * second and seeds per second over a fixed seed range, with and without the
 * linearizability checker, after an untimed warm-up. Targets (issue 3): >= 10 M events/s,
 * >= 100 seeds/s.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "rast_sim.h"

#define BENCH_SIM_WARMUP_SEEDS 5u

/* Runs seeds 1..seeds on the standard profile; adds their events and failures. */
static void bench_sim_seeds(struct rast_sim *sim, uint64_t seeds, bool checker, uint64_t *events,
                            uint64_t *failures)
{
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        struct rast_sim_options o;
        memset(&o, 0, sizeof o);
        o.entropy = RAST_SIM_ENTROPY_SEED;
        o.seed = seed;
        o.use_checker = checker;
        o.pins.node_count_set = true;
        o.pins.node_count = 5;
        o.pins.ops_total_set = true;
        o.pins.ops_total = 1000;
        o.pins.faults_set = true;
        o.pins.faults = RAST_SIM_FAULTS_ALL;
        o.pins.safety_only_set = true;
        o.pins.safety_only = false;
        struct rast_sim_result r;
        if (rast_sim_run(sim, &o, &r) != RAST_SIM_OK)
            (*failures)++;
        *events += r.events;
    }
}

/* One timed pass; returns its failing seeds. */
static uint64_t bench_sim_pass(struct rast_sim *sim, uint64_t seeds, bool checker)
{
    uint64_t events = 0, failures = 0;
    uint64_t t0 = bench_now_ns();
    bench_sim_seeds(sim, seeds, checker, &events, &failures);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    printf("sim standard profile (5 nodes, 1000 ops, all faults), checker %s: %" PRIu64
           " seeds, %" PRIu64 " events in %.2f s: %.2f M events/s, %.1f seeds/s, %" PRIu64
           " failing seeds\n",
           checker ? "on " : "off", seeds, events, secs, (double)events / secs / 1e6,
           (double)seeds / secs, failures);
    return failures;
}

static void bench_sim_usage(FILE *out)
{
    fprintf(out, "usage: rast-bench sim [--seeds N] [--checker on|off|both]\n"
                 "  --seeds N        seeds 1..N per pass (default 200)\n"
                 "  --checker WHICH  timed passes without the linearizability checker, with\n"
                 "                   it, or both (default both, in that order)\n"
                 "An untimed warm-up of %u seeds runs first, so that no pass pays for cold\n"
                 "caches. Exit status: 0, 1 if a seed failed, 2 usage.\n",
                 BENCH_SIM_WARMUP_SEEDS);
}

int bench_sim_main(int argc, char **argv)
{
    uint64_t seeds = 200;
    const char *checker = "both";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            bench_sim_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
            char *end;
            seeds = strtoull(argv[++i], &end, 10);
            if (*end != '\0' || seeds == 0 || argv[i][0] == '-') {
                fprintf(stderr, "rast-bench sim: --seeds takes a positive count, not '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--checker") == 0 && i + 1 < argc &&
                   (strcmp(argv[i + 1], "on") == 0 || strcmp(argv[i + 1], "off") == 0 ||
                    strcmp(argv[i + 1], "both") == 0)) {
            checker = argv[++i];
        } else {
            bench_sim_usage(stderr);
            return 2;
        }
    }
    struct rast_sim *sim = rast_sim_create();
    if (sim == NULL)
        return 1;
    uint64_t warm_events = 0, failures = 0;
    bench_sim_seeds(sim, BENCH_SIM_WARMUP_SEEDS, strcmp(checker, "off") != 0, &warm_events,
                    &failures);
    failures = 0; /* seeds 1..5 run again in the timed passes */
    if (strcmp(checker, "on") != 0)
        failures += bench_sim_pass(sim, seeds, false);
    if (strcmp(checker, "off") != 0)
        failures += bench_sim_pass(sim, seeds, true);
    rast_sim_destroy(sim);
    return failures == 0 ? 0 : 1;
}
