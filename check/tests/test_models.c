/*
 * test_models.c: each model's sequential specification (init, step, equal, hash, describe) and
 * how it reads outcomes: nil reads, failed CAS as mismatch (etcd, kv) or as no-op (Knossos),
 * appends, multi-register transactions, the mutex; and the string table under the values, presized
 * or not.
 */
#include "model.h"
#include "rast_test.h"

#include <stdio.h>
#include <string.h>

static struct rast_history *h;

static struct model_op op(uint32_t f, uint32_t outcome, struct check_value a0,
                          struct check_value a1, struct check_value result)
{
    struct model_op o;
    memset(&o, 0, sizeof o);
    o.f = f;
    o.outcome = outcome;
    o.a0 = a0;
    o.a1 = a1;
    o.result = result;
    return o;
}

static struct check_value I(int64_t i)
{
    return (struct check_value){CHECK_KIND_INT, (uint64_t)i};
}

#define NIL CHECK_NIL_VALUE

static void test_etcd(void)
{
    struct model_ctx ctx;
    model_ctx_init(&ctx, model_lookup(RAST_MODEL_ETCD), h, 1, NULL, NIL, NULL);
    uint64_t s[2], n[2];
    ctx.vt->init(&ctx, s);
    struct model_op r = op(RAST_F_READ, MODEL_OUT_OK, NIL, NIL, NIL);
    CHECK(ctx.vt->step(&ctx, s, &r, n));                  /* nil read of the absent value */
    r.result = I(0);
    CHECK(!ctx.vt->step(&ctx, s, &r, n));
    struct model_op cas = op(RAST_F_CAS, MODEL_OUT_MISMATCH, I(1), I(2), NIL);
    CHECK(ctx.vt->step(&ctx, s, &cas, n));                /* nil != 1: a mismatch is legal */
    CHECK(ctx.vt->equal(&ctx, s, n));
    cas.a0 = NIL;
    CHECK(!ctx.vt->step(&ctx, s, &cas, n));               /* nil == nil: mismatch impossible */
    cas.outcome = MODEL_OUT_OK;
    CHECK(ctx.vt->step(&ctx, s, &cas, n));
    CHECK(!ctx.vt->equal(&ctx, s, n) && ctx.vt->hash(&ctx, s) != ctx.vt->hash(&ctx, n));
    char buf[32];
    ctx.vt->describe(&ctx, n, buf, sizeof buf);
    CHECK(strcmp(buf, "2") == 0);
    model_ctx_free(&ctx);
}

static void test_knossos_cas_nil_reads_and_fail(void)
{
    struct model_ctx ctx;
    const struct model_vtable *vt = model_lookup(RAST_MODEL_KNOSSOS_CAS);
    model_ctx_init(&ctx, vt, h, 1, NULL, I(0), NULL);
    uint64_t s[2], n[2];
    vt->init(&ctx, s);
    struct model_op r = op(RAST_F_READ, MODEL_OUT_OK, NIL, NIL, NIL);
    CHECK(vt->step(&ctx, s, &r, n));
    r.result = I(5);
    CHECK(!vt->step(&ctx, s, &r, n));
    struct hist_op ho;
    memset(&ho, 0, sizeof ho);
    ho.f = RAST_F_CAS;
    ho.outcome = RAST_OUTCOME_FAIL;
    CHECK(vt->classify(&ctx, h, &ho) == MODEL_DROP);      /* :fail = did not happen */
    ho.f = RAST_F_READ;
    ho.outcome = RAST_OUTCOME_OK;
    CHECK(vt->classify(&ctx, h, &ho) == MODEL_DROP);      /* nil read: legal anywhere */
    ho.f = RAST_F_WRITE;
    ho.outcome = RAST_OUTCOME_INFO;
    CHECK(vt->classify(&ctx, h, &ho) == MODEL_INDETERMINATE);
    ho.f = RAST_F_APPEND;
    CHECK(vt->classify(&ctx, h, &ho) < 0);
    model_ctx_free(&ctx);
}

static void test_register_is_strict(void)
{
    struct model_ctx ctx;
    const struct model_vtable *vt = model_lookup(RAST_MODEL_REGISTER);
    model_ctx_init(&ctx, vt, h, 1, NULL, I(1), NULL);
    uint64_t s[2], n[2];
    vt->init(&ctx, s);
    struct model_op r = op(RAST_F_READ, MODEL_OUT_OK, NIL, NIL, NIL);
    CHECK(!vt->step(&ctx, s, &r, n));
    struct hist_op ho;
    memset(&ho, 0, sizeof ho);
    ho.f = RAST_F_CAS;
    CHECK(vt->classify(&ctx, h, &ho) < 0);
    model_ctx_free(&ctx);
}

