/*
 * fuzz_history.c: fuzzes the history readers of check/ (Jepsen/Knossos EDN, Porcupine etcd
 * and kv logs, rast's native format; rast_history_parse detects which) and what runs on a
 * history once it is read: both writers, the engine and the three reports.
 *
 * For any input: parsing returns 0 or RAST_CHECK_EPARSE / ENOMEM, never crashes, and an
 * error names a line and column inside the input. For an input that parses (h), these must
 * hold, else the harness traps (docs/check.md promises that writers "produce text that reads
 * back to the identical history"):
 *  - native: text N1 = write_native(h) parses to h2 with the same op and event counts, and
 *    write_native(h2) == N1 byte for byte (a history of txns cannot be written: EINVAL);
 *  - EDN: text E1 = write_edn(h) parses to h3 with the same op count, and
 *    write_edn(h3) == E1;
 *  - the engine runs with a small budget (never a hang: UNKNOWN is fine) and its text, JSON
 *    and HTML reports are written (to memory, then dropped).
 * No state survives an iteration.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rast_check.h"

#define FUZZ_HISTORY_STEPS_MAX      20000u
#define FUZZ_HISTORY_MEMO_BYTES_MAX (1u << 20)

typedef int (*fuzz_writer_fn)(const struct rast_history *h, FILE *out);

/* The text writer() makes of h, NUL-terminated (caller frees), or NULL with *rc set. */
static char *fuzz_write(fuzz_writer_fn writer, const struct rast_history *h, size_t *size, int *rc)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, size);
    if (f == NULL)
        fuzz_found("harness", "open_memstream failed");
    *rc = writer(h, f);
    fclose(f);
    if (*rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The parsed history, or NULL with the error (when msg is not NULL) in msg. */
static struct rast_history *fuzz_parse(const char *name, const char *text, size_t size, char *msg,
                                       size_t msg_size)
{
    struct rast_history *h = NULL;
    struct rast_check_error err;
    int rc = rast_history_parse(name, text, size, &h, &err);
    if (rc == RAST_CHECK_ENOMEM)
        return NULL;
    if (rc != 0) {
        char where[600];
        rast_check_error_format(&err, where, sizeof where);
        if (rc != RAST_CHECK_EPARSE || err.line == 0 || err.column == 0)
            fuzz_found("parse error without a location", where);
        if (msg != NULL) /* without the location: one signature per kind of error */
            snprintf(msg, msg_size, "%s", err.message);
        return NULL;
    }
    if (h == NULL)
        fuzz_found("parse", "returned 0 without a history");
    return h;
}

/* write(h) -> parse -> write again must give the same text. */
static void fuzz_round_trip(const struct rast_history *h, fuzz_writer_fn writer, const char *format)
{
    size_t size1 = 0, size2 = 0;
    int rc;
    char *text1 = fuzz_write(writer, h, &size1, &rc);
    if (text1 == NULL) {
        if (rc != RAST_CHECK_EINVAL && rc != RAST_CHECK_ENOMEM)
            fuzz_found(format, "the writer failed on a parsed history");
        return; /* EINVAL: the native format has no txns */
    }
    char why[300] = "";
    struct rast_history *again = fuzz_parse(format, text1, size1, why, sizeof why);
    if (again == NULL) {
        char detail[400];
        fprintf(stderr, "%s text that does not read back:\n%.*s\n", format, (int)size1, text1);
        snprintf(detail, sizeof detail, "the writer's text does not parse: %s", why);
        fuzz_found(format, detail);
    }
    if (rast_history_op_count(again) != rast_history_op_count(h))
        fuzz_found(format, "round trip changed the number of operations");
    char *text2 = fuzz_write(writer, again, &size2, &rc);
    if (text2 == NULL || size2 != size1 || memcmp(text1, text2, size1) != 0) {
        fprintf(stderr, "first:\n%.*s\nsecond:\n%.*s\n", (int)size1, text1,
                text2 == NULL ? 0 : (int)size2, text2 == NULL ? "" : text2);
        fuzz_found(format, "write -> parse -> write is not stable");
    }
    free(text2);
    free(text1);
    rast_history_destroy(again);
}

static int fuzz_report_text(const struct rast_check_result *r, const struct rast_history *h,
                            FILE *out)
{
    return rast_check_result_write_text(r, h, "fuzz", out);
}

static void fuzz_check(const struct rast_history *h)
{
    struct rast_check_options o;
    rast_check_options_init(&o);
    o.budget_steps_max = FUZZ_HISTORY_STEPS_MAX;
    o.memo_bytes_max = FUZZ_HISTORY_MEMO_BYTES_MAX;
    struct rast_check_result *r = NULL;
    struct rast_check_error err;
    int rc = rast_check_run(h, &o, &r, &err);
    if (rc != 0) {
        if (rc != RAST_CHECK_EMODEL && rc != RAST_CHECK_ENOMEM)
            fuzz_found("check", rast_check_strerror(rc));
        return;
    }
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (f == NULL)
        fuzz_found("harness", "open_memstream failed");
    if (fuzz_report_text(r, h, f) != 0 || rast_check_result_write_json(r, h, "fuzz", f) != 0 ||
        rast_check_result_write_html(r, h, "fuzz", f) != 0)
        fuzz_found("report", "a report writer failed on memory");
    fclose(f);
    free(buf);
    rast_check_result_destroy(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rast_history *h = fuzz_parse("fuzz", (const char *)data, size, NULL, 0);
    if (h == NULL)
        return 0;
    fuzz_round_trip(h, rast_history_write_native, "native");
    fuzz_round_trip(h, rast_history_write_edn, "edn");
    fuzz_check(h);
    rast_history_destroy(h);
    return 0;
}
