/*
 * jepsen.h: Jepsen / Knossos EDN histories and Porcupine's kv logs (one EDN op map per line).
 */
#ifndef RAST_CHECK_JEPSEN_H
#define RAST_CHECK_JEPSEN_H

#include "history.h"

/* Parses buf as EDN op maps into h (empty). Errors: EPARSE (err filled), ENOMEM. */
int jepsen_parse(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                 struct rast_check_error *err);
/* The same, with the fast path (jepsen_fast_line) off when fast is false: for tests. */
int jepsen_parse_with(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                      bool fast, struct rast_check_error *err);

/* A scalar of an op map as the fast path (jepsen_fast.c) found it: a keyword is kept with its
 * ':' (at = the ':'), a string without its quotes. */
enum {
    JEPSEN_V_ABSENT = 0,
    JEPSEN_V_NIL,
    JEPSEN_V_INT,
    JEPSEN_V_STR,
    JEPSEN_V_KEYWORD,
    JEPSEN_V_OTHER, /* true, false or a symbol: EDN, but no scalar the reader takes */
};

struct jepsen_scalar {
    uint32_t kind;
    uint32_t size; /* STR, KEYWORD: bytes at buf + at */
    uint64_t at;
    int64_t i; /* INT */
};

/* The fields of one op map. */
struct jepsen_line {
    uint64_t end;      /* just after the '}' */
    uint32_t newlines; /* '\n' bytes in the map's text */
    int64_t process; /* >= 0 */
    uint32_t type;   /* 0 :invoke, 1 :ok, 2 :fail, 3 :info */
    uint32_t f;      /* enum rast_history_f */
    bool f_kv;       /* :get, :put or :append (Porcupine's kv vocabulary) */
    struct jepsen_scalar key;
    struct jepsen_scalar value;
};

/* The function a Jepsen :f keyword names (name without its ':'), and whether it belongs to the
 * kv vocabulary (:get, :put, :append); false for a name the reader does not take. The one table
 * of both readers. */
bool jepsen_f_named(const char *name, uint32_t size, uint32_t *f, bool *kv);

/*
 * The fast path (jepsen_fast.c): reads the op map at buf[pos] when it has the usual shape
 * (keyword keys; integer, keyword, escape-free string, nil, true, false or symbol values; an
 * integer :process >= 0, a known :type and :f; no field twice), exactly as the general reader
 * would. Returns false for anything else (nothing is reported): the general reader then reads
 * the form and locates any error.
 */
bool jepsen_fast_line(const char *buf, uint64_t pos, uint64_t len, struct jepsen_line *out);

/* A map from process id to its outstanding op (used by the line readers too). Processes below
 * PROCMAP_DENSE_MAX (every client of the usual logs) index an array; the rest are hashed. */
#define PROCMAP_DENSE_MAX 4096u
struct procmap {
    uint32_t *dense; /* op id + 1 of process p < dense_count; 0 = nothing outstanding */
    uint32_t dense_count;
    uint32_t mask;
    uint64_t *keys;
    uint32_t *values; /* op id + 1; 0 = nothing outstanding; UINT32_MAX = empty slot */
    uint32_t count;
};

void procmap_free(struct procmap *m);
/* procmap_slot's path for processes not yet in the array (it grows it) or beyond it. */
uint32_t *procmap_slot_slow(struct procmap *m, uint64_t process);

/* The slot for process (inserted when absent); NULL when out of memory. */
static inline uint32_t *procmap_slot(struct procmap *m, uint64_t process)
{
    return process < m->dense_count ? &m->dense[process] : procmap_slot_slow(m, process);
}

#endif /* RAST_CHECK_JEPSEN_H */
