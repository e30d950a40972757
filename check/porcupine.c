/*
 * porcupine.c: reading Porcupine's etcd logs (format in porcupine.h) into a history.
 * Each process has at most one outstanding invocation; completions pair with it. The model
 * hint is etcd (initial value nil). An :info line keeps no value: the op is indeterminate.
 * A line is read by porcupine_template_line (the usual tab-separated spelling, no line search
 * first), else by porcupine_fast_line (any spacing), else by porc_line_fields, which alone
 * reports errors; all three give the same fields.
 */
#include "porcupine.h"

#include "jepsen.h"
#include "lex.h"
#include "source.h"

#include <stdarg.h>
#include <string.h>

struct porc {
    struct rast_history *h;
    const char *name;
    const char *buf;
    uint64_t len;
    struct rast_check_error *err;
    struct procmap procs;
    uint32_t line;
};

static int porc_error(struct porc *c, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int porc_error(struct porc *c, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = source_verror(c->err, c->name, c->buf, c->len, offset, fmt, ap);
    va_end(ap);
    return rc;
}

static int porc_int(struct porc *c, const char *w, uint32_t size, const char *what, int64_t *out)
{
    bool overflow;
    if (lex_int(w, size, out, &overflow))
        return 0;
    return porc_error(c, (uint64_t)(w - c->buf),
                      overflow ? "%s does not fit in 64 bits"
                               : "expected %s (an integer), found '%.*s'",
                      what, (int)(size > 40 ? 40 : size), w);
}

/* value: nil | int | [int int] | :keyword ; a0/a1 out (a1 only for [a b]). */
static int porc_value(struct porc *c, struct lex *l, uint32_t f, struct check_value *a0,
                      struct check_value *a1)
{
    const char *w;
    uint32_t size;
    int64_t x;
    lex_skip_blank(l);
    *a0 = *a1 = CHECK_NIL_VALUE;
    if (f == RAST_F_CAS && l->pos < l->end && c->buf[l->pos] == '[') {
        l->pos++;
        for (int i = 0; i < 2; i++) {
            if (!lex_word(l, &w, &size))
                return porc_error(c, l->pos, "expected an integer in [from to]");
            if (i == 1 && size > 0 && w[size - 1] == ']') {
                size--;
                l->pos--;
            }
            int rc = porc_int(c, w, size, "a CAS value", &x);
            if (rc != 0)
                return rc;
            *(i == 0 ? a0 : a1) = (struct check_value){ CHECK_KIND_INT, (uint64_t)x };
        }
        lex_skip_blank(l);
        if (l->pos >= l->end || c->buf[l->pos] != ']')
            return porc_error(c, l->pos, "expected ']' to close [from to]");
        l->pos++;
    } else if (lex_word(l, &w, &size) && !lex_word_is(w, size, "nil") && w[0] != ':') {
        int rc = porc_int(c, w, size, "a value", &x);
        if (rc != 0)
            return rc;
        *a0 = (struct check_value){ CHECK_KIND_INT, (uint64_t)x };
    }
    if (lex_word(l, &w, &size))
        return porc_error(c, (uint64_t)(w - c->buf), "unexpected '%.*s' after the value",
                          (int)(size > 40 ? 40 : size), w);
    return 0;
}

static int porc_keyword(struct porc *c, struct lex *l, const char *what, const char *const *names,
                        uint32_t count, uint32_t *out)
{
    const char *w;
    uint32_t size;
    if (!lex_word(l, &w, &size))
        return porc_error(c, l->pos, "expected %s, found end of line", what);
    for (uint32_t i = 0; i < count; i++) {
        if (lex_word_is(w, size, names[i])) {
            *out = i;
            return 0;
        }
    }
    return porc_error(c, (uint64_t)(w - c->buf), "expected %s, found '%.*s'", what,
                      (int)(size > 40 ? 40 : size), w);
}

/* Parses the fields of a line with the general lexer (any spacing, located errors). */
static int porc_line_fields(struct porc *c, struct lex *l, struct porc_fields *out)
{
    static const char *const prefix[] = { "INFO", "jepsen.util", "-" };
    static const char *const types[] = { ":invoke", ":ok", ":fail", ":info" };
    static const char *const fs[] = { ":read", ":write", ":cas" };
    const char *w;
    uint32_t size = 0, ignored = 0;
    for (int i = 0; i < 3; i++) {
        int rc = porc_keyword(c, l, i == 0 ? "'INFO  jepsen.util - '" : "'jepsen.util - '",
                              &prefix[i], 1, &ignored);
        if (rc != 0)
            return rc;
    }
    if (!lex_word(l, &w, &size))
        return porc_error(c, l->pos, "expected a process number, found end of line");
    out->process_at = (uint64_t)(w - c->buf);
    int rc = porc_int(c, w, size, "a process number", &out->process);
    if (rc == 0 && out->process < 0) /* client ids are 0..2^63-1 in every format */
        rc = porc_error(c, out->process_at, "expected a non-negative process number, found '%.*s'",
                        (int)(size > 40 ? 40 : size), w);
    if (rc == 0)
        rc = porc_keyword(c, l, "a type (:invoke, :ok, :fail or :info)", types, 4, &out->type);
    if (rc == 0)
        rc = porc_keyword(c, l, "a function (:read, :write or :cas)", fs, 3, &out->f);
    if (rc == 0)
        rc = porc_value(c, l, out->f, &out->a0, &out->a1);
    return rc;
}

/* The error of a line porc_apply cannot add (slot: its process's outstanding op + 1, or 0).
 * Out of line: the usual line never takes it. */
static __attribute__((noinline, cold)) int
porc_apply_error(struct porc *c, const struct porc_fields *fl, uint32_t slot)
{
    static const char *const types[] = { ":invoke", ":ok", ":fail", ":info" };
    static const char *const fs[] = { ":read", ":write", ":cas" };
    uint64_t at = fl->process_at;
    if (fl->type == 0)
        return porc_error(c, at,
                          "process %lld invokes again while its operation from "
                          "line %u is outstanding",
                          (long long)fl->process, (unsigned)c->h->ops[slot - 1].invoke_line);
    if (slot == 0)
        return porc_error(c, at, "completion (%s) for process %lld without an invocation",
                          types[fl->type], (long long)fl->process);
    return porc_error(c, at, "completion %s does not match the invocation's :%s (line %u)",
                      fs[fl->f], hist_f_name(c->h->ops[slot - 1].f),
                      (unsigned)c->h->ops[slot - 1].invoke_line);
}

/* Adds the event of a parsed line to the history. */
static inline __attribute__((always_inline)) int porc_apply(struct porc *c,
                                                            const struct porc_fields *fl)
{
    uint32_t *slot = procmap_slot(&c->procs, (uint64_t)fl->process);
    if (slot == NULL)
        return RAST_CHECK_ENOMEM;
    uint32_t f = fl->f;
    if (fl->type == 0) {
        if (*slot != 0)
            return porc_apply_error(c, fl, *slot);
        uint32_t id = 0;
        int rc =
            hist_invoke_fast(c->h, (uint64_t)fl->process, f, CHECK_NIL_VALUE,
                             f == RAST_F_READ ? CHECK_NIL_VALUE : fl->a0, fl->a1, c->line, &id);
        *slot = id + 1;
        return rc;
    }
    if (*slot == 0 || c->h->ops[*slot - 1].f != f)
        return porc_apply_error(c, fl, *slot);
    int rc = hist_complete_fast(c->h, *slot - 1, fl->type - 1, fl->a0, c->line);
    *slot = 0;
    return rc;
}

static int porc_line(struct porc *c, struct lex *l)
{
    struct porc_fields fl;
    if (!porcupine_fast_line(c->buf, l->pos, l->end, &fl)) {
        int rc = porc_line_fields(c, l, &fl);
        if (rc != 0)
            return rc;
    }
    return porc_apply(c, &fl);
}

int porcupine_parse(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                    struct rast_check_error *err)
{
    struct porc c = { .h = h, .name = name, .buf = buf, .len = len, .err = err };
    int rc = 0;
    h->model_hint = RAST_MODEL_ETCD;
    /* A line of ~40 bytes is an event; an op is two: room for all of them at once. */
    uint32_t ops = (uint32_t)(len / 64 < UINT32_MAX / 8 ? len / 64 : UINT32_MAX / 8);
    if (hist_reserve(h, ops) != 0)
        return RAST_CHECK_ENOMEM;
    for (uint64_t pos = 0; pos < len && rc == 0;) {
        struct porc_fields fl;
        uint64_t eol;
        if (porcupine_template_line(buf, pos, len, &fl, &eol)) { /* no line search */
            c.line++;
            rc = porc_apply(&c, &fl);
            pos = eol + 1;
            continue;
        }
        const char *nl = memchr(buf + pos, '\n', (size_t)(len - pos));
        uint64_t end = nl != NULL ? (uint64_t)(nl - buf) : len;
        struct lex l = { buf, pos, end };
        c.line++;
        lex_skip_blank(&l);
        if (!lex_at_end(&l))
            rc = porc_line(&c, &l);
        pos = end + 1;
    }
    procmap_free(&c.procs);
    return rc;
}
