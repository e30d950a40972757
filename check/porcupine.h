/*
 * porcupine.h: Porcupine's etcd logs (Jepsen console lines, one event per line):
 *     INFO  jepsen.util - <process> <type> <f> <value>
 * fields separated by tabs or runs of spaces; <value> is nil, an integer, [from to] or a
 * keyword such as :timed-out. (Porcupine's kv logs are EDN: see jepsen.h.)
 */
#ifndef RAST_CHECK_PORCUPINE_H
#define RAST_CHECK_PORCUPINE_H

#include "history.h"

/* Parses an etcd log into h (empty). Errors: EPARSE (err filled), ENOMEM. */
int porcupine_parse(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                    struct rast_check_error *err);

#endif /* RAST_CHECK_PORCUPINE_H */
