/*
 * history.h: the in-memory history (struct rast_history) shared by every reader, writer and
 * the checker.
 *
 * Invariants:
 *  1. events[] is in real-time order; each op has exactly one INVOKE event and at most one
 *     completion event after it (invoke_event < complete_event).
 *  2. ops[] is in order of invocation (op id = index), so invoke_event is increasing in id.
 *  3. A value of kind STR holds an id of h->strs. A TXN op's micro-ops are
 *     txns[txn_first .. txn_first + txn_count) (replaced by the completion's on OK).
 *  4. Times never decrease along events[] (they are for display; order is events[]).
 */
#ifndef RAST_CHECK_HISTORY_H
#define RAST_CHECK_HISTORY_H

#include "rast_check.h"
#include "strtab.h"

#define HIST_NONE UINT32_MAX

enum hist_event_kind { HIST_EV_INVOKE = 0, HIST_EV_OK = 1, HIST_EV_FAIL = 2, HIST_EV_INFO = 3 };

struct hist_op {
    uint64_t client;
    uint64_t invoke_time_ns;
    uint64_t complete_time_ns;
    struct check_value key;
    struct check_value arg0;
    struct check_value arg1;
    struct check_value result;
    uint32_t f;              /* enum rast_history_f */
    uint32_t outcome;        /* enum rast_history_outcome */
    uint32_t invoke_event;
    uint32_t complete_event; /* HIST_NONE while pending */
    uint32_t invoke_line;    /* source line (0 when built in memory) */
    uint32_t complete_line;
    uint32_t txn_first;
    uint32_t txn_count;
};

struct hist_txn {
    uint32_t f;              /* RAST_F_READ or RAST_F_WRITE */
    uint32_t pad;
    struct check_value key;
    struct check_value value;
};

struct hist_event {
    uint32_t op;
    uint32_t kind;           /* enum hist_event_kind */
};

struct rast_history {
    char name[256];
    struct strtab strs;
    struct hist_op *ops;
    uint32_t op_count;
    uint32_t op_cap;
    struct hist_event *events;
    uint32_t event_count;
    uint32_t event_cap;
    struct hist_txn *txns;
    uint32_t txn_count;
    uint32_t txn_cap;
    uint64_t last_time_ns;
    uint32_t model_hint;
    bool has_initial_hint;
    struct check_value initial_hint;
};

/* Internal builder (values already converted). line is the source line or 0. */
int hist_invoke(struct rast_history *h, uint64_t client, uint64_t time_ns, uint32_t f,
                struct check_value key, struct check_value arg0, struct check_value arg1,
                uint32_t line, uint32_t *op_id_out);
int hist_complete(struct rast_history *h, uint32_t op_id, uint64_t time_ns, uint32_t outcome,
                  struct check_value result, uint32_t line);
/* The stores of an invocation, once its op and event have room and time_ns is checked: op id
 * (h->op_count) invoked at time_ns, its event next. Every field is listed (hist_invoke and
 * hist_invoke_fast share this; history.c asserts the struct's size). */
static inline void hist_store_invoke(struct rast_history *h, uint64_t client, uint64_t time_ns,
                                     uint32_t f, struct check_value key, struct check_value arg0,
                                     struct check_value arg1, uint32_t line)
{
    uint32_t id = h->op_count, event = h->event_count;
    h->events[event] = (struct hist_event){ id, HIST_EV_INVOKE };
    h->ops[id] = (struct hist_op){ .client = client,
                                   .invoke_time_ns = time_ns,
                                   .complete_time_ns = 0,
                                   .key = key,
                                   .arg0 = arg0,
                                   .arg1 = arg1,
                                   .result = CHECK_NIL_VALUE,
                                   .f = f,
                                   .outcome = RAST_OUTCOME_PENDING,
                                   .invoke_event = event,
                                   .complete_event = HIST_NONE,
                                   .invoke_line = line,
                                   .complete_line = 0,
                                   .txn_first = 0,
                                   .txn_count = 0 };
    h->op_count = id + 1;
    h->event_count = event + 1;
    h->last_time_ns = time_ns;
}

/* The stores of op_id's completion (outcome OK, FAIL or INFO), once its event has room and the
 * op and time_ns are checked (hist_complete and hist_complete_fast share this). */
