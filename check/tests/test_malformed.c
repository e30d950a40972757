/*
 * test_malformed.c: malformed input in every format (truncated at every byte, binary garbage,
 * unbalanced brackets, integers past 64 bits, a completion without an invocation, ...) gives a
 * parse error naming the line, the column and what was expected, and never crashes.
 */
#include "rast_check.h"
#include "rast_test.h"

#include <stdlib.h>
#include <string.h>

static struct rast_check_error err;

/* Parses text; returns the error code (0 = accepted). */
static int try_parse(const char *text, size_t len)
{
    struct rast_history *h = NULL;
    memset(&err, 0, sizeof err);
    int rc = rast_history_parse("bad.txt", text, len, &h, &err);
    if (rc == 0) {
        struct rast_check_options o;
        rast_check_options_init(&o);
        struct rast_check_result *r = NULL;
        int run = rast_check_run(h, &o, &r, &err);
        if (run == 0)
            rast_check_result_destroy(r);
        rast_history_destroy(h);
    }
    return rc;
}

static bool error_is(const char *fragment, uint32_t line, uint32_t column)
{
    if (strstr(err.message, fragment) == NULL || strcmp(err.file, "bad.txt") != 0 ||
        err.line != line || (column != 0 && err.column != column)) {
        fprintf(stderr, "  got %s:%u:%u: %s (wanted '%s' at %u:%u)\n", err.file, err.line,
                err.column, err.message, fragment, line, column);
        return false;
    }
    return true;
}

static const char *const samples[] = {
    "INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 0\t:ok\t:cas\t[1 2]\n"
    "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t3\n",
    "[{:process 0, :type :invoke, :f :write, :value \"a\\\"b\"}\n"
    " {:process 0, :type :ok, :f :write, :value \"a\\\"b\"}\n"
    " {:process 1, :type :invoke, :f :txn, :value [[:read :x nil] [:write :y 2]]}]\n",
    "rast-history 1\nmodel kv\ninitial \"\"\ninvoke 0 3 10 append \"k\" \"x\\x01\"\n"
    "ok 0 11\ninvoke 1 4 12 get \"k\"\nok 1 13 \"x\\x01\"\n",
};

static void test_every_truncation(void)
{
    uint32_t errors = 0;
    for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
        size_t len = strlen(samples[s]);
        CHECK(try_parse(samples[s], len) == 0);
        for (size_t cut = 0; cut < len; cut++) {
            char *copy = malloc(cut + 1); /* exact size: ASan sees any overread */
            memcpy(copy, samples[s], cut);
            int rc = try_parse(copy, cut);
            CHECK(rc == 0 || rc == RAST_CHECK_EPARSE);
            if (rc != 0) {
                errors++;
                CHECK(err.line >= 1 && err.column >= 1 && err.message[0] != '\0');
            }
            free(copy);
        }
    }
    CHECK(errors > 50);
}

static void test_binary_garbage(void)
{
    uint64_t x = 42;
    for (int round = 0; round < 3000; round++) {
        char buf[256];
        size_t len = (size_t)(round % 255) + 1;
        for (size_t i = 0; i < len; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            buf[i] = (char)(x >> 56);
        }
        if (round % 3 == 1)
            buf[0] = '[';
        if (round % 3 == 2)
            memcpy(buf, "INFO ", len < 5 ? len : 5);
        char *copy = malloc(len);
        memcpy(copy, buf, len);
        int rc = try_parse(copy, len);
        CHECK(rc == 0 || rc == RAST_CHECK_EPARSE);
        free(copy);
    }
    CHECK(try_parse("\x7f" "ELF\x02\x01", 6) == RAST_CHECK_EPARSE);
    CHECK(error_is("unrecognized format", 1, 1));
}

static void test_unbalanced_brackets(void)
{
    const char *t = "[{:process 0, :type :invoke, :f :read, :value nil}\n {:process 0, :type :ok";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("expected '}' to close", 2, 0));
    t = "[{:process 0, :type :invoke, :f :read, :value [nil}]";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("unbalanced brackets: expected ']'", 1, 51));
    t = "[{:process 0, :type :invoke, :f :read}]]";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("expected end of input", 1, 40));
    t = "INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("expected ']'", 1, 0));
}

