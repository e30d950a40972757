/* Pins down the disk model: requests become durable in order, a crash drops exactly the
 * unsynced suffix, a torn last record is detected and cut on restart, a corrupt record
 * before valid ones makes the disk refuse to load, truncation is replayed, and the durable
 * term shadow (the commit oracle's view) always equals what a restart reads back. */
#include <string.h>

#include "disk.h"
#include "rast_test.h"

static uint8_t payload[8][4] = {"aaa", "bbb", "ccc", "ddd", "eee", "fff", "ggg", "hhh"};
static struct rast_entry entries[8];

/* PERSIST token t: hard state term t, entries first..first+count-1 at term t. */
static int submit(struct disk *d, uint64_t token, uint64_t first, uint32_t count, bool trunc)
{
    for (uint32_t i = 0; i < 8; i++) {
        entries[i].term = token;
        entries[i].data = payload[i];
        entries[i].size = 3;
    }
    struct rast_persist p = {.token = token, .has_hard_state = true,
                             .hard_state = {.term = token, .voted_for = 1},
                             .truncate = trunc, .first_index = first, .entry_count = count,
                             .entries = entries};
    return disk_submit(d, &p);
}

static void test_completions_in_order(void)
{
    struct disk d;
    disk_init(&d);
    CHECK_EQ_U64(submit(&d, 1, 1, 2, false), 0);
    CHECK_EQ_U64(submit(&d, 2, 3, 1, false), 0);
    CHECK_EQ_U64(disk_complete_head(&d), 1);
    CHECK_EQ_U64(disk_complete_head(&d), 2);
    CHECK_EQ_U64(disk_load(&d), DISK_LOAD_OK);
    CHECK_EQ_U64(d.restore.entry_count, 3);
    CHECK_EQ_U64(d.restore.hard_state.term, 2);
    CHECK(memcmp(d.restore.entries[2].data, "aaa", 3) == 0);
    disk_free(&d);
}

static void test_crash_drops_exactly_the_unsynced_suffix(void)
{
    struct disk d;
    disk_init(&d);
    struct entropy e = {0};
    entropy_init_prng(&e, 3);
    CHECK_EQ_U64(submit(&d, 1, 1, 2, false), 0);
    CHECK_EQ_U64(submit(&d, 2, 3, 2, false), 0);
    CHECK_EQ_U64(submit(&d, 3, 5, 2, false), 0);
    CHECK_EQ_U64(disk_complete_head(&d), 1);
    CHECK(!disk_crash(&d, &e, 0));
    CHECK_EQ_U64(disk_load(&d), DISK_LOAD_OK);
    CHECK_EQ_U64(d.restore.entry_count, 2);
    CHECK_EQ_U64(d.restore.hard_state.term, 1);
    CHECK_EQ_U64(d.count, 0);
    disk_free(&d);
}

static void test_torn_write_is_cut_on_restart(void)
{
    struct entropy e = {0};
    entropy_init_prng(&e, 11);
    for (int round = 0; round < 200; round++) {
        struct disk d;
        disk_init(&d);
        CHECK_EQ_U64(submit(&d, 1, 1, 3, false), 0);
        CHECK_EQ_U64(disk_complete_head(&d), 1);
        size_t durable = d.durable_size;
        CHECK_EQ_U64(submit(&d, 2, 4, 4, false), 0);
        CHECK(disk_crash(&d, &e, 1000000));
        CHECK(d.durable_size > durable);
        enum disk_load_result r = disk_load(&d);
        /* the tear may end on a record boundary of the head request: then the whole
         * records before it are a valid (unacknowledged) prefix and the rest is cut */
        CHECK(r == DISK_LOAD_TORN_TAIL || r == DISK_LOAD_OK);
        CHECK(d.restore.entry_count >= 3 && d.restore.entry_count <= 7);
        for (uint64_t i = 0; i < 3; i++)
            CHECK_EQ_U64(d.restore.entries[i].term, 1);
        /* after the cut, new writes append cleanly */
        CHECK_EQ_U64(submit(&d, 3, d.restore.entry_count + 1, 1, false), 0);
        CHECK_EQ_U64(disk_complete_head(&d), 3);
        CHECK_EQ_U64(disk_load(&d), DISK_LOAD_OK);
        disk_free(&d);
    }
}

static void test_corruption_refuses_to_load(void)
{
    struct entropy e = {0};
    entropy_init_prng(&e, 17);
    for (int round = 0; round < 100; round++) {
        struct disk d;
        disk_init(&d);
        CHECK_EQ_U64(submit(&d, 1, 1, 4, false), 0);
        CHECK_EQ_U64(disk_complete_head(&d), 1);
        CHECK(disk_corrupt(&d, &e));
        CHECK_EQ_U64(disk_load(&d), DISK_LOAD_CORRUPT);
        disk_free(&d);
    }
}