static inline void hist_store_complete(struct rast_history *h, uint32_t op_id, uint64_t time_ns,
                                       uint32_t outcome, struct check_value result, uint32_t line)
{
    static const uint32_t kinds[] = { HIST_EV_OK, HIST_EV_FAIL, HIST_EV_INFO };
    uint32_t event = h->event_count;
    struct hist_op *op = &h->ops[op_id];
    h->events[event] = (struct hist_event){ op_id, kinds[outcome] };
    op->outcome = outcome;
    op->complete_event = event;
    op->complete_time_ns = time_ns;
    op->complete_line = line;
    if (outcome == RAST_OUTCOME_OK && op->f == RAST_F_READ)
        op->result = result;
    h->event_count = event + 1;
    h->last_time_ns = time_ns;
}

/* hist_invoke for a reader whose ops and events have room (hist_reserve), inline: the readers'
 * usual line, without the call and the checks the builder needs. The caller knows f is a
 * function; the time is the event count. Anything else takes hist_invoke. */
static inline int hist_invoke_fast(struct rast_history *h, uint64_t client, uint32_t f,
                                   struct check_value key, struct check_value arg0,
                                   struct check_value arg1, uint32_t line, uint32_t *op_id_out)
{
    uint32_t id = h->op_count, event = h->event_count;
    if (id >= h->op_cap || event >= h->event_cap || event < h->last_time_ns)
        return hist_invoke(h, client, event, f, key, arg0, arg1, line, op_id_out);
    hist_store_invoke(h, client, event, f, key, arg0, arg1, line);
    *op_id_out = id;
    return 0;
}

/* hist_complete likewise, for the completion (outcome: enum rast_history_outcome, not
 * PENDING) of op_id, an op of h still pending. */
static inline int hist_complete_fast(struct rast_history *h, uint32_t op_id, uint32_t outcome,
                                     struct check_value result, uint32_t line)
{
    uint32_t event = h->event_count;
    if (event >= h->event_cap || outcome > RAST_OUTCOME_INFO || event < h->last_time_ns)
        return hist_complete(h, op_id, event, outcome, result, line);
    hist_store_complete(h, op_id, event, outcome, result, line);
    return 0;
}

/* Makes room for op_count ops and twice as many events (a reader's estimate from its input's
 * size: growing by doubling copied the arrays several times). Errors: ENOMEM. */
int hist_reserve(struct rast_history *h, uint32_t op_count);
/* Appends one micro-op; returns its index in h->txns via *index_out. */
int hist_txn_push(struct rast_history *h, uint32_t f, struct check_value key,
                  struct check_value value, uint32_t *index_out);
/* Converts a public value (interning strings). */
int hist_value(struct rast_history *h, const struct rast_value *v, struct check_value *out);
/* The longest keyword the EDN readers take as a value, with its ':' (interned as the string
 * ":name"); the EDN writer writes longer strings of that form as strings. */
#define HIST_KEYWORD_VALUE_BYTES_MAX 256u

/* Interns s[0..size) as a value (inline: the readers call it for most lines). Errors: ENOMEM. */
static inline int hist_intern(struct rast_history *h, const char *s, uint32_t size,
                              struct check_value *out)
{
    uint32_t id;
    if (strtab_intern(&h->strs, s, size, &id) != 0)
        return RAST_CHECK_ENOMEM;
    *out = (struct check_value){ CHECK_KIND_STR, id };
    return 0;
}

/* Prints a value in EDN syntax (nil, 12, "str") into buf; returns the length written. */
uint32_t hist_value_format(const struct strtab *strs, struct check_value v, char *buf,
                           uint32_t size);
/* Writes a value as EDN to out (strings escaped). */
void hist_value_print(const struct strtab *strs, struct check_value v, FILE *out);
/* "read", "write", "cas", "append", "txn", "acquire", "release" */
const char *hist_f_name(uint32_t f);
/* Describes op as e.g. `process 3 :cas [1 2] -> :fail` into buf. */
void hist_op_describe(const struct rast_history *h, uint32_t op_id, char *buf, uint32_t size);

#endif /* RAST_CHECK_HISTORY_H */
