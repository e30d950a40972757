/*
 * history.c: building histories in memory (the public builder and the internal one the readers
 * use), and printing values and operations. Invariants: see history.h.
 */
#include "history.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char *rast_check_strerror(int code)
{
    switch (code) {
    case RAST_CHECK_OK: return "success";
    case RAST_CHECK_ENOMEM: return "out of memory";
    case RAST_CHECK_EINVAL: return "invalid argument";
    case RAST_CHECK_EPARSE: return "malformed input";
    case RAST_CHECK_EIO: return "input/output error";
    case RAST_CHECK_EMODEL: return "operation not supported by the model";
    case RAST_CHECK_ETHREAD: return "could not start a worker thread";
    default: return "unknown error";
    }
}

void rast_check_error_format(const struct rast_check_error *err, char *out, size_t size)
{
    if (err->line > 0)
        snprintf(out, size, "%s:%" PRIu32 ":%" PRIu32 ": %s", err->file, err->line, err->column,
                 err->message);
    else
        snprintf(out, size, "%s: %s", err->file, err->message);
}

struct rast_history *rast_history_create(void)
{
    struct rast_history *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    strtab_init(&h->strs, NULL);
    h->model_hint = RAST_MODEL_KV;
    memcpy(h->name, "(memory)", sizeof "(memory)");
    return h;
}

void rast_history_destroy(struct rast_history *h)
{
    if (h == NULL)
        return;
    strtab_free(&h->strs);
    free(h->ops);
    free(h->events);
    free(h->txns);
    free(h);
}

uint32_t rast_history_op_count(const struct rast_history *h)
{
    return h->op_count;
}

uint32_t rast_history_event_count(const struct rast_history *h)
{
    return h->event_count;
}

uint32_t rast_history_model_hint(const struct rast_history *h)
{
    return h->model_hint;
}

/* Grows a dynamic array of elem_size-byte elements to hold at least count + 1. */
static int hist_grow(void **items, uint32_t *cap, uint32_t count, size_t elem_size)
{
    if (count < *cap)
        return 0;
    if (count >= UINT32_MAX / 2)
        return RAST_CHECK_ENOMEM;
    uint32_t n = *cap == 0 ? 64 : *cap * 2;
    void *p = realloc(*items, (size_t)n * elem_size);
    if (p == NULL)
        return RAST_CHECK_ENOMEM;
    *items = p;
    *cap = n;
    return 0;
}

int hist_reserve(struct rast_history *h, uint32_t op_count)
{
    if (op_count <= h->op_cap || op_count >= UINT32_MAX / 4)
        return 0;
    struct hist_op *ops = realloc(h->ops, (size_t)op_count * sizeof *ops);
    if (ops == NULL)
        return RAST_CHECK_ENOMEM;
    h->ops = ops;
    h->op_cap = op_count;
    if (2 * op_count <= h->event_cap)
        return 0;
    struct hist_event *events = realloc(h->events, (size_t)2 * op_count * sizeof *events);
    if (events == NULL)
        return RAST_CHECK_ENOMEM;
    h->events = events;
    h->event_cap = 2 * op_count;
    return 0;
}

/* hist_invoke and hist_complete: the stores are history.h's (hist_store_invoke lists every
 * field of the op: a new field must be added there too). */
_Static_assert(sizeof(struct hist_op) == 120, "hist_store_invoke sets every field of struct hist_op");

int hist_invoke(struct rast_history *h, uint64_t client, uint64_t time_ns, uint32_t f,
                struct check_value key, struct check_value arg0, struct check_value arg1,
                uint32_t line, uint32_t *op_id_out)
{
    if (f > RAST_F_RELEASE || time_ns < h->last_time_ns)
        return RAST_CHECK_EINVAL;
    int rc = hist_grow((void **)&h->ops, &h->op_cap, h->op_count, sizeof *h->ops);
    if (rc == 0)
        rc = hist_grow((void **)&h->events, &h->event_cap, h->event_count, sizeof *h->events);
    if (rc != 0)
        return rc;
    *op_id_out = h->op_count;
    hist_store_invoke(h, client, time_ns, f, key, arg0, arg1, line);
    return 0;
}

