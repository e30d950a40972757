/* Pins down the event queue order: by simulated time, ties in insertion order, with a hard
 * capacity, wherever the queue keeps an event (heap or lane, in order or not, lane full). */
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

/* Pops everything; true when it came out in (time, seq) order, count events in all. */
static bool drain_sorted(struct events *q, uint32_t count)
{
    struct event prev = { 0 }, out;
    for (uint32_t i = 0; i < count; i++) {
        if (!events_pop(q, &out))
            return false;
        if (i > 0 &&
            !(prev.time_us < out.time_us || (prev.time_us == out.time_us && prev.seq < out.seq)))
            return false;
        prev = out;
    }
    return !events_pop(q, &out);
}

/* One step of a random churn: push ev (half the time, while fewer than 5,000 are queued) or
 * pop the earliest event, which must not be earlier than *now (it becomes *now). */
static void churn_step(struct events *q, struct entropy *e, const struct event *ev, uint64_t *now,
                       uint32_t *queued)
{
    if (*queued < 5000 && entropy_below(e, 2) == 0) {
        CHECK(events_push(q, ev));
        (*queued)++;
    } else if (*queued > 0) {
        struct event out;
        CHECK(events_pop(q, &out));
        CHECK(out.time_us >= *now);
        *now = out.time_us;
        (*queued)--;
    }
}

/* Ticks go to the lane when pushed in time order and to a heap when not (a clock jump's tick,
 * a tick of a faster node), other kinds always to a heap; the pop order stays (time, seq). */
static void test_lanes_and_heap_pop_in_one_order(void)
{
    struct events q;
    CHECK(events_init(&q, 10000));
    struct entropy e = { 0 };
    entropy_init_prng(&e, 7);
    static const uint8_t kinds[] = { EV_TICK, EV_CLIENT_TIMEOUT, EV_DELIVER };
    uint64_t now = 0;
    uint32_t queued = 0;
    for (int i = 0; i < 20000; i++) {
        struct event ev = { .kind = kinds[entropy_below(&e, 3)] };
        uint64_t ahead = entropy_below(&e, 4) == 0 ? entropy_below(&e, 50) : 40;
        ev.time_us = now + ahead; /* mostly now + a constant, sometimes earlier */
        churn_step(&q, &e, &ev, &now, &queued);
    }
    CHECK(q.count == queued);
    CHECK(drain_sorted(&q, queued));
    events_free(&q);
}

/* Times inside the wheel's window go to its buckets, the others (further ahead, or before the
 * window's start) to the heap; pops interleave the wheel, the heap and the lane in one
 * (time, seq) order, ties included, while the window moves across many wheel turns. */
static void test_wheel_and_heap_pop_in_one_order(void)
{
    struct events q;
    CHECK(events_init(&q, 10000));
    struct entropy e = { 0 };
    entropy_init_prng(&e, 11);
    static const uint8_t kinds[] = { EV_TICK, EV_DELIVER, EV_DELIVER };
    const uint64_t window_us = (uint64_t)EVENTS_WHEEL_BUCKETS * EVENTS_WHEEL_BUCKET_US;
    uint64_t now = 0;
    uint32_t queued = 0, wheel_max = 0, far_max = 0;
    for (int i = 0; i < 60000; i++) {
        struct event ev = { .kind = kinds[entropy_below(&e, 3)] };
        uint32_t shape = (uint32_t)entropy_below(&e, 4);
        uint64_t ahead = shape == 0   ? entropy_below(&e, 3 * EVENTS_WHEEL_BUCKET_US)
                         : shape == 1 ? entropy_below(&e, 2 * window_us)
                         : shape == 2 ? entropy_below(&e, 3) * EVENTS_WHEEL_BUCKET_US
                                      : window_us - entropy_below(&e, 2);
        ev.time_us = now + ahead;
        churn_step(&q, &e, &ev, &now, &queued);
        wheel_max = q.wheel.count > wheel_max ? q.wheel.count : wheel_max;
        far_max = q.far.count > far_max ? q.far.count : far_max;
    }
    CHECK(wheel_max > 0 && far_max > 0);
    CHECK(now > 4 * window_us); /* the window went round the wheel several times */
    CHECK(q.count == queued);
    CHECK(drain_sorted(&q, queued));
    events_free(&q);
}

/* A push before the window's start (earlier than the last pop's bucket) goes to the heap and
 * still comes out first; the window never moves back. */
