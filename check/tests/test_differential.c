/*
 * test_differential.c: on seeded random small histories (at most 8 operations, with failed and
 * indeterminate ones), the engine's verdict equals a brute-force oracle's that tries every
 * order of every allowed subset of operations, for each model and with and without key
 * partitioning.
 *
 * Usage: test_check_differential [COUNT] (default 100000 histories).
 */
#include "rast_check.h"
#include "rast_test.h"

#include <stdlib.h>
#include <string.h>

#define OPS_MAX 8
#define STR_MAX 12

static uint64_t history_count = 100000;
static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
    return (uint32_t)(rng() % n);
}

/* An oracle value: nil, an integer, or a short string. */
struct oval {
    int kind; /* 0 nil, 1 int, 2 str */
    int64_t i;
    char s[STR_MAX + 1];
};

struct gop {
    uint32_t f;
    uint32_t key;
    struct oval a0, a1, result;
    uint32_t outcome;       /* RAST_OUTCOME_* */
    uint32_t client;
    uint32_t invoke_ev, complete_ev; /* complete_ev = UINT32_MAX: never completed */
};

struct gen {
    uint32_t model;
    uint32_t n;
    uint32_t keys;
    struct gop ops[OPS_MAX];
};

static bool oval_eq(const struct oval *a, const struct oval *b)
{
    if (a->kind != b->kind)
        return false;
    return a->kind == 0 || (a->kind == 1 ? a->i == b->i : strcmp(a->s, b->s) == 0);
}

static struct oval oval_int(int64_t i)
{
    struct oval v = {1, i, ""};
    return v;
}

static struct oval oval_nil(void)
{
    struct oval v = {0, 0, ""};
    return v;
}

static struct oval oval_str(const char *s)
{
    struct oval v = {2, 0, ""};
    snprintf(v.s, sizeof v.s, "%s", s);
    return v;
}

/* ---- the oracle: the sequential specification, written independently of the models ---- */

#define KEYS_MAX 3u

struct ostate {
    struct oval v[KEYS_MAX];
    bool locked;
};

/* Every key at the initial value, the mutex free. */
static void ostate_init(struct ostate *st, const struct oval *initial)
{
    memset(st, 0, sizeof *st);
    for (uint32_t k = 0; k < KEYS_MAX; k++)
        st->v[k] = *initial;
}

static bool oracle_cas_fail_is_mismatch(uint32_t model)
{
    return model == RAST_MODEL_ETCD || model == RAST_MODEL_KV;
}

/* 0: must not be included, 1: must be included, 2: may be included. */
static int oracle_role(const struct gen *g, const struct gop *o)
{
    if (o->outcome == RAST_OUTCOME_OK)
        return 1;
    if (o->outcome == RAST_OUTCOME_FAIL)
        return o->f == RAST_F_CAS && oracle_cas_fail_is_mismatch(g->model) ? 1 : 0;
    return 2;
}

static bool oracle_apply(const struct gen *g, const struct gop *o, struct ostate *st)
{
    struct oval *v = &st->v[o->key];
    bool determinate = o->outcome != RAST_OUTCOME_INFO && o->outcome != RAST_OUTCOME_PENDING;
    switch (o->f) {
    case RAST_F_READ:
        if (!determinate)
            return true;
        if (g->model == RAST_MODEL_KNOSSOS_CAS && o->result.kind == 0)
            return true;
        return oval_eq(v, &o->result);
    case RAST_F_WRITE:
        *v = o->a0;
        return true;
    case RAST_F_CAS:
        if (o->outcome == RAST_OUTCOME_FAIL)
            return !oval_eq(v, &o->a0);
        if (!oval_eq(v, &o->a0))
            return false;
        *v = o->a1;
        return true;
    case RAST_F_APPEND: {
        char buf[2 * STR_MAX + 2];
        snprintf(buf, sizeof buf, "%s%s", v->kind == 2 ? v->s : "", o->a0.s);
        if (strlen(buf) > STR_MAX)
            return false; /* never generated that long */
        *v = oval_str(buf);
        return true;
    }
    case RAST_F_ACQUIRE:
        if (st->locked)
            return false;
        st->locked = true;
        return true;
    case RAST_F_RELEASE:
        if (!st->locked)
            return false;
        st->locked = false;
        return true;
    default:
        return false;
    }
}