int hist_complete(struct rast_history *h, uint32_t op_id, uint64_t time_ns, uint32_t outcome,
                  struct check_value result, uint32_t line)
{
    if (op_id >= h->op_count || outcome > RAST_OUTCOME_INFO || time_ns < h->last_time_ns)
        return RAST_CHECK_EINVAL;
    if (h->ops[op_id].complete_event != HIST_NONE)
        return RAST_CHECK_EINVAL;
    int rc = hist_grow((void **)&h->events, &h->event_cap, h->event_count, sizeof *h->events);
    if (rc != 0)
        return rc;
    hist_store_complete(h, op_id, time_ns, outcome, result, line);
    return 0;
}

int hist_txn_push(struct rast_history *h, uint32_t f, struct check_value key,
                  struct check_value value, uint32_t *index_out)
{
    int rc = hist_grow((void **)&h->txns, &h->txn_cap, h->txn_count, sizeof *h->txns);
    if (rc != 0)
        return rc;
    *index_out = h->txn_count;
    h->txns[h->txn_count++] = (struct hist_txn){f, 0, key, value};
    return 0;
}

int hist_value(struct rast_history *h, const struct rast_value *v, struct check_value *out)
{
    if (v == NULL || v->kind == RAST_VALUE_NIL) {
        *out = CHECK_NIL_VALUE;
        return 0;
    }
    if (v->kind == RAST_VALUE_INT) {
        *out = (struct check_value){CHECK_KIND_INT, (uint64_t)v->i};
        return 0;
    }
    if (v->kind != RAST_VALUE_STR || (v->str == NULL && v->str_size_bytes > 0))
        return RAST_CHECK_EINVAL;
    return hist_intern(h, v->str != NULL ? v->str : "", v->str_size_bytes, out);
}

int rast_history_invoke(struct rast_history *h, uint64_t client, uint64_t time_ns, uint32_t f,
                        const struct rast_value *key, const struct rast_value *arg0,
                        const struct rast_value *arg1, uint32_t *op_id_out)
{
    struct check_value k, a0, a1;
    if (h == NULL || op_id_out == NULL || f == RAST_F_TXN)
        return RAST_CHECK_EINVAL;
    int rc = hist_value(h, key, &k);
    if (rc == 0)
        rc = hist_value(h, arg0, &a0);
    if (rc == 0)
        rc = hist_value(h, arg1, &a1);
    if (rc != 0)
        return rc;
    return hist_invoke(h, client, time_ns, f, k, a0, a1, 0, op_id_out);
}

int rast_history_complete(struct rast_history *h, uint32_t op_id, uint64_t time_ns,
                          uint32_t outcome, const struct rast_value *result)
{
    struct check_value r;
    if (h == NULL)
        return RAST_CHECK_EINVAL;
    int rc = hist_value(h, result, &r);
    if (rc != 0)
        return rc;
    return hist_complete(h, op_id, time_ns, outcome, r, 0);
}

const char *hist_f_name(uint32_t f)
{
    static const char *const names[] = {"read", "write", "cas", "append",
                                        "txn", "acquire", "release"};
    return f <= RAST_F_RELEASE ? names[f] : "?";
}

uint32_t hist_value_format(const struct strtab *strs, struct check_value v, char *buf,
                           uint32_t size)
{
    int n;
    if (v.kind == CHECK_KIND_INT) {
        n = snprintf(buf, size, "%" PRId64, (int64_t)v.bits);
    } else if (v.kind == CHECK_KIND_STR) {
        const char *s;
        uint32_t len;
        strtab_get(strs, (uint32_t)v.bits, &s, &len);
        n = snprintf(buf, size, "\"%.*s\"", (int)(len > 200 ? 200 : len), s);
    } else {
        n = snprintf(buf, size, "nil");
    }
    if (n < 0)
        return 0;
    return (uint32_t)n < size ? (uint32_t)n : (size > 0 ? size - 1 : 0);
}

