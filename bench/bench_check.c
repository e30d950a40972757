/*
 * bench_check.c: `rast-bench check`: times the linearizability checker on the shared Porcupine
 * histories (the 102 etcd logs with a verdict and the kv c01/c10/c50 ok/bad logs, by key and as
 * one whole-map model), per file and in total, parsing included, and compares with the times
 * Porcupine v1.3.0 reports for the same files on a 2-core machine (its own benchmarks, parsing
 * excluded). Each file is timed as the minimum over its runs: at least --repeat, and more until
 * the runs add up to --min-time (as Go's benchmarks, Porcupine's figures included, repeat an
 * operation for about a second: a file that checks in microseconds is otherwise timed with cold
 * caches and branch predictors). Verdicts are checked against porcupine/verdicts.tsv and any
 * mismatch makes the exit status 1.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"
#include "cli.h"
#include "rast_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BENCH_FILES_MAX       128u
#define BENCH_ETCD_FILES      102u    /* etcd histories with a verdict */
#define BENCH_RUNS_MAX        100000u /* runs per file, whatever --min-time asks */
#define BENCH_MIN_TIME_MS_MAX 3600000u

struct bench_file {
    char name[64];  /* relative to porcupine/ */
    bool whole_map; /* --no-partition */
    int expected;   /* verdict from verdicts.tsv, -1 unknown */
    int verdict;
    bool missing;      /* the file could not be read: no timing */
    uint64_t total_ns; /* parse + check, minimum over runs */
    uint64_t check_ns; /* check only, minimum over runs */
    uint32_t runs;     /* runs made (--repeat, --min-time) */
};

/* Porcupine v1.3.0's own figures (parsing excluded), in milliseconds. */
static const struct {
    const char *what;
    const char *name; /* a file, or "etcd" for all 102 etcd histories */
    bool whole_map;
    double porcupine_ms;
} bench_peer[] = {
    { "all 102 etcd histories", "etcd", false, 465.0 },
    { "etcd_002 (Porcupine's slowest)", "jepsen/etcd_002.log", false, 188.0 },
    { "etcd_007", "jepsen/etcd_007.log", false, 107.0 },
    { "kv c50-ok, by key", "kv/c50-ok.txt", false, 194.0 },
    { "kv c50-bad, by key", "kv/c50-bad.txt", false, 26.0 },
    { "kv c10-ok, by key", "kv/c10-ok.txt", false, 0.55 },
    { "kv c10-ok, whole map", "kv/c10-ok.txt", true, 1930.0 },
    { "kv c10-bad, whole map", "kv/c10-bad.txt", true, 2080.0 },
};

static bool bench_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *bench_slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *p = realloc(buf, cap *= 2);
            if (p == NULL)
                free(buf);
            buf = p;
        }
    }
    fclose(f);
    *len_out = len;
    return buf;
}

/* Expected verdict of name from verdicts.tsv text (-1 when absent or untested). */
static int bench_expected(const char *tsv, const char *name)
{
    char key[80];
    snprintf(key, sizeof key, "\n%s\t", name);
    const char *at = tsv != NULL ? strstr(tsv, key) : NULL;
    if (at == NULL)
        return -1;
    at += strlen(key);
    if (strncmp(at, "linearizable", 12) == 0)
        return RAST_CHECK_LINEARIZABLE;
    return strncmp(at, "not-linearizable", 16) == 0 ? RAST_CHECK_NOT_LINEARIZABLE : -1;
}

