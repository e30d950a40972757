/*
 * history.h: the clients' history: every invocation and completion, in the order they
 * happened (simulated time, then event order), kept in sim's own compact structs during a
 * run. At the end of a run it is handed to the linearizability checker (check/, through
 * history_check_linearizable) when that is built, and always to a cheap stand-in per-key
 * check (history_check_simple) that catches reads of values never written, reads of failed
 * writes and stale reads.
 *
 * Outcomes: OK (it happened), FAIL (it did not happen; for a cas: compare failed, which is
 * also definite), INFO (unknown: timed out or the leader stepped down; it may take effect at
 * any later time or never).
 */
#ifndef SIM_HISTORY_H
#define SIM_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HISTORY_OPS_MAX 65536u

enum history_outcome {
    HISTORY_PENDING = 0,
    HISTORY_OK = 1,
    HISTORY_FAIL = 2,
    HISTORY_INFO = 3,
};

struct history_op {
    uint64_t invoke_us;
    uint64_t complete_us; /* UINT64_MAX while pending */
    uint64_t invoke_seq;  /* position of the invocation in the event order */
    uint64_t complete_seq;
    uint32_t client;
    uint8_t type; /* enum kv_op_type */
    uint8_t key;
    uint8_t outcome; /* enum history_outcome */
    uint8_t pad;
    uint64_t v1;     /* put: value; cas: expected */
    uint64_t v2;     /* cas: new value */
    uint64_t result; /* get: the value read (0 = nil) */
};

struct history {
    struct history_op *ops;
    uint32_t count;
    uint64_t seq_next;
    /* scratch for history_check_simple, sized at init */
    uint32_t *source_of; /* written value -> op id (values are < HISTORY_VALUES_MAX) */
    uint32_t *by_key;    /* ok writes of one key, by completion */
    uint64_t *prefix_max_invoke;
};

#define HISTORY_VALUES_MAX (2u * HISTORY_OPS_MAX + 2u)

bool history_init(struct history *h);
void history_free(struct history *h);
void history_clear(struct history *h);
/* Returns the op id, or UINT32_MAX when HISTORY_OPS_MAX is reached. */
uint32_t history_invoke(struct history *h, uint64_t now_us, uint32_t client, uint8_t type,
                        uint8_t key, uint64_t v1, uint64_t v2);
void history_complete(struct history *h, uint32_t op_id, uint64_t now_us, uint8_t outcome,
                      uint64_t result);

/* Writes the history as text, one line per event in event order:
 *   <time_us> c<client> invoke|ok|fail|info <op> k<key> <v1> [<v2>] [-> <result>]
 * through sink. Scratch memory: index must hold 2 * count entries. */
typedef void (*history_sink_fn)(void *ctx, const char *text, size_t size);
void history_write_text(const struct history *h, history_sink_fn sink, void *ctx);

/* The stand-in check. Returns true when no violation was found; otherwise writes one line
 * describing it into why. */
bool history_check_simple(struct history *h, char *why, size_t why_size);

/* The real linearizability check (check/). Returns 1 linearizable, 0 not, -1 unknown or
 * unavailable; why describes a violation. memory (NULL: none) keeps the checker's search
 * memory from one call to the next (rast_check_memory in rast_check.h); it changes no verdict. */
struct rast_check_memory;
int history_check_linearizable(const struct history *h, struct rast_check_memory *memory,
                               char *why, size_t why_size);
/* A memory for history_check_linearizable; NULL without the checker or out of memory. */
struct rast_check_memory *history_check_memory_create(void);
void history_check_memory_destroy(struct rast_check_memory *memory);

#endif /* SIM_HISTORY_H */
