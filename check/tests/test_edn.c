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

/* In map m, the value of keyword name, or NULL (the readers walk maps once themselves). */
static const struct edn_node *map_get(const struct edn_parser *p, const struct edn_node *m,
                                      const char *name)
{
    for (uint32_t k = m->first; k != EDN_NONE;) {
        const struct edn_node *key = &p->nodes[k];
        const struct edn_node *val = &p->nodes[key->next];
        if (edn_is_keyword_n(p, key, name, (uint32_t)strlen(name)))
            return val;
        k = val->next;
    }
    return NULL;
}

static void test_map_and_keywords(void)
{
    struct edn_parser p;
    uint32_t n;
    CHECK(parse(&p, "{:process 3, :type :invoke, :f :cas, :value [1 -2]}", &n) == 0);
    const struct edn_node *m = &p.nodes[n];
    CHECK(m->type == EDN_MAP);
    CHECK_EQ_U64(m->count, 8);
    const struct edn_node *v = map_get(&p, m, "process");
    CHECK(v != NULL && v->type == EDN_INT && v->i == 3);
    CHECK(edn_is_keyword(&p, map_get(&p, m, "type"), "invoke"));
    v = map_get(&p, m, "value");
    CHECK(v != NULL && v->type == EDN_VECTOR && v->count == 2);
    CHECK(p.nodes[p.nodes[v->first].next].i == -2);
    CHECK(map_get(&p, m, "missing") == NULL);
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

/* The fast path builds, node for node, what the general reader builds. */
static void test_flat_map_fast_path_matches(void)
{
    static const char *const maps[] = {
        "{:process 6, :type :invoke, :f :append, :key \"0\", :value \"x 6 0 y\"}",
        "{:process 0 :type :ok :f :read :value nil}",
        "{ :process -12,\t:type :info ,:f :write, :value 999999999999999999 }",
        "{:a true, :b false, :c sym-bol?, :d \"\", \"k\" :v}",
        "{}",
        "{:process 1, :type :fail, :f :cas, :value -0}\n{:next 1}",
    };
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        struct edn_parser slow, fast;
        uint32_t a, b;
        CHECK(parse(&slow, maps[i], &a) == 0);
        edn_init(&fast, "t.edn", maps[i], strlen(maps[i]), &err);
        CHECK(edn_parse_flat_map(&fast, &b));
        CHECK_EQ_U64(a, b);
        CHECK_EQ_U64(fast.pos, slow.pos);
        CHECK_EQ_U64(fast.node_count, slow.node_count);
        for (uint32_t k = 0; k < slow.node_count && k < fast.node_count; k++)
            CHECK(memcmp(&slow.nodes[k], &fast.nodes[k], sizeof slow.nodes[k]) == 0);
        edn_free(&slow);
        edn_free(&fast);
    }
}

/* Anything else is left to the general reader, with nothing consumed. */
static void test_flat_map_fast_path_falls_back(void)
{
    static const char *const texts[] = {
        "{:value [1 2]}",           /* nesting */
        "{:key \"a\\\"b\"}",        /* an escape */
        "{:time 1.5}",              /* a float */
        "{:n 1234567890123456789}", /* more than 18 digits */
        "{:n +1}",                  /* a sign the fast path leaves alone */
        "{:a 1 ; comment\n}",       /* a comment */
        "{:a #_ 1 2}",              /* a discard */
        "{:a 1 :b}",                /* odd number of forms */
        "{:a 1",                    /* unterminated */
        "{:a 1]",                   /* unbalanced */
        "{:a \"open}",              /* unterminated string */
        "{: 1}",                    /* empty keyword */
        "{:a 12x}",                 /* malformed number */
        "[:a 1]",                   /* not a map */
        "{:process 1\x01}",         /* a byte outside the subset */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct edn_parser p;
        uint32_t n;
        edn_init(&p, "t.edn", texts[i], strlen(texts[i]), &err);
        CHECK(!edn_parse_flat_map(&p, &n));
        CHECK_EQ_U64(p.pos, 0);
        CHECK_EQ_U64(p.node_count, 0);
        edn_free(&p);
    }
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_map_and_keywords),
        RAST_TEST(test_scalars),
        RAST_TEST(test_comments_discard_tags_sets),
        RAST_TEST(test_errors_are_located),
        RAST_TEST(test_depth_is_limited),
        RAST_TEST(test_flat_map_fast_path_matches),
        RAST_TEST(test_flat_map_fast_path_falls_back),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