static void test_push_before_window_pops_first(void)
{
    struct events q;
    CHECK(events_init(&q, 64));
    struct event ev = { .kind = EV_DELIVER };
    ev.time_us = 10 * EVENTS_WHEEL_BUCKET_US;
    CHECK(events_push(&q, &ev));
    ev.time_us = 12 * EVENTS_WHEEL_BUCKET_US;
    CHECK(events_push(&q, &ev));
    struct event out;
    CHECK(events_pop(&q, &out));
    CHECK_EQ_U64(out.time_us, 10 * EVENTS_WHEEL_BUCKET_US);
    ev.time_us = 5; /* before the window */
    CHECK(events_push(&q, &ev));
    CHECK_EQ_U64(q.far.count, 1);
    ev.time_us = 11 * EVENTS_WHEEL_BUCKET_US;
    CHECK(events_push(&q, &ev));
    CHECK_EQ_U64(events_peek_time(&q), 5);
    CHECK(events_pop(&q, &out));
    CHECK_EQ_U64(out.time_us, 5);
    CHECK(events_pop(&q, &out));
    CHECK_EQ_U64(out.time_us, 11 * EVENTS_WHEEL_BUCKET_US);
    CHECK(events_pop(&q, &out));
    CHECK_EQ_U64(out.time_us, 12 * EVENTS_WHEEL_BUCKET_US);
    CHECK(!events_pop(&q, &out));
    events_free(&q);
}

/* events_clear empties the wheel's buckets: a queue reused after a clear holds only what is
 * pushed after it. */
static void test_clear_empties_the_wheel(void)
{
    struct events q;
    CHECK(events_init(&q, 64));
    struct event ev = { .kind = EV_DELIVER };
    for (uint32_t i = 0; i < 20; i++) {
        ev.time_us = 3000 + 997 * i;
        CHECK(events_push(&q, &ev));
    }
    events_clear(&q);
    ev.time_us = 7;
    CHECK(events_push(&q, &ev));
    CHECK(drain_sorted(&q, 1));
    events_free(&q);
}

/* A full lane sends the next pushes to the heap; nothing is lost or reordered. */
static void test_full_lane_spills_to_heap(void)
{
    struct events q;
    CHECK(events_init(&q, EVENTS_LANE_CAPACITY * 2));
    struct event ev = { .kind = EV_TICK };
    for (uint32_t i = 0; i < EVENTS_LANE_CAPACITY + 100; i++) {
        ev.time_us = 1000 + i / 2;
        CHECK(events_push(&q, &ev));
    }
    ev.time_us = 10; /* earlier than the lane's tail: the heap */
    CHECK(events_push(&q, &ev));
    CHECK_EQ_U64(events_peek_time(&q), 10);
    CHECK(drain_sorted(&q, EVENTS_LANE_CAPACITY + 101));
    events_free(&q);
}

/* Ticks kept in the lane (no payload slot) come back with every field, count against the
 * capacity like any other event, and mix with slot events in one order. */
static void test_lane_events_keep_fields_and_count(void)
{
    struct events q;
    CHECK(events_init(&q, 4));
    struct event tick = { .time_us = 20, .kind = EV_TICK, .node = 3, .epoch = 9, .a = 1,
                          .d = 4, .b = 5, .c = 6 };
    struct event deliver = { .time_us = 20, .kind = EV_DELIVER, .node = 2, .a = 7 };
    CHECK(events_push(&q, &tick));
    CHECK(events_push(&q, &deliver));
    tick.time_us = 30;
    tick.a = 0;
    CHECK(events_push(&q, &tick));
    CHECK_EQ_U64(q.lane.count, 2);
    CHECK(events_push(&q, &deliver));
    CHECK(!events_push(&q, &tick)); /* full, though two slots were never used */
    struct event out;
    CHECK(events_pop(&q, &out));
    CHECK(out.kind == EV_TICK && out.time_us == 20 && out.node == 3 && out.epoch == 9);
    CHECK(out.a == 1 && out.d == 4 && out.b == 5 && out.c == 6 && out.seq == 0);
    CHECK(events_pop(&q, &out));
    CHECK(out.kind == EV_DELIVER && out.time_us == 20 && out.a == 7 && out.seq == 1);
    CHECK(events_pop(&q, &out));
    CHECK(out.kind == EV_DELIVER && out.time_us == 20 && out.seq == 3);
    CHECK(events_pop(&q, &out));
    CHECK(out.kind == EV_TICK && out.time_us == 30 && out.a == 0 && out.seq == 2);
    CHECK(!events_pop(&q, &out));
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
        RAST_TEST(test_lanes_and_heap_pop_in_one_order),
        RAST_TEST(test_full_lane_spills_to_heap),
        RAST_TEST(test_wheel_and_heap_pop_in_one_order),
        RAST_TEST(test_push_before_window_pops_first),
        RAST_TEST(test_clear_empties_the_wheel),
        RAST_TEST(test_lane_events_keep_fields_and_count),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
