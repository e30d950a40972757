/*
 * test_report.c: on a violation the reports name the key, the first operation that cannot be
 * linearized, the longest consistent prefix and the states reachable just before it (text and
 * JSON), and the HTML page is self-contained (no network) with one row per client, the failing
 * op marked and details on hover.
 */
#define _POSIX_C_SOURCE 200809L
#include "rast_check.h"
#include "rast_test.h"

#include <stdlib.h>
#include <string.h>

/* Knossos's rethink-fail-minimal: 0 is written, then a read returns 3 while 4 is written. */
static const char history[] =
    "({:type :invoke, :f :write, :value 0, :process 0}\n"
    " {:type :ok, :f :write, :value 0, :process 0}\n"
    " {:type :invoke, :f :read, :value nil, :process 1}\n"
    " {:type :invoke, :f :write, :value 4, :process 2}\n"
    " {:type :ok, :f :read, :value 3, :process 1}\n"
    " {:type :ok, :f :write, :value 4, :process 2}\n"
    " {:type :invoke, :f :read, :value nil, :process 3}\n"
    " {:type :ok, :f :read, :value 4, :process 3})\n";

static struct rast_history *h;
static struct rast_check_result *r;

static char *render(int kind)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (f == NULL)
        return NULL;
    int rc = kind == 0 ? rast_check_result_write_text(r, h, "rethink.edn", f)
             : kind == 1 ? rast_check_result_write_json(r, h, "rethink.edn", f)
                         : rast_check_result_write_html(r, h, "rethink.edn", f);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void test_summary(void)
{
    struct rast_check_summary s;
    rast_check_result_summary(r, &s);
    CHECK_EQ_U64(s.verdict, RAST_CHECK_NOT_LINEARIZABLE);
    CHECK_EQ_U64(s.model, RAST_MODEL_KNOSSOS_CAS);
    CHECK_EQ_U64(s.fail_op_id, 1);           /* the read of 3 */
    CHECK_EQ_U64(s.prefix_op_count, 1);
    CHECK_EQ_U64(rast_check_result_prefix(r)[0], 0);
}

static void test_text(void)
{
    char *t = render(0);
    CHECK(t != NULL);
    CHECK(strstr(t, "rethink.edn: NOT linearizable (model knossos-cas, initial 0)") != NULL);
    CHECK(strstr(t, "partition 1 of 1: key nil") != NULL);
    CHECK(strstr(t, "cannot linearize: #1 process 1 :read -> :ok 3 (lines 3-5)") != NULL);
    CHECK(strstr(t, "longest consistent prefix: 1 ops") != NULL);
    CHECK(strstr(t, "1. #0 process 0 :write 0 -> :ok (lines 1-2)") != NULL);
    CHECK(strstr(t, "states reachable just before it: 0") != NULL);
    CHECK(strstr(t, "#2 process 2 :write 4") != NULL);  /* concurrent, not in the prefix */
    free(t);
}

static void test_json(void)
{
    char *t = render(1);
    CHECK(t != NULL);
    CHECK(strstr(t, "\"verdict\": \"not-linearizable\"") != NULL);
    CHECK(strstr(t, "\"op\": {\"id\": 1, \"process\": 1, \"line\": 5") != NULL);
    CHECK(strstr(t, "\"prefix\": [0]") != NULL);
    CHECK(strstr(t, "\"states\": [\"0\"]") != NULL);
    free(t);
}

static void test_html(void)
{
    char *t = render(2);
    CHECK(t != NULL);
    CHECK(strncmp(t, "<!DOCTYPE html>", 15) == 0);
    CHECK(strstr(t, "</html>") != NULL);
    CHECK(strstr(t, "http:") == NULL && strstr(t, "https:") == NULL && strstr(t, "src=") == NULL);
    CHECK(strstr(t, "<style>") != NULL);
    CHECK(strstr(t, "client 0") != NULL && strstr(t, "client 3") != NULL);
    CHECK(strstr(t, "class=\"op bad\"") != NULL);
    CHECK(strstr(t, "title=\"#1 process 1 :read -&gt; :ok 3") != NULL);
    CHECK(strstr(t, "cannot be linearized") != NULL);
    free(t);
}

static void test_linearizable_line(void)
{
    struct rast_history *ok = NULL;
    const char *text = "{:process 0 :type :invoke :f :write :value 1}\n"
                       "{:process 0 :type :ok :f :write :value 1}\n";
    CHECK(rast_history_parse("ok.edn", text, strlen(text), &ok, NULL) == 0);
    struct rast_check_options o;
    rast_check_options_init(&o);
    struct rast_check_result *res;
    CHECK(rast_check_run(ok, &o, &res, NULL) == 0);
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    CHECK(f != NULL);
    CHECK(rast_check_result_write_text(res, ok, "ok.edn", f) == 0);
    fclose(f);
    CHECK(strcmp(buf, "ok.edn: linearizable (model knossos-cas, initial 0, 1 partition, 1 ops, "
                      "1 steps)\n") == 0);
    free(buf);
    rast_check_result_destroy(res);
    rast_history_destroy(ok);
}

int main(int argc, char **argv)
{
    struct rast_check_options o;
    rast_check_options_init(&o);
    if (rast_history_parse("rethink.edn", history, strlen(history), &h, NULL) != 0 ||
        rast_check_run(h, &o, &r, NULL) != 0) {
        fprintf(stderr, "cannot check the sample history\n");
        return 1;
    }
    static const struct rast_test tests[] = {
        RAST_TEST(test_summary),
        RAST_TEST(test_text),
        RAST_TEST(test_json),
        RAST_TEST(test_html),
        RAST_TEST(test_linearizable_line),
    };
    int rc = rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
    rast_check_result_destroy(r);
    rast_history_destroy(h);
    return rc;
}
