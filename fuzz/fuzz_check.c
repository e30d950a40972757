/*
 * fuzz_check.c: fuzzes the linearizability engine (check/) against a brute-force oracle on
 * tiny histories.
 *
 * The input is decoded into a well-formed history of at most FUZZ_OPS_MAX operations over at
 * most two keys, for one of the models etcd, knossos-cas, register, kv and mutex (the
 * semantics of docs/check.md, "What is checked" and "Models"). The engine's verdict, with key
 * partitioning and (kv) as one whole map, must equal the oracle's; so must the verdict on the
 * history after a round trip through the native format. A mismatch traps.
 *
 * The oracle is this file's own, written from docs/check.md and not shared with check/tests/
 * (a second, independent reading of the spec): it tries every order of every allowed subset
 * of operations. An op is "in" (ok; or a failed cas under etcd/kv, which observed a
 * mismatch), "out" (any other failure) or "maybe" (info, or never completed). An order must
 * respect real time: an "in" op that completed before another op was invoked comes first.
 *
 * RAST_FUZZ_VERBOSE=1 prints each decoded history and the oracle's verdict on stderr.
 *
 * Input layout (missing bytes read as 0):
 *   byte 0    model (low 3 bits, mod 5), initial value (bits 3-5), two keys (bit 6)
 *   then one step per byte: client = low 2 bits. An idle client invokes an op (function,
 *   key, two argument values from the next bytes); a busy one completes its op with the
 *   outcome in bits 2-3 (ok, fail, info, or ok again) and, for a read, a result value from
 *   the next byte. Ops still open at the end never complete.
 * Values: nil, the integers 0..3, or (kv) the strings "a".."d"; appends add one letter.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rast_check.h"

#define FUZZ_OPS_MAX 8u
#define FUZZ_CLIENTS 4u
#define FUZZ_STR_MAX 16u /* 8 appends of one letter at most */

struct oval {
    uint8_t kind; /* RAST_VALUE_NIL, _INT, _STR */
    int64_t i;
    char s[FUZZ_STR_MAX + 1];
};

struct oop {
    uint32_t f, key, client, outcome; /* outcome: RAST_OUTCOME_*; PENDING = never completed */
    struct oval a0, a1, result;
    uint32_t invoke_ev, complete_ev; /* complete_ev UINT32_MAX: never */
};

struct ohist {
    uint32_t model;
    bool two_keys;
    struct oval initial;
    uint32_t n;
    struct oop ops[FUZZ_OPS_MAX];
    uint32_t events; /* invocations and completions, in real-time order */
};

struct reader {
    const uint8_t *p;
    size_t left;
};

static uint8_t rd(struct reader *r)
{
    if (r->left == 0)
        return 0;
    r->left--;
    return *r->p++;
}

static const uint32_t fuzz_models[5] = { RAST_MODEL_ETCD, RAST_MODEL_KNOSSOS_CAS,
                                         RAST_MODEL_REGISTER, RAST_MODEL_KV, RAST_MODEL_MUTEX };

/* ---- the oracle ------------------------------------------------------------------------- */

static bool oval_eq(const struct oval *a, const struct oval *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == RAST_VALUE_INT)
        return a->i == b->i;
    return a->kind == RAST_VALUE_NIL || strcmp(a->s, b->s) == 0;
}

struct ostate {
    struct oval v[2];
    bool locked;
};

static bool cas_fail_observed(uint32_t model)
{
    return model == RAST_MODEL_ETCD || model == RAST_MODEL_KV;
}

enum { OP_OUT = 0, OP_IN = 1, OP_MAYBE = 2 };

static int op_role(const struct ohist *h, const struct oop *o)
{
    if (o->outcome == RAST_OUTCOME_OK)
        return OP_IN;
    if (o->outcome == RAST_OUTCOME_FAIL)
        return o->f == RAST_F_CAS && cas_fail_observed(h->model) ? OP_IN : OP_OUT;
    return OP_MAYBE;
}