/* One timed run: parse (from memory) and check. Returns the verdict or -1. */
static int bench_run_once(const char *path, const char *buf, size_t len, bool whole_map,
                          uint32_t jobs, struct rast_check_memory *memory, uint64_t *total_ns,
                          uint64_t *check_ns)
{
    /* One thread: its CPU time (steady on a shared machine); more: wall time. */
    uint64_t (*now_ns)(void) = jobs > 1 ? bench_wall_ns : bench_now_ns;
    uint64_t t0 = now_ns();
    struct rast_history *h;
    struct rast_check_error err;
    if (rast_history_parse(path, buf, len, &h, &err) != 0) {
        fprintf(stderr, "rast-bench check: %s:%u:%u: %s\n", path, err.line, err.column,
                err.message);
        return -1;
    }
    uint64_t t1 = now_ns();
    struct rast_check_options opts;
    rast_check_options_init(&opts);
    opts.partition = !whole_map;
    opts.jobs = jobs;
    opts.memory = memory;
    struct rast_check_result *r;
    int verdict = -1;
    if (rast_check_run(h, &opts, &r, NULL) == 0) {
        struct rast_check_summary s;
        rast_check_result_summary(r, &s);
        verdict = (int)s.verdict;
        rast_check_result_destroy(r);
    }
    uint64_t t2 = now_ns();
    rast_history_destroy(h);
    *total_ns = t2 - t0;
    *check_ns = t2 - t1;
    return verdict;
}

/* Runs the file at least repeat times and until the runs add up to min_time_ns. */
static int bench_time_file(const char *dir, struct bench_file *bf, uint32_t repeat,
                           uint64_t min_time_ns, uint32_t jobs, struct rast_check_memory *memory)
{
    char path[4096];
    size_t len;
    int w = snprintf(path, sizeof path, "%s/porcupine/%s", dir, bf->name);
    char *buf = w > 0 && (size_t)w < sizeof path ? bench_slurp(path, &len) : NULL;
    if (buf == NULL) {
        fprintf(stderr, "rast-bench check: cannot read %s\n", path);
        bf->missing = true;
        return -1;
    }
    bf->total_ns = bf->check_ns = UINT64_MAX;
    uint64_t spent_ns = 0;
    for (bf->runs = 0; bf->runs < BENCH_RUNS_MAX && (bf->runs < repeat || spent_ns < min_time_ns);
         bf->runs++) {
        uint64_t total = 0, check = 0;
        bf->verdict = bench_run_once(path, buf, len, bf->whole_map, jobs, memory, &total, &check);
        spent_ns += total;
        if (total < bf->total_ns)
            bf->total_ns = total;
        if (check < bf->check_ns)
            bf->check_ns = check;
    }
    free(buf);
    return bf->verdict < 0 ? -1 : 0;
}

/* Whether --only TEXT selects the file: TEXT is part of "NAME MODE" ("kv/c10-ok.txt by-key"). */
static bool bench_selected(const struct bench_file *bf, const char *only)
{
    char label[96];
    snprintf(label, sizeof label, "%s %s", bf->name, bf->whole_map ? "whole-map" : "by-key");
    return only == NULL || strstr(label, only) != NULL;
}

/* The files: etcd_000..102 with a verdict, then the kv logs by key, then two whole-map runs. */
static uint32_t bench_list(const char *tsv, struct bench_file *files, const char *only)
{
    static const char *const kv[] = {
        "c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad"
    };
    uint32_t n = 0;
    for (uint32_t i = 0; i <= 102; i++) {
        struct bench_file *bf = &files[n];
        memset(bf, 0, sizeof *bf);
        snprintf(bf->name, sizeof bf->name, "jepsen/etcd_%03u.log", i);
        bf->expected = bench_expected(tsv, bf->name);
        n += bf->expected >= 0 && bench_selected(bf, only);
    }
    for (uint32_t i = 0; i < 8; i++) {
        struct bench_file *bf = &files[n];
        memset(bf, 0, sizeof *bf);
        snprintf(bf->name, sizeof bf->name, "kv/%s.txt", kv[i < 6 ? i : i - 4]);
        bf->whole_map = i >= 6;
        bf->expected = bench_expected(tsv, bf->name);
        n += bench_selected(bf, only);
    }
    return n;
}

