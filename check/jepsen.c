/*
 * jepsen.c: reading Jepsen / Knossos EDN histories (and Porcupine's kv logs, which are the same
 * op maps one per line) into a history.
 *
 * Pairing: each process has at most one outstanding invocation; a completion (:ok, :fail,
 * :info) closes it. A process that is not an integer (:nemesis) only logs :info events, which
 * are not operations and are skipped. Real-time order is the order of the file (Knossos never
 * orders by :time). On :ok the completion's value is the result (reads, txn reads).
 *
 * Three ways in, fastest first, each leaving to the next whatever it does not take whole:
 * jepsen_fast_run reads maps spelt as the kv logs spell them (jepsen_template.h), line after
 * line; jepsen_fast_op any flat op map (jepsen_fast_line); the EDN reader (edn.c) everything,
 * and it alone reports errors. All three build the same history.
 */
#include "jepsen.h"

#include "edn.h"
#include "jepsen_template.h"

#include <stdlib.h>
#include <string.h>

/* Keys of at most eight bytes seen recently, direct-mapped: most logs use a handful of short
 * keys on every line, and a hit costs a load and a compare instead of hashing and probing the
 * string table. Ids never change once interned, so an entry stays right. */
#define JEPSEN_KEYS_CACHED 64u /* a power of two */

struct jepsen_key_cache {
    uint64_t bytes[JEPSEN_KEYS_CACHED]; /* the key's bytes, zero-padded */
    uint32_t ids[JEPSEN_KEYS_CACHED];   /* string id + 1; 0 = empty */
    uint8_t sizes[JEPSEN_KEYS_CACHED];
};

struct jepsen {
    struct rast_history *h;
    struct jepsen_key_cache keys;
    struct edn_parser p;
    struct procmap procs;
    bool kv_vocabulary; /* :get/:put/:append seen: Porcupine's kv logs */
    bool has_key;
    bool has_txn;
    bool has_mutex;
    bool fast; /* try jepsen_fast_line first (off only in tests, to compare the two paths) */
};

/* The fields of an op map that the reader uses (NULL when absent; the first of duplicates). */
struct jepsen_fields {
    const struct edn_node *process;
    const struct edn_node *type;
    const struct edn_node *f;
    const struct edn_node *key;
    const struct edn_node *value;
};

/* The slot of fields for keyword key, or NULL when the reader ignores it. */
static const struct edn_node **jepsen_field_slot(const struct jepsen *j, const struct edn_node *key,
                                                 struct jepsen_fields *fields)
{
    if (edn_is_keyword(&j->p, key, "process"))
        return &fields->process;
    if (edn_is_keyword(&j->p, key, "type"))
        return &fields->type;
    if (edn_is_keyword(&j->p, key, "f"))
        return &fields->f;
    if (edn_is_keyword(&j->p, key, "key"))
        return &fields->key;
    if (edn_is_keyword(&j->p, key, "value"))
        return &fields->value;
    return NULL;
}

/* One walk over the map's entries instead of a lookup per field. */
static void jepsen_fields_read(const struct jepsen *j, const struct edn_node *m,
                               struct jepsen_fields *fields)
{
    memset(fields, 0, sizeof *fields);
    for (uint32_t k = m->first; k != EDN_NONE;) {
        const struct edn_node *key = &j->p.nodes[k];
        const struct edn_node *val = &j->p.nodes[key->next];
        const struct edn_node **slot = jepsen_field_slot(j, key, fields);
        if (slot != NULL && *slot == NULL)
            *slot = val;
        k = val->next;
    }
}

static int jepsen_scalar(struct jepsen *j, const struct edn_node *n, const char *what,
                         struct check_value *out)
{
    if (n == NULL || n->type == EDN_NIL) {
        *out = CHECK_NIL_VALUE;
        return 0;
    }
    if (n->type == EDN_INT) {
        *out = (struct check_value){ CHECK_KIND_INT, (uint64_t)n->i };
        return 0;
    }
    if (n->type == EDN_STR)
        return hist_intern(j->h, edn_text(&j->p, n), n->size, out);
    if (n->type == EDN_KEYWORD) {
        char tmp[HIST_KEYWORD_VALUE_BYTES_MAX];
        if (n->size + 1 > sizeof tmp)
            return edn_error(&j->p, n->offset, "keyword too long for %s", what);
        tmp[0] = ':';
        memcpy(tmp + 1, edn_text(&j->p, n), n->size);
        return hist_intern(j->h, tmp, n->size + 1, out);
    }
    return edn_error(&j->p, n->offset, "expected nil, an integer or a string as %s, found %s", what,
                     edn_type_name(n->type));
}