/* Applies o to st: false when o is not legal there. */
static bool op_step(const struct ohist *h, const struct oop *o, struct ostate *st)
{
    struct oval *v = &st->v[o->key];
    bool known = o->outcome == RAST_OUTCOME_OK || o->outcome == RAST_OUTCOME_FAIL;
    switch (o->f) {
    case RAST_F_READ:
        if (!known || (h->model == RAST_MODEL_KNOSSOS_CAS && o->result.kind == RAST_VALUE_NIL))
            return true;
        return oval_eq(v, &o->result);
    case RAST_F_WRITE: *v = o->a0; return true;
    case RAST_F_CAS:
        if (o->outcome == RAST_OUTCOME_FAIL)
            return !oval_eq(v, &o->a0);
        if (!oval_eq(v, &o->a0))
            return false;
        *v = o->a1;
        return true;
    case RAST_F_APPEND: {
        size_t len = v->kind == RAST_VALUE_STR ? strlen(v->s) : 0;
        if (v->kind != RAST_VALUE_STR)
            v->s[0] = 0;
        v->kind = RAST_VALUE_STR;
        snprintf(v->s + len, sizeof v->s - len, "%s", o->a0.s);
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
    default: return false;
    }
}

/* May op i be linearized next, given the set placed? (every "in" op that completed before
 * i was invoked must already be placed) */
static bool op_ready(const struct ohist *h, uint32_t placed, uint32_t i)
{
    for (uint32_t j = 0; j < h->n; j++) {
        const struct oop *o = &h->ops[j];
        if (j != i && !(placed & (1u << j)) && op_role(h, o) == OP_IN &&
            o->complete_ev < h->ops[i].invoke_ev)
            return false;
    }
    return true;
}

static bool oracle_search(const struct ohist *h, uint32_t placed, const struct ostate *st)
{
    bool done = true;
    for (uint32_t i = 0; i < h->n && done; i++)
        done = op_role(h, &h->ops[i]) != OP_IN || (placed & (1u << i));
    if (done)
        return true;
    for (uint32_t i = 0; i < h->n; i++) {
        if ((placed & (1u << i)) || op_role(h, &h->ops[i]) == OP_OUT || !op_ready(h, placed, i))
            continue;
        struct ostate next = *st;
        if (op_step(h, &h->ops[i], &next) && oracle_search(h, placed | (1u << i), &next))
            return true;
    }
    return false;
}

static bool oracle_linearizable(const struct ohist *h)
{
    struct ostate st;
    memset(&st, 0, sizeof st);
    st.v[0] = st.v[1] = h->initial;
    return oracle_search(h, 0, &st);
}

/* ---- decoding the input ------------------------------------------------------------------ */

static struct oval decode_value(const struct ohist *h, uint8_t b)
{
    struct oval v;
    memset(&v, 0, sizeof v);
    uint8_t k = b % 5;
    if (k == 4)
        return v; /* nil */
    if (h->model == RAST_MODEL_KV) {
        v.kind = RAST_VALUE_STR;
        v.s[0] = (char)('a' + k);
    } else {
        v.kind = RAST_VALUE_INT;
        v.i = k;
    }
    return v;
}

static uint32_t decode_f(const struct ohist *h, uint8_t b)
{
    switch (h->model) {
    case RAST_MODEL_REGISTER: return b % 2 ? RAST_F_WRITE : RAST_F_READ;
    case RAST_MODEL_KV: return b % 4; /* read, write, cas, append */
    case RAST_MODEL_MUTEX: return b % 2 ? RAST_F_RELEASE : RAST_F_ACQUIRE;
    default: return b % 3;
    }
}

static void decode_invoke(struct ohist *h, struct reader *r, uint32_t client)
{
    struct oop *o = &h->ops[h->n++];
    memset(o, 0, sizeof *o);
    uint8_t b = rd(r);
    o->f = decode_f(h, b);
    o->key = h->two_keys ? (b >> 4) & 1u : 0;
    o->client = client;
    o->a0 = decode_value(h, rd(r));
    o->a1 = o->f == RAST_F_CAS ? decode_value(h, rd(r)) : o->a1;
    if (o->f == RAST_F_APPEND && o->a0.kind != RAST_VALUE_STR)
        o->a0 = decode_value(h, 0);
    if (o->f != RAST_F_WRITE && o->f != RAST_F_CAS && o->f != RAST_F_APPEND)
        memset(&o->a0, 0, sizeof o->a0);
    o->outcome = RAST_OUTCOME_PENDING;
    o->invoke_ev = h->events++;
    o->complete_ev = UINT32_MAX;
}

static void decode(struct ohist *h, const uint8_t *data, size_t size)
{
    struct reader r = { data, size };
    memset(h, 0, sizeof *h);
    uint8_t head = rd(&r);
    h->model = fuzz_models[(head & 7u) % 5u];
    h->initial = decode_value(h, (head >> 3) & 7u);
    if (h->model == RAST_MODEL_MUTEX)
        memset(&h->initial, 0, sizeof h->initial);
    h->two_keys = h->model != RAST_MODEL_MUTEX && (head & 0x40u) != 0;
    uint32_t busy[FUZZ_CLIENTS] = { UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX };
    while (r.left > 0) {
        uint8_t b = rd(&r);
        uint32_t c = b & 3u;
        if (busy[c] == UINT32_MAX) {
            if (h->n == FUZZ_OPS_MAX)
                continue;
            busy[c] = h->n;
            decode_invoke(h, &r, c);
            continue;
        }
        struct oop *o = &h->ops[busy[c]];
        static const uint32_t outcomes[4] = { RAST_OUTCOME_OK, RAST_OUTCOME_FAIL, RAST_OUTCOME_INFO,
                                              RAST_OUTCOME_OK };
        o->outcome = outcomes[(b >> 2) & 3u];
        if (o->f == RAST_F_READ && o->outcome == RAST_OUTCOME_OK)
            o->result = decode_value(h, rd(&r));
        o->complete_ev = h->events++;
        busy[c] = UINT32_MAX;
    }
}

/* ---- the engine side -------------------------------------------------------------------- */

static struct rast_value to_value(const struct oval *v)
{
    if (v->kind == RAST_VALUE_INT)
        return RAST_INT(v->i);
    if (v->kind == RAST_VALUE_STR)
        return RAST_STR(v->s, strlen(v->s));
    return RAST_NIL;
}

/* The history through the builder API; NULL only when out of memory. */
static struct rast_history *build(const struct ohist *oh)
{
    struct rast_history *h = rast_history_create();
    for (uint32_t ev = 0; h != NULL && ev < oh->events; ev++) {
        for (uint32_t i = 0; i < oh->n; i++) {
            const struct oop *o = &oh->ops[i];
            struct rast_value key = RAST_INT(o->key), a0 = to_value(&o->a0), a1 = to_value(&o->a1),
                              res = to_value(&o->result);
            uint32_t id = i;
            int rc = 0;
            if (o->invoke_ev == ev)
                rc = rast_history_invoke(h, o->client, ev, o->f, oh->two_keys ? &key : NULL, &a0,
                                         &a1, &id);
            else if (o->complete_ev == ev)
                rc = rast_history_complete(h, i, ev, o->outcome, &res);
            if (rc == RAST_CHECK_ENOMEM) {
                rast_history_destroy(h);
                return NULL;
            }
            if (rc != 0 || id != i)
                fuzz_found("builder", "rejected a well-formed history");
        }
    }
    return h;
}

/* The engine's verdict, or -1 when it could not run (out of memory). */
static int engine(const struct ohist *oh, const struct rast_history *h, bool partition)
{
    struct rast_check_options opts;
    rast_check_options_init(&opts);
    opts.model = oh->model;
    opts.partition = partition;
    opts.has_initial = true;
    opts.initial = to_value(&oh->initial);
    struct rast_check_result *r;
    int rc = rast_check_run(h, &opts, &r, NULL);
    if (rc == RAST_CHECK_ENOMEM)
        return -1;
    if (rc != 0)
        fuzz_found("engine", rast_check_strerror(rc));
    struct rast_check_summary s;
    rast_check_result_summary(r, &s);
    rast_check_result_destroy(r);
    if (s.verdict == RAST_CHECK_UNKNOWN)
        fuzz_found("engine", "UNKNOWN on a history of at most 8 operations");
    return (int)s.verdict;
}

/* h written in the native format and read back; NULL when out of memory. */
static struct rast_history *native_round_trip(const struct rast_history *h)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (f == NULL)
        return NULL;
    int rc = rast_history_write_native(h, f);
    fclose(f);
    struct rast_history *again = NULL;
    struct rast_check_error err;
    if (rc == 0)
        rc = rast_history_parse("native", buf, size, &again, &err);
    if (rc != 0 && rc != RAST_CHECK_ENOMEM) {
        fprintf(stderr, "%.*s", (int)size, buf == NULL ? "" : buf);
        fuzz_found("native round trip", rast_check_strerror(rc));
    }
    free(buf);
    return again;
}

