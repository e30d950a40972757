/* Pins down the stand-in history check: it accepts a linearizable history and catches a
 * stale read, a read of a value never written and a read of a write that failed. */
#include "history.h"
#include "kv.h"
#include "rast_test.h"

static struct history h;

static void test_accepts_linearizable(void)
{
    history_clear(&h);
    uint32_t w = history_invoke(&h, 0, 0, KV_PUT, 1, 10, 0);
    uint32_t r = history_invoke(&h, 1, 1, KV_GET, 1, 0, 0); /* concurrent with the put */
    history_complete(&h, r, 2, HISTORY_OK, 0);
    history_complete(&h, w, 3, HISTORY_OK, 0);
    uint32_t r2 = history_invoke(&h, 4, 1, KV_GET, 1, 0, 0);
    history_complete(&h, r2, 5, HISTORY_OK, 10);
    char why[200];
    CHECK(history_check_simple(&h, why, sizeof why));
}

static void test_catches_stale_read(void)
{
    history_clear(&h);
    uint32_t w1 = history_invoke(&h, 0, 0, KV_PUT, 1, 10, 0);
    history_complete(&h, w1, 1, HISTORY_OK, 0);
    uint32_t w2 = history_invoke(&h, 2, 0, KV_PUT, 1, 20, 0);
    history_complete(&h, w2, 3, HISTORY_OK, 0);
    uint32_t r = history_invoke(&h, 4, 1, KV_GET, 1, 0, 0);
    history_complete(&h, r, 5, HISTORY_OK, 10);
    char why[200];
    CHECK(!history_check_simple(&h, why, sizeof why));
}

static void test_catches_unwritten_and_failed_values(void)
{
    char why[200];
    history_clear(&h);
    uint32_t r = history_invoke(&h, 0, 1, KV_GET, 1, 0, 0);
    history_complete(&h, r, 1, HISTORY_OK, 42);
    CHECK(!history_check_simple(&h, why, sizeof why));
    history_clear(&h);
    uint32_t w = history_invoke(&h, 0, 0, KV_PUT, 1, 42, 0);
    history_complete(&h, w, 1, HISTORY_FAIL, 0);
    r = history_invoke(&h, 2, 1, KV_GET, 1, 0, 0);
    history_complete(&h, r, 3, HISTORY_OK, 42);
    CHECK(!history_check_simple(&h, why, sizeof why));
    /* an indeterminate write may take effect */
    history_clear(&h);
    w = history_invoke(&h, 0, 0, KV_PUT, 1, 42, 0);
    history_complete(&h, w, 1, HISTORY_INFO, 0);
    r = history_invoke(&h, 2, 1, KV_GET, 1, 0, 0);
    history_complete(&h, r, 3, HISTORY_OK, 42);
    CHECK(history_check_simple(&h, why, sizeof why));
}

int main(int argc, char **argv)
{
    if (!history_init(&h))
        return 1;
    static const struct rast_test tests[] = {
        RAST_TEST(test_accepts_linearizable),
        RAST_TEST(test_catches_stale_read),
        RAST_TEST(test_catches_unwritten_and_failed_values),
    };
    int rc = rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
    history_free(&h);
    return rc;
}
