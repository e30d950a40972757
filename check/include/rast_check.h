/*
 * rast_check.h: the one public header of librastcheck, rast's linearizability checker.
 *
 * A history is a sequence of events (invocations and completions of operations by clients) in
 * real-time order: the order in which events are recorded (or appear in a file) IS the order in
 * which they happened. Times are carried for display only. The checker decides whether some
 * total order of the operations, consistent with that real-time order, is legal for a model
 * (a register, a CAS register, a key-value map, a multi-register, a mutex).
 *
 * Outcomes of an operation:
 *   OK   it happened (a read's result is what it returned);
 *   FAIL it did not happen; except for a CAS under the etcd and kv models, where FAIL is a
 *        definite answer "compare failed" (it happened and observed a different value);
 *   INFO (or no completion at all) it took effect once at some point after its invocation, or
 *        never.
 *
 * Ownership: a history owns every string passed to it (copied). Results own their text.
 * Every function that returns int returns 0 or a negative RAST_CHECK_E* code; see
 * rast_check_strerror(). No function asserts on bad input. Thread safety: distinct objects may
 * be used from distinct threads; one history may be checked by several threads at once (it is
 * only read by rast_check_run).
 */
#ifndef RAST_CHECK_H
#define RAST_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define RAST_CHECK_MUST_USE __attribute__((warn_unused_result))
#else
#define RAST_CHECK_MUST_USE
#endif

/* Error codes (negative). */
enum rast_check_error_code {
    RAST_CHECK_OK = 0,
    RAST_CHECK_ENOMEM = -1,   /* allocation failed */
    RAST_CHECK_EINVAL = -2,   /* bad argument (unknown op id, op completed twice, ...) */
    RAST_CHECK_EPARSE = -3,   /* malformed input; details in struct rast_check_error */
    RAST_CHECK_EIO = -4,      /* file could not be read or written */
    RAST_CHECK_EMODEL = -5,   /* history holds an operation the model does not support */
    RAST_CHECK_ETHREAD = -6,  /* kept for compatibility: no longer returned */
};

/* A static, human-readable description of an error code. Never NULL. */
const char *rast_check_strerror(int code);

/* ---- Values ---------------------------------------------------------------------------- */

enum rast_value_kind {
    RAST_VALUE_NIL = 0,  /* absent / unknown */
    RAST_VALUE_INT = 1,  /* a signed 64-bit integer in .i */
    RAST_VALUE_STR = 2,  /* bytes .str[0 .. .str_size_bytes) (need not be NUL-terminated) */
};

/* A value passed to the builder. Borrowed for the duration of the call only. */
struct rast_value {
    uint32_t kind;
    uint32_t str_size_bytes;
    int64_t i;
    const char *str;
};

#define RAST_NIL ((struct rast_value){RAST_VALUE_NIL, 0, 0, NULL})
#define RAST_INT(x) ((struct rast_value){RAST_VALUE_INT, 0, (int64_t)(x), NULL})
#define RAST_STR(s, n) ((struct rast_value){RAST_VALUE_STR, (uint32_t)(n), 0, (s)})

/* ---- Histories ------------------------------------------------------------------------- */

/* Operation functions. READ is also "get", WRITE also "put". */
enum rast_history_f {
    RAST_F_READ = 0,     /* read(key) -> value (the completion's result) */
    RAST_F_WRITE = 1,    /* write(key, arg0) */
    RAST_F_CAS = 2,      /* cas(key, arg0 = expected, arg1 = new) */
    RAST_F_APPEND = 3,   /* append(key, arg0): string concatenation */
    RAST_F_TXN = 4,      /* multi-register transaction (built by the EDN reader only) */
    RAST_F_ACQUIRE = 5,  /* mutex acquire */
    RAST_F_RELEASE = 6,  /* mutex release */
};

enum rast_history_outcome {
    RAST_OUTCOME_OK = 0,
    RAST_OUTCOME_FAIL = 1,
    RAST_OUTCOME_INFO = 2,
    RAST_OUTCOME_PENDING = 3,  /* not completed (yet): treated like INFO */
};

/* Models. AUTO takes the one the input format suggests (kv for histories built in memory). */
enum rast_check_model {
    RAST_MODEL_AUTO = 0,
    RAST_MODEL_ETCD = 1,            /* CAS register, nil = absent, failed CAS = mismatch */
    RAST_MODEL_KNOSSOS_CAS = 2,     /* CAS register, nil read matches anything, fail = no-op */
    RAST_MODEL_KV = 3,              /* map key -> value: get/put/cas/append */
    RAST_MODEL_REGISTER = 4,        /* read/write register, reads must match exactly */
    RAST_MODEL_MULTI_REGISTER = 5,  /* Knossos multi-register (txn of reads and writes) */
    RAST_MODEL_MUTEX = 6,           /* Knossos mutex (acquire/release) */
};

