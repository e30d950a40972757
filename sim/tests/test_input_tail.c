/* The limit on events after a byte-reader input ran out (rast_sim_options,
 * events_after_input_max): a run ends that many events after its input was used up, as a
 * budget cut; zero bytes are the same choices as no bytes, so an input that carries zeros gets
 * the same run up to where its zeros run out; seeded runs never see the limit. */
#include <stdio.h>
#include <string.h>

#include "rast_sim.h"
#include "rast_test.h"

#define INPUT_BYTES   2048u
#define TAIL_EVENTS   300u
#define BUDGET_EVENTS 20000u

/* Bytes in which most choices are faults: a run that uses them up takes a few hundred events. */
static void fill_input(uint8_t *input, size_t size, uint64_t seed)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        input[i] = (uint8_t)x;
    }
}

static int run_bytes(struct rast_sim *sim, const uint8_t *input, size_t size, uint64_t tail,
                     struct rast_sim_result *r)
{
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_BYTES;
    o.bytes = input;
    o.bytes_size = size;
    o.events_max = BUDGET_EVENTS;
    o.events_after_input_max = tail;
    o.trace_hash = true;
    o.use_checker = true;
    return rast_sim_run(sim, &o, r);
}

/* A run that outlives its input ends TAIL_EVENTS events after it ran out, as a budget cut with
 * its history checked; without the limit the same input runs longer. */
static void test_run_ends_a_tail_after_the_input(void)
{
    struct rast_sim *sim = rast_sim_create();
    CHECK(sim != NULL);
    static uint8_t input[INPUT_BYTES];
    uint32_t limited = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        size_t size = 64 + (size_t)(seed * 37 % (INPUT_BYTES - 64));
        fill_input(input, size, seed);
        struct rast_sim_result unlimited, tail;
        int v0 = run_bytes(sim, input, size, 0, &unlimited);
        int v1 = run_bytes(sim, input, size, TAIL_EVENTS, &tail);
        if (v0 != RAST_SIM_OK && v0 != RAST_SIM_LIVENESS)
            printf("seed %llu: %s: %s\n", (unsigned long long)seed, unlimited.kind,
                   unlimited.message);
        CHECK(v0 == RAST_SIM_OK || v0 == RAST_SIM_LIVENESS);
        if (tail.events >= unlimited.events) { /* it ended before its input ran out */
            CHECK_EQ_U64(tail.events, unlimited.events);
            CHECK_EQ_U64(tail.trace_hash, unlimited.trace_hash);
            CHECK_EQ_U64(v1, v0);
            continue;
        }
        limited++;
        CHECK_EQ_U64(v1, RAST_SIM_LIVENESS);
        CHECK(strstr(tail.message, "event budget: 300 events after the input ran out") != NULL);
        CHECK(strcmp(tail.history_check, "simple") == 0);
        unsigned long long spent_at = 0;
        const char *at = strstr(tail.message, "(at event ");
        CHECK(at != NULL && sscanf(at, "(at event %llu)", &spent_at) == 1);
        CHECK_EQ_U64(tail.events, spent_at + TAIL_EVENTS);
        /* a limit too large to add to the event count is no limit, not a wrapped one */
        struct rast_sim_result huge;
        CHECK_EQ_U64(run_bytes(sim, input, size, UINT64_MAX, &huge), v0);
        CHECK_EQ_U64(huge.events, unlimited.events);
        CHECK_EQ_U64(huge.trace_hash, unlimited.trace_hash);
    }
    CHECK(limited >= 20); /* most of these inputs run out long before the budget */
    rast_sim_destroy(sim);
}

/* Zeros after the input are the choices the end of the input makes: with no limit, the runs
 * of X and of X followed by zeros are the same run, event for event. With the limit, the zeros
 * move the start of the tail: the run goes on at least as far. */
static void test_trailing_zeros_are_the_end_of_the_input(void)
{
    struct rast_sim *sim = rast_sim_create();
    CHECK(sim != NULL);
    static uint8_t input[INPUT_BYTES + 4096];
    for (uint64_t seed = 1; seed <= 20; seed++) {
        size_t size = 64 + (size_t)(seed * 53 % (INPUT_BYTES - 64));
        fill_input(input, size, seed);
        memset(input + size, 0, 4096);
        struct rast_sim_result plain, padded;
        CHECK_EQ_U64(run_bytes(sim, input, size, 0, &plain),
                     run_bytes(sim, input, size + 4096, 0, &padded));
        CHECK_EQ_U64(plain.events, padded.events);
        CHECK_EQ_U64(plain.trace_hash, padded.trace_hash);
        run_bytes(sim, input, size, TAIL_EVENTS, &plain);
        run_bytes(sim, input, size + 4096, TAIL_EVENTS, &padded);
        CHECK(padded.events >= plain.events);
    }
    rast_sim_destroy(sim);
}

/* The limit is about byte inputs: a seeded run is the same run with it. */
static void test_seeded_runs_ignore_the_limit(void)
{
    struct rast_sim *sim = rast_sim_create();
    CHECK(sim != NULL);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        struct rast_sim_result r[2];
        for (int i = 0; i < 2; i++) {
            struct rast_sim_options o;
            memset(&o, 0, sizeof o);
            o.entropy = RAST_SIM_ENTROPY_SEED;
            o.seed = seed;
            o.events_after_input_max = i == 0 ? 0 : 1;
            o.trace_hash = true;
            rast_sim_run(sim, &o, &r[i]);
        }
        CHECK_EQ_U64(r[0].verdict, r[1].verdict);
        CHECK_EQ_U64(r[0].events, r[1].events);
        CHECK_EQ_U64(r[0].trace_hash, r[1].trace_hash);
    }
    rast_sim_destroy(sim);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_run_ends_a_tail_after_the_input),
        RAST_TEST(test_trailing_zeros_are_the_end_of_the_input),
        RAST_TEST(test_seeded_runs_ignore_the_limit),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
