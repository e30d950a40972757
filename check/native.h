/*
 * native.h: rast's own history text format (documented in docs/check.md), written by the
 * simulator and read back by rast-check. One event per line:
 *
 *     rast-history 1
 *     model kv                      (optional, before the first event)
 *     initial nil                   (optional, before the first event)
 *     invoke <op> <client> <time> <f> <key> [<arg> [<arg>]]
 *     ok <op> <time> [<value>]
 *     fail <op> <time>
 *     info <op> <time>
 *
 * Ops are numbered 0, 1, 2, ... in order of invocation; values are nil, integers or "strings".
 */
#ifndef RAST_CHECK_NATIVE_H
#define RAST_CHECK_NATIVE_H

#include "history.h"

#define NATIVE_MAGIC "rast-history"

/* Parses the native format into h (empty). Errors: EPARSE (err filled), ENOMEM. */
int native_parse(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                 struct rast_check_error *err);

#endif /* RAST_CHECK_NATIVE_H */