struct rast_history;

/* A new empty history, or NULL when out of memory. Destroy with rast_history_destroy. */
struct rast_history *rast_history_create(void);
void rast_history_destroy(struct rast_history *h);

/*
 * Records an invocation (appended after every event recorded so far). key may be NULL (single
 * register); arg0/arg1 may be NULL when the function takes no argument. time_ns is for display
 * and must be non-decreasing over events. The new op's id (0, 1, 2, ... in order of
 * invocation) goes to *op_id_out. Errors: EINVAL (f out of range, time going back), ENOMEM.
 */
RAST_CHECK_MUST_USE int rast_history_invoke(struct rast_history *h, uint64_t client,
                                            uint64_t time_ns, uint32_t f,
                                            const struct rast_value *key,
                                            const struct rast_value *arg0,
                                            const struct rast_value *arg1, uint32_t *op_id_out);

/*
 * Records the completion of op_id with outcome OK, FAIL or INFO. result is what a READ
 * returned (NULL or nil: it returned nil / "absent"); ignored for other functions.
 * Errors: EINVAL (unknown op id, already completed, bad outcome, time going back), ENOMEM.
 */
RAST_CHECK_MUST_USE int rast_history_complete(struct rast_history *h, uint32_t op_id,
                                              uint64_t time_ns, uint32_t outcome,
                                              const struct rast_value *result);

/* Counts. */
uint32_t rast_history_op_count(const struct rast_history *h);
uint32_t rast_history_event_count(const struct rast_history *h);

/* The model the history's format suggests (RAST_MODEL_KV for in-memory histories). */
uint32_t rast_history_model_hint(const struct rast_history *h);

/* Where and why parsing failed. file is truncated to fit; line and column count from 1. */
struct rast_check_error {
    char file[256];
    uint32_t line;
    uint32_t column;
    char message[256];
};

/* Writes "file:line:column: message" to out (no trailing newline when size is short). */
void rast_check_error_format(const struct rast_check_error *err, char *out, size_t size);

/*
 * Parses a history from buf[0..len) (the format is detected: Porcupine etcd log, Jepsen/Knossos
 * EDN or Porcupine kv EDN, or rast's native text format). name appears in errors. On success
 * *out owns a new history. Errors: EPARSE (with *err filled), ENOMEM.
 */
RAST_CHECK_MUST_USE int rast_history_parse(const char *name, const char *buf, size_t len,
                                           struct rast_history **out,
                                           struct rast_check_error *err);

/* Reads and parses a file. Errors: EIO (with *err naming the file), EPARSE, ENOMEM. */
RAST_CHECK_MUST_USE int rast_history_load_file(const char *path, struct rast_history **out,
                                               struct rast_check_error *err);

/* Writes the history in rast's native text format (docs/check.md). Errors: EIO. */
RAST_CHECK_MUST_USE int rast_history_write_native(const struct rast_history *h, FILE *out);

/* Writes the history as a Jepsen EDN vector of op maps. Errors: EIO. */
RAST_CHECK_MUST_USE int rast_history_write_edn(const struct rast_history *h, FILE *out);

/* ---- Checking -------------------------------------------------------------------------- */

enum rast_check_verdict {
    RAST_CHECK_LINEARIZABLE = 0,
    RAST_CHECK_NOT_LINEARIZABLE = 1,
    RAST_CHECK_UNKNOWN = 3,
};

enum rast_check_unknown_reason {
    RAST_CHECK_REASON_NONE = 0,
    RAST_CHECK_REASON_STEPS = 1,       /* budget_steps_max exceeded in some partition */
    RAST_CHECK_REASON_MEMO_BYTES = 2,  /* memo_bytes_max exceeded in some partition */
};

#define RAST_CHECK_BUDGET_STEPS_DEFAULT UINT64_C(200000000)
#define RAST_CHECK_MEMO_BYTES_DEFAULT (UINT64_C(512) << 20)

struct rast_check_memory;