bool jepsen_f_named(const char *name, uint32_t size, uint32_t *f, bool *kv)
{
#define JEPSEN_F(name, f, kv)                                                                      \
    {                                                                                              \
        name, sizeof(name) - 1, f, kv                                                              \
    }
    static const struct {
        const char *name;
        uint32_t size;
        uint32_t f;
        bool kv;
    } fs[] = {
        JEPSEN_F("read", RAST_F_READ, false),       JEPSEN_F("write", RAST_F_WRITE, false),
        JEPSEN_F("cas", RAST_F_CAS, false),         JEPSEN_F("txn", RAST_F_TXN, false),
        JEPSEN_F("acquire", RAST_F_ACQUIRE, false), JEPSEN_F("release", RAST_F_RELEASE, false),
        JEPSEN_F("get", RAST_F_READ, true),         JEPSEN_F("put", RAST_F_WRITE, true),
        JEPSEN_F("append", RAST_F_APPEND, true),
    };
#undef JEPSEN_F
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        if (fs[i].size == size && memcmp(fs[i].name, name, size) == 0) {
            *f = fs[i].f;
            *kv = fs[i].kv;
            return true;
        }
    }
    return false;
}

static int jepsen_f(struct jepsen *j, const struct edn_node *n, uint32_t *f_out)
{
    if (n == NULL)
        return edn_error(&j->p, j->p.pos, "operation map without :f");
    bool kv;
    if (n->type == EDN_KEYWORD && jepsen_f_named(edn_text(&j->p, n), n->size, f_out, &kv)) {
        j->kv_vocabulary |= kv;
        j->has_txn |= *f_out == RAST_F_TXN;
        j->has_mutex |= *f_out == RAST_F_ACQUIRE || *f_out == RAST_F_RELEASE;
        return 0;
    }
    return edn_error(&j->p, n->offset,
                     "unsupported :f (expected :read, :write, :cas, :txn, "
                     ":acquire, :release, :get, :put or :append)");
}

/* [[:read k v] [:write k v] ...] -> micro-ops; first index and count out. */
static int jepsen_txn(struct jepsen *j, const struct edn_node *v, uint32_t *first, uint32_t *count)
{
    if (v == NULL || v->type != EDN_VECTOR)
        return edn_error(&j->p, v != NULL ? v->offset : j->p.pos,
                         "expected a vector of [f k v] as the :value of a :txn");
    *first = j->h->txn_count;
    *count = 0;
    for (uint32_t c = v->first; c != EDN_NONE; c = j->p.nodes[c].next) {
        const struct edn_node *m = &j->p.nodes[c];
        if ((m->type != EDN_VECTOR && m->type != EDN_LIST) || m->count != 3)
            return edn_error(&j->p, m->offset, "expected a micro-op [f k v] in a :txn");
        const struct edn_node *f = &j->p.nodes[m->first];
        const struct edn_node *k = &j->p.nodes[f->next];
        const struct edn_node *val = &j->p.nodes[k->next];
        uint32_t mf;
        if (edn_is_keyword(&j->p, f, "read") || edn_is_keyword(&j->p, f, "r"))
            mf = RAST_F_READ;
        else if (edn_is_keyword(&j->p, f, "write") || edn_is_keyword(&j->p, f, "w"))
            mf = RAST_F_WRITE;
        else
            return edn_error(&j->p, f->offset, "expected :read or :write in a :txn micro-op");
        struct check_value key, value;
        uint32_t index;
        int rc = jepsen_scalar(j, k, "a micro-op key", &key);
        if (rc == 0)
            rc = jepsen_scalar(j, val, "a micro-op value", &value);
        if (rc == 0)
            rc = hist_txn_push(j->h, mf, key, value, &index);
        if (rc != 0)
            return rc;
        (*count)++;
    }
    return 0;
}

