/*
 * test_edn.c: the EDN reader parses the subset Jepsen histories use (maps, vectors, lists,
 * sets, keywords, strings with escapes, 64-bit integers, nil, comments, commas, #_ discard,
 * tags) into the node tree, and rejects everything else with a located, explained error.
 */
#include "edn.h"
#include "rast_test.h"

#include <string.h>

static struct rast_check_error err;

static int parse(struct edn_parser *p, const char *text, uint32_t *node)
{
    edn_init(p, "t.edn", text, strlen(text), &err);
    return edn_parse(p, node);
}

static void test_map_and_keywords(void)
{
    struct edn_parser p;
    uint32_t n;
    CHECK(parse(&p, "{:process 3, :type :invoke, :f :cas, :value [1 -2]}", &n) == 0);
    const struct edn_node *m = &p.nodes[n];
    CHECK(m->type == EDN_MAP);
    CHECK_EQ_U64(m->count, 8);
    const struct edn_node *v = edn_map_get(&p, m, "process");
    CHECK(v != NULL && v->type == EDN_INT && v->i == 3);
    CHECK(edn_is_keyword(&p, edn_map_get(&p, m, "type"), "invoke"));
    v = edn_map_get(&p, m, "value");
    CHECK(v != NULL && v->type == EDN_VECTOR && v->count == 2);
    CHECK(p.nodes[p.nodes[v->first].next].i == -2);
    CHECK(edn_map_get(&p, m, "missing") == NULL);
    edn_free(&p);
}

static void test_scalars(void)
{
    struct edn_parser p;
    uint32_t n;
    CHECK(parse(&p, "nil", &n) == 0 && p.nodes[n].type == EDN_NIL);
    edn_free(&p);
    CHECK(parse(&p, "-9223372036854775808", &n) == 0 && p.nodes[n].i == INT64_MIN);
    edn_free(&p);
    CHECK(parse(&p, "9223372036854775807", &n) == 0 && p.nodes[n].i == INT64_MAX);
    edn_free(&p);
    CHECK(parse(&p, "12N", &n) == 0 && p.nodes[n].i == 12);
    edn_free(&p);
    CHECK(parse(&p, "1.5e3", &n) == 0 && p.nodes[n].type == EDN_FLOAT);
    edn_free(&p);
    CHECK(parse(&p, "true", &n) == 0 && p.nodes[n].type == EDN_BOOL && p.nodes[n].i == 1);
    edn_free(&p);
    CHECK(parse(&p, "\"a\\\"b\\n\"", &n) == 0 && p.nodes[n].type == EDN_STR);
    CHECK_EQ_U64(p.nodes[n].size, 4);
    CHECK(memcmp(edn_text(&p, &p.nodes[n]), "a\"b\n", 4) == 0);
    edn_free(&p);
}

static void test_comments_discard_tags_sets(void)
{
    struct edn_parser p;
    uint32_t n;
    CHECK(parse(&p, "; comment\n[1 ,, #_ 2 3 #inst \"x\" #{:a :b} (4)]", &n) == 0);
    const struct edn_node *v = &p.nodes[n];
    CHECK(v->type == EDN_VECTOR);
    CHECK_EQ_U64(v->count, 5);
    edn_free(&p);
}

static void test_errors_are_located(void)
{
    struct edn_parser p;
    uint32_t n;
    CHECK(parse(&p, "[1 2\n 3", &n) == RAST_CHECK_EPARSE);
    CHECK(strstr(err.message, "expected ']'") != NULL);
    CHECK_EQ_U64(err.line, 2);
    edn_free(&p);
    CHECK(parse(&p, "{:a 1\n  :b]", &n) == RAST_CHECK_EPARSE);
    CHECK(strstr(err.message, "unbalanced") != NULL);
    CHECK_EQ_U64(err.line, 2);
    CHECK_EQ_U64(err.column, 5);
    edn_free(&p);
    CHECK(parse(&p, "99999999999999999999", &n) == RAST_CHECK_EPARSE);
    CHECK(strstr(err.message, "64 bits") != NULL);
    edn_free(&p);
    CHECK(parse(&p, "\"open", &n) == RAST_CHECK_EPARSE);
    CHECK(strstr(err.message, "unterminated string") != NULL);
    edn_free(&p);
    CHECK(parse(&p, "{:a}", &n) == RAST_CHECK_EPARSE);
    edn_free(&p);
    CHECK(parse(&p, "\\c", &n) == RAST_CHECK_EPARSE);
    CHECK(strstr(err.message, "expected a value") != NULL);
    edn_free(&p);
}

static void test_depth_is_limited(void)
{
    char deep[400];
    memset(deep, '[', 200);
    deep[200] = '\0';
    struct edn_parser p;
    uint32_t n;
    CHECK(parse(&p, deep, &n) == RAST_CHECK_EPARSE);
    CHECK(strstr(err.message, "nesting") != NULL);
    edn_free(&p);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_map_and_keywords),           RAST_TEST(test_scalars),
        RAST_TEST(test_comments_discard_tags_sets), RAST_TEST(test_errors_are_located),
        RAST_TEST(test_depth_is_limited),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