struct rast_check_options {
    uint32_t model;             /* enum rast_check_model */
    bool partition;             /* check each key on its own (P-compositionality); default on */
    uint32_t jobs;              /* worker threads for partitions; 0 or 1 = run inline */
    uint64_t budget_steps_max;  /* model steps per partition before UNKNOWN */
    uint64_t memo_bytes_max;    /* memo table + arena bytes per partition before UNKNOWN */
    bool has_initial;           /* use .initial as the initial value of every register/key */
    struct rast_value initial;  /* else: the model's default (etcd/kv/register: nil; knossos-cas
                                   and multi-register: 0; Porcupine kv files: "") */
    struct rast_check_memory *memory; /* NULL (default): the run allocates its own; else the
                                         calling thread's search memory is kept in it */
};

/* Fills the defaults: AUTO model, partition on, 1 job, default budgets, no initial override. */
void rast_check_options_init(struct rast_check_options *opts);

struct rast_check_result;

/*
 * Checks h. On success *out owns a result (destroy with rast_check_result_destroy); its verdict
 * is one of enum rast_check_verdict. The result (and all text written from it) is identical
 * byte for byte for any number of jobs; worker threads that cannot be started are done
 * without (the calling thread searches too). err may be NULL. Errors: EMODEL (the history holds
 * an operation the model cannot check; *err names the op's source line), ENOMEM.
 */
RAST_CHECK_MUST_USE int rast_check_run(const struct rast_history *h,
                                       const struct rast_check_options *opts,
                                       struct rast_check_result **out,
                                       struct rast_check_error *err);

void rast_check_result_destroy(struct rast_check_result *r);

/*
 * Memory for callers that check many histories one after another (a benchmark, a simulator
 * sweep, a fuzz harness): with opts.memory set, the searches run on the calling thread take
 * their allocations (search state, memo tables, ropes) from it and leave them there for the
 * next rast_check_run, instead of freeing them. Otherwise the allocator may hand the top of
 * the heap back to the system after every run, and the next run faults it in again. It
 * changes no result and no budget accounting (memo bytes count the same). One memory serves
 * one rast_check_run at a time; it holds what the largest search left until destroyed.
 * Create returns NULL when out of memory.
 */
struct rast_check_memory *rast_check_memory_create(void);
void rast_check_memory_destroy(struct rast_check_memory *m);

/* A summary of a result, for programs (the simulator) that do not want text. */
struct rast_check_summary {
    uint32_t verdict;             /* enum rast_check_verdict */
    uint32_t unknown_reason;      /* enum rast_check_unknown_reason */
    uint32_t model;               /* the model actually used */
    uint32_t partition_count;     /* partitions in the history */
    uint32_t partitions_linearizable; /* partitions proven linearizable (the search stops at
                                         the first violation, so not always all of them) */
    uint32_t fail_partition;      /* index of the failing/unknown partition, else UINT32_MAX */
    uint32_t fail_op_id;          /* history op id that cannot be linearized, else UINT32_MAX */
    uint32_t prefix_op_count;     /* ops in the longest consistent prefix of that partition */
    uint64_t steps;               /* model steps, over all partitions and budget rounds */
    uint64_t memo_bytes_peak;     /* the largest memo of any partition's search */
};

void rast_check_result_summary(const struct rast_check_result *r,
                               struct rast_check_summary *out);

/* The ids (in linearization order) of the longest consistent prefix; count in the summary. */
const uint32_t *rast_check_result_prefix(const struct rast_check_result *r);

/*
 * Reports. name labels the input (e.g. the file name). Text: one line for a linearizable
 * history; on a violation the key, the first operation that cannot be linearized, the longest
 * consistent prefix and the states reachable just before it; on UNKNOWN the reason and the
 * progress reached. JSON: one object. HTML: one self-contained page (no network) with the
 * failing (or first) partition's timeline. Errors: EIO.
 */
RAST_CHECK_MUST_USE int rast_check_result_write_text(const struct rast_check_result *r,
                                                     const struct rast_history *h,
                                                     const char *name, FILE *out);
RAST_CHECK_MUST_USE int rast_check_result_write_json(const struct rast_check_result *r,
                                                     const struct rast_history *h,
                                                     const char *name, FILE *out);
RAST_CHECK_MUST_USE int rast_check_result_write_html(const struct rast_check_result *r,
                                                     const struct rast_history *h,
                                                     const char *name, FILE *out);

/* "etcd", "knossos-cas", "kv", "register", "multi-register", "mutex" (or "auto"). */
const char *rast_check_model_name(uint32_t model);
/* The model for a name, or -1 (as int) when unknown. */
int rast_check_model_parse(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* RAST_CHECK_H */
