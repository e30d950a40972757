/*
 * rast_test.h: the tiny unit-test harness every rast suite uses.
 *
 * A test binary defines test functions `static void test_x(void)` and a main that lists them:
 *
 *     int main(int argc, char **argv) {
 *         static const struct rast_test tests[] = {
 *             RAST_TEST(test_x),
 *             RAST_TEST(test_y),
 *         };
 *         return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
 *     }
 *
 * CHECK(cond) fails the current test (and returns from it) when cond is false; CHECK_EQ_U64
 * prints both values. A binary exits 0 only when every test passed, and prints one closing
 * line "N passed, N failed". An optional argument runs only the tests whose name contains it.
 * Header-only on purpose: each test binary is one translation unit plus the code under test.
 */
#ifndef RAST_TEST_H
#define RAST_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct rast_test {
    const char *name;
    void (*fn)(void);
};

/* clang-format off */
#define RAST_TEST(fn) {#fn, fn}
/* clang-format on */
#define RAST_TEST_COUNT(arr) ((int)(sizeof(arr) / sizeof((arr)[0])))

/* Set by the CHECK macros when the running test fails. */
static int rast_test_failed_flag;

static inline void rast_test_report(const char *file, int line, const char *what)
{
    fprintf(stderr, "  FAIL %s:%d: %s\n", file, line, what);
    rast_test_failed_flag = 1;
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            rast_test_report(__FILE__, __LINE__, #cond);                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                                         \
    do {                                                                                           \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                               \
        if (check_a_ != check_b_) {                                                                \
            char check_msg_[256];                                                                  \
            snprintf(check_msg_, sizeof check_msg_, "%s == %s (%" PRIu64 " != %" PRIu64 ")", #a,   \
                     #b, check_a_, check_b_);                                                      \
            rast_test_report(__FILE__, __LINE__, check_msg_);                                      \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static inline int rast_test_main(int argc, char **argv, const struct rast_test *tests, int count)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (int i = 0; i < count; i++) {
        if (filter != NULL && strstr(tests[i].name, filter) == NULL)
            continue;
        rast_test_failed_flag = 0;
        tests[i].fn();
        if (rast_test_failed_flag) {
            fprintf(stderr, "not ok %s\n", tests[i].name);
            failed++;
        } else {
            printf("ok %s\n", tests[i].name);
            passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif /* RAST_TEST_H */
