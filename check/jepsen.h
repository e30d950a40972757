/*
 * jepsen.h: Jepsen / Knossos EDN histories and Porcupine's kv logs (one EDN op map per line).
 */
#ifndef RAST_CHECK_JEPSEN_H
#define RAST_CHECK_JEPSEN_H

#include "history.h"

/* Parses buf as EDN op maps into h (empty). Errors: EPARSE (err filled), ENOMEM. */
int jepsen_parse(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                 struct rast_check_error *err);

/* A map from process id to its outstanding op (used by the line readers too). */
struct procmap {
    uint64_t *keys;
    uint32_t *values;   /* op id + 1; 0 = nothing outstanding; UINT32_MAX = empty slot */
    uint32_t mask;
    uint32_t count;
};

void procmap_free(struct procmap *m);
/* The slot for process (inserted when absent); NULL when out of memory. */
uint32_t *procmap_slot(struct procmap *m, uint64_t process);

#endif /* RAST_CHECK_JEPSEN_H */
