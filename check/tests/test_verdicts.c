/*
 * test_verdicts.c: every history in ../shared/histories/{porcupine,knossos}/verdicts.tsv gets
 * the verdict its upstream tests assert (and, where a test pins it, the same first operation
 * that cannot be linearized); the empty and untested ones are listed as skipped with a reason.
 *
 * Usage: test_check_verdicts HISTORIES_DIR (meson passes ../shared/histories). A missing folder
 * is a failure, never a silent pass.
 */
#define _POSIX_C_SOURCE 200809L
#include "rast_check.h"
#include "rast_test.h"

#include <stdlib.h>
#include <string.h>

static const char *histories_dir;
static uint32_t asserted_count, folder_only_count, skipped_count, pinned_count;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *p = realloc(buf, cap *= 2);
            if (p == NULL)
                free(buf);
            buf = p;
        }
    }
    fclose(f);
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

/* Checks one file; returns the verdict or -1 on a load/check error. */
static int check_file(const char *path, const struct rast_check_options *opts,
                      struct rast_check_summary *s, struct rast_history **h_out)
{
    struct rast_history *h;
    struct rast_check_error err;
    struct rast_check_result *r;
    if (rast_history_load_file(path, &h, &err) != 0) {
        fprintf(stderr, "  cannot load %s: %s\n", path, err.message);
        return -1;
    }
    if (rast_check_run(h, opts, &r, &err) != 0) {
        fprintf(stderr, "  cannot check %s: %s\n", path, err.message);
        rast_history_destroy(h);
        return -1;
    }
    rast_check_result_summary(r, s);
    rast_check_result_destroy(r);
    if (h_out != NULL)
        *h_out = h;
    else
        rast_history_destroy(h);
    return (int)s->verdict;
}

/* Knossos notes pin the failing op as ":op = process N :ok :read V". Checks ours matches. */
static bool pinned_op_matches(const char *path, const char *note,
                              const struct rast_check_options *opts)
{
    const char *at = strstr(note, ":op = process ");
    if (at == NULL)
        return true;
    long long process, value;
    if (sscanf(at, ":op = process %lld :ok :read %lld", &process, &value) != 2)
        return true;
    struct rast_check_summary s;
    struct rast_history *h = NULL;
    if (check_file(path, opts, &s, &h) != RAST_CHECK_NOT_LINEARIZABLE ||
        s.fail_op_id == UINT32_MAX) {
        rast_history_destroy(h);
        return false;
    }
    /* Write the op as native text and compare its client and read value. */
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    bool ok = false;
    if (mem != NULL && rast_history_write_native(h, mem) == 0 && fclose(mem) == 0) {
        char want_invoke[64], want_ok[64];
        snprintf(want_invoke, sizeof want_invoke, "invoke %u %lld ", s.fail_op_id, process);
        snprintf(want_ok, sizeof want_ok, "ok %u ", s.fail_op_id);
        const char *inv = strstr(buf, want_invoke), *okl = strstr(buf, want_ok);
        const char *nl = okl != NULL ? strchr(okl, '\n') : NULL;
        char tail[32];
        snprintf(tail, sizeof tail, " %lld", value);
        ok = inv != NULL && okl != NULL && nl != NULL && (size_t)(nl - okl) > strlen(tail) &&
             strncmp(nl - strlen(tail), tail, strlen(tail)) == 0;
        pinned_count += ok;
    }
    free(buf);
    rast_history_destroy(h);
    if (!ok)
        fprintf(stderr, "  %s: failing op differs from the pinned %s\n", path, at);
    return ok;
}

static bool is_empty_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    bool empty = fgetc(f) == EOF;
    fclose(f);
    return empty;
}

/* One row of a verdicts.tsv. Returns false on a mismatch. */
static bool check_row(const char *folder, char *file, char *expected, char *note)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", histories_dir, folder, file);
    if (strcmp(expected, "untested") == 0 || is_empty_file(path)) {
        printf("  skipped %s/%s: %s\n", folder, file,
               is_empty_file(path) ? "empty file, no upstream verdict" : "untested upstream");
        skipped_count++;
        return true;
    }
    bool folder_only = strstr(expected, "folder only") != NULL;
    int want = strncmp(expected, "linearizable", 12) == 0 ? RAST_CHECK_LINEARIZABLE
                                                          : RAST_CHECK_NOT_LINEARIZABLE;
    struct rast_check_options opts;
    rast_check_options_init(&opts);
    struct rast_check_summary s;
    bool ok = check_file(path, &opts, &s, NULL) == want;
    if (ok && strstr(note, "(cas-register nil)") != NULL) {
        opts.has_initial = true;
        opts.initial = RAST_NIL;
        ok = check_file(path, &opts, &s, NULL) == want;
        ok = ok && pinned_op_matches(path, note, &opts);
    } else if (ok && want == RAST_CHECK_NOT_LINEARIZABLE) {
        ok = pinned_op_matches(path, note, &opts);
    }
    if (ok && strstr(note, "kvNoPartition") != NULL) {
        rast_check_options_init(&opts);
        opts.partition = false;
        ok = check_file(path, &opts, &s, NULL) == want;
    }
    if (!ok)
        fprintf(stderr, "  MISMATCH %s/%s: expected %s\n", folder, file, expected);
    if (folder_only)
        folder_only_count++;
    else
        asserted_count++;
    return ok;
}

static bool check_folder(const char *folder)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/verdicts.tsv", histories_dir, folder);
    char *tsv = slurp(path);
    if (tsv == NULL) {
        fprintf(stderr, "  cannot read %s: is ../shared/histories beside the repository?\n", path);
        return false;
    }
    bool ok = true;
    char *save = NULL;
    bool header = true;
    for (char *line = strtok_r(tsv, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (header) {
            header = false;
            continue;
        }
        char *t1 = strchr(line, '\t'), *t2 = t1 != NULL ? strchr(t1 + 1, '\t') : NULL;
        if (t1 == NULL || t2 == NULL) {
            fprintf(stderr, "  malformed row in %s: %s\n", path, line);
            ok = false;
            continue;
        }
        *t1 = *t2 = '\0';
        ok &= check_row(folder, line, t1 + 1, t2 + 1);
    }
    free(tsv);
    return ok;
}

static void test_porcupine_verdicts(void)
{
    CHECK(check_folder("porcupine"));
}

static void test_knossos_verdicts(void)
{
    CHECK(check_folder("knossos"));
}

static void test_counts(void)
{
    printf("  %u verdicts asserted, %u folder-only verdicts checked, %u skipped, %u pinned failing "
           "ops matched\n", asserted_count, folder_only_count, skipped_count, pinned_count);
    CHECK_EQ_U64(asserted_count + folder_only_count, 230);
    CHECK_EQ_U64(skipped_count, 1);
    CHECK(pinned_count >= 5);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HISTORIES_DIR [filter]\n", argv[0]);
        return 1;
    }
    histories_dir = argv[1];
    static const struct rast_test tests[] = {
        RAST_TEST(test_porcupine_verdicts),
        RAST_TEST(test_knossos_verdicts),
        RAST_TEST(test_counts),
    };
    return rast_test_main(argc - 1, argv + 1, tests, RAST_TEST_COUNT(tests));
}
