/*
 * rast-check: checks histories for linearizability (librastcheck's command line).
 *
 *     rast-check FILE... [--model M] [--budget-steps N] [--budget-bytes N] [--jobs N]
 *                [--no-partition] [--initial V] [--json] [--html FILE] [--emit edn|native]
 *
 * Exit status: 0 every file linearizable, 1 some file not linearizable, 3 some file unknown
 * (budget exhausted) and none failing, 2 usage error or unreadable/malformed input (which wins
 * over the others). Output depends only on the inputs and flags, never on --jobs or timing.
 */
#define _POSIX_C_SOURCE 200809L
#include "rast_check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_LINEARIZABLE = 0, EXIT_NOT = 1, EXIT_USAGE = 2, EXIT_UNKNOWN = 3 };

struct cli {
    struct rast_check_options opts;
    bool json;
    const char *html_path;
    const char *emit;
    const char **files;
    uint32_t file_count;
    char initial_text[256];
};

static void cli_usage(FILE *out)
{
    fputs("usage: rast-check FILE... [options]\n"
          "Checks each history FILE for linearizability. Formats are detected: Porcupine etcd\n"
          "logs, Jepsen/Knossos EDN (and Porcupine kv logs), rast's native format.\n"
          "\n"
          "options:\n"
          "  --model M         etcd | knossos-cas | kv | register | multi-register | mutex\n"
          "                    (default: what the format suggests: etcd for etcd logs, kv for\n"
          "                    kv logs and native files, knossos-cas / multi-register / mutex\n"
          "                    for Knossos EDN by the operations it holds)\n"
          "  --budget-steps N  give up with UNKNOWN after N model steps in one partition\n"
          "                    (default 200000000)\n"
          "  --budget-bytes N  give up with UNKNOWN when one partition's memo needs more than\n"
          "                    N bytes (suffixes k, M, G = KiB, MiB, GiB; default 512M)\n"
          "  --jobs N          check up to N partitions in parallel (default 1); output is\n"
          "                    identical for every N\n"
          "  --no-partition    check the whole history as one model (kv: the whole map)\n"
          "                    instead of one key at a time\n"
          "  --initial V       initial value of the register / of every key: nil, an integer\n"
          "                    or a string (default: nil; 0 for knossos-cas and\n"
          "                    multi-register; \"\" for Porcupine kv logs)\n"
          "  --json            print one JSON object per file (an array for several files)\n"
          "  --html FILE       write a self-contained HTML timeline of the first failing file's\n"
          "                    failing partition (else the first file's first partition)\n"
          "  --emit FORMAT     do not check: print each FILE converted to edn or native\n"
          "  --help            print this help\n"
          "\n"
          "exit status: 0 linearizable, 1 not linearizable, 3 unknown (budget exceeded),\n"
          "2 usage error or unreadable input. See docs/check.md for the semantics.\n",
          out);
}

static int cli_u64(const char *flag, const char *text, bool suffixes, uint64_t *out)
{
    char *end;
    errno = 0;
    if (text == NULL || text[0] == '-' || text[0] == '\0') {
        fprintf(stderr, "rast-check: %s expects a number\n", flag);
        return -1;
    }
    unsigned long long v = strtoull(text, &end, 10);
    uint32_t shift = 0;
    if (suffixes && *end != '\0' && end[1] == '\0') {
        shift = *end == 'k' || *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 64;
        end += shift < 64;
    }
    if (errno != 0 || *end != '\0' || end == text || (shift > 0 && v > (UINT64_MAX >> shift))) {
        fprintf(stderr, "rast-check: %s expects a number, got '%s'\n", flag, text);
        return -1;
    }
    *out = (uint64_t)v << shift;
    return 0;
}

static int cli_initial(struct cli *c, const char *text)
{
    uint64_t magnitude;
    snprintf(c->initial_text, sizeof c->initial_text, "%s", text);
    c->opts.has_initial = true;
    if (strcmp(text, "nil") == 0) {
        c->opts.initial = RAST_NIL;
        return 0;
    }
    const char *digits = text[0] == '-' ? text + 1 : text;
    if (digits[0] >= '0' && digits[0] <= '9' &&
        cli_u64("--initial", digits, false, &magnitude) == 0 && magnitude <= (uint64_t)INT64_MAX) {
        c->opts.initial = RAST_INT(text[0] == '-' ? -(int64_t)magnitude : (int64_t)magnitude);
        return 0;
    }
    size_t n = strlen(c->initial_text);
    if (n >= 2 && c->initial_text[0] == '"' && c->initial_text[n - 1] == '"') {
        c->initial_text[n - 1] = '\0';
        c->opts.initial = RAST_STR(c->initial_text + 1, n - 2);
    } else {
        c->opts.initial = RAST_STR(c->initial_text, n);
    }
    return 0;
}

