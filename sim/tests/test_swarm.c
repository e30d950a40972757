/* Pins down swarm drawing: pins override draws, a boring input gives the smallest run with
 * no faults, a replayed choice log reproduces a pinned configuration without the pins, and
 * fault lists parse. */
#include <string.h>

#include "rast_test.h"
#include "swarm.h"

static void test_boring_input_is_small(void)
{
    struct entropy e = {0};
    entropy_init_bytes(&e, NULL, 0);
    struct rast_sim_pins pins;
    memset(&pins, 0, sizeof pins);
    struct rast_sim_config cfg;
    swarm_draw(&e, &pins, &cfg);
    CHECK_EQ_U64(cfg.node_count, 1);
    CHECK_EQ_U64(cfg.faults, 0);
    CHECK(!cfg.safety_only);
    CHECK_EQ_U64(cfg.loss_ppm, 0);
    CHECK_EQ_U64(cfg.ops_total, 20);
}

static void test_pins_override_and_replay(void)
{
    struct entropy e = {0};
    entropy_init_prng(&e, 77);
    entropy_record_start(&e);
    struct rast_sim_pins pins;
    memset(&pins, 0, sizeof pins);
    pins.node_count_set = true;
    pins.node_count = 5;
    pins.faults_set = true;
    pins.faults = RAST_SIM_FAULT_LOSS | RAST_SIM_FAULT_CRASH;
    pins.ops_total_set = true;
    pins.ops_total = 1000;
    struct rast_sim_config a, b;
    swarm_draw(&e, &pins, &a);
    CHECK_EQ_U64(a.node_count, 5);
    CHECK_EQ_U64(a.faults, RAST_SIM_FAULT_LOSS | RAST_SIM_FAULT_CRASH);
    CHECK_EQ_U64(a.ops_total, 1000);
    struct entropy r = {0};
    entropy_init_replay(&r, e.record, e.record_size);
    struct rast_sim_pins none;
    memset(&none, 0, sizeof none);
    swarm_draw(&r, &none, &b);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    entropy_free(&e);
}

static void test_fault_parse(void)
{
    uint32_t mask = 0;
    CHECK(rast_sim_fault_parse("all", &mask));
    CHECK_EQ_U64(mask, RAST_SIM_FAULTS_ALL);
    CHECK(rast_sim_fault_parse("loss,crash", &mask));
    CHECK_EQ_U64(mask, RAST_SIM_FAULT_LOSS | RAST_SIM_FAULT_CRASH);
    CHECK(rast_sim_fault_parse("none", &mask));
    CHECK_EQ_U64(mask, 0);
    CHECK(!rast_sim_fault_parse("loss,bogus", &mask));
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_boring_input_is_small),
        RAST_TEST(test_pins_override_and_replay),
        RAST_TEST(test_fault_parse),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
