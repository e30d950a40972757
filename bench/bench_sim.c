/*
 * bench_sim.c: `rast-bench sim`: simulator throughput on the standard profile (5 nodes,
 * 1,000 client operations, every fault class on, liveness mode), one core: events per
 * second and seeds per second over a fixed seed range, with and without the
 * linearizability checker. Targets (issue 3): >= 10 M events/s, >= 100 seeds/s.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "rast_sim.h"

static int bench_sim_pass(struct rast_sim *sim, uint64_t seeds, bool checker)
{
    uint64_t events = 0, failures = 0;
    uint64_t t0 = bench_now_ns();
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
            failures++;
        events += r.events;
    }
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    printf("sim standard profile (5 nodes, 1000 ops, all faults), checker %s: %" PRIu64
           " seeds, %" PRIu64 " events in %.2f s: %.2f M events/s, %.1f seeds/s, %" PRIu64
           " failing seeds\n",
           checker ? "on " : "off", seeds, events, secs, (double)events / secs / 1e6,
           (double)seeds / secs, failures);
    return 0;
}

int bench_sim_main(int argc, char **argv)
{
    uint64_t seeds = 200;
    const char *checker = "both";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
            seeds = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--checker") == 0 && i + 1 < argc &&
                   (strcmp(argv[i + 1], "on") == 0 || strcmp(argv[i + 1], "off") == 0 ||
                    strcmp(argv[i + 1], "both") == 0)) {
            checker = argv[++i];
        } else {
            fprintf(stderr, "usage: rast-bench sim [--seeds N] [--checker on|off|both]\n");
            return 2;
        }
    }
    if (seeds == 0)
        seeds = 1;
    struct rast_sim *sim = rast_sim_create();
    if (sim == NULL)
        return 1;
    if (strcmp(checker, "on") != 0)
        bench_sim_pass(sim, seeds, false);
    if (strcmp(checker, "off") != 0)
        bench_sim_pass(sim, seeds, true);
    rast_sim_destroy(sim);
    return 0;
}