static void test_kv_append_and_cas(void)
{
    struct model_ctx ctx;
    const struct model_vtable *vt = model_lookup(RAST_MODEL_KV);
    struct check_value ab, a, b, e;
    CHECK(hist_intern(h, "a", 1, &a) == 0 && hist_intern(h, "b", 1, &b) == 0);
    CHECK(hist_intern(h, "ab", 2, &ab) == 0 && hist_intern(h, "", 0, &e) == 0);
    model_ctx_init(&ctx, vt, h, 2, NULL, e, NULL);
    CHECK(rope_value(&ctx, e, &ctx.initial) && rope_value(&ctx, ab, &ab));
    uint64_t s[4], t[4], u[4];
    vt->init(&ctx, s);
    struct model_op app = op(RAST_F_APPEND, MODEL_OUT_OK, a, NIL, NIL);
    app.slot = 1;
    CHECK(vt->step(&ctx, s, &app, t));
    app.a0 = b;
    CHECK(vt->step(&ctx, t, &app, u));
    struct model_op get = op(RAST_F_READ, MODEL_OUT_OK, NIL, NIL, ab);
    get.slot = 1;
    CHECK(vt->step(&ctx, u, &get, t));                     /* "" ++ "a" ++ "b" == "ab" */
    get.slot = 0;
    get.result = ctx.initial;
    CHECK(vt->step(&ctx, u, &get, t));                     /* slot 0 untouched */
    struct check_value ra;
    CHECK(rope_value(&ctx, a, &ra));
    struct model_op cas = op(RAST_F_CAS, MODEL_OUT_MISMATCH, ab, ra, NIL);
    cas.slot = 1;
    CHECK(!vt->step(&ctx, u, &cas, t));
    cas.outcome = MODEL_OUT_OK;
    CHECK(vt->step(&ctx, u, &cas, t));
    char buf[64];
    struct check_value keys[2] = {I(7), I(8)};
    ctx.slot_keys = keys;
    vt->describe(&ctx, t, buf, sizeof buf);
    CHECK(strcmp(buf, "{7 \"\", 8 \"a\"}") == 0);
    model_ctx_free(&ctx);
}

/* A read's value stays a flat string (rope_read_value) and is compared with rope states by
 * bytes: equal bytes whatever the decomposition, unequal ones of the same size, prefixes exact,
 * and the cached answers (a matched node, a node known to begin a string) change none of it. */
static void test_kv_read_flat(void)
{
    struct model_ctx ctx;
    const struct model_vtable *vt = model_lookup(RAST_MODEL_KV);
    struct check_value e, a, b, c, d, ab, ba, abc, abd, fab, fba, fabc, fabd, fe;
    CHECK(hist_intern(h, "", 0, &e) == 0 && hist_intern(h, "a", 1, &a) == 0);
    CHECK(hist_intern(h, "b", 1, &b) == 0 && hist_intern(h, "c", 1, &c) == 0);
    CHECK(hist_intern(h, "d", 1, &d) == 0 && hist_intern(h, "ab", 2, &ab) == 0);
    CHECK(hist_intern(h, "ba", 2, &ba) == 0 && hist_intern(h, "abc", 3, &abc) == 0);
    CHECK(hist_intern(h, "abd", 3, &abd) == 0);
    model_ctx_init(&ctx, vt, h, 1, NULL, e, NULL);
    CHECK(rope_value(&ctx, e, &ctx.initial));
    CHECK(rope_read_value(&ctx, ab, &fab) && fab.kind == MODEL_KIND_FLAT);
    CHECK(rope_read_value(&ctx, ba, &fba) && rope_read_value(&ctx, abc, &fabc));
    CHECK(rope_read_value(&ctx, abd, &fabd) && rope_read_value(&ctx, e, &fe));
    CHECK(fe.kind == CHECK_KIND_ROPE && fe.bits == 0);     /* "" is node 0 */
    uint64_t s[2], t[2], u[2], w[2], x[2];
    vt->init(&ctx, s);
    struct model_op app = op(RAST_F_APPEND, MODEL_OUT_OK, a, NIL, NIL);
    CHECK(vt->step(&ctx, s, &app, t));                     /* "a" */
    struct model_op get = op(RAST_F_READ, MODEL_OUT_OK, NIL, NIL, fab);
    CHECK(!vt->step(&ctx, t, &get, x));
    struct check_value cur = { t[0], t[1] };
    CHECK(rope_maybe_prefix(&ctx, cur, fab) && !rope_maybe_prefix(&ctx, cur, fba));
    app.a0 = b;
    CHECK(vt->step(&ctx, t, &app, u));                     /* "a" ++ "b" */
    CHECK(vt->step(&ctx, u, &get, x) && vt->step(&ctx, u, &get, x));
    get.result = fba;
    CHECK(!vt->step(&ctx, u, &get, x));                    /* same size, other bytes */
    app.a0 = c;
    CHECK(vt->step(&ctx, u, &app, w));                     /* "ab" ++ "c": memcmp from "ab" */
    get.result = fabd;
    CHECK(!vt->step(&ctx, w, &get, x));
    get.result = fabc;
    CHECK(vt->step(&ctx, w, &get, x));
    struct model_op put = op(RAST_F_WRITE, MODEL_OUT_OK, NIL, NIL, NIL);
    CHECK(rope_value(&ctx, ab, &put.a0) && vt->step(&ctx, s, &put, t));
    CHECK(t[0] == u[0] && t[1] == u[1]);                   /* "ab" put == "a" ++ "b" */
    get.result = fab;
    CHECK(vt->step(&ctx, t, &get, x));
    app.a0 = d;
    CHECK(vt->step(&ctx, t, &app, x));                     /* "abd", another path */
    get.result = fabd;
    CHECK(vt->step(&ctx, x, &get, w));
    get.result = fabc;
    CHECK(!vt->step(&ctx, x, &get, w));
    model_ctx_free(&ctx);
}

