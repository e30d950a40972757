/*
 * rast_sim_scenario.c: `rast-sim scenario FILE... [--rewrite]`: runs scenario files
 * (docs/scenarios.md) and compares every command's output with the expected output the file
 * holds; --rewrite writes the actual outputs back into the files for review.
 *
 * All file I/O of the scenario language happens here (sim/ does none): reading scenario
 * files, loading the choice logs `replay` names (relative to the scenario's directory),
 * writing rewritten files. A signal (an assertion in the core) is reported with the file,
 * line and command that was running.
 *
 * Exit codes: 0 every expectation met, 1 an output differs, 2 usage or parse error,
 * 4 crash. With several files, the most severe code wins (4 > 2 > 1 > 0).
 */
#define _DEFAULT_SOURCE 1
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rast_scenario.h"

int rast_sim_scenario_main(int argc, char **argv);

#define EXIT_MISMATCH 1
#define EXIT_USAGE 2
#define EXIT_CRASH 4
#define LOAD_BYTES_MAX (256u << 20)
#define DIFF_CELLS_MAX (4u << 20)

static void scenario_usage(FILE *out)
{
    fputs(
"usage: rast-sim scenario FILE... [--rewrite]\n"
"\n"
"Runs scenario files (docs/scenarios.md): each command's output must equal the expected\n"
"output written under it. --rewrite writes the actual outputs into the files instead\n"
"(review the diff) and names the files that changed.\n"
"\n"
"File format:  # comments     (what the scenario reproduces and why)\n"
"              command args\n"
"              ----\n"
"              expected output lines\n"
"              <blank line>\n"
"Commands:\n"
"  cluster nodes=N [election=MIN..MAX] [heartbeat=T] [seed=S] [msg-entries=N]\n"
"          [msg-bytes=N] [inflight=N] [inflight-bytes=N]\n"
"  tick [N] [only=nA,nB]      N rounds: running nodes tick, then (auto mode) settle\n"
"  campaign nX                nX's clock alone runs until it starts an election\n"
"  propose KEY=VALUE [via=nX] [count=N]     read KEY [via=nX]\n"
"  crash nX [tear=BYTES|garbage=BYTES]      restart nX\n"
"  pause nX [ticks=N]   resume nX   drift nX +P%|-P%\n"
"  partition nA nB | nC ...   isolate nX   block nA->nB ...   heal\n"
"  drop|delay|dup FROM->TO [type=T] [count=N] [ticks=N] [copies=N]   (FROM/TO: nX or *)\n"
"  disk nX hold|release|sync [count=N]|full|ok|corrupt\n"
"  deliver [from=nX] [to=nX] [type=T] [count=N]   stabilize\n"
"  set delivery=auto|manual   set verbose=on|off\n"
"  status   log [nX...]   net   check\n"
"  run until PRED [max=N]     expect PRED\n"
"     PRED: leader [is=nX] [not=nX] | committed I [on=LIST] | applied I [on=LIST]\n"
"           | caught-up nX | done N | role nX=leader|follower|candidate|down\n"
"  replay FILE [--nodes N] [--faults LIST] [--mode liveness|safety] [--ops N]\n"
"         [--clients N] [--keys N]    prints: verdict <ok|safety|liveness|crash> <kind>\n"
"Exit codes: 0 all outputs match, 1 an output differs, 2 usage or parse error, 4 crash.\n",
          out);
}

/* ---- files ---- */

static int write_file(const char *path, const char *data, size_t size)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.rewrite.tmp", path) >= (int)sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return -1;
    bool ok = fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

/* The `replay` loader: paths are relative to the scenario file's directory. */
static int load_relative(void *ctx, const char *path, uint8_t **data, size_t *size)
{
    const char *scenario = ctx;
    char full[4096];
    const char *slash = strrchr(scenario, '/');
    int n = path[0] == '/' || slash == NULL
                ? snprintf(full, sizeof full, "%s", path)
                : snprintf(full, sizeof full, "%.*s/%s", (int)(slash - scenario), scenario, path);
    if (n < 0 || (size_t)n >= sizeof full)
        return -1;
    return cli_read_file(full, LOAD_BYTES_MAX, data, size);
}