static int jepsen_invoke(struct jepsen *j, const struct edn_node *m,
                         const struct jepsen_fields *fields, uint64_t process, uint32_t f,
                         uint32_t *slot)
{
    const struct edn_node *v = fields->value;
    const struct edn_node *k = fields->key;
    struct check_value key = CHECK_NIL_VALUE, a0 = CHECK_NIL_VALUE, a1 = CHECK_NIL_VALUE;
    uint32_t txn_first = 0, txn_count = 0;
    int rc = 0;
    if (*slot != 0)
        return edn_error(&j->p, m->offset,
                         "process %llu invokes again while its operation "
                         "from line %u is outstanding (expected a completion first)",
                         (unsigned long long)process, (unsigned)j->h->ops[*slot - 1].invoke_line);
    j->has_key |= k != NULL;
    rc = jepsen_scalar(j, k, ":key", &key);
    if (rc == 0 && (f == RAST_F_WRITE || f == RAST_F_APPEND))
        rc = jepsen_scalar(j, v, ":value", &a0);
    if (rc == 0 && f == RAST_F_CAS) {
        if (v == NULL || (v->type != EDN_VECTOR && v->type != EDN_LIST) || v->count != 2)
            return edn_error(&j->p, v != NULL ? v->offset : m->offset,
                             "expected [expected new] as the :value of a :cas");
        rc = jepsen_scalar(j, &j->p.nodes[v->first], "the expected value", &a0);
        if (rc == 0)
            rc = jepsen_scalar(j, &j->p.nodes[j->p.nodes[v->first].next], "the new value", &a1);
    }
    if (rc == 0 && f == RAST_F_TXN)
        rc = jepsen_txn(j, v, &txn_first, &txn_count);
    uint32_t id;
    if (rc == 0)
        rc = hist_invoke(j->h, process, j->h->event_count, f, key, a0, a1,
                         edn_line(&j->p, m->offset), &id);
    if (rc != 0)
        return rc;
    j->h->ops[id].txn_first = txn_first;
    j->h->ops[id].txn_count = txn_count;
    *slot = id + 1;
    return 0;
}

static int jepsen_complete(struct jepsen *j, const struct edn_node *m,
                           const struct jepsen_fields *fields, uint64_t process, uint32_t f,
                           uint32_t outcome, uint32_t *slot)
{
    static const char *const names[] = { "ok", "fail", "info" };
    if (*slot == 0)
        return edn_error(&j->p, m->offset,
                         "completion (:%s) for process %llu without an "
                         "invocation (expected an :invoke first)",
                         names[outcome], (unsigned long long)process);
    uint32_t id = *slot - 1;
    struct hist_op *op = &j->h->ops[id];
    if (op->f != f)
        return edn_error(&j->p, m->offset,
                         "completion :f :%s does not match the invocation's "
                         ":%s (line %u)",
                         hist_f_name(f), hist_f_name(op->f), (unsigned)op->invoke_line);
    const struct edn_node *v = fields->value;
    struct check_value result = CHECK_NIL_VALUE;
    int rc = 0;
    if (outcome == RAST_OUTCOME_OK && f == RAST_F_READ)
        rc = jepsen_scalar(j, v, ":value", &result);
    if (rc == 0 && outcome == RAST_OUTCOME_OK && f == RAST_F_TXN) {
        uint32_t first, count;
        rc = jepsen_txn(j, v, &first, &count);
        op = &j->h->ops[id];
        op->txn_first = first;
        op->txn_count = count;
    }
    if (rc == 0)
        rc =
            hist_complete(j->h, id, j->h->event_count, outcome, result, edn_line(&j->p, m->offset));
    *slot = 0;
    return rc;
}

static int jepsen_op(struct jepsen *j, uint32_t index)
{
    const struct edn_node *m = &j->p.nodes[index];
    if (m->type != EDN_MAP)
        return edn_error(&j->p, m->offset,
                         "expected an operation map {:process .. :type .. "
                         ":f ..}, found %s",
                         edn_type_name(m->type));
    struct jepsen_fields fields;
    jepsen_fields_read(j, m, &fields);
    const struct edn_node *proc = fields.process;
    const struct edn_node *type = fields.type;
    uint32_t t = 4;
    if (type != NULL)
        t = edn_is_keyword(&j->p, type, "invoke") ? 0
            : edn_is_keyword(&j->p, type, "ok")   ? 1
            : edn_is_keyword(&j->p, type, "fail") ? 2
            : edn_is_keyword(&j->p, type, "info") ? 3
                                                  : 4;
    if (t == 4)
        return edn_error(&j->p, type != NULL ? type->offset : m->offset,
                         "expected :type :invoke, :ok, :fail or :info");
    if (proc == NULL || proc->type != EDN_INT) {
        if (proc != NULL && t == 3)
            return 0; /* a :nemesis (or other non-client) event: not an operation */
        return edn_error(&j->p, proc != NULL ? proc->offset : m->offset,
                         "expected an integer :process");
    }
    if (proc->i < 0) /* Jepsen numbers client processes from 0; the native format needs it */
        return edn_error(&j->p, proc->offset,
                         "expected a non-negative integer :process, "
                         "found %lld",
                         (long long)proc->i);
    uint32_t f = 0;
    int rc = jepsen_f(j, fields.f, &f);
    if (rc != 0)
        return rc;
    uint32_t *slot = procmap_slot(&j->procs, (uint64_t)proc->i);
    if (slot == NULL)
        return RAST_CHECK_ENOMEM;
    if (t == 0)
        return jepsen_invoke(j, m, &fields, (uint64_t)proc->i, f, slot);
    return jepsen_complete(j, m, &fields, (uint64_t)proc->i, f, t - 1, slot);
}

