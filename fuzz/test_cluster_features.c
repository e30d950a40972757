/* The cluster fuzzer's two ways of deriving protocol-state features agree: parsing every
 * trace line (cluster_features_line, as a trace sink) and the simulator's probe (fields for
 * node events, clients, nemesis actions and phases, text for the rest:
 * cluster_features_probe) give the same count for every feature id, on seeded runs with every
 * fault class that between them send every kind of probe event. */
#include <string.h>

#include "cluster_features.h"
#include "fuzz.h"
#include "rast_sim.h"
#include "rast_test.h"

static struct rast_sim *sim;
static uint64_t probe_kinds[RAST_SIM_PROBE_SIM + 1]; /* events the probe saw, per kind */

static void counting_probe(void *ctx, const struct rast_sim_probe *p)
{
    if (p->what <= RAST_SIM_PROBE_SIM)
        probe_kinds[p->what]++;
    cluster_features_probe(ctx, p);
}

/* Runs seed with features from either source; copies the counts into out. */
static void run_features(uint64_t seed, bool probe, uint8_t *out)
{
    static struct cluster_features cf;
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_SEED;
    o.seed = seed;
    o.events_max = 20000;
    o.pins.faults_set = true;
    o.pins.faults = RAST_SIM_FAULTS_ALL;
    o.pins.node_count_set = true;
    o.pins.node_count = 3 + (uint32_t)(seed % 3); /* 3..5: elections, messages, commits */
    if (probe) {
        o.probe = counting_probe;
        o.probe_ctx = &cf;
    } else {
        o.trace_sink = cluster_features_line;
        o.trace_ctx = &cf;
    }
    cluster_features_reset(&cf);
    fuzz_features_reset();
    struct rast_sim_result r;
    (void)rast_sim_run(sim, &o, &r);
    cluster_features_end(&cf);
    memcpy(out, fuzz_features_counts(), FUZZ_FEATURES_COUNT);
}

static void test_probe_and_text_give_the_same_features(void)
{
    static uint8_t text[FUZZ_FEATURES_COUNT], probe[FUZZ_FEATURES_COUNT];
    for (uint64_t seed = 1; seed <= 12; seed++) {
        run_features(seed, false, text);
        run_features(seed, true, probe);
        uint32_t distinct = 0, differ = 0;
        for (uint32_t i = 0; i < FUZZ_FEATURES_COUNT; i++) {
            distinct += text[i] != 0;
            differ += text[i] != probe[i];
        }
        CHECK(distinct >= 20); /* the run exercised the protocol: a real comparison */
        CHECK_EQ_U64(differ, 0);
    }
    for (uint32_t what = RAST_SIM_PROBE_TEXT; what <= RAST_SIM_PROBE_SIM; what++)
        CHECK(probe_kinds[what] > 0); /* every kind was compared */
}

int main(int argc, char **argv)
{
    sim = rast_sim_create();
    if (sim == NULL)
        return 1;
    static const struct rast_test tests[] = {
        RAST_TEST(test_probe_and_text_give_the_same_features),
    };
    int rc = rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
    rast_sim_destroy(sim);
    return rc;
}