/* With --only (filtered), rows whose files were not all timed are left out. */
static void bench_compare(const struct bench_file *files, uint32_t n, bool filtered)
{
    printf("\nagainst Porcupine v1.3.0 (2-core machine, its own benchmarks, parsing excluded):\n");
    printf("  %-32s %12s %12s %12s %9s %9s\n", "what", "porcupine", "rast total", "rast check",
           "x total", "x check");
    for (size_t i = 0; i < sizeof bench_peer / sizeof bench_peer[0]; i++) {
        uint64_t total = 0, check = 0;
        uint32_t matched = 0, missing = 0;
        for (uint32_t k = 0; k < n; k++) {
            bool match = strcmp(bench_peer[i].name, "etcd") == 0
                             ? strncmp(files[k].name, "jepsen/", 7) == 0
                             : strcmp(files[k].name, bench_peer[i].name) == 0 &&
                                   files[k].whole_map == bench_peer[i].whole_map;
            if (match) {
                total += files[k].total_ns;
                check += files[k].check_ns;
                matched++;
                missing += files[k].missing;
            }
        }
        bool is_etcd = strcmp(bench_peer[i].name, "etcd") == 0;
        if (filtered && (matched == 0 || (is_etcd && matched != BENCH_ETCD_FILES)))
            continue;
        if (matched == 0 || missing != 0) { /* a ratio over missing files would be absurd */
            printf("  %-32s %9.2f ms %12s %12s %9s %9s  (%u of %u files missing)\n",
                   bench_peer[i].what, bench_peer[i].porcupine_ms, "-", "-", "-", "-",
                   matched == 0 ? 1 : missing, matched == 0 ? 1 : matched);
            continue;
        }
        printf("  %-32s %9.2f ms %9.3f ms %9.3f ms %8.1fx %8.1fx\n", bench_peer[i].what,
               bench_peer[i].porcupine_ms, total / 1e6, check / 1e6,
               bench_peer[i].porcupine_ms * 1e6 / (double)(total ? total : 1),
               bench_peer[i].porcupine_ms * 1e6 / (double)(check ? check : 1));
    }
}

static void bench_report(const struct bench_file *files, uint32_t n, bool filtered)
{
    uint64_t etcd = 0, kv = 0, all = 0;
    printf("%-26s %-10s %-17s %12s %12s %7s\n", "file", "mode", "verdict", "total ms", "check ms",
           "runs");
    for (uint32_t i = 0; i < n; i++) {
        const struct bench_file *f = &files[i];
        if (f->missing) {
            printf("%-26s %-10s %-17s %12s %12s\n", f->name, f->whole_map ? "whole-map" : "by-key",
                   "missing", "-", "-");
            continue;
        }
        printf("%-26s %-10s %-17s %12.3f %12.3f %7u%s\n", f->name,
               f->whole_map ? "whole-map" : "by-key",
               f->verdict == 0   ? "linearizable"
               : f->verdict == 1 ? "not-linearizable"
                                 : "unknown",
               f->total_ns / 1e6, f->check_ns / 1e6, f->runs,
               f->verdict != f->expected ? "  VERDICT MISMATCH" : "");
        all += f->total_ns;
        if (strncmp(f->name, "jepsen/", 7) == 0)
            etcd += f->total_ns;
        else if (!f->whole_map)
            kv += f->total_ns;
    }
    printf("\nfive slowest (parse + check):\n");
    bool shown[BENCH_FILES_MAX] = { false };
    for (int k = 0; k < 5; k++) {
        uint32_t best = n;
        for (uint32_t i = 0; i < n; i++)
            if (!shown[i] && !files[i].missing &&
                (best == n || files[i].total_ns > files[best].total_ns))
                best = i;
        if (best == n)
            break;
        shown[best] = true;
        printf("  %-26s %-10s %10.3f ms\n", files[best].name,
               files[best].whole_map ? "whole-map" : "by-key", files[best].total_ns / 1e6);
    }
    printf("\ntotals (parse + check): etcd (102 files) %.3f ms, kv by key (6 files) %.3f ms, "
           "everything %.3f ms\n",
           etcd / 1e6, kv / 1e6, all / 1e6);
    bench_compare(files, n, filtered);
}

static const char *bench_find_dir(const char *given)
{
    static const char *const guesses[] = { "../shared/histories", "../../shared/histories",
                                           "shared/histories", "../../../shared/histories" };
    if (given != NULL)
        return bench_is_dir(given) ? given : NULL;
    for (size_t i = 0; i < sizeof guesses / sizeof guesses[0]; i++)
        if (bench_is_dir(guesses[i]))
            return guesses[i];
    return NULL;
}