/* ---- crash reports ---- */

static char crash_note[1400];
static size_t crash_note_size;

struct progress_ctx {
    const char *path;
    const struct rast_scenario *s;
};

static void on_progress(void *ctx, uint32_t index)
{
    const struct progress_ctx *p = ctx;
    struct rast_scenario_command c;
    if (!rast_scenario_command_at(p->s, index, &c))
        return;
    int n = snprintf(crash_note, sizeof crash_note,
                     "%s:%u: crash (a signal) while running '%.*s'\n", p->path, c.line,
                     (int)(c.text_size > 200 ? 200 : c.text_size), c.text);
    crash_note_size = n < 0 ? 0 : (size_t)n < sizeof crash_note ? (size_t)n : sizeof crash_note;
}

static void on_signal(int sig)
{
    (void)sig;
    if (crash_note_size > 0 && write(2, crash_note, crash_note_size) < 0)
        _exit(EXIT_CRASH);
    _exit(EXIT_CRASH);
}

/* ---- diffs ---- */

static size_t split_lines(const char *text, size_t size, const char **starts, size_t *lens,
                          size_t max)
{
    size_t n = 0, pos = 0;
    while (pos < size && n < max) {
        const char *nl = memchr(text + pos, '\n', size - pos);
        size_t len = nl == NULL ? size - pos : (size_t)(nl - (text + pos));
        starts[n] = text + pos;
        lens[n++] = len;
        pos += len + 1;
    }
    return n;
}

static bool line_eq(const char *a, size_t al, const char *b, size_t bl)
{
    return al == bl && memcmp(a, b, al) == 0;
}

/* A line diff (longest common subsequence) of expected and actual outputs. */
static void print_diff(const char *exp, size_t exp_size, const char *act, size_t act_size)
{
    enum { LINES_MAX = 4096 };
    static const char *es[LINES_MAX], *as[LINES_MAX];
    static size_t el[LINES_MAX], al[LINES_MAX];
    size_t n = split_lines(exp, exp_size, es, el, LINES_MAX);
    size_t m = split_lines(act, act_size, as, al, LINES_MAX);
    uint16_t *t = (n + 1) * (m + 1) <= DIFF_CELLS_MAX ? calloc((n + 1) * (m + 1), 2) : NULL;
    printf("--- expected\n+++ actual\n");
    if (t == NULL) {
        for (size_t i = 0; i < n; i++)
            printf("-%.*s\n", (int)el[i], es[i]);
        for (size_t j = 0; j < m; j++)
            printf("+%.*s\n", (int)al[j], as[j]);
        return;
    }
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            t[i * (m + 1) + j] = line_eq(es[i], el[i], as[j], al[j])
                                     ? (uint16_t)(t[(i + 1) * (m + 1) + j + 1] + 1)
                                 : t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1]
                                     ? t[(i + 1) * (m + 1) + j]
                                     : t[i * (m + 1) + j + 1];
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && line_eq(es[i], el[i], as[j], al[j])) {
            printf(" %.*s\n", (int)el[i], es[i]);
            i++, j++;
        } else if (j < m && (i == n || t[i * (m + 1) + j + 1] >= t[(i + 1) * (m + 1) + j])) {
            printf("+%.*s\n", (int)al[j], as[j]);
            j++;
        } else {
            printf("-%.*s\n", (int)el[i], es[i]);
            i++;
        }
    }
    free(t);
}