static void test_multi_register(void)
{
    struct model_txn txns[3] = {{RAST_F_WRITE, 0, {CHECK_KIND_INT, 2}},
                                {RAST_F_READ, 1, {CHECK_KIND_INT, 0}},
                                {RAST_F_READ, 0, {CHECK_KIND_INT, 2}}};
    struct model_ctx ctx;
    const struct model_vtable *vt = model_lookup(RAST_MODEL_MULTI_REGISTER);
    model_ctx_init(&ctx, vt, h, 2, NULL, I(0), txns);
    uint64_t s[4], n[4];
    vt->init(&ctx, s);
    struct model_op t = op(RAST_F_TXN, MODEL_OUT_OK, NIL, NIL, NIL);
    t.txn_first = 0;
    t.txn_count = 3;
    CHECK(vt->step(&ctx, s, &t, n));                       /* reads see the txn's own write */
    t.txn_first = 2;
    t.txn_count = 1;
    CHECK(!vt->step(&ctx, s, &t, n));
    txns[2].value = NIL;
    CHECK(vt->step(&ctx, s, &t, n));                       /* nil reads are always legal */
    model_ctx_free(&ctx);
}

static void test_mutex(void)
{
    struct model_ctx ctx;
    const struct model_vtable *vt = model_lookup(RAST_MODEL_MUTEX);
    model_ctx_init(&ctx, vt, h, 1, NULL, NIL, NULL);
    uint64_t s[1], n[1], m[1];
    vt->init(&ctx, s);
    struct model_op acq = op(RAST_F_ACQUIRE, MODEL_OUT_OK, NIL, NIL, NIL);
    struct model_op rel = op(RAST_F_RELEASE, MODEL_OUT_OK, NIL, NIL, NIL);
    CHECK(!vt->step(&ctx, s, &rel, n));
    CHECK(vt->step(&ctx, s, &acq, n));
    CHECK(!vt->step(&ctx, n, &acq, m));
    CHECK(vt->step(&ctx, n, &rel, m) && vt->equal(&ctx, s, m));
    char buf[16];
    vt->describe(&ctx, n, buf, sizeof buf);
    CHECK(strcmp(buf, "locked") == 0);
    model_ctx_free(&ctx);
}

/* A presized string table gives the ids an unsized one gives, past its presized room too, and
 * presizing a table that holds strings changes nothing. */
static void test_strtab_presize(void)
{
    struct strtab plain, sized;
    strtab_init(&plain, NULL);
    strtab_init(&sized, NULL);
    CHECK(strtab_presize(&sized, 3, 10) == 0);
    for (uint32_t i = 0; i < 300; i++) {
        char text[32];
        int n = snprintf(text, sizeof text, "value %u", (unsigned)(i % 200));
        uint32_t a, b;
        CHECK(strtab_intern(&plain, text, (uint32_t)n, &a) == 0);
        CHECK(strtab_intern(&sized, text, (uint32_t)n, &b) == 0);
        CHECK(a == b && a == i % 200);
        const char *s;
        uint32_t size;
        strtab_get(&sized, b, &s, &size);
        CHECK(size == (uint32_t)n && memcmp(s, text, size) == 0);
        if (i == 0)
            CHECK(strtab_presize(&sized, 1000, 1000) == 0 && sized.cap == 32);
    }
    strtab_free(&plain);
    strtab_free(&sized);
}

static void test_names(void)
{
    CHECK(rast_check_model_parse("knossos-cas") == RAST_MODEL_KNOSSOS_CAS);
    CHECK(rast_check_model_parse("nope") < 0);
    CHECK(strcmp(rast_check_model_name(RAST_MODEL_MULTI_REGISTER), "multi-register") == 0);
}

int main(int argc, char **argv)
{
    h = rast_history_create();
    static const struct rast_test tests[] = {
        RAST_TEST(test_etcd),
        RAST_TEST(test_knossos_cas_nil_reads_and_fail),
        RAST_TEST(test_register_is_strict),
        RAST_TEST(test_kv_append_and_cas), RAST_TEST(test_kv_read_flat),
        RAST_TEST(test_multi_register),
        RAST_TEST(test_mutex),
        RAST_TEST(test_strtab_presize),
        RAST_TEST(test_names),
    };
    int rc = rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
    rast_history_destroy(h);
    return rc;
}
