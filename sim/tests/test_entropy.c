/* Pins down the entropy contract: every backend returns values below n, a zero or missing
 * byte is the boring choice, and a recorded choice log replays the exact same values. */
#include "entropy.h"
#include "rast_test.h"

static void test_prng_is_deterministic(void)
{
    struct entropy a = {0}, b = {0};
    entropy_init_prng(&a, 42);
    entropy_init_prng(&b, 42);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_U64(entropy_below(&a, 1000003), entropy_below(&b, 1000003));
    entropy_init_prng(&b, 43);
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += entropy_below(&a, 1u << 30) == entropy_below(&b, 1u << 30);
    CHECK(same < 5);
}

static void test_below_bounds(void)
{
    struct entropy e = {0};
    entropy_init_prng(&e, 7);
    for (uint64_t n = 1; n < 3000; n++)
        CHECK(entropy_below(&e, n) < n);
    CHECK_EQ_U64(entropy_below(&e, 0), 0);
    uint8_t junk[64];
    for (int i = 0; i < 64; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    entropy_init_bytes(&e, junk, sizeof junk);
    for (uint64_t n = 1; n < 300; n++)
        CHECK(entropy_below(&e, n) < n);
}

static void test_bytes_zero_and_exhausted_are_boring(void)
{
    static const uint8_t zeros[16] = {0};
    struct entropy e = {0};
    entropy_init_bytes(&e, zeros, sizeof zeros);
    CHECK_EQ_U64(entropy_below(&e, 256), 0);
    CHECK(!entropy_chance_ppm(&e, 999999));
    CHECK_EQ_U64(entropy_exponential(&e, 5000), 0);
    for (int i = 0; i < 100; i++) /* past the end of the input */
        CHECK(!entropy_chance_ppm(&e, 500000));
    CHECK(entropy_chance_ppm(&e, 1000000)); /* certain events stay certain */
    static const uint8_t one[1] = {200};
    entropy_init_bytes(&e, one, 1);
    CHECK_EQ_U64(entropy_below(&e, 256), 200);
    CHECK_EQ_U64(entropy_below(&e, 256), 0);
    CHECK(e.spent_unrecorded); /* the inline path answers from now on */
    entropy_init_bytes(&e, one, 1); /* a new input is not spent */
    CHECK(!e.spent_unrecorded);
    CHECK_EQ_U64(entropy_below(&e, 7), 200 % 7);
}

/* A recording run records every draw, also those past the end of its input (each 0), so the
 * choice log replays the run; the spent shortcut must not skip them. */
static void test_spent_input_still_records(void)
{
    static const uint8_t two[2] = {5, 9};
    struct entropy e = {0}, rep = {0};
    entropy_init_bytes(&e, two, sizeof two);
    entropy_record_start(&e);
    CHECK_EQ_U64(entropy_below(&e, 100), 5);
    CHECK_EQ_U64(entropy_below(&e, 100), 9);
    for (int i = 0; i < 10; i++)
        CHECK_EQ_U64(entropy_below(&e, 100), 0);
    CHECK(!e.spent_unrecorded);
    CHECK_EQ_U64(e.record_size, 12); /* one varint byte per draw */
    CHECK_EQ_U64(entropy_choose(&e, 100, true, 42), 42); /* a pinned value past the end */
    entropy_init_replay(&rep, e.record, e.record_size);
    CHECK_EQ_U64(entropy_below(&rep, 100), 5);
    CHECK_EQ_U64(entropy_below(&rep, 100), 9);
    for (int i = 0; i < 10; i++)
        CHECK_EQ_U64(entropy_below(&rep, 100), 0);
    CHECK_EQ_U64(entropy_below(&rep, 100), 42);
    CHECK(rep.spent_unrecorded);
    CHECK_EQ_U64(entropy_below(&rep, 100), 0);
    entropy_free(&e);
}

/* The byte reader answers unrecorded draws inline (entropy.h) and recorded ones out of line
 * (entropy_choose): both read the same bytes for the same choices, little-endian, as many as
 * n - 1 needs, and a short tail reads as zeros. */
static void test_bytes_inline_matches_recorded(void)
{
    uint8_t junk[211];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37u + 11u);
    static const uint64_t spans[] = {2, 7, 256, 257, 1000000, 65536, 3, UINT64_MAX, 1u << 24, 255};
    struct entropy fast = {0}, slow = {0};
    entropy_init_bytes(&fast, junk, sizeof junk);
    entropy_init_bytes(&slow, junk, sizeof junk);
    entropy_record_start(&slow);
    for (int i = 0; i < 120; i++) {
        uint64_t n = spans[i % 10];
        CHECK_EQ_U64(entropy_below(&fast, n), entropy_below(&slow, n));
        CHECK_EQ_U64(fast.input_offset, slow.input_offset);
    }
    CHECK(fast.spent_unrecorded);
    CHECK_EQ_U64(entropy_below(&fast, 1000000), 0);
    static const uint8_t two[2] = {0x34, 0x12}; /* three bytes wanted, two there */
    entropy_init_bytes(&fast, two, sizeof two);
    CHECK_EQ_U64(entropy_below(&fast, 1000000), 0x1234);
    CHECK(fast.spent_unrecorded);
    entropy_free(&slow);
}

static void test_record_then_replay(void)
{
    struct entropy rec = {0}, rep = {0};
    entropy_init_prng(&rec, 99);
    entropy_record_start(&rec);
    uint64_t values[500];
    for (int i = 0; i < 500; i++)
        values[i] = entropy_below(&rec, (uint64_t)i * 977 + 2);
    CHECK_EQ_U64(entropy_below(&rec, 1), 0); /* no choice: nothing recorded */
    uint64_t forced = entropy_choose(&rec, 10, true, 7);
    CHECK_EQ_U64(forced, 7);
    entropy_init_replay(&rep, rec.record, rec.record_size);
    for (int i = 0; i < 500; i++)
        CHECK_EQ_U64(entropy_below(&rep, (uint64_t)i * 977 + 2), values[i]);
    CHECK_EQ_U64(entropy_below(&rep, 1), 0);
    CHECK_EQ_U64(entropy_below(&rep, 10), 7); /* the pinned value, not the drawn one */
    CHECK_EQ_U64(entropy_below(&rep, 10), 0); /* past the end: boring */
    entropy_free(&rec);
}

static void test_chance_rate_holds(void)
{
    struct entropy e = {0};
    entropy_init_prng(&e, 5);
    uint32_t hits = 0;
    for (int i = 0; i < 200000; i++)
        hits += entropy_chance_ppm(&e, 100000);
    CHECK(hits > 19000 && hits < 21000);
    uint64_t sum = 0;
    for (int i = 0; i < 100000; i++)
        sum += entropy_exponential(&e, 1000);
    CHECK(sum / 100000 > 900 && sum / 100000 < 1100); /* the mean holds within 10% */
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_prng_is_deterministic),
        RAST_TEST(test_below_bounds),
        RAST_TEST(test_bytes_zero_and_exhausted_are_boring),
        RAST_TEST(test_spent_input_still_records),
        RAST_TEST(test_bytes_inline_matches_recorded),
        RAST_TEST(test_record_then_replay),
        RAST_TEST(test_chance_rate_holds),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