static void describe(const struct ohist *oh, int expect, const char *what, int got)
{
    static const char *const outcomes[] = { "ok", "fail", "info", "pending" };
    fprintf(stderr, "model %s, initial kind %u i %lld s \"%s\"%s\n",
            rast_check_model_name(oh->model), oh->initial.kind, (long long)oh->initial.i,
            oh->initial.s, oh->two_keys ? ", two keys" : "");
    for (uint32_t i = 0; i < oh->n; i++) {
        const struct oop *o = &oh->ops[i];
        fprintf(stderr,
                "  #%u c%u f%u k%u a0 %u:%lld:%s a1 %u:%lld:%s -> %s %u:%lld:%s "
                "events %u..%d\n",
                i, o->client, o->f, o->key, o->a0.kind, (long long)o->a0.i, o->a0.s, o->a1.kind,
                (long long)o->a1.i, o->a1.s, outcomes[o->outcome & 3u], o->result.kind,
                (long long)o->result.i, o->result.s, o->invoke_ev,
                o->complete_ev == UINT32_MAX ? -1 : (int)o->complete_ev);
    }
    fprintf(stderr, "oracle: %s; engine (%s): %s\n",
            expect == RAST_CHECK_LINEARIZABLE ? "linearizable" : "NOT linearizable", what,
            got == RAST_CHECK_LINEARIZABLE ? "linearizable" : "NOT linearizable");
}

