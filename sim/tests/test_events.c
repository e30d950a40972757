/* Pins down the event queue order: by simulated time, ties in insertion order, with a hard
 * capacity. */
#include "entropy.h"
#include "events.h"
#include "rast_test.h"

static void test_time_then_insertion_order(void)
{
    struct events q;
    CHECK(events_init(&q, 16));
    struct event ev = {0};
    uint64_t times[] = {30, 10, 20, 10, 30, 10};
    for (uint32_t i = 0; i < 6; i++) {
        ev.time_us = times[i];
        ev.a = i;
        CHECK(events_push(&q, &ev));
    }
    uint32_t expect[] = {1, 3, 5, 2, 0, 4};
    for (uint32_t i = 0; i < 6; i++) {
        struct event out;
        CHECK(events_pop(&q, &out));
        CHECK_EQ_U64(out.a, expect[i]);
    }
    struct event out;
    CHECK(!events_pop(&q, &out));
    events_free(&q);
}

static void test_capacity_is_a_limit(void)
{
    struct events q;
    CHECK(events_init(&q, 4));
    struct event ev = {0};
    for (int i = 0; i < 4; i++)
        CHECK(events_push(&q, &ev));
    CHECK(!events_push(&q, &ev));
    CHECK_EQ_U64(q.count, 4);
    events_free(&q);
}

static void test_capacity_out_of_range_is_refused(void)
{
    struct events q;
    CHECK(!events_init(&q, 0));
    CHECK(!events_init(&q, EVENTS_CAPACITY_MAX + 1));
    CHECK(events_init(&q, EVENTS_CAPACITY_MAX));
    events_free(&q);
}

/* Payload slots are recycled: a full queue drained and refilled keeps every payload intact. */
static void test_payloads_survive_slot_reuse(void)
{
    struct events q;
    CHECK(events_init(&q, 8));
    struct event ev = {0}, out;
    for (uint32_t round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < 8; i++) {
            ev.time_us = 100 - i; /* reverse order: every push sifts to the root */
            ev.b = round * 100 + i;
            CHECK(events_push(&q, &ev));
        }
        for (uint32_t i = 0; i < 8; i++) {
            CHECK(events_pop(&q, &out));
            CHECK_EQ_U64(out.b, round * 100 + 7 - i);
            CHECK_EQ_U64(out.time_us, 93 + i);
        }
    }
    events_free(&q);
}

static void test_random_pushes_pop_sorted(void)
{
    struct events q;
    CHECK(events_init(&q, 10000));
    struct entropy e = {0};
    entropy_init_prng(&e, 1);
    struct event ev = {0};
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 5000; i++) {
            ev.time_us = entropy_below(&e, 1000);
            CHECK(events_push(&q, &ev));
        }
        struct event prev = {0}, out;
        bool first = true;
        for (int i = 0; i < 2500; i++) {
            CHECK(events_pop(&q, &out));
            if (!first)
                CHECK(prev.time_us < out.time_us ||
                      (prev.time_us == out.time_us && prev.seq < out.seq));
            prev = out;
            first = false;
        }
    }
    events_free(&q);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_time_then_insertion_order),
        RAST_TEST(test_capacity_is_a_limit),
        RAST_TEST(test_random_pushes_pop_sorted),
        RAST_TEST(test_capacity_out_of_range_is_refused),
        RAST_TEST(test_payloads_survive_slot_reuse),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