static void jepsen_hints(struct jepsen *j)
{
    struct rast_history *h = j->h;
    if (j->has_txn) {
        h->model_hint = RAST_MODEL_MULTI_REGISTER;
    } else if (j->has_mutex) {
        h->model_hint = RAST_MODEL_MUTEX;
    } else if (j->kv_vocabulary) {
        h->model_hint = RAST_MODEL_KV;
        h->has_initial_hint = hist_intern(h, "", 0, &h->initial_hint) == 0;
    } else {
        h->model_hint = j->has_key ? RAST_MODEL_KV : RAST_MODEL_KNOSSOS_CAS;
    }
}

/* A scalar of the fast path as jepsen_scalar converts it (the caller checked it can). */
static int jepsen_fast_value(struct jepsen *j, const struct jepsen_scalar *v,
                             struct check_value *out)
{
    if (v->kind == JEPSEN_V_INT) {
        *out = (struct check_value){ CHECK_KIND_INT, (uint64_t)v->i };
        return 0;
    }
    if (v->kind == JEPSEN_V_STR || v->kind == JEPSEN_V_KEYWORD)
        return hist_intern(j->h, j->p.buf + v->at, v->size, out);
    *out = CHECK_NIL_VALUE;
    return 0;
}

/* jepsen_fast_key's miss: interns v (w: its bytes, zero-padded) and remembers it in entry k. */
static __attribute__((noinline)) int jepsen_fast_key_miss(struct jepsen *j,
                                                          const struct jepsen_scalar *v, uint64_t w,
                                                          uint32_t k, struct check_value *out)
{
    struct jepsen_key_cache *c = &j->keys;
    int rc = jepsen_fast_value(j, v, out);
    if (rc == 0 && out->bits < UINT32_MAX) {
        c->bytes[k] = w;
        c->ids[k] = (uint32_t)out->bits + 1;
        c->sizes[k] = (uint8_t)v->size;
    }
    return rc;
}

/* jepsen_fast_value for a :key: short strings and keywords through the cache. Inline, its
 * miss out of line: a hit is a dozen instructions, on most lines of a kv log. */
static inline __attribute__((always_inline)) int
jepsen_fast_key(struct jepsen *j, const struct jepsen_scalar *v, struct check_value *out)
{
    if ((v->kind != JEPSEN_V_STR && v->kind != JEPSEN_V_KEYWORD) || v->size > 8 ||
        j->p.len - v->at < 8)
        return jepsen_fast_value(j, v, out);
    uint64_t w;
    memcpy(&w, j->p.buf + v->at, sizeof w);
    w &= v->size == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * v->size)) - 1;
    uint32_t k = (uint32_t)(((w ^ v->size) * UINT64_C(0x9e3779b97f4a7c15)) >> 58);
    const struct jepsen_key_cache *c = &j->keys;
    if (c->ids[k] != 0 && c->bytes[k] == w && c->sizes[k] == v->size) {
        *out = (struct check_value){ CHECK_KIND_STR, c->ids[k] - 1 };
        return 0;
    }
    return jepsen_fast_key_miss(j, v, w, k, out);
}

/* Would jepsen_scalar accept v (a keyword of at most 255 bytes after its ':')? */
static bool jepsen_fast_convertible(const struct jepsen_scalar *v)
{
    return v->kind != JEPSEN_V_OTHER &&
           (v->kind != JEPSEN_V_KEYWORD || v->size <= HIST_KEYWORD_VALUE_BYTES_MAX);
}