/* Parses one option at argv[*i]; returns 0, 1 for --help, -1 on a usage error. */
static int cli_option(struct cli *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    bool takes = true;
    int rc = 0;
    uint64_t n;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        return 1;
    if (strcmp(a, "--json") == 0 || strcmp(a, "--no-partition") == 0) {
        c->json |= a[2] == 'j';
        c->opts.partition &= a[2] != 'n';
        takes = false;
    } else if (v == NULL) {
        fprintf(stderr, "rast-check: unknown option '%s' (or missing value)\n", a);
        return -1;
    } else if (strcmp(a, "--model") == 0) {
        int m = rast_check_model_parse(v);
        if (m < 0)
            fprintf(stderr, "rast-check: unknown model '%s'\n", v);
        rc = m < 0 ? -1 : 0;
        c->opts.model = m < 0 ? 0 : (uint32_t)m;
    } else if (strcmp(a, "--budget-steps") == 0) {
        rc = cli_u64(a, v, false, &c->opts.budget_steps_max);
    } else if (strcmp(a, "--budget-bytes") == 0) {
        rc = cli_u64(a, v, true, &c->opts.memo_bytes_max);
    } else if (strcmp(a, "--jobs") == 0) {
        rc = cli_u64(a, v, false, &n);
        if (rc == 0 && (n == 0 || n > 256)) {
            fprintf(stderr, "rast-check: --jobs expects 1 to 256\n");
            rc = -1;
        }
        c->opts.jobs = (uint32_t)n;
    } else if (strcmp(a, "--html") == 0) {
        c->html_path = v;
    } else if (strcmp(a, "--initial") == 0) {
        rc = cli_initial(c, v);
    } else if (strcmp(a, "--emit") == 0) {
        c->emit = v;
        rc = strcmp(v, "edn") == 0 || strcmp(v, "native") == 0 ? 0 : -1;
        if (rc != 0)
            fprintf(stderr, "rast-check: --emit expects edn or native\n");
    } else {
        fprintf(stderr, "rast-check: unknown option '%s'\n", a);
        return -1;
    }
    *i += takes ? 1 : 0;
    return rc;
}

static int cli_parse(struct cli *c, int argc, char **argv)
{
    rast_check_options_init(&c->opts);
    c->files = calloc((size_t)argc + 1, sizeof *c->files);
    if (c->files == NULL)
        return -1;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        if (!options_done && strcmp(argv[i], "--") == 0) {
            options_done = true;
        } else if (!options_done && argv[i][0] == '-' && argv[i][1] != '\0') {
            int rc = cli_option(c, argc, argv, &i);
            if (rc != 0)
                return rc;
        } else {
            c->files[c->file_count++] = argv[i];
        }
    }
    if (c->file_count == 0) {
        fputs("rast-check: no input file (see --help)\n", stderr);
        return -1;
    }
    return 0;
}

static void cli_error(const struct cli *c, const char *file, const struct rast_check_error *err,
                      int rc, bool first)
{
    char msg[800];
    if (rc == RAST_CHECK_EPARSE || rc == RAST_CHECK_EIO || rc == RAST_CHECK_EMODEL)
        rast_check_error_format(err, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "%s: %s", file, rast_check_strerror(rc));
    fprintf(stderr, "rast-check: %s\n", msg);
    if (c->json) {
        printf("%s{\"file\": \"", first ? "" : ",\n");
        for (const char *s = file; *s != '\0'; s++)
            printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
        printf("\", \"verdict\": \"error\", \"error\": \"");
        for (const char *s = msg; *s != '\0'; s++)
            printf(*s == '"' || *s == '\\' ? "\\%c" : (unsigned char)*s < 0x20 ? " " : "%c", *s);
        printf("\"}\n");
    }
}

/* Keeps the history/result the HTML page will show: first failing, else first unknown, else
 * the first file. Takes ownership of h and r (freeing whichever is not kept). */
