/*
 * porcupine.h: Porcupine's etcd logs (Jepsen console lines, one event per line):
 *     INFO  jepsen.util - <process> <type> <f> <value>
 * fields separated by tabs or runs of spaces; <value> is nil, an integer, [from to] or a
 * keyword such as :timed-out. (Porcupine's kv logs are EDN: see jepsen.h.)
 */
#ifndef RAST_CHECK_PORCUPINE_H
#define RAST_CHECK_PORCUPINE_H

#include "history.h"

/* The fields of one event line. */
struct porc_fields {
    int64_t process;
    uint64_t process_at;   /* byte offset of the process number (for error messages) */
    uint32_t type;         /* 0 :invoke, 1 :ok, 2 :fail, 3 :info */
    uint32_t f;            /* RAST_F_READ, RAST_F_WRITE or RAST_F_CAS */
    struct check_value a0; /* the value (nil for nil or a keyword), or CAS's from */
    struct check_value a1; /* CAS's to */
};

/*
 * The fast path (porcupine_fast.c): parses buf[pos, end) when it has the common shape
 * ("INFO" "jepsen.util" "-" digits type f value, blank-separated, integers of at most 18
 * digits) exactly as the general reader would. Returns false for anything else (nothing is
 * reported): the general reader then parses the line and locates any error.
 */
bool porcupine_fast_line(const char *buf, uint64_t pos, uint64_t end, struct porc_fields *out);

/*
 * The first try for a line at buf[pos] (its start): the line exactly as Porcupine's logs
 * spell it, one tab between the fields after the prefix,
 *     INFO  jepsen.util - 12\t:invoke\t:cas\t[3 4]
 * with no blanks after the value ([from to] with one space). Fills out as porcupine_fast_line
 * would and sets *end to the line's end (its '\n' or len); false for anything else (a line
 * that starts less than 64 bytes from the end of the input included).
 */
bool porcupine_template_line(const char *buf, uint64_t pos, uint64_t len, struct porc_fields *out,
                             uint64_t *end);

/* Parses an etcd log into h (empty). Errors: EPARSE (err filled), ENOMEM. */
int porcupine_parse(struct rast_history *h, const char *name, const char *buf, uint64_t len,
                    struct rast_check_error *err);

#endif /* RAST_CHECK_PORCUPINE_H */
