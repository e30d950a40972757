/*
 * native.c: reading and writing rast's native history format (see native.h, docs/check.md).
 * The writer's output read back gives the same history (same events, ops, values and times).
 */
#include "native.h"

#include "lex.h"
#include "source.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct native {
    struct rast_history *h;
    const char *name;
    const char *buf;
    uint64_t len;
    struct rast_check_error *err;
    uint32_t line;
    bool header_seen;
    char *scratch;          /* decoded string */
    uint64_t scratch_cap;
};

static int native_error(struct native *c, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int native_error(struct native *c, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = source_verror(c->err, c->name, c->buf, c->len, offset, fmt, ap);
    va_end(ap);
    return rc;
}

static int native_hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* A quoted string at l->pos; decoded bytes interned into *out. */
static int native_string(struct native *c, struct lex *l, struct check_value *out)
{
    uint64_t start = l->pos++;
    uint32_t n = 0;
    if (l->end - start + 1 > c->scratch_cap) {
        char *p = realloc(c->scratch, l->end - start + 1);
        if (p == NULL)
            return RAST_CHECK_ENOMEM;
        c->scratch = p;
        c->scratch_cap = l->end - start + 1;
    }
    for (;;) {
        if (l->pos >= l->end)
            return native_error(c, start, "unterminated string (expected '\"' before the end "
                                          "of the line)");
        char ch = c->buf[l->pos++];
        if (ch == '"')
            break;
        if (ch == '\\') {
            char e = l->pos < l->end ? c->buf[l->pos++] : 0;
            int hi = 0, lo = 0;
            if (e == 'x' && l->pos + 1 < l->end && (hi = native_hex(c->buf[l->pos])) >= 0 &&
                (lo = native_hex(c->buf[l->pos + 1])) >= 0) {
                l->pos += 2;
                ch = (char)(hi * 16 + lo);
            } else if (e == '"' || e == '\\') {
                ch = e;
            } else if (e == 'n' || e == 't') {
                ch = e == 'n' ? '\n' : '\t';
            } else {
                return native_error(c, l->pos - 2, "bad escape in string (expected \\\" \\\\ "
                                                   "\\n \\t or \\xHH)");
            }
        }
        c->scratch[n++] = ch;
    }
    return hist_intern(c->h, c->scratch, n, out);
}

/* A value: nil, an integer or a quoted string. */
static int native_value(struct native *c, struct lex *l, const char *what,
                        struct check_value *out)
{
    lex_skip_blank(l);
    if (l->pos >= l->end)
        return native_error(c, l->pos, "expected %s (nil, an integer or a \"string\"), found "
                            "end of line", what);
    if (c->buf[l->pos] == '"')
        return native_string(c, l, out);
    const char *w;
    uint32_t size;
    int64_t x;
    bool overflow;
    lex_word(l, &w, &size);
    if (lex_word_is(w, size, "nil")) {
        *out = CHECK_NIL_VALUE;
        return 0;
    }
    if (lex_int(w, size, &x, &overflow)) {
        *out = (struct check_value){CHECK_KIND_INT, (uint64_t)x};
        return 0;
    }
    return native_error(c, (uint64_t)(w - c->buf), overflow ? "%s: integer does not fit in 64 "
                        "bits" : "expected %s (nil, an integer or a \"string\"), found '%.*s'",
                        what, (int)(size > 40 ? 40 : size), w);
}

/* An unsigned integer field. */
static int native_u64(struct native *c, struct lex *l, const char *what, uint64_t *out)
{
    const char *w;
    uint32_t size;
    int64_t x;
    bool overflow;
    if (!lex_word(l, &w, &size))
        return native_error(c, l->pos, "expected %s, found end of line", what);
    if (!lex_int(w, size, &x, &overflow) || x < 0 || w[0] == '-' || w[0] == '+')
        return native_error(c, (uint64_t)(w - c->buf), "expected %s (an integer from 0 to "
                            "2^63-1), found '%.*s'", what, (int)(size > 40 ? 40 : size), w);
    *out = (uint64_t)x;
    return 0;
}

static const char *const native_fs[] = {"read", "write", "cas", "append", "txn", "acquire",
                                        "release", "get", "put"};

static int native_f(struct native *c, struct lex *l, uint32_t *f_out)
{
    const char *w;
    uint32_t size;
    if (!lex_word(l, &w, &size))
        return native_error(c, l->pos, "expected a function (get, put, cas, append, acquire, "
                                       "release), found end of line");
    for (uint32_t i = 0; i < sizeof native_fs / sizeof native_fs[0]; i++) {
        if (i != RAST_F_TXN && lex_word_is(w, size, native_fs[i])) {
            *f_out = i == 7 ? RAST_F_READ : i == 8 ? RAST_F_WRITE : i;
            return 0;
        }
    }
    return native_error(c, (uint64_t)(w - c->buf), "expected a function (get, put, cas, "
                        "append, acquire, release), found '%.*s'", (int)(size > 40 ? 40 : size),
                        w);
}

static int native_invoke(struct native *c, struct lex *l)
{
    uint64_t op, client, time_ns;
    uint32_t f = 0, id;
    struct check_value key = CHECK_NIL_VALUE, a0 = CHECK_NIL_VALUE, a1 = CHECK_NIL_VALUE;
    uint64_t at = l->pos;
    int rc = native_u64(c, l, "an op id", &op);
    if (rc == 0 && op != c->h->op_count)
        return native_error(c, at + 1, "expected op id %u (ops are numbered in order of "
                            "invocation)", (unsigned)c->h->op_count);
    if (rc == 0)
        rc = native_u64(c, l, "a client id", &client);
    if (rc == 0)
        rc = native_u64(c, l, "a time", &time_ns);
    if (rc == 0)
        rc = native_f(c, l, &f);
    if (rc == 0)
        rc = native_value(c, l, "a key", &key);
    if (rc == 0 && (f == RAST_F_WRITE || f == RAST_F_APPEND || f == RAST_F_CAS))
        rc = native_value(c, l, "an argument", &a0);
    if (rc == 0 && f == RAST_F_CAS)
        rc = native_value(c, l, "the new value", &a1);
    if (rc != 0)
        return rc;
    if (time_ns < c->h->last_time_ns)
        return native_error(c, at, "time %" PRIu64 " is before the previous event's %" PRIu64,
                            time_ns, c->h->last_time_ns);
    return hist_invoke(c->h, client, time_ns, f, key, a0, a1, c->line, &id);
}

static int native_complete(struct native *c, struct lex *l, uint32_t outcome)
{
    uint64_t op, time_ns;
    uint64_t at = l->pos;
    struct check_value result = CHECK_NIL_VALUE;
    int rc = native_u64(c, l, "an op id", &op);
    if (rc == 0 && op >= c->h->op_count)
        return native_error(c, at + 1, "completion of op %" PRIu64 " without an invocation",
                            op);
    if (rc == 0 && c->h->ops[op].complete_event != HIST_NONE)
        return native_error(c, at + 1, "op %" PRIu64 " already completed on line %u", op,
                            (unsigned)c->h->ops[op].complete_line);
    if (rc == 0)
        rc = native_u64(c, l, "a time", &time_ns);
    lex_skip_blank(l);
    if (rc == 0 && outcome == RAST_OUTCOME_OK && !lex_at_end(l))
        rc = native_value(c, l, "a result", &result);
    if (rc != 0)
        return rc;
    if (time_ns < c->h->last_time_ns)
        return native_error(c, at, "time %" PRIu64 " is before the previous event's %" PRIu64,
                            time_ns, c->h->last_time_ns);
    return hist_complete(c->h, (uint32_t)op, time_ns, outcome, result, c->line);
}

static int native_setting(struct native *c, struct lex *l, bool model)
{
    if (c->h->event_count > 0)
        return native_error(c, l->pos, "'%s' must come before the first event",
                            model ? "model" : "initial");
    if (!model) {
        c->h->has_initial_hint = true;
        return native_value(c, l, "an initial value", &c->h->initial_hint);
    }
    const char *w;
    uint32_t size;
    char name[32];
    lex_word(l, &w, &size);
    snprintf(name, sizeof name, "%.*s", (int)(size > 31 ? 31 : size), w);
    int m = rast_check_model_parse(name);
    if (m <= 0)
        return native_error(c, (uint64_t)(w - c->buf), "expected a model name (etcd, "
                            "knossos-cas, kv, register, multi-register, mutex)");
    c->h->model_hint = (uint32_t)m;
    return 0;
}

static int native_line(struct native *c, struct lex *l)
{
    const char *w;
    uint32_t size;
    uint64_t at = l->pos;
    lex_word(l, &w, &size);
    if (!c->header_seen) {
        const char *v;
        uint32_t vsize;
        if (!lex_word_is(w, size, NATIVE_MAGIC) || !lex_word(l, &v, &vsize) ||
            !lex_word_is(v, vsize, "1"))
            return native_error(c, at, "expected the header 'rast-history 1'");
        c->header_seen = true;
    } else if (lex_word_is(w, size, "invoke")) {
        int rc = native_invoke(c, l);
        if (rc != 0)
            return rc;
    } else if (lex_word_is(w, size, "ok") || lex_word_is(w, size, "fail") ||
               lex_word_is(w, size, "info")) {
        uint32_t outcome = w[0] == 'o' ? RAST_OUTCOME_OK : w[0] == 'f' ? RAST_OUTCOME_FAIL
                                                                        : RAST_OUTCOME_INFO;
        int rc = native_complete(c, l, outcome);
        if (rc != 0)
            return rc;
    } else if (lex_word_is(w, size, "model") || lex_word_is(w, size, "initial")) {
        int rc = native_setting(c, l, w[0] == 'm');
        if (rc != 0)
            return rc;
    } else {
        return native_error(c, at, "expected an event (invoke, ok, fail, info), found '%.*s'",
                            (int)(size > 40 ? 40 : size), w);
    }
    lex_skip_blank(l);
    if (!lex_at_end(l))
        return native_error(c, l->pos, "unexpected text at the end of the line");
    return 0;
}

int native_parse(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                 struct rast_check_error *err)
{
    struct native c = {.h = h, .name = name, .buf = buf, .len = len, .err = err};
    int rc = 0;
    for (uint64_t pos = 0; pos < len && rc == 0;) {
        const char *nl = memchr(buf + pos, '\n', (size_t)(len - pos));
        uint64_t end = nl != NULL ? (uint64_t)(nl - buf) : len;
        struct lex l = {buf, pos, end};
        c.line++;
        lex_skip_blank(&l);
        if (!lex_at_end(&l) && buf[l.pos] != '#')
            rc = native_line(&c, &l);
        pos = end + 1;
    }
    if (rc == 0 && !c.header_seen)
        rc = native_error(&c, 0, "expected the header 'rast-history 1'");
    free(c.scratch);
    return rc;
}

static void native_print_value(const struct rast_history *h, struct check_value v, FILE *out)
{
    if (v.kind != CHECK_KIND_STR) {
        hist_value_print(&h->strs, v, out);
        return;
    }
    const char *s;
    uint32_t size;
    strtab_get(&h->strs, (uint32_t)v.bits, &s, &size);
    fputc('"', out);
    for (uint32_t i = 0; i < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            fprintf(out, "\\x%02x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static void native_print_invoke(const struct rast_history *h, const struct hist_op *op,
                                uint32_t id, FILE *out)
{
    static const char *const names[] = {"get", "put", "cas", "append", "txn", "acquire",
                                        "release"};
    fprintf(out, "invoke %" PRIu32 " %" PRIu64 " %" PRIu64 " %s ", id, op->client,
            op->invoke_time_ns, names[op->f]);
    native_print_value(h, op->key, out);
    if (op->f == RAST_F_WRITE || op->f == RAST_F_APPEND || op->f == RAST_F_CAS) {
        fputc(' ', out);
        native_print_value(h, op->arg0, out);
    }
    if (op->f == RAST_F_CAS) {
        fputc(' ', out);
        native_print_value(h, op->arg1, out);
    }
    fputc('\n', out);
}

int rast_history_write_native(const struct rast_history *h, FILE *out)
{
    static const char *const kinds[] = {"invoke", "ok", "fail", "info"};
    fprintf(out, "%s 1\nmodel %s\n", NATIVE_MAGIC, rast_check_model_name(h->model_hint));
    if (h->has_initial_hint) {
        fputs("initial ", out);
        native_print_value(h, h->initial_hint, out);
        fputc('\n', out);
    }
    for (uint32_t e = 0; e < h->event_count; e++) {
        uint32_t id = h->events[e].op;
        const struct hist_op *op = &h->ops[id];
        if (op->f == RAST_F_TXN)
            return RAST_CHECK_EINVAL;
        if (h->events[e].kind == HIST_EV_INVOKE) {
            native_print_invoke(h, op, id, out);
            continue;
        }
        fprintf(out, "%s %" PRIu32 " %" PRIu64, kinds[h->events[e].kind], id,
                op->complete_time_ns);
        if (op->f == RAST_F_READ && op->outcome == RAST_OUTCOME_OK) {
            fputc(' ', out);
            native_print_value(h, op->result, out);
        }
        fputc('\n', out);
    }
    return ferror(out) ? RAST_CHECK_EIO : 0;
}