void hist_value_print(const struct strtab *strs, struct check_value v, FILE *out)
{
    if (v.kind != CHECK_KIND_STR) {
        char buf[32];
        hist_value_format(strs, v, buf, sizeof buf);
        fputs(buf, out);
        return;
    }
    const char *s;
    uint32_t len;
    strtab_get(strs, (uint32_t)v.bits, &s, &len);
    fputc('"', out);
    for (uint32_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* Appends formatted text at *pos (bounded by size). */
static void hist_append(char *buf, uint32_t size, uint32_t *pos, const char *text)
{
    while (*text != '\0' && *pos + 1 < size)
        buf[(*pos)++] = *text++;
    buf[*pos] = '\0';
}

static void hist_append_value(const struct rast_history *h, struct check_value v, char *buf,
                              uint32_t size, uint32_t *pos)
{
    char tmp[256];
    hist_value_format(&h->strs, v, tmp, sizeof tmp);
    hist_append(buf, size, pos, tmp);
}

static void hist_describe_args(const struct rast_history *h, const struct hist_op *op, char *buf,
                               uint32_t size, uint32_t *pos)
{
    switch (op->f) {
    case RAST_F_WRITE:
    case RAST_F_APPEND:
        hist_append(buf, size, pos, " ");
        hist_append_value(h, op->arg0, buf, size, pos);
        break;
    case RAST_F_CAS:
        hist_append(buf, size, pos, " [");
        hist_append_value(h, op->arg0, buf, size, pos);
        hist_append(buf, size, pos, " ");
        hist_append_value(h, op->arg1, buf, size, pos);
        hist_append(buf, size, pos, "]");
        break;
    case RAST_F_TXN:
        hist_append(buf, size, pos, " [");
        for (uint32_t i = 0; i < op->txn_count; i++) {
            const struct hist_txn *t = &h->txns[op->txn_first + i];
            hist_append(buf, size, pos, i > 0 ? " [:" : "[:");
            hist_append(buf, size, pos, hist_f_name(t->f));
            hist_append(buf, size, pos, " ");
            hist_append_value(h, t->key, buf, size, pos);
            hist_append(buf, size, pos, " ");
            hist_append_value(h, t->value, buf, size, pos);
            hist_append(buf, size, pos, "]");
        }
        hist_append(buf, size, pos, "]");
        break;
    default:
        break;
    }
}

void hist_op_describe(const struct rast_history *h, uint32_t op_id, char *buf, uint32_t size)
{
    static const char *const outcomes[] = {":ok", ":fail", ":info", "(no completion)"};
    const struct hist_op *op = &h->ops[op_id];
    uint32_t pos = 0;
    char tmp[64];
    buf[0] = '\0';
    snprintf(tmp, sizeof tmp, "#%" PRIu32 " process %" PRIu64 " :", op_id, op->client);
    hist_append(buf, size, &pos, tmp);
    hist_append(buf, size, &pos, hist_f_name(op->f));
    if (op->key.kind != CHECK_KIND_NIL) {
        hist_append(buf, size, &pos, " key ");
        hist_append_value(h, op->key, buf, size, &pos);
    }
    hist_describe_args(h, op, buf, size, &pos);
    hist_append(buf, size, &pos, " -> ");
    hist_append(buf, size, &pos, outcomes[op->outcome]);
    if (op->f == RAST_F_READ && op->outcome == RAST_OUTCOME_OK) {
        hist_append(buf, size, &pos, " ");
        hist_append_value(h, op->result, buf, size, &pos);
    }
    if (op->invoke_line > 0) {
        if (op->complete_line > 0)
            snprintf(tmp, sizeof tmp, " (lines %" PRIu32 "-%" PRIu32 ")", op->invoke_line,
                     op->complete_line);
        else
            snprintf(tmp, sizeof tmp, " (line %" PRIu32 ")", op->invoke_line);
        hist_append(buf, size, &pos, tmp);
    }
}