static void expect_verdict(const struct ohist *oh, int expect, const char *what, int got)
{
    if (got < 0 || got == expect)
        return;
    describe(oh, expect, what, got);
    fuzz_found("engine disagrees with the brute-force oracle", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ohist oh;
    fuzz_features_reset();
    decode(&oh, data, size);
    int expect = oracle_linearizable(&oh) ? RAST_CHECK_LINEARIZABLE : RAST_CHECK_NOT_LINEARIZABLE;
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("RAST_FUZZ_VERBOSE") != NULL;
    if (verbose)
        describe(&oh, expect, "not asked", expect);
    struct rast_history *h = build(&oh);
    if (h == NULL)
        return 0;
    expect_verdict(&oh, expect, "partitioned", engine(&oh, h, true));
    if (oh.model == RAST_MODEL_KV && oh.two_keys)
        expect_verdict(&oh, expect, "whole map", engine(&oh, h, false));
    struct rast_history *again = native_round_trip(h);
    if (again != NULL) {
        expect_verdict(&oh, expect, "after a native round trip", engine(&oh, again, true));
        rast_history_destroy(again);
    }
    rast_history_destroy(h);
    if (fuzz_features_on())
        fuzz_feature_hit((uint32_t)oh.model * 16u + oh.n * 2u + (uint32_t)expect % 2u);
    return 0;
}
