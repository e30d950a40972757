/* Pins down that a sweep of swarm-drawn seeds (every fault class appears across them) runs
 * clean: no safety, liveness or crash verdict. Usage: test_sim_sweep FIRST LAST. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rast_sim.h"

int main(int argc, char **argv)
{
    uint64_t first = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    uint64_t last = argc > 2 ? strtoull(argv[2], NULL, 10) : 2000;
    struct rast_sim *sim = rast_sim_create();
    if (sim == NULL)
        return 1;
    uint32_t faults_seen = 0;
    uint64_t failures = 0, events = 0;
    for (uint64_t seed = first; seed <= last; seed++) {
        struct rast_sim_options o;
        memset(&o, 0, sizeof o);
        o.entropy = RAST_SIM_ENTROPY_SEED;
        o.seed = seed;
        o.use_checker = true;
        struct rast_sim_result r;
        int verdict = rast_sim_run(sim, &o, &r);
        events += r.events;
        faults_seen |= r.config.faults;
        if (verdict != RAST_SIM_OK) {
            failures++;
            printf("seed %" PRIu64 ": %s: %s\n  reproduce: rast-sim run --seed %" PRIu64 "\n",
                   seed, r.kind, r.message, seed);
        }
    }
    printf("%" PRIu64 " seeds, %" PRIu64 " failures, %" PRIu64 " events, faults seen 0x%x\n",
           last - first + 1, failures, events, faults_seen);
    rast_sim_destroy(sim);
    if (last - first + 1 >= 200 && faults_seen != RAST_SIM_FAULTS_ALL) {
        printf("not every fault class was drawn\n");
        return 1;
    }
    return failures == 0 ? 0 : 1;
}