/* Would jepsen_op accept the line without an error or a :cas / :txn value? */
static bool jepsen_fast_accepts(const struct jepsen *j, const struct jepsen_line *l, uint32_t slot)
{
    if (l->f == RAST_F_CAS || l->f == RAST_F_TXN)
        return false; /* vector values: the general reader */
    if (l->type == 0)
        return slot == 0 && jepsen_fast_convertible(&l->key) &&
               ((l->f != RAST_F_WRITE && l->f != RAST_F_APPEND) ||
                jepsen_fast_convertible(&l->value));
    return slot != 0 && j->h->ops[slot - 1].f == l->f &&
           (l->type != 1 || l->f != RAST_F_READ || jepsen_fast_convertible(&l->value));
}

/* edn_line(&j->p, at), the usual step (over the whitespace after the previous map, whose end
 * jepsen_fast_op recorded) inline. */
static uint32_t jepsen_line(struct jepsen *j, uint64_t at)
{
    struct edn_parser *p = &j->p;
    if (at < p->line_offset || at - p->line_offset > 8)
        return edn_line(p, at);
    for (uint64_t i = p->line_offset; i < at; i++)
        p->line += p->buf[i] == '\n';
    p->line_offset = at;
    return p->line;
}

/* Applies an accepted line (its map starting on line) as jepsen_invoke / jepsen_complete
 * would. */
static inline __attribute__((always_inline)) int
jepsen_fast_apply(struct jepsen *j, const struct jepsen_line *l, uint32_t line, uint32_t *slot)
{
    struct check_value key = CHECK_NIL_VALUE, a0 = CHECK_NIL_VALUE;
    uint32_t id;
    j->kv_vocabulary |= l->f_kv;
    j->has_mutex |= l->f == RAST_F_ACQUIRE || l->f == RAST_F_RELEASE;
    if (l->type != 0) {
        id = *slot - 1;
        bool read_ok = l->type == 1 && l->f == RAST_F_READ;
        int rc = read_ok ? jepsen_fast_value(j, &l->value, &a0) : 0;
        *slot = 0;
        return rc != 0 ? rc : hist_complete_fast(j->h, id, l->type - 1, a0, line);
    }
    j->has_key |= l->key.kind != JEPSEN_V_ABSENT;
    int rc = jepsen_fast_key(j, &l->key, &key);
    if (rc == 0 && (l->f == RAST_F_WRITE || l->f == RAST_F_APPEND))
        rc = jepsen_fast_value(j, &l->value, &a0);
    if (rc == 0)
        rc =
            hist_invoke_fast(j->h, (uint64_t)l->process, l->f, key, a0, CHECK_NIL_VALUE, line, &id);
    if (rc == 0)
        *slot = id + 1;
    return rc;
}

/* A template map (jepsen_fast_template) of process slot, starting on line, applied as
 * jepsen_fast_op would: the template rules out what else jepsen_fast_accepts tests (its key is
 * a string and its value a string, nil or an integer, which jepsen_scalar takes; its :f is no
 * :cas or :txn), so only the process's state is left to test. False (nothing changed) when the
 * general path must judge it: an invocation while one is outstanding, a completion of nothing
 * or of another :f. */
static bool jepsen_fast_run_line(struct jepsen *j, const struct jepsen_line *l, uint32_t line,
                                 uint32_t *slot, int *rc)
{
    if (l->type != 0 ? *slot == 0 || j->h->ops[*slot - 1].f != l->f : *slot != 0)
        return false;
    *rc = jepsen_fast_apply(j, l, line, slot);
    return true;
}

/* Template maps (jepsen_fast_template) one a line, '\n' after each: the usual kv log, read
 * and applied line after line with no whitespace loop, no line search and nothing but the
 * template's checks. Stops before the first map that is not the template, whose process is
 * past the process array, or that jepsen_fast_run_line leaves to the general path (which
 * then reads it), and after a map not followed by '\n'. Returns 0 or ENOMEM. */
static int jepsen_fast_run(struct jepsen *j)
{
    struct edn_parser *p = &j->p;
    uint32_t line = jepsen_line(j, p->pos);
    int rc = 0;
    for (;;) {
        struct jepsen_line l;
        if (!jepsen_fast_template(p->buf, p->pos, p->len, &l) ||
            (uint64_t)l.process >= j->procs.dense_count ||
            !jepsen_fast_run_line(j, &l, line, &j->procs.dense[l.process], &rc))
            break;
        p->pos = l.end;
        if (rc != 0 || p->pos >= p->len || p->buf[p->pos] != '\n')
            break;
        p->pos++;
        line++;
    }
    p->line = line; /* no '\n' in a template map: the line of p->pos */
    p->line_offset = p->pos;
    return rc;
}