static void test_truncate_is_replayed(void)
{
    struct disk d;
    disk_init(&d);
    CHECK_EQ_U64(submit(&d, 1, 1, 5, false), 0);
    CHECK_EQ_U64(submit(&d, 2, 3, 1, true), 0);
    CHECK_EQ_U64(disk_complete_head(&d), 1);
    CHECK_EQ_U64(disk_complete_head(&d), 2);
    CHECK_EQ_U64(disk_load(&d), DISK_LOAD_OK);
    CHECK_EQ_U64(d.restore.entry_count, 3);
    CHECK_EQ_U64(d.restore.entries[2].term, 2);
    CHECK_EQ_U64(d.restore.entries[1].term, 1);
    disk_free(&d);
}

static void test_queue_limit(void)
{
    struct disk d;
    disk_init(&d);
    for (uint32_t i = 0; i < DISK_REQUESTS_MAX; i++)
        CHECK_EQ_U64(submit(&d, i + 1, 1, 1, false), 0);
    CHECK_EQ_U64(submit(&d, 9999, 1, 1, false), RAST_E_BUSY);
    disk_free(&d);
}

/* The shadow's terms for indexes 1..count equal the restore's after a load. */
static bool shadow_matches_load(struct disk *d)
{
    uint64_t count = d->durable_term_count;
    uint64_t terms[16] = { 0 };
    for (uint64_t i = 1; i <= count && i <= 16; i++)
        terms[i - 1] = disk_durable_term_at(d, i);
    if (disk_load(d) != DISK_LOAD_OK || d->restore.entry_count != count)
        return false;
    for (uint64_t i = 0; i < count && i < 16; i++)
        if (d->restore.entries[i].term != terms[i])
            return false;
    return true;
}

/* Requests with a hard state and no entries (votes, term changes) never store a term, so
 * the pending term buffer stays unallocated; completing one while others wait compacts the
 * pending bytes, and must not do pointer arithmetic on that absent buffer (UBSan: "applying
 * zero offset to null pointer"; found by the scenario fuzzer: corpus/scenario). */
static void test_hard_state_only_requests_compact(void)
{
    struct disk d;
    disk_init(&d);
    for (uint64_t t = 1; t <= 3; t++)
        CHECK_EQ_U64(submit(&d, t, 1, 0, false), 0);
    CHECK(d.pending_terms == NULL);
    for (uint64_t t = 1; t <= 3; t++)
        CHECK_EQ_U64(disk_complete_head(&d), t);
    CHECK_EQ_U64(disk_load(&d), DISK_LOAD_OK);
    CHECK_EQ_U64(d.restore.hard_state.term, 3);
    CHECK_EQ_U64(d.restore.entry_count, 0);
    disk_free(&d);
}

static void test_durable_term_shadow(void)
{
    struct disk d;
    disk_init(&d);
    struct entropy e = { 0 };
    entropy_init_prng(&e, 5);
    CHECK_EQ_U64(submit(&d, 1, 1, 3, false), 0);
    CHECK_EQ_U64(disk_durable_term_at(&d, 1), 0); /* pending is not durable */
    CHECK_EQ_U64(disk_complete_head(&d), 1);
    CHECK_EQ_U64(disk_durable_term_at(&d, 3), 1);
    CHECK_EQ_U64(disk_durable_term_at(&d, 4), 0);
    CHECK_EQ_U64(submit(&d, 2, 2, 1, false), 0); /* an entry at 2 cuts the log to 1 first */
    CHECK_EQ_U64(submit(&d, 3, 3, 2, false), 0);
    CHECK_EQ_U64(disk_complete_head(&d), 2);
    CHECK_EQ_U64(d.durable_term_count, 2);
    CHECK_EQ_U64(disk_durable_term_at(&d, 2), 2);
    CHECK_EQ_U64(disk_durable_term_at(&d, 3), 0);
    CHECK(!disk_crash(&d, &e, 0)); /* request 3 is lost */
    CHECK(shadow_matches_load(&d));
    CHECK_EQ_U64(submit(&d, 4, 2, 0, true), 0); /* truncate from 2 */
    CHECK_EQ_U64(disk_complete_head(&d), 4);
    CHECK_EQ_U64(d.durable_term_count, 1);
    CHECK(shadow_matches_load(&d));
    disk_free(&d);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_completions_in_order),
        RAST_TEST(test_crash_drops_exactly_the_unsynced_suffix),
        RAST_TEST(test_torn_write_is_cut_on_restart),
        RAST_TEST(test_corruption_refuses_to_load),
        RAST_TEST(test_truncate_is_replayed),
        RAST_TEST(test_queue_limit),
        RAST_TEST(test_durable_term_shadow),
        RAST_TEST(test_hard_state_only_requests_compact),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