/* Must a precede b in real time? (a completed - and took effect for sure - before b began) */
static bool oracle_before(const struct gen *g, uint32_t a, uint32_t b)
{
    const struct gop *x = &g->ops[a];
    return oracle_role(g, x) == 1 && x->complete_ev < g->ops[b].invoke_ev;
}

static bool oracle_search(const struct gen *g, uint32_t placed, const struct ostate *st)
{
    bool done = true;
    for (uint32_t i = 0; i < g->n; i++)
        if (oracle_role(g, &g->ops[i]) == 1 && !(placed & (1u << i)))
            done = false;
    if (done)
        return true;
    for (uint32_t i = 0; i < g->n; i++) {
        if ((placed & (1u << i)) || oracle_role(g, &g->ops[i]) == 0)
            continue;
        bool ready = true;
        for (uint32_t j = 0; j < g->n && ready; j++)
            if (j != i && !(placed & (1u << j)) && oracle_before(g, j, i))
                ready = false;
        if (!ready)
            continue;
        struct ostate next = *st;
        if (oracle_apply(g, &g->ops[i], &next) &&
            oracle_search(g, placed | (1u << i), &next))
            return true;
    }
    return false;
}

static bool oracle(const struct gen *g, const struct oval *initial)
{
    struct ostate st;
    ostate_init(&st, initial);
    return oracle_search(g, 0, &st);
}

/* ---- the generator: a simulated execution, sometimes corrupted ------------------------- */

static struct oval gen_value(const struct gen *g)
{
    static const char *const strs[] = {"a", "b", "c"};
    if (g->model == RAST_MODEL_KV)
        return rnd(6) == 0 ? oval_nil() : oval_str(strs[rnd(3)]);
    return rnd(6) == 0 ? oval_nil() : oval_int(rnd(3));
}

static uint32_t gen_f(const struct gen *g)
{
    switch (g->model) {
    case RAST_MODEL_REGISTER: return rnd(2) == 0 ? RAST_F_READ : RAST_F_WRITE;
    case RAST_MODEL_KV: return rnd(4);
    case RAST_MODEL_MUTEX: return rnd(2) == 0 ? RAST_F_ACQUIRE : RAST_F_RELEASE;
    default: return rnd(3);
    }
}

/* Applies o to the simulated store at its linearization point; sets its natural outcome. */
static void gen_take_effect(const struct gen *g, struct gop *o, struct ostate *st)
{
    struct oval *v = &st->v[o->key];
    if (o->f == RAST_F_READ) {
        o->result = *v;
    } else if (o->f == RAST_F_CAS && !oval_eq(v, &o->a0)) {
        o->outcome = RAST_OUTCOME_FAIL;
    } else if ((o->f == RAST_F_ACQUIRE && st->locked) || (o->f == RAST_F_RELEASE && !st->locked)) {
        o->outcome = RAST_OUTCOME_FAIL;
    } else if (o->f == RAST_F_APPEND && v->kind == 2 && strlen(v->s) + strlen(o->a0.s) > STR_MAX) {
        o->outcome = RAST_OUTCOME_FAIL;
    } else {
        struct gop copy = *o;
        copy.outcome = RAST_OUTCOME_OK;
        oracle_apply(g, &copy, st);
    }
}

static void gen_op(struct gen *g, struct gop *o, uint32_t client)
{
    memset(o, 0, sizeof *o);
    o->f = gen_f(g);
    o->key = g->keys > 1 ? rnd(g->keys) : 0;
    o->a0 = gen_value(g);
    o->a1 = gen_value(g);
    if (o->f == RAST_F_APPEND && o->a0.kind != 2)
        o->a0 = oval_str("a");
    o->client = client;
    o->outcome = RAST_OUTCOME_OK;
    o->complete_ev = UINT32_MAX;
}