static void test_numbers_past_64_bits(void)
{
    const char *t = "{:process 0, :type :invoke, :f :write, :value 18446744073709551616}";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("does not fit in 64 bits", 1, 47));
    t = "INFO  jepsen.util - 0\t:invoke\t:write\t99999999999999999999\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("does not fit in 64 bits", 1, 38));
    t = "rast-history 1\ninvoke 0 1 2 put 1 -9223372036854775809\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("does not fit in 64 bits", 2, 20));
    t = "{:process 99999999999999999999, :type :invoke, :f :read}";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("64 bits", 1, 11));
}

static void test_completion_without_invocation(void)
{
    const char *t = "{:process 0, :type :invoke, :f :read}\n"
                    "{:process 1, :type :ok, :f :read, :value 1}";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("completion (:ok) for process 1 without an invocation", 2, 1));
    t = "INFO  jepsen.util - 4\t:fail\t:cas\t[1 2]\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("without an invocation", 1, 21));
    t = "rast-history 1\ninvoke 0 1 2 get 1\nok 0 3 nil\nok 0 4 nil\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("already completed", 4, 4));
    t = "rast-history 1\nok 5 3 nil\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("without an invocation", 2, 4));
}

static void test_other_mistakes(void)
{
    const char *t = "{:process 0, :type :invoke, :f :frobnicate}";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("unsupported :f", 1, 32));
    t = "{:process 0, :type :invoke, :f :read}\n{:process 0, :type :invoke, :f :read}";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("invokes again", 2, 1));
    t = "{:process 0, :type :invoke, :f :cas, :value 3}";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("expected [expected new]", 1, 45));
    t = "rast-history 2\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("expected the header", 1, 1));
    t = "rast-history 1\ninvoke 1 1 2 get 1\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("expected op id 0", 2, 8));
    t = "rast-history 1\ninvoke 0 1 2 get \"k\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("unterminated string", 2, 18));
    t = "rast-history 1\ninvoke 0 1 2 get 1\nok 0 1 nil\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("before the previous event", 3, 3));
}

/* A negative process is no client id in any format (the native writer could not write it
 * back: fuzz_history found an etcd log whose "-4" was read as 2^64 - 4). The fast reader
 * hands such a line to the general one, which must refuse it too. */
static void test_negative_process(void)
{
    const char *t = "INFO  jepsen.util - -4\t:invoke\t:read\tnil\n";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("expected a non-negative process number, found '-4'", 1, 21));
    t = "INFO jepsen.util - -4\t:invoke\t:read"; /* the minimized fuzz input */
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("non-negative process number", 1, 20));
    t = "{:process -4, :type :invoke, :f :read, :value nil}";
    CHECK(try_parse(t, strlen(t)) == RAST_CHECK_EPARSE);
    CHECK(error_is("non-negative integer :process", 1, 11));
}

static void test_model_mismatch_is_an_error(void)
{
    const char *t = "{:process 0, :type :invoke, :f :acquire}\n"
                    "{:process 0, :type :ok, :f :acquire}\n";
    struct rast_history *h = NULL;
    CHECK(rast_history_parse("bad.txt", t, strlen(t), &h, &err) == 0);
    struct rast_check_options o;
    rast_check_options_init(&o);
    o.model = RAST_MODEL_ETCD;
    struct rast_check_result *r = NULL;
    CHECK(rast_check_run(h, &o, &r, &err) == RAST_CHECK_EMODEL);
    CHECK(r == NULL);
    CHECK(error_is("model etcd does not support :acquire", 1, 1));
    rast_history_destroy(h);
}

static void test_missing_file(void)
{
    struct rast_history *h = NULL;
    CHECK(rast_history_load_file("/nonexistent/h.edn", &h, &err) == RAST_CHECK_EIO);
    CHECK(h == NULL && strstr(err.message, "cannot read") != NULL);
    CHECK(rast_history_load_file("/", &h, &err) == RAST_CHECK_EIO);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_every_truncation),
        RAST_TEST(test_binary_garbage),
        RAST_TEST(test_unbalanced_brackets),
        RAST_TEST(test_numbers_past_64_bits),
        RAST_TEST(test_completion_without_invocation),
        RAST_TEST(test_other_mistakes),
        RAST_TEST(test_negative_process),
        RAST_TEST(test_model_mismatch_is_an_error),
        RAST_TEST(test_missing_file),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
