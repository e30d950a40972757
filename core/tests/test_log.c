/*
 * test_log.c: the in-memory log keeps entries and data at stable addresses across chunk and
 * block boundaries, truncates exactly the suffix asked for, and answers term lookups by
 * binary search correctly.
 */
#include "log.h"
#include "rast_test.h"

#include <string.h>

/* Entries keep their term, size and bytes across many chunks; pointers stay valid while
 * more entries are appended. */
static void test_append_and_read_back_across_chunks(void)
{
    struct rast_log log;
    log_init(&log);
    uint8_t buf[40];
    uint32_t n = 3 * LOG_CHUNK_ENTRIES + 17;
    const struct rast_entry *first = NULL;
    for (uint32_t i = 1; i <= n; i++) {
        memset(buf, (int)(i & 0xff), sizeof buf);
        CHECK(log_append(&log, 1 + i / 1000, buf, i % 40) == RAST_OK);
        if (i == 1)
            first = log_entry_at(&log, 1);
    }
    CHECK_EQ_U64(log.last_index, n);
    CHECK(first == log_entry_at(&log, 1)); /* never moved */
    for (uint32_t i = 1; i <= n; i++) {
        const struct rast_entry *e = log_entry_at(&log, i);
        CHECK_EQ_U64(e->term, 1 + i / 1000);
        CHECK_EQ_U64(e->size, i % 40);
        for (uint32_t b = 0; b < e->size; b++)
            CHECK_EQ_U64(e->data[b], i & 0xff);
    }
    CHECK(log_entry_at(&log, 0) == NULL && log_entry_at(&log, n + 1) == NULL);
    CHECK_EQ_U64(log_term_at(&log, n + 1), 0);
    log_free(&log);
}

/* Truncation drops exactly the suffix from the given index and lets new entries follow. */
static void test_truncate_suffix(void)
{
    struct rast_log log;
    log_init(&log);
    for (uint64_t i = 1; i <= 100; i++)
        CHECK(log_append(&log, 1, (const uint8_t *)"abcdefgh", 8) == RAST_OK);
    log_truncate_from(&log, 60);
    CHECK_EQ_U64(log.last_index, 59);
    CHECK_EQ_U64(log.data_bytes_held, 59 * 8);
    CHECK(log_append(&log, 2, (const uint8_t *)"xy", 2) == RAST_OK);
    CHECK_EQ_U64(log_term_at(&log, 60), 2);
    CHECK(memcmp(log_entry_at(&log, 60)->data, "xy", 2) == 0);
    CHECK(memcmp(log_entry_at(&log, 59)->data, "abcdefgh", 8) == 0);
    log_truncate_from(&log, 200); /* beyond the end: nothing */
    CHECK_EQ_U64(log.last_index, 60);
    log_free(&log);
}

/* Contiguous runs stop at chunk ends, at the log's end and at the requested maximum. */
static void test_contiguous_count(void)
{
    struct rast_log log;
    log_init(&log);
    for (uint32_t i = 0; i < LOG_CHUNK_ENTRIES + 10; i++)
        CHECK(log_append(&log, 1, NULL, 0) == RAST_OK);
    CHECK_EQ_U64(log_contiguous_count(&log, 1, UINT32_MAX), LOG_CHUNK_ENTRIES);
    CHECK_EQ_U64(log_contiguous_count(&log, LOG_CHUNK_ENTRIES, UINT32_MAX), 1);
    CHECK_EQ_U64(log_contiguous_count(&log, LOG_CHUNK_ENTRIES + 1, UINT32_MAX), 10);
    CHECK_EQ_U64(log_contiguous_count(&log, 5, 3), 3);
    CHECK_EQ_U64(log_contiguous_count(&log, LOG_CHUNK_ENTRIES + 11, 5), 0);
    log_free(&log);
}

/* Term lookups: the last index with term <= t, and the first index of a term. */
static void test_term_searches(void)
{
    struct rast_log log;
    log_init(&log);
    const uint64_t terms[] = { 1, 1, 1, 3, 3, 5, 5, 5, 5, 6 };
    for (uint32_t i = 0; i < 10; i++)
        CHECK(log_append(&log, terms[i], NULL, 0) == RAST_OK);
    CHECK_EQ_U64(log_last_index_with_term_at_most(&log, 10, 4), 5);
    CHECK_EQ_U64(log_last_index_with_term_at_most(&log, 10, 5), 9);
    CHECK_EQ_U64(log_last_index_with_term_at_most(&log, 7, 5), 7);
    CHECK_EQ_U64(log_last_index_with_term_at_most(&log, 10, 0), 0);
    CHECK_EQ_U64(log_last_index_with_term_at_most(&log, 99, 9), 10);
    CHECK_EQ_U64(log_first_index_of_term(&log, 8), 6);
    CHECK_EQ_U64(log_first_index_of_term(&log, 3), 1);
    CHECK_EQ_U64(log_first_index_of_term(&log, 10), 10);
    log_free(&log);
}

/* Large entries get a block of their own size; memory accounting counts whole allocations. */
static void test_large_entry_and_bytes_held(void)
{
    struct rast_log log;
    log_init(&log);
    static uint8_t big[LOG_BLOCK_BYTES + 100];
    memset(big, 7, sizeof big);
    CHECK(log_append(&log, 1, big, sizeof big) == RAST_OK);
    CHECK(log_append(&log, 1, big, 10) == RAST_OK);
    CHECK_EQ_U64(log_entry_at(&log, 1)->size, sizeof big);
    CHECK_EQ_U64(log_entry_at(&log, 1)->data[LOG_BLOCK_BYTES + 99], 7);
    CHECK(log_bytes_held(&log) >= sizeof big + 10);
    log_free(&log);
}

/* Data blocks start small and double up to LOG_BLOCK_BYTES: a node with a short log holds
 * 64 KiB of data blocks, not a mebibyte. */
static void test_data_blocks_grow_geometrically(void)
{
    struct rast_log log;
    log_init(&log);
    static uint8_t data[1000];
    CHECK(log_append(&log, 1, data, sizeof data) == RAST_OK);
    CHECK_EQ_U64(log.block_count, 1);
    CHECK_EQ_U64(log.block_sizes[0], LOG_BLOCK_BYTES_FIRST);
    uint64_t appended = sizeof data;
    while (log.block_count < 8) {
        CHECK(log_append(&log, 1, data, sizeof data) == RAST_OK);
        appended += sizeof data;
    }
    for (uint32_t i = 1; i < log.block_count; i++) {
        uint64_t want = (uint64_t)log.block_sizes[i - 1] * 2;
        CHECK_EQ_U64(log.block_sizes[i], want < LOG_BLOCK_BYTES ? want : LOG_BLOCK_BYTES);
    }
    CHECK_EQ_U64(log.block_sizes[7], LOG_BLOCK_BYTES);
    CHECK_EQ_U64(log_entry_at(&log, appended / sizeof data)->size, sizeof data);
    log_free(&log);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_append_and_read_back_across_chunks),
        RAST_TEST(test_truncate_suffix),
        RAST_TEST(test_contiguous_count),
        RAST_TEST(test_term_searches),
        RAST_TEST(test_large_entry_and_bytes_held),
        RAST_TEST(test_data_blocks_grow_geometrically),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