/* Builds an execution: events interleaved at random; each op takes effect at its invocation
 * or its completion; some end :info (effect or not) or never complete. */
static void gen_history(struct gen *g, const struct oval *initial)
{
    struct ostate st;
    ostate_init(&st, initial);
    uint32_t clients = 1 + rnd(4), busy[4] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
    uint32_t ev = 0, started = 0;
    bool applied[OPS_MAX] = {false};
    g->n = 1 + rnd(OPS_MAX);
    while (true) {
        uint32_t c = rnd(clients);
        if (busy[c] == UINT32_MAX && started < g->n) {
            struct gop *o = &g->ops[started];
            gen_op(g, o, c);
            o->invoke_ev = ev++;
            if (rnd(2) == 0) {
                gen_take_effect(g, o, &st);
                applied[started] = true;
            }
            busy[c] = started++;
        } else if (busy[c] != UINT32_MAX) {
            uint32_t i = busy[c];
            struct gop *o = &g->ops[i];
            uint32_t fate = rnd(8); /* 0: :info, no effect yet (never); 1: :info, effect */
            if (!applied[i] && fate != 0)
                gen_take_effect(g, o, &st);
            if (fate <= 1)
                o->outcome = RAST_OUTCOME_INFO;
            o->complete_ev = ev++;
            busy[c] = UINT32_MAX;
        } else {
            bool idle = true;
            for (uint32_t k = 0; k < clients; k++)
                idle &= busy[k] == UINT32_MAX;
            if (idle && started == g->n)
                break;
        }
    }
    for (uint32_t i = 0; i < g->n; i++) {
        if (rnd(10) == 0) { /* never completes (its completion event is dropped) */
            g->ops[i].outcome = RAST_OUTCOME_PENDING;
            g->ops[i].complete_ev = UINT32_MAX;
        }
    }
    for (uint32_t c = rnd(3); c > 0; c--) { /* corrupt up to two ops */
        struct gop *o = &g->ops[rnd(g->n)];
        if (o->f == RAST_F_READ)
            o->result = gen_value(g);
        else if (o->outcome == RAST_OUTCOME_OK || o->outcome == RAST_OUTCOME_FAIL)
            o->outcome = o->outcome == RAST_OUTCOME_OK ? RAST_OUTCOME_FAIL : RAST_OUTCOME_OK;
    }
}

/* ---- the engine side -------------------------------------------------------------------- */

static struct rast_value to_value(const struct oval *v)
{
    if (v->kind == 1)
        return RAST_INT(v->i);
    if (v->kind == 2)
        return RAST_STR(v->s, strlen(v->s));
    return RAST_NIL;
}

static struct rast_history *build(const struct gen *g)
{
    struct rast_history *h = rast_history_create();
    uint32_t total_ev = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->ops[i].invoke_ev + 1 > total_ev)
            total_ev = g->ops[i].invoke_ev + 1;
        if (g->ops[i].complete_ev != UINT32_MAX && g->ops[i].complete_ev + 1 > total_ev)
            total_ev = g->ops[i].complete_ev + 1;
    }
    for (uint32_t ev = 0; h != NULL && ev < total_ev; ev++) {
        for (uint32_t i = 0; i < g->n; i++) {
            const struct gop *o = &g->ops[i];
            struct rast_value key = RAST_INT(o->key), a0 = to_value(&o->a0),
                              a1 = to_value(&o->a1), res = to_value(&o->result);
            uint32_t id;
            int rc = 0;
            if (o->invoke_ev == ev)
                rc = rast_history_invoke(h, o->client, ev, o->f, g->keys > 1 ? &key : NULL, &a0,
                                         &a1, &id);
            else if (o->complete_ev == ev)
                rc = rast_history_complete(h, i, ev, o->outcome, &res);
            if (rc != 0 || (o->invoke_ev == ev && id != i)) {
                rast_history_destroy(h);
                return NULL;
            }
        }
    }
    return h;
}