static void cli_keep_for_html(struct rast_history **kept_h, struct rast_check_result **kept_r,
                              const char **kept_name, struct rast_history *h,
                              struct rast_check_result *r, const char *name)
{
    struct rast_check_summary now, before;
    rast_check_result_summary(r, &now);
    bool take = *kept_r == NULL;
    if (!take) {
        rast_check_result_summary(*kept_r, &before);
        take = (before.verdict == RAST_CHECK_LINEARIZABLE && now.verdict != before.verdict) ||
               (before.verdict == RAST_CHECK_UNKNOWN &&
                now.verdict == RAST_CHECK_NOT_LINEARIZABLE);
    }
    if (!take) {
        rast_check_result_destroy(r);
        rast_history_destroy(h);
        return;
    }
    rast_check_result_destroy(*kept_r);
    rast_history_destroy(*kept_h);
    *kept_h = h;
    *kept_r = r;
    *kept_name = name;
}

static int cli_check_one(struct cli *c, const char *file, struct rast_history *h, bool first,
                         struct rast_check_result **out)
{
    struct rast_check_error err;
    memset(&err, 0, sizeof err);
    int rc = rast_check_run(h, &c->opts, out, &err);
    if (rc != 0) {
        cli_error(c, file, &err, rc, first);
        return EXIT_USAGE;
    }
    if (c->json) {
        if (!first)
            fputs(",\n", stdout);
        rc = rast_check_result_write_json(*out, h, file, stdout);
    } else {
        rc = rast_check_result_write_text(*out, h, file, stdout);
    }
    struct rast_check_summary s;
    rast_check_result_summary(*out, &s);
    return s.verdict == RAST_CHECK_LINEARIZABLE ? EXIT_LINEARIZABLE
           : s.verdict == RAST_CHECK_NOT_LINEARIZABLE ? EXIT_NOT : EXIT_UNKNOWN;
}

static int cli_combine(int a, int b)
{
    static const int rank[] = {0, 2, 3, 1}; /* by exit code: 0 < 3 < 1 < 2 */
    return rank[b] > rank[a] ? b : a;
}

static int cli_write_html(const char *path, struct rast_history *h, struct rast_check_result *r,
                          const char *name)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "rast-check: cannot write %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    int rc = rast_check_result_write_html(r, h, name, f);
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "rast-check: cannot write %s\n", path);
        return EXIT_USAGE;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct cli c;
    memset(&c, 0, sizeof c);
    int rc = cli_parse(&c, argc, argv);
    if (rc != 0) {
        free(c.files);
        if (rc == 1)
            cli_usage(stdout);
        return rc == 1 ? 0 : EXIT_USAGE;
    }
    int status = EXIT_LINEARIZABLE;
    struct rast_history *kept_h = NULL;
    struct rast_check_result *kept_r = NULL;
    const char *kept_name = NULL;
    if (c.json && c.file_count > 1 && c.emit == NULL)
        fputs("[", stdout);
    c.opts.memory = c.file_count > 1 ? rast_check_memory_create() : NULL; /* NULL: per file */
    for (uint32_t i = 0; i < c.file_count; i++) {
        struct rast_history *h;
        struct rast_check_error err;
        struct rast_check_result *r = NULL;
        rc = rast_history_load_file(c.files[i], &h, &err);
        if (rc != 0) {
            cli_error(&c, c.files[i], &err, rc, i == 0);
            status = cli_combine(status, EXIT_USAGE);
            continue;
        }
        if (c.emit != NULL) {
            rc = strcmp(c.emit, "edn") == 0 ? rast_history_write_edn(h, stdout)
                                            : rast_history_write_native(h, stdout);
            if (rc != 0)
                fprintf(stderr, "rast-check: %s: cannot emit: %s\n", c.files[i],
                        rast_check_strerror(rc));
            status = cli_combine(status, rc != 0 ? EXIT_USAGE : 0);
            rast_history_destroy(h);
            continue;
        }
        status = cli_combine(status, cli_check_one(&c, c.files[i], h, i == 0, &r));
        if (r != NULL && c.html_path != NULL)
            cli_keep_for_html(&kept_h, &kept_r, &kept_name, h, r, c.files[i]);
        else {
            rast_check_result_destroy(r);
            rast_history_destroy(h);
        }
    }
    if (c.json && c.file_count > 1 && c.emit == NULL)
        fputs("]\n", stdout);
    if (kept_r != NULL)
        status = cli_combine(status, cli_write_html(c.html_path, kept_h, kept_r, kept_name));
    rast_check_result_destroy(kept_r);
    rast_history_destroy(kept_h);
    rast_check_memory_destroy(c.opts.memory);
    free(c.files);
    return status;
}
