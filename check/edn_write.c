/*
 * edn_write.c: writing a history as Jepsen EDN: a vector of op maps in event order, e.g.
 *     {:process 3, :type :invoke, :f :cas, :key "k", :value [1 2]}
 * :key appears only for ops that have one; a completion repeats the invocation's value
 * except that an :ok read carries what it read. Strings that look like keywords (":x", as the
 * readers store EDN keywords) are written back as keywords, unless longer than the readers take
 * (HIST_KEYWORD_VALUE_BYTES_MAX): those stay strings, which read back as the same value. Knossos
 * and our reader accept it.
 *
 * Jepsen allows one open operation per process; the native format lets a client move on after
 * a timeout. An operation invoked while its client's process is still open gets a fresh
 * process number (above every client id), as Jepsen does for a process that timed out.
 */
#include "history.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static bool edn_write_is_keyword(const struct rast_history *h, struct check_value v)
{
    if (v.kind != CHECK_KIND_STR)
        return false;
    const char *s;
    uint32_t size;
    strtab_get(&h->strs, (uint32_t)v.bits, &s, &size);
    if (size < 2 || size > HIST_KEYWORD_VALUE_BYTES_MAX || s[0] != ':')
        return false;
    for (uint32_t i = 1; i < size; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '?' || c == '!' || c == '.' || c == '*';
        if (!ok)
            return false;
    }
    return true;
}

static void edn_write_value(const struct rast_history *h, struct check_value v, FILE *out)
{
    if (edn_write_is_keyword(h, v)) {
        const char *s;
        uint32_t size;
        strtab_get(&h->strs, (uint32_t)v.bits, &s, &size);
        fwrite(s, 1, size, out);
        return;
    }
    hist_value_print(&h->strs, v, out);
}

static void edn_write_op_value(const struct rast_history *h, const struct hist_op *op,
                               bool completion, FILE *out)
{
    switch (op->f) {
    case RAST_F_READ:
        edn_write_value(h, completion && op->outcome == RAST_OUTCOME_OK ? op->result
                                                                        : CHECK_NIL_VALUE, out);
        break;
    case RAST_F_WRITE:
    case RAST_F_APPEND:
        edn_write_value(h, op->arg0, out);
        break;
    case RAST_F_CAS:
        fputc('[', out);
        edn_write_value(h, op->arg0, out);
        fputc(' ', out);
        edn_write_value(h, op->arg1, out);
        fputc(']', out);
        break;
    case RAST_F_TXN:
        fputc('[', out);
        for (uint32_t i = 0; i < op->txn_count; i++) {
            const struct hist_txn *t = &h->txns[op->txn_first + i];
            fprintf(out, "%s[:%s ", i > 0 ? " " : "", hist_f_name(t->f));
            edn_write_value(h, t->key, out);
            fputc(' ', out);
            edn_write_value(h, t->value, out);
            fputc(']', out);
        }
        fputc(']', out);
        break;
    default:
        fputs("nil", out);
        break;
    }
}

/* The process number of every op: its client's, unless that process still has an op open
 * at the op's invocation; then a fresh one. Returns NULL when out of memory. */
static uint64_t *edn_write_processes(const struct rast_history *h)
{
    uint64_t *proc = malloc(((size_t)h->op_count + 1) * sizeof *proc);
    uint64_t *open = malloc(((size_t)h->op_count + 1) * sizeof *open);
    if (proc == NULL || open == NULL) {
        free(proc);
        free(open);
        return NULL;
    }
    uint64_t fresh = 0;
    for (uint32_t i = 0; i < h->op_count; i++)
        fresh = h->ops[i].client >= fresh ? h->ops[i].client + 1 : fresh;
    uint32_t open_count = 0;
    for (uint32_t e = 0; e < h->event_count; e++) {
        uint32_t id = h->events[e].op;
        if (h->events[e].kind != HIST_EV_INVOKE) {
            for (uint32_t k = 0; k < open_count; k++) {
                if (open[k] == proc[id]) {
                    open[k] = open[--open_count];
                    break;
                }
            }
            continue;
        }
        proc[id] = h->ops[id].client;
        for (uint32_t k = 0; k < open_count; k++) {
            if (open[k] == proc[id]) {
                proc[id] = fresh++;
                break;
            }
        }
        open[open_count++] = proc[id];
    }
    free(open);
    return proc;
}

int rast_history_write_edn(const struct rast_history *h, FILE *out)
{
    static const char *const kinds[] = {"invoke", "ok", "fail", "info"};
    uint64_t *proc = edn_write_processes(h);
    if (proc == NULL)
        return RAST_CHECK_ENOMEM;
    fputc('[', out);
    for (uint32_t e = 0; e < h->event_count; e++) {
        const struct hist_op *op = &h->ops[h->events[e].op];
        bool completion = h->events[e].kind != HIST_EV_INVOKE;
        fprintf(out, "%s{:process %" PRIu64 ", :type :%s, :f :%s", e > 0 ? "\n " : "",
                proc[h->events[e].op], kinds[h->events[e].kind], hist_f_name(op->f));
        if (op->key.kind != CHECK_KIND_NIL) {
            fputs(", :key ", out);
            edn_write_value(h, op->key, out);
        }
        if (op->f != RAST_F_ACQUIRE && op->f != RAST_F_RELEASE) {
            fputs(", :value ", out);
            edn_write_op_value(h, op, completion, out);
        }
        fputc('}', out);
    }
    fputs("]\n", out);
    free(proc);
    return ferror(out) ? RAST_CHECK_EIO : 0;
}