static int engine(const struct gen *g, const struct oval *initial, bool partition)
{
    struct rast_history *h = build(g);
    if (h == NULL)
        return -1;
    struct rast_check_options opts;
    rast_check_options_init(&opts);
    opts.model = g->model;
    opts.partition = partition;
    opts.has_initial = true;
    opts.initial = to_value(initial);
    struct rast_check_result *r;
    int verdict = -1;
    if (rast_check_run(h, &opts, &r, NULL) == 0) {
        struct rast_check_summary s;
        rast_check_result_summary(r, &s);
        verdict = (int)s.verdict;
        rast_check_result_destroy(r);
    }
    rast_history_destroy(h);
    return verdict;
}

static void print_gen(const struct gen *g, const struct oval *initial)
{
    static const char *const outcomes[] = {"ok", "fail", "info", "pending"};
    fprintf(stderr, "    model %s, initial kind %d (%lld \"%s\")\n",
            rast_check_model_name(g->model), initial->kind, (long long)initial->i, initial->s);
    for (uint32_t i = 0; i < g->n; i++) {
        const struct gop *o = &g->ops[i];
        fprintf(stderr, "    op %u client %u f %u key %u a0 %d:%lld:%s a1 %d:%lld:%s -> %s "
                "%d:%lld:%s events %u..%d\n", i, o->client, o->f, o->key, o->a0.kind,
                (long long)o->a0.i, o->a0.s, o->a1.kind, (long long)o->a1.i, o->a1.s,
                outcomes[o->outcome], o->result.kind, (long long)o->result.i, o->result.s,
                o->invoke_ev,
                o->complete_ev == UINT32_MAX ? -1 : (int)o->complete_ev);
    }
}

static void test_engine_matches_oracle(void)
{
    static const uint32_t models[] = {RAST_MODEL_ETCD, RAST_MODEL_KNOSSOS_CAS, RAST_MODEL_REGISTER,
                                      RAST_MODEL_KV, RAST_MODEL_MUTEX};
    uint64_t linearizable = 0, mismatches = 0;
    for (uint64_t k = 0; k < history_count; k++) {
        rng_state = 0x1234567u + k * 0x9e3779b97f4a7c15u;
        struct gen g;
        memset(&g, 0, sizeof g);
        g.model = models[k % 5];
        /* kv: two keys or three; three make the whole map's state six words, past the
         * engine's small-state path (search.c's slot-local hash, memo.h's memcmp) */
        g.keys = g.model == RAST_MODEL_KV ? 2 + (uint32_t)(k / 5 % 2) : 1;
        struct oval initial = g.model == RAST_MODEL_KV ? (rnd(2) ? oval_str("") : oval_nil())
                              : g.model == RAST_MODEL_KNOSSOS_CAS ? oval_int(0) : gen_value(&g);
        gen_history(&g, &initial);
        bool want = oracle(&g, &initial);
        linearizable += want;
        int got = engine(&g, &initial, true);
        int got_whole = g.keys > 1 ? engine(&g, &initial, false) : got;
        int expect = want ? RAST_CHECK_LINEARIZABLE : RAST_CHECK_NOT_LINEARIZABLE;
        if (got != expect || got_whole != expect) {
            if (mismatches++ < 5) {
                fprintf(stderr, "  history %llu: oracle %d, engine %d (whole map %d)\n",
                        (unsigned long long)k, expect, got, got_whole);
                print_gen(&g, &initial);
            }
        }
    }
    printf("  %llu histories, %llu linearizable, %llu mismatches\n",
           (unsigned long long)history_count, (unsigned long long)linearizable,
           (unsigned long long)mismatches);
    CHECK_EQ_U64(mismatches, 0);
    CHECK(linearizable > history_count / 5 && linearizable < history_count * 4 / 5);
}

int main(int argc, char **argv)
{
    if (argc > 1 && argv[1][0] >= '0' && argv[1][0] <= '9') {
        history_count = strtoull(argv[1], NULL, 10);
        argc--;
        argv++;
    }
    static const struct rast_test tests[] = {
        RAST_TEST(test_engine_matches_oracle),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