static int bench_bad_value(const char *opt, const char *range, const char *given)
{
    fprintf(stderr, "rast-bench check: %s takes %s, not '%s'\n", opt, range, given);
    return 2;
}

static bool bench_takes_value(const char *opt)
{
    static const char *const with_value[] = { "--histories", "--repeat", "--min-time", "--only",
                                              "--jobs" };
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(opt, with_value[i]) == 0)
            return true;
    return false;
}

int bench_check_main(int argc, char **argv)
{
    const char *dir = NULL;
    const char *only = NULL;
    uint32_t repeat = 5, jobs = 1, min_time_ms = 100;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("usage: rast-bench check [--histories DIR] [--repeat N] [--min-time MS]\n"
                   "                        [--only TEXT] [--jobs N]\n"
                   "  --histories DIR  the shared histories (default: ../shared/histories\n"
                   "                   or ../../shared/histories from the current directory)\n"
                   "  --repeat N       runs per file at least; the minimum is reported\n"
                   "                   (default 5)\n"
                   "  --min-time MS    and more runs until they add up to MS milliseconds\n"
                   "                   (default 100; at most 100000 runs; 0: --repeat only)\n"
                   "  --only TEXT      time only the runs whose \"FILE MODE\" contains TEXT\n"
                   "                   (e.g. c50-bad, \"c10-ok.txt by-key\", whole-map)\n"
                   "  --jobs N         threads checking partitions, as rast-check --jobs\n"
                   "                   (default 1, timed in CPU time; more are timed in\n"
                   "                   wall time; Porcupine's figures used both cores)\n");
            return 0;
        } else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            if (!cli_parse_u32_range(argv[++i], 1, 64, &jobs))
                return bench_bad_value("--jobs", "1 to 64", argv[i]);
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--histories") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--min-time") == 0 && i + 1 < argc) {
            if (!cli_parse_u32_range(argv[++i], 0, BENCH_MIN_TIME_MS_MAX, &min_time_ms))
                return bench_bad_value("--min-time", "0 to 3600000 (ms)", argv[i]);
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            if (!cli_parse_u32_range(argv[++i], 1, BENCH_RUNS_MAX, &repeat))
                return bench_bad_value("--repeat", "1 to 100000", argv[i]);
        } else if (argv[i][0] == '-' && i + 1 == argc && bench_takes_value(argv[i])) {
            fprintf(stderr, "rast-bench check: %s needs a value (see --help)\n", argv[i]);
            return 2;
        } else {
            fprintf(stderr, "rast-bench check: unknown option '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    const char *found = bench_find_dir(dir);
    if (found == NULL) {
        fprintf(stderr, "rast-bench check: no histories folder (pass --histories DIR)\n");
        return 2;
    }
    char path[4096];
    size_t len;
    int w = snprintf(path, sizeof path, "%s/porcupine/verdicts.tsv", found);
    char *tsv = w > 0 && (size_t)w < sizeof path ? bench_slurp(path, &len) : NULL;
    char *text = tsv != NULL ? realloc(tsv, len + 1) : NULL;
    if (text != NULL)
        text[len] = '\0';
    static struct bench_file files[BENCH_FILES_MAX];
    uint32_t n = bench_list(text, files, only);
    free(text);
    if (n == 0) {
        fprintf(stderr, "rast-bench check: no history file matches --only '%s'\n", only);
        return 2;
    }
    int status = 0;
    /* One checker memory for every run, as a long-lived caller keeps it (rast_check.h,
     * rast_check_memory): a run's searches start from the memory the last one left. */
    struct rast_check_memory *memory = rast_check_memory_create();
    for (uint32_t i = 0; i < n; i++)
        if (bench_time_file(found, &files[i], repeat, (uint64_t)min_time_ms * 1000000u, jobs,
                            memory) != 0 ||
            files[i].verdict != files[i].expected)
            status = 1;
    rast_check_memory_destroy(memory);
    printf("rast-bench check: at least %u runs and %u ms per file (minimum reported), "
           "%u job%s (%s time), histories in %s\n\n",
           repeat, min_time_ms, jobs, jobs == 1 ? "" : "s", jobs == 1 ? "CPU" : "wall", found);
    bench_report(files, n, only != NULL);
    return status;
}
