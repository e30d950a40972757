/* Pins down determinism: 50 seeds run twice (in one process, with a sim whose memory was
 * reused by other seeds in between) give identical XXH3 hashes of their traces, and a
 * recorded choice log replays to the same hash. Prints
 * "seed hash" lines, which CI compares across compilers (docs/sim-ci.md). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rast_sim.h"

#define SEEDS 50u

static uint64_t run_hash(struct rast_sim *sim, uint64_t seed, uint64_t *events)
{
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_SEED;
    o.seed = seed;
    o.trace_hash = true;
    o.use_checker = true;
    struct rast_sim_result r;
    (void)rast_sim_run(sim, &o, &r);
    *events = r.events;
    return r.trace_hash;
}

/* Records seed with pinned flags, replays the log without them: same trace hash. */
static int check_replay(struct rast_sim *sim, uint64_t seed)
{
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_SEED;
    o.seed = seed;
    o.trace_hash = true;
    o.record = true;
    o.pins.node_count_set = true;
    o.pins.node_count = 3 + (uint32_t)(seed % 3);
    struct rast_sim_result r1, r2;
    (void)rast_sim_run(sim, &o, &r1);
    size_t size = 0;
    const uint8_t *log = rast_sim_choice_log(sim, &size);
    static uint8_t copy[1u << 22];
    if (size > sizeof copy)
        return 1;
    memcpy(copy, log, size);
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_REPLAY;
    o.bytes = copy;
    o.bytes_size = size;
    o.trace_hash = true;
    (void)rast_sim_run(sim, &o, &r2);
    if (r1.trace_hash != r2.trace_hash) {
        printf("seed %" PRIu64 ": replay hash %016" PRIx64 " != %016" PRIx64 "\n", seed,
               r2.trace_hash, r1.trace_hash);
        return 1;
    }
    return 0;
}

int main(void)
{
    struct rast_sim *a = rast_sim_create();
    struct rast_sim *b = rast_sim_create();
    if (a == NULL || b == NULL)
        return 1;
    uint64_t hashes[SEEDS];
    uint64_t events[SEEDS];
    int failed = 0;
    for (uint64_t s = 0; s < SEEDS; s++)
        hashes[s] = run_hash(a, s + 1, &events[s]);
    for (uint64_t s = SEEDS; s > 0; s--) { /* reverse order: memory reuse differs */
        uint64_t ev = 0;
        uint64_t h = run_hash(b, s, &ev);
        if (h != hashes[s - 1] || ev != events[s - 1]) {
            printf("seed %" PRIu64 ": hash %016" PRIx64 " then %016" PRIx64 "\n", s,
                   hashes[s - 1], h);
            failed = 1;
        }
    }
    for (uint64_t s = 1; s <= 10; s++)
        failed |= check_replay(a, s);
    for (uint64_t s = 0; s < SEEDS; s++)
        printf("%" PRIu64 " %016" PRIx64 "\n", s + 1, hashes[s]);
    rast_sim_destroy(a);
    rast_sim_destroy(b);
    printf("%s\n", failed ? "NOT deterministic" : "deterministic");
    return failed;
}