static void report_mismatches(const char *path, const struct rast_scenario *s)
{
    uint32_t count = rast_scenario_command_count(s);
    for (uint32_t i = 0; i < count; i++) {
        struct rast_scenario_command c;
        rast_scenario_command_at(s, i, &c);
        if (c.actual == NULL || (c.actual_size == c.expected_size &&
                                 memcmp(c.actual, c.expected, c.actual_size) == 0))
            continue;
        printf("%s:%u: output of '%.*s' differs\n", path, c.line, (int)c.text_size, c.text);
        print_diff(c.expected, c.expected_size, c.actual, c.actual_size);
    }
}

/* ---- one file ---- */

static int rewrite_file(const char *path, const struct rast_scenario *s, const char *old,
                        size_t old_size)
{
    char *text = NULL;
    size_t size = 0;
    if (rast_scenario_rewrite(s, &text, &size) != 0) {
        fprintf(stderr, "%s: out of memory\n", path);
        return EXIT_CRASH;
    }
    int rc = 0;
    if (size == old_size && memcmp(text, old, size) == 0) {
        printf("%s: unchanged\n", path);
    } else if (write_file(path, text, size) != 0) {
        fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
        rc = EXIT_USAGE;
    } else {
        printf("%s: rewritten\n", path);
    }
    free(text);
    return rc;
}

static int run_file(const char *path, bool rewrite)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    if (cli_read_file(path, RAST_SCENARIO_BYTES_MAX, &bytes, &size) != 0) {
        fprintf(stderr, "%s: cannot read (or larger than %u bytes)\n", path,
                RAST_SCENARIO_BYTES_MAX);
        return EXIT_USAGE;
    }
    char *text = (char *)bytes;
    struct rast_scenario *s = NULL;
    char err[512];
    int rc = rast_scenario_parse(text, size, path, &s, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "%s\n", rc == RAST_SCENARIO_E_PARSE ? err : "out of memory");
        free(text);
        return EXIT_USAGE;
    }
    struct progress_ctx pc = {.path = path, .s = s};
    struct rast_scenario_env env = {.load = load_relative, .load_ctx = (void *)path,
                                    .progress = on_progress, .progress_ctx = &pc};
    struct rast_scenario_result r;
    int verdict = rast_scenario_run(s, &env, &r);
    crash_note_size = 0;
    if (verdict == RAST_SCENARIO_CRASH) {
        struct rast_scenario_command c;
        rast_scenario_command_at(s, r.commands_run == 0 ? 0 : r.commands_run - 1, &c);
        printf("%s:%u: crash: %s\n", path, c.line, r.crash);
        rc = EXIT_CRASH;
    } else if (rewrite) {
        rc = rewrite_file(path, s, text, size);
    } else if (verdict == RAST_SCENARIO_MISMATCH) {
        report_mismatches(path, s);
        printf("%s: %u of %u outputs differ\n", path, r.mismatches,
               rast_scenario_command_count(s));
        rc = EXIT_MISMATCH;
    } else {
        uint32_t n = rast_scenario_command_count(s);
        printf("%s: ok (%u command%s)\n", path, n, n == 1 ? "" : "s");
    }
    rast_scenario_free(s);
    free(text);
    return rc;
}

static int worse(int a, int b)
{
    static const int rank[] = {0, 1, 2, 0, 3}; /* by exit code: 0 < 1 < 2 < 4 */
    return rank[b] > rank[a] ? b : a;
}

int rast_sim_scenario_main(int argc, char **argv)
{
    bool rewrite = false;
    int files = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            scenario_usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--rewrite") == 0)
            rewrite = true;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "rast-sim scenario: unknown flag '%s'\n", argv[i]);
            scenario_usage(stderr);
            return EXIT_USAGE;
        } else
            files++;
    }
    if (files == 0) {
        scenario_usage(stderr);
        return EXIT_USAGE;
    }
    signal(SIGABRT, on_signal);
    signal(SIGSEGV, on_signal);
    signal(SIGBUS, on_signal);
    signal(SIGFPE, on_signal);
    signal(SIGILL, on_signal);
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            rc = worse(rc, run_file(argv[i], rewrite));
            fflush(stdout);
        }
    }
    return rc;
}
