/* The all-boring run: fuzz input that is empty (or has run out) makes every choice 0. Such a
 * run must still be healthy: nodes get distinct election seeds (not all 0), so a leader is
 * elected, client writes commit and the liveness phase passes, whatever the event budget. */
#include <string.h>

#include "rast_sim.h"
#include "rast_test.h"

static void test_empty_fuzz_input_elects_and_commits(void)
{
    struct rast_sim *sim = rast_sim_create();
    CHECK(sim != NULL);
    for (uint32_t nodes = 2; nodes <= 7; nodes++) {
        struct rast_sim_options o;
        memset(&o, 0, sizeof o);
        o.entropy = RAST_SIM_ENTROPY_BYTES;
        o.bytes = NULL;
        o.bytes_size = 0;
        o.events_max = 2000000;
        o.pins.node_count_set = true;
        o.pins.node_count = nodes;
        struct rast_sim_result r;
        int verdict = rast_sim_run(sim, &o, &r);
        CHECK_EQ_U64(verdict, RAST_SIM_OK);
        CHECK(r.leader_elections >= 1);
        CHECK(r.commit_index_max >= 1);
    }
    rast_sim_destroy(sim);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_empty_fuzz_input_elects_and_commits),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