/* The op map at p.pos by the fast path: false, with nothing changed, when the general reader
 * must read it; true when it was read (*rc: 0, or ENOMEM). */
static bool jepsen_fast_op(struct jepsen *j, int *rc)
{
    struct jepsen_line l;
    if (!j->fast || !jepsen_fast_line(j->p.buf, j->p.pos, j->p.len, &l))
        return false;
    uint32_t *slot = procmap_slot(&j->procs, (uint64_t)l.process);
    if (slot == NULL) {
        *rc = RAST_CHECK_ENOMEM;
        return true;
    }
    if (!jepsen_fast_accepts(j, &l, *slot))
        return false;
    *rc = jepsen_fast_apply(j, &l, jepsen_line(j, j->p.pos), slot);
    /* jepsen_fast_apply found the line of p.pos: the map's newlines give the line of its end,
     * so the next edn_line scans only the whitespace after it. */
    j->p.line += l.newlines;
    j->p.line_offset = l.end;
    j->p.pos = l.end;
    return true;
}

/* edn_skip_ws with its usual case (a newline or two between maps) inline. */
static void jepsen_skip_ws(struct edn_parser *p)
{
    while (p->pos < p->len && (edn_cls(p->buf[p->pos]) & EDN_C_WS) != 0)
        p->pos++;
    if (p->pos < p->len && p->buf[p->pos] == ';')
        edn_skip_ws(p);
}

/* After the top-level '[' or '(', reads forms until the matching bracket. */
static int jepsen_forms(struct jepsen *j, char close, uint64_t open)
{
    for (;;) {
        edn_reset(&j->p);
        jepsen_skip_ws(&j->p);
        if (j->p.pos >= j->p.len) {
            if (close == 0)
                return 0;
            return edn_error(&j->p, j->p.pos,
                             "unbalanced brackets: expected '%c' to close the "
                             "'%c' at line %u",
                             close, j->p.buf[open], (unsigned)edn_line(&j->p, open));
        }
        if (close != 0 && j->p.buf[j->p.pos] == close) {
            j->p.pos++;
            edn_skip_ws(&j->p);
            if (j->p.pos < j->p.len)
                return edn_error(&j->p, j->p.pos,
                                 "expected end of input after the closing "
                                 "'%c'",
                                 close);
            return 0;
        }
        uint32_t index;
        int rc = 0;
        if (j->fast && j->p.buf[j->p.pos] == '{') {
            uint64_t at = j->p.pos;
            if ((rc = jepsen_fast_run(j)) != 0)
                return rc;
            if (j->p.pos != at)
                continue; /* the run read maps: what follows them, from the top */
        }
        if (jepsen_fast_op(j, &rc)) {
            if (rc != 0)
                return rc;
            continue;
        }
        rc = edn_parse_flat_map(&j->p, &index) ? 0 : edn_parse(&j->p, &index);
        if (rc == 0)
            rc = jepsen_op(j, index);
        if (rc != 0)
            return rc;
    }
}

int jepsen_parse_with(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                      bool fast, struct rast_check_error *err)
{
    struct jepsen j;
    memset(&j, 0, sizeof j);
    j.h = h;
    j.fast = fast;
    edn_init(&j.p, name, buf, len, err);
    /* An op is two maps of at least ~60 bytes each in the usual logs: room for len / 128. */
    uint32_t ops = (uint32_t)(len / 128 < UINT32_MAX / 8 ? len / 128 : UINT32_MAX / 8);
    if (hist_reserve(h, ops) != 0)
        return RAST_CHECK_ENOMEM;
    /* About one string each (an :append's or a :read's value), a quarter of the text in all
     * (the kv logs' values): the table starts near its final size instead of doubling to it. */
    if (strtab_presize(&h->strs, ops, len / 4) != 0)
        return RAST_CHECK_ENOMEM;
    edn_skip_ws(&j.p);
    char close = 0;
    uint64_t open = j.p.pos;
    if (j.p.pos < len && (buf[j.p.pos] == '[' || buf[j.p.pos] == '(')) {
        close = buf[j.p.pos] == '[' ? ']' : ')';
        j.p.pos++;
    }
    int rc = jepsen_forms(&j, close, open);
    if (rc == 0)
        jepsen_hints(&j);
    edn_free(&j.p);
    procmap_free(&j.procs);
    return rc;
}

int jepsen_parse(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                 struct rast_check_error *err)
{
    return jepsen_parse_with(h, name, buf, len, true, err);
}
