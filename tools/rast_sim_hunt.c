/*
 * rast_sim_hunt.c: `rast-sim hunt` and `rast-sim shrink`, the two halves of the bug catalog
 * (docs/bug-catalog.md).
 *
 * hunt: against a librast built with one injected bug (-Dbug=NAME, core/bugs.h), run seeds
 * one after the other on one core (or the cluster fuzzer) until a check fires; print the
 * seed, the number of seeds, the wall time to detection and which check fired. A harness
 * that never catches a bug proves nothing: this is how we prove ours.
 *
 * shrink: minimize a failing run while the same check (verdict and kind) keeps failing.
 * First with pins on the replayed choice log (each fault class off, fewer nodes, clients,
 * keys, operations), then by delta debugging the log itself, one varint per choice: delete
 * chunks, then zero chunks (0 is always the most boring choice, docs/sim.md). Every accepted
 * candidate is re-recorded, so the log always holds exactly the choices its run consumed,
 * pins included, and replays with no flags. The result is a scenario file plus its choice
 * log (scenarios/regressions/): its expected output is the correct build's ("verdict ok -"),
 * and a "# bug-verdict:" header holds what the bug build prints.
 *
 * Exit codes: hunt 0 detected, 1 not detected within the budget; shrink 0 written, 1 the run
 * does not fail; 2 usage or a build that does not match --bug; 4 internal error.
 */
#define _DEFAULT_SOURCE 1
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rast.h"
#include "rast_sim.h"

int rast_sim_hunt_main(int argc, char **argv);
int rast_sim_shrink_main(int argc, char **argv);

#define EXIT_USAGE 2
#define EXIT_INTERNAL 4
#define HUNT_BUDGET_SECONDS_DEFAULT 60.0
#define SHRINK_BUDGET_SECONDS_DEFAULT 60.0
#define SHRINK_TESTS_MAX_DEFAULT 4000u
#define LOG_VALUES_MAX (1u << 22)

struct hunt_cli {
    const char *command; /* "hunt" or "shrink" */
    const char *bug;
    double budget_seconds;
    const char *via;
    uint64_t seed_first;
    bool seed_set;
    uint64_t seed;
    const char *dir;         /* shrink DIR */
    const char *out_dir;     /* hunt: failure artifacts; shrink: where the scenario goes */
    const char *name;        /* shrink: scenario base name */
    const char *fuzz_binary; /* hunt --via fuzz */
    uint32_t tests_max;
    bool json;
    bool no_checker;
    struct rast_sim_pins pins;
};

static int usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rast-sim %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(rast-sim %s --help lists every flag)\n", command);
    va_end(ap);
    return EXIT_USAGE;
}

static void hunt_usage(FILE *out)
{
    fprintf(out,
"usage: rast-sim hunt --bug NAME [--budget-seconds S] [--via sweep|fuzz] [flags]\n"
"  Runs seeds 1, 2, 3, ... (one core) against this build until a check fires.\n"
"  --bug NAME           the catalog bug this binary was built with (-Dbug=NAME);\n"
"                       `none` hunts the correct build (expect no detection)\n"
"  --budget-seconds S   wall-time budget (default 60)\n"
"  --via sweep|fuzz     seeds (default) or the libFuzzer cluster harness (run with\n"
"                       -seed=1 -len_control=0 -max_len=16384 from corpus/cluster into a\n"
"                       fresh DIR/fuzz-NAME-corpus-*; its log goes to DIR/fuzz-NAME.log)\n"
"  --seed-first N       first seed (default 1)\n"
"  --out DIR            write the failing run's choices.bin to DIR/seed-S/ (default\n"
"                       rast-sim-failures); shrink it with `rast-sim shrink DIR/seed-S`\n"
"  --fuzz-binary PATH   the fuzz_cluster binary for --via fuzz (default\n"
"                       build-fuzz-bug-NAME/fuzz/fuzz_cluster)\n"
"  --json               one JSON line instead of text\n"
"  --no-checker         skip the linearizability checker\n"
"  pins as for run: --nodes --faults --mode --ops --clients --keys\n"
"Exit codes: 0 detected, 1 not detected within the budget, 2 usage or wrong build,\n"
"4 the fuzz harness did not run.\n");
}

static void shrink_usage(FILE *out)
{
    fprintf(out,
"usage: rast-sim shrink DIR | --seed S [pins] [flags]\n"
"  Minimizes a failing run (DIR/choices.bin, as written by run/sweep/hunt, or seed S\n"
"  with its pins) while the same check keeps failing, and writes a scenario that\n"
"  reproduces it: OUT/NAME.scn and its choice log OUT/NAME.bin.\n"
"  --out DIR            where the scenario goes (default scenarios/regressions)\n"
"  --name NAME          base name (default bug-<build bug>)\n"
"  --budget-seconds S   wall-time budget (default 60)\n"
"  --tests-max N        at most N candidate runs (default 4000)\n"
"  --no-checker         skip the linearizability checker\n"
"  pins as for run: --nodes --faults --mode --ops --clients --keys\n"
"Exit codes: 0 written, 1 the run does not fail, 2 usage, 4 internal error.\n");
}

static bool parse_seconds(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != 0 || !(v > 0) || v > 1e7)
        return false;
    *out = v;
    return true;
}

/* The pins, as in rast_sim.c. Returns 0, 1 when flag is not a pin, or EXIT_USAGE. */
static int parse_pin(struct hunt_cli *cli, const char *flag, const char *v)
{
    struct rast_sim_pins *p = &cli->pins;
    const char *c = cli->command;
    if (strcmp(flag, "--nodes") == 0)
        return (p->node_count_set = cli_parse_u32_range(v, 1, 7, &p->node_count))
                   ? 0 : usage_error(c, "--nodes wants 1..7, not '%s'", v);
    if (strcmp(flag, "--faults") == 0)
        return (p->faults_set = rast_sim_fault_parse(v, &p->faults))
                   ? 0 : usage_error(c, "--faults: unknown fault in '%s'", v);
    if (strcmp(flag, "--mode") == 0) {
        p->safety_only_set = strcmp(v, "safety") == 0 || strcmp(v, "liveness") == 0;
        p->safety_only = strcmp(v, "safety") == 0;
        return p->safety_only_set ? 0 : usage_error(c, "--mode wants safety or liveness");
    }
    if (strcmp(flag, "--ops") == 0)
        return (p->ops_total_set = cli_parse_u32_range(v, 20, 2000, &p->ops_total))
                   ? 0 : usage_error(c, "--ops wants 20..2000, not '%s'", v);
    if (strcmp(flag, "--clients") == 0)
        return (p->client_count_set = cli_parse_u32_range(v, 1, 8, &p->client_count))
                   ? 0 : usage_error(c, "--clients wants 1..8, not '%s'", v);
    if (strcmp(flag, "--keys") == 0)
        return (p->key_count_set = cli_parse_u32_range(v, 1, 8, &p->key_count))
                   ? 0 : usage_error(c, "--keys wants 1..8, not '%s'", v);
    return 1;
}

/* Flags taking a value. Returns 0 or EXIT_USAGE. */
static int parse_value(struct hunt_cli *cli, const char *flag, const char *v)
{
    const char *c = cli->command;
    int rc = parse_pin(cli, flag, v);
    if (rc != 1)
        return rc;
    if (strcmp(flag, "--bug") == 0) { cli->bug = v; return 0; }
    if (strcmp(flag, "--via") == 0) {
        cli->via = v;
        return strcmp(v, "sweep") == 0 || strcmp(v, "fuzz") == 0
                   ? 0 : usage_error(c, "--via wants sweep or fuzz, not '%s'", v);
    }
    if (strcmp(flag, "--budget-seconds") == 0)
        return parse_seconds(v, &cli->budget_seconds)
                   ? 0 : usage_error(c, "--budget-seconds wants a positive number, not '%s'", v);
    if (strcmp(flag, "--seed-first") == 0)
        return cli_parse_u64(v, &cli->seed_first)
                   ? 0 : usage_error(c, "--seed-first wants an unsigned integer, not '%s'", v);
    if (strcmp(flag, "--seed") == 0)
        return (cli->seed_set = cli_parse_u64(v, &cli->seed))
                   ? 0 : usage_error(c, "--seed wants an unsigned integer, not '%s'", v);
    if (strcmp(flag, "--tests-max") == 0)
        return cli_parse_u32_range(v, 1, 10000000, &cli->tests_max)
                   ? 0 : usage_error(c, "--tests-max wants 1..10000000, not '%s'", v);
    if (strcmp(flag, "--out") == 0) { cli->out_dir = v; return 0; }
    if (strcmp(flag, "--name") == 0) { cli->name = v; return 0; }
    if (strcmp(flag, "--fuzz-binary") == 0) { cli->fuzz_binary = v; return 0; }
    return usage_error(c, "unknown flag '%s'", flag);
}

static bool takes_value(const char *flag)
{
    static const char *const flags[] = {
        "--bug", "--via", "--budget-seconds", "--seed-first", "--seed", "--tests-max", "--out",
        "--name", "--fuzz-binary", "--nodes", "--faults", "--mode", "--ops", "--clients",
        "--keys"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (strcmp(flag, flags[i]) == 0)
            return true;
    return false;
}

/* Returns 0, EXIT_USAGE, or -1 after printing --help. */
static int parse_args(int argc, char **argv, struct hunt_cli *cli)
{
    bool hunt = strcmp(cli->command, "hunt") == 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            hunt ? hunt_usage(stdout) : shrink_usage(stdout);
            return -1;
        }
        if (a[0] != '-') {
            if (hunt || cli->dir != NULL)
                return usage_error(cli->command, "unexpected argument '%s'", a);
            cli->dir = a;
            continue;
        }
        if (strcmp(a, "--json") == 0) { cli->json = true; continue; }
        if (strcmp(a, "--no-checker") == 0) { cli->no_checker = true; continue; }
        if (!takes_value(a))
            return usage_error(cli->command, "unknown flag '%s'", a);
        if (i + 1 >= argc)
            return usage_error(cli->command, "%s needs a value", a);
        int rc = parse_value(cli, a, argv[++i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void cli_init(struct hunt_cli *cli, const char *command)
{
    memset(cli, 0, sizeof *cli);
    cli->command = command;
    cli->via = "sweep";
    cli->seed_first = 1;
    cli->tests_max = SHRINK_TESTS_MAX_DEFAULT;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *verdict_name(int verdict)
{
    switch (verdict) {
    case RAST_SIM_OK: return "ok";
    case RAST_SIM_SAFETY: return "safety";
    case RAST_SIM_LIVENESS: return "liveness";
    default: return "crash";
    }
}

static bool write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "rast-sim: cannot write %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "rast-sim: cannot write %s\n", path);
    return ok;
}

/* ---- hunt ---------------------------------------------------------------------------- */

struct hunt_outcome {
    bool detected;
    uint64_t seed;
    uint64_t seeds;
    double seconds;
    struct rast_sim_result result;
};

/* Reruns the failing seed with the recorder on and writes DIR/seed-S/choices.bin. */
static void hunt_write_log(const struct hunt_cli *cli, struct rast_sim *sim, uint64_t seed,
                           char *path, size_t path_size)
{
    const char *out = cli->out_dir != NULL ? cli->out_dir : "rast-sim-failures";
    char dir[512];
    mkdir(out, 0777);
    snprintf(dir, sizeof dir, "%s/seed-%" PRIu64, out, seed);
    mkdir(dir, 0777);
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_SEED;
    o.seed = seed;
    o.pins = cli->pins;
    o.use_checker = !cli->no_checker;
    o.record = true;
    struct rast_sim_result r;
    (void)rast_sim_run(sim, &o, &r);
    size_t size = 0;
    const uint8_t *log = rast_sim_choice_log(sim, &size);
    snprintf(path, path_size, "%s/choices.bin", dir);
    if (!write_file(path, log, size))
        path[0] = 0;
}

static int hunt_sweep(const struct hunt_cli *cli, struct hunt_outcome *out)
{
    struct rast_sim *sim = rast_sim_create();
    if (sim == NULL) {
        fprintf(stderr, "rast-sim: out of memory\n");
        return EXIT_INTERNAL;
    }
    double t0 = wall_seconds();
    memset(out, 0, sizeof *out);
    for (uint64_t seed = cli->seed_first;; seed++) {
        if (out->seeds > 0 && wall_seconds() - t0 >= cli->budget_seconds)
            break;
        struct rast_sim_options o;
        memset(&o, 0, sizeof o);
        o.entropy = RAST_SIM_ENTROPY_SEED;
        o.seed = seed;
        o.pins = cli->pins;
        o.use_checker = !cli->no_checker;
        out->seeds++;
        if (rast_sim_run(sim, &o, &out->result) != RAST_SIM_OK) {
            out->detected = true;
            out->seed = seed;
            break;
        }
    }
    out->seconds = wall_seconds() - t0;
    rast_sim_destroy(sim);
    return 0;
}

static void hunt_print(const struct hunt_cli *cli, const struct hunt_outcome *h,
                       const char *log_path)
{
    const struct rast_sim_result *r = &h->result;
    char pins[256];
    rast_sim_pins_format(&cli->pins, pins, sizeof pins);
    if (cli->json) {
        printf("{\"bug\":\"%s\",\"via\":\"%s\",\"detected\":%s,\"seed\":%" PRIu64
               ",\"seeds\":%" PRIu64 ",\"seconds\":%.3f,\"verdict\":\"%s\",\"check\":\"%s\","
               "\"events\":%" PRIu64 ",\"choices\":\"%s\"}\n",
               cli->bug, cli->via, h->detected ? "true" : "false", h->seed, h->seeds,
               h->seconds, h->detected ? verdict_name(r->verdict) : "none",
               h->detected ? r->kind : "none", h->detected ? r->events : 0, log_path);
        return;
    }
    if (!h->detected) {
        printf("hunt bug=%s via=%s: NOT detected: %" PRIu64 " seeds (%" PRIu64 "..%" PRIu64
               ") in %.2f s\n", cli->bug, cli->via, h->seeds, cli->seed_first,
               cli->seed_first + h->seeds - 1, h->seconds);
        return;
    }
    printf("hunt bug=%s via=%s: detected at seed %" PRIu64 " after %" PRIu64
           " seeds in %.2f s: %s (%s)\n", cli->bug, cli->via, h->seed, h->seeds, h->seconds,
           verdict_name(r->verdict), r->kind);
    printf("  %s\n", r->message);
    printf("  reproduce: rast-sim run --seed %" PRIu64 "%s\n", h->seed, pins);
    if (log_path[0] != 0)
        printf("  shrink:    rast-sim shrink %.*s\n", (int)(strlen(log_path) - 12), log_path);
}

struct hunt_fuzz_log {
    bool found;   /* the harness's "fuzz: FOUND" line: a check fired */
    bool crashed; /* a sanitizer or libFuzzer crash report (deadly signal, ERROR:) */
    bool started; /* libFuzzer ran at all (its INFO: lines) */
    char verdict[16]; /* safety, liveness or crash */
    char check[48];
    uint64_t execs; /* the last "#N" libFuzzer printed */
};

/* Reads what the harness wrote: "fuzz: FOUND <verdict> (<check>): ..." and libFuzzer's
 * "#<executions> ..." status lines. */
static void hunt_fuzz_read_log(const char *path, struct hunt_fuzz_log *fl)
{
    memset(fl, 0, sizeof *fl);
    snprintf(fl->verdict, sizeof fl->verdict, "unknown");
    snprintf(fl->check, sizeof fl->check, "unknown");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[2048];
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long long n;
        if (line[0] == '#' && sscanf(line + 1, "%llu", &n) == 1)
            fl->execs = n;
        if (!fl->found && sscanf(line, "fuzz: FOUND %15s (%47[^)])", fl->verdict, fl->check) == 2)
            fl->found = true;
        if (strstr(line, "ERROR: ") != NULL || strstr(line, "deadly signal") != NULL)
            fl->crashed = true;
        if (strncmp(line, "INFO: ", 6) == 0)
            fl->started = true;
    }
    fclose(f);
}

/* --via fuzz: the libFuzzer cluster harness built against the bug, for the budget. */
static int hunt_fuzz(const struct hunt_cli *cli)
{
    char path[512];
    if (cli->fuzz_binary != NULL)
        snprintf(path, sizeof path, "%s", cli->fuzz_binary);
    else
        snprintf(path, sizeof path, "build-fuzz-bug-%s/fuzz/fuzz_cluster", cli->bug);
    if (access(path, X_OK) != 0) {
        fprintf(stderr, "rast-sim hunt: no fuzz harness at %s; build it with:\n"
                "  CC=clang meson setup build-fuzz-bug-%s -Dbug=%s -Dfuzzing=libfuzzer "
                "&& ninja -C build-fuzz-bug-%s fuzz/fuzz_cluster\n",
                path, cli->bug, cli->bug, cli->bug);
        return EXIT_USAGE;
    }
    char budget[64], artifact[600];
    snprintf(budget, sizeof budget, "-max_total_time=%.0f",
             cli->budget_seconds < 1 ? 1.0 : cli->budget_seconds);
    const char *out = cli->out_dir != NULL ? cli->out_dir : "rast-sim-failures";
    mkdir(out, 0777);
    snprintf(artifact, sizeof artifact, "-artifact_prefix=%s/fuzz-%s-", out, cli->bug);
    /* New inputs go to a fresh work corpus (each hunt starts from the same seeds); the committed seeds (corpus/cluster, when run
     * from the source root) are read too. Long inputs, as tools/fuzz-campaign runs them:
     * the input is the run's entropy, and its end means "no more faults". */
    char work[600];
    snprintf(work, sizeof work, "%s/fuzz-%s-corpus-XXXXXX", out, cli->bug);
    if (mkdtemp(work) == NULL) {
        fprintf(stderr, "rast-sim hunt: cannot create %s: %s\n", work, strerror(errno));
        return EXIT_INTERNAL;
    }
    const char *seeds = access("corpus/cluster", R_OK) == 0 ? "corpus/cluster" : NULL;
    char log_path[640];
    snprintf(log_path, sizeof log_path, "%s/fuzz-%s.log", out, cli->bug);
    double t0 = wall_seconds();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (freopen(log_path, "w", stderr) == NULL)
            _exit(127);
        execl(path, path, budget, artifact, "-print_final_stats=0", "-seed=1", "-len_control=0",
              "-max_len=16384", work, seeds, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return EXIT_INTERNAL;
    struct hunt_fuzz_log fl;
    hunt_fuzz_read_log(log_path, &fl);
    double seconds = wall_seconds() - t0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (!fl.started && !fl.found) {
        fprintf(stderr, "rast-sim hunt: the harness %s did not run (exit %d); see %s\n", path,
                code, log_path);
        return EXIT_INTERNAL;
    }
    if (fl.crashed && !fl.found) /* a memory error or trap that is not one of our checks */
        snprintf(fl.verdict, sizeof fl.verdict, "crash");
    bool detected = fl.found || fl.crashed;
    if (cli->json) {
        printf("{\"bug\":\"%s\",\"via\":\"fuzz\",\"detected\":%s,\"seed\":\"-\","
               "\"seeds\":%" PRIu64 ",\"seconds\":%.3f,\"verdict\":\"%s\",\"check\":\"%s\","
               "\"log\":\"%s\"}\n",
               cli->bug, detected ? "true" : "false", fl.execs, seconds,
               detected ? fl.verdict : "none", detected ? fl.check : "none", log_path);
        return detected ? 0 : 1;
    }
    printf("hunt bug=%s via=fuzz: %s in %.2f s, %" PRIu64 " executions (harness exit %d)", cli->bug,
           detected ? "detected" : "NOT detected", seconds, fl.execs, code);
    if (detected)
        printf(": %s (%s); crasher under %s, log %s", fl.verdict, fl.check, artifact + 17,
               log_path);
    printf("\n");
    return detected ? 0 : 1;
}

static int check_build(const struct hunt_cli *cli)
{
    if (strcmp(rast_build_bug(), cli->bug) == 0)
        return 0;
    fprintf(stderr, "rast-sim hunt: this binary was built with bug '%s', not '%s'. Build one:\n"
            "  meson setup build-bug-%s -Dbug=%s && ninja -C build-bug-%s tools/rast-sim\n"
            "then run build-bug-%s/tools/rast-sim hunt --bug %s\n",
            rast_build_bug(), cli->bug, cli->bug, cli->bug, cli->bug, cli->bug, cli->bug);
    return EXIT_USAGE;
}

int rast_sim_hunt_main(int argc, char **argv)
{
    struct hunt_cli cli;
    cli_init(&cli, "hunt");
    cli.budget_seconds = HUNT_BUDGET_SECONDS_DEFAULT;
    int rc = parse_args(argc, argv, &cli);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (cli.bug == NULL)
        return usage_error("hunt", "hunt needs --bug NAME (`none` for the correct build)");
    if ((rc = check_build(&cli)) != 0)
        return rc;
    if (strcmp(cli.via, "fuzz") == 0)
        return hunt_fuzz(&cli);
    struct hunt_outcome h;
    if ((rc = hunt_sweep(&cli, &h)) != 0)
        return rc;
    char log_path[600] = "";
    if (h.detected) {
        struct rast_sim *sim = rast_sim_create();
        if (sim != NULL)
            hunt_write_log(&cli, sim, h.seed, log_path, sizeof log_path);
        rast_sim_destroy(sim);
    }
    hunt_print(&cli, &h, log_path);
    return h.detected ? 0 : 1;
}

/* ---- shrink -------------------------------------------------------------------------- */

struct shrink {
    const struct hunt_cli *cli;
    struct rast_sim *sim;
    uint8_t verdict;  /* the check that must keep failing */
    char kind[48];
    uint8_t *log;     /* the current smallest failing choice log (owned) */
    size_t log_size;
    struct rast_sim_result result; /* its run */
    uint32_t tests, accepted;
    double t0;
};

struct size_figures {
    uint64_t events, messages, faults, choices_bytes;
};

static bool shrink_out_of_budget(const struct shrink *s)
{
    return s->tests >= s->cli->tests_max ||
           wall_seconds() - s->t0 >= s->cli->budget_seconds;
}

/* Shortlex order on choice logs: shorter first, then bytewise smaller (as Hypothesis does):
 * every accepted delta-debugging step makes the log strictly smaller, so shrinking ends. */
static bool log_smaller(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size)
{
    if (a_size != b_size)
        return a_size < b_size;
    return memcmp(a, b, a_size) < 0;
}

/* Replays log with pins; when the same check fails (and, unless pins are given, the
 * re-recorded log is smaller than the current one), keeps the re-recorded log. */
static bool shrink_try(struct shrink *s, const uint8_t *log, size_t size,
                       const struct rast_sim_pins *pins)
{
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_REPLAY;
    o.bytes = log;
    o.bytes_size = size;
    if (pins != NULL)
        o.pins = *pins;
    o.record = true;
    o.use_checker = !s->cli->no_checker;
    struct rast_sim_result r;
    s->tests++;
    if (rast_sim_run(s->sim, &o, &r) != s->verdict || strcmp(r.kind, s->kind) != 0)
        return false;
    size_t rec_size = 0;
    const uint8_t *rec = rast_sim_choice_log(s->sim, &rec_size);
    if (pins == NULL && s->log != NULL && !log_smaller(rec, rec_size, s->log, s->log_size))
        return false;
    uint8_t *copy = malloc(rec_size + 1);
    if (copy == NULL)
        return false;
    memcpy(copy, rec, rec_size);
    free(s->log);
    s->log = copy;
    s->log_size = rec_size;
    s->result = r;
    s->accepted++;
    return true;
}

/* Pins: each fault class off, then fewer nodes, clients, keys and operations. */
static void shrink_pins(struct shrink *s)
{
    for (uint32_t i = 0; i < RAST_SIM_FAULT_COUNT && !shrink_out_of_budget(s); i++) {
        uint32_t faults = s->result.config.faults;
        if (((faults >> i) & 1u) == 0)
            continue;
        struct rast_sim_pins p = {.faults_set = true, .faults = faults & ~(1u << i)};
        (void)shrink_try(s, s->log, s->log_size, &p);
    }
    for (uint32_t n = 1; n < s->result.config.node_count && !shrink_out_of_budget(s); n++) {
        struct rast_sim_pins p = {.node_count_set = true, .node_count = n};
        if (shrink_try(s, s->log, s->log_size, &p))
            break;
    }
    for (uint32_t n = 1; n < s->result.config.client_count && !shrink_out_of_budget(s); n++) {
        struct rast_sim_pins p = {.client_count_set = true, .client_count = n};
        if (shrink_try(s, s->log, s->log_size, &p))
            break;
    }
    for (uint32_t n = 1; n < s->result.config.key_count && !shrink_out_of_budget(s); n++) {
        struct rast_sim_pins p = {.key_count_set = true, .key_count = n};
        if (shrink_try(s, s->log, s->log_size, &p))
            break;
    }
    for (uint32_t n = 20; n < s->result.config.ops_total && !shrink_out_of_budget(s); n *= 2) {
        struct rast_sim_pins p = {.ops_total_set = true, .ops_total = n};
        if (shrink_try(s, s->log, s->log_size, &p))
            break;
    }
}

/* The log as varint values. Returns the count (at most max). */
static size_t log_decode(const uint8_t *log, size_t size, uint64_t *values, size_t max)
{
    size_t count = 0, i = 0;
    while (i < size && count < max) {
        uint64_t v = 0;
        for (int shift = 0; shift < 64 && i < size; shift += 7) {
            uint8_t byte = log[i++];
            v |= (uint64_t)(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0)
                break;
        }
        values[count++] = v;
    }
    return count;
}

/* values[0..count) without [cut, cut + cut_count), the next zero_count of them zeroed. */
static size_t log_encode(const uint64_t *values, size_t count, size_t cut, size_t cut_count,
                         bool zero, uint8_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        bool inside = i >= cut && i < cut + cut_count;
        if (inside && !zero)
            continue;
        uint64_t v = inside ? 0 : values[i];
        do {
            uint8_t byte = (uint8_t)(v & 0x7f);
            v >>= 7;
            out[n++] = (uint8_t)(byte | (v != 0 ? 0x80 : 0));
        } while (v != 0);
    }
    return n;
}

/* One delta-debugging pass at one chunk size. Returns whether anything was accepted. */
static bool shrink_pass(struct shrink *s, size_t chunk, bool zero, uint64_t *values,
                        uint8_t *buf)
{
    bool any = false;
    size_t count = log_decode(s->log, s->log_size, values, LOG_VALUES_MAX);
    for (size_t at = 0; at < count && !shrink_out_of_budget(s);) {
        bool all_zero = true;
        for (size_t i = at; i < at + chunk && i < count && zero; i++)
            all_zero = all_zero && values[i] == 0;
        if (zero && all_zero) {
            at += chunk;
            continue;
        }
        size_t size = log_encode(values, count, at, chunk, zero, buf);
        if (shrink_try(s, buf, size, NULL)) {
            any = true;
            count = log_decode(s->log, s->log_size, values, LOG_VALUES_MAX);
            if (zero)
                at += chunk; /* the zeroed chunk stays; a deleted one was replaced */
        } else {
            at += chunk;
        }
    }
    return any;
}

/* ddmin-style: halving chunk sizes, deletions then zeroing, until nothing more helps. */
static int shrink_log(struct shrink *s)
{
    uint64_t *values = malloc(sizeof *values * LOG_VALUES_MAX);
    uint8_t *buf = malloc((size_t)LOG_VALUES_MAX * 10);
    if (values == NULL || buf == NULL) {
        free(values);
        free(buf);
        return EXIT_INTERNAL;
    }
    for (int zero = 0; zero <= 1; zero++) {
        size_t count = log_decode(s->log, s->log_size, values, LOG_VALUES_MAX);
        for (size_t chunk = count / 2; chunk >= 1 && !shrink_out_of_budget(s); chunk /= 2)
            while (shrink_pass(s, chunk, zero != 0, values, buf) && !shrink_out_of_budget(s))
                ;
    }
    free(values);
    free(buf);
    return 0;
}

/* Counts nemesis actions and crashes in trace lines (the "faults" figure). */
static void count_faults(void *ctx, const char *text, size_t size)
{
    static const char *const marks[] = {" sim partition ", " sim corrupt a durable",
                                        " sim clock of ", " sim pause n", " sim clog n",
                                        " sim isolate leader ", " crash ("};
    char line[512];
    size_t n = size < sizeof line - 1 ? size : sizeof line - 1;
    memcpy(line, text, n);
    line[n] = 0;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strstr(line, marks[i]) != NULL) {
            (*(uint64_t *)ctx)++;
            return;
        }
}

static void shrink_measure(struct shrink *s, struct size_figures *f)
{
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_REPLAY;
    o.bytes = s->log;
    o.bytes_size = s->log_size;
    o.use_checker = !s->cli->no_checker;
    memset(f, 0, sizeof *f);
    o.trace_sink = count_faults;
    o.trace_ctx = &f->faults;
    struct rast_sim_result r;
    (void)rast_sim_run(s->sim, &o, &r);
    f->events = r.events;
    f->messages = r.msgs_sent;
    f->choices_bytes = s->log_size;
}

/* The failing run to start from: DIR/choices.bin (or a .bin file), or --seed S recorded. */
static int shrink_load(struct shrink *s)
{
    const struct hunt_cli *cli = s->cli;
    if (cli->dir == NULL) {
        struct rast_sim_options o;
        memset(&o, 0, sizeof o);
        o.entropy = RAST_SIM_ENTROPY_SEED;
        o.seed = cli->seed;
        o.pins = cli->pins;
        o.record = true;
        o.use_checker = !cli->no_checker;
        (void)rast_sim_run(s->sim, &o, &s->result);
        size_t size = 0;
        const uint8_t *log = rast_sim_choice_log(s->sim, &size);
        if ((s->log = malloc(size + 1)) == NULL)
            return EXIT_INTERNAL;
        memcpy(s->log, log, size);
        s->log_size = size;
        return 0;
    }
    char path[600];
    size_t len = strlen(cli->dir);
    if (len > 4 && strcmp(cli->dir + len - 4, ".bin") == 0)
        snprintf(path, sizeof path, "%s", cli->dir);
    else
        snprintf(path, sizeof path, "%s/choices.bin", cli->dir);
    if (cli_read_file(path, CLI_FILE_BYTES_MAX, &s->log, &s->log_size) != 0)
        return usage_error("shrink", "cannot read choice log '%s'", path);
    return 0;
}

static void shrink_print_figures(const char *label, const struct size_figures *f)
{
    printf("  %-7s events=%" PRIu64 " messages=%" PRIu64 " faults=%" PRIu64
           " choices_bytes=%" PRIu64 "\n", label, f->events, f->messages, f->faults,
           f->choices_bytes);
}

/* Writes OUT/NAME.bin and OUT/NAME.scn. */
static int shrink_write(const struct shrink *s, const struct size_figures *before,
                        const struct size_figures *after, const char *origin)
{
    const struct hunt_cli *cli = s->cli;
    const char *out = cli->out_dir != NULL ? cli->out_dir : "scenarios/regressions";
    char name[256], path[800], config[1024];
    if (cli->name != NULL)
        snprintf(name, sizeof name, "%s", cli->name);
    else
        snprintf(name, sizeof name, "bug-%s", rast_build_bug());
    mkdir(out, 0777);
    snprintf(path, sizeof path, "%s/%s.bin", out, name);
    if (!write_file(path, s->log, s->log_size))
        return EXIT_INTERNAL;
    snprintf(path, sizeof path, "%s/%s.scn", out, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return usage_error("shrink", "cannot write '%s': %s", path, strerror(errno));
    rast_sim_config_format(&s->result.config, config, sizeof config);
    fprintf(f, "# Regression for catalog bug %s (docs/bug-catalog.md), shrunk by rast-sim "
            "shrink.\n", rast_build_bug());
    fprintf(f, "# requires-bug: %s\n", rast_build_bug());
    fprintf(f, "# bug-verdict: %s %s\n", verdict_name(s->verdict), s->kind);
    fprintf(f, "# The expected output below is the correct build's: the same choices replay\n"
            "# cleanly. A build configured with -Dbug=%s prints the bug-verdict above instead\n"
            "# (tools/check-reproducers checks both).\n", rast_build_bug());
    fprintf(f, "# check: %s %s: %s\n", verdict_name(s->verdict), s->kind, s->result.message);
    fprintf(f, "# origin: %s\n", origin);
    fprintf(f, "# shrunk: events %" PRIu64 " -> %" PRIu64 ", messages %" PRIu64 " -> %" PRIu64
            ", faults %" PRIu64 " -> %" PRIu64 ", choice log %" PRIu64 " -> %" PRIu64
            " bytes\n", before->events, after->events, before->messages, after->messages,
            before->faults, after->faults, before->choices_bytes, after->choices_bytes);
    fprintf(f, "# config: %s\n", config);
    fprintf(f, "replay %s.bin\n----\nverdict ok -\n\n", name);
    fclose(f);
    printf("wrote %s and %s.bin\n", path, name);
    return 0;
}

static int shrink_run(struct shrink *s)
{
    char origin[400];
    char pins[256];
    rast_sim_pins_format(&s->cli->pins, pins, sizeof pins);
    if (s->cli->dir != NULL)
        snprintf(origin, sizeof origin, "%s", s->cli->dir);
    else
        snprintf(origin, sizeof origin, "rast-sim run --seed %" PRIu64 "%s", s->cli->seed, pins);
    /* the target: what the starting log fails with, replayed with no flags */
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_REPLAY;
    o.bytes = s->log;
    o.bytes_size = s->log_size;
    o.use_checker = !s->cli->no_checker;
    s->verdict = (uint8_t)rast_sim_run(s->sim, &o, &s->result);
    snprintf(s->kind, sizeof s->kind, "%s", s->result.kind);
    if (s->verdict == RAST_SIM_OK) {
        fprintf(stderr, "rast-sim shrink: %s does not fail in this build (bug '%s')\n", origin,
                rast_build_bug());
        return 1;
    }
    struct rast_sim_pins none;
    memset(&none, 0, sizeof none);
    (void)shrink_try(s, s->log, s->log_size, &none); /* normalize: the re-recorded log */
    struct size_figures before, after;
    shrink_measure(s, &before);
    printf("shrink %s: %s (%s)\n", origin, verdict_name(s->verdict), s->kind);
    shrink_pins(s);
    int rc = shrink_log(s);
    if (rc != 0)
        return rc;
    shrink_measure(s, &after);
    printf("  %u candidate runs, %u accepted, %.2f s\n", s->tests, s->accepted,
           wall_seconds() - s->t0);
    shrink_print_figures("before", &before);
    shrink_print_figures("after", &after);
    return shrink_write(s, &before, &after, origin);
}

int rast_sim_shrink_main(int argc, char **argv)
{
    struct hunt_cli cli;
    cli_init(&cli, "shrink");
    cli.budget_seconds = SHRINK_BUDGET_SECONDS_DEFAULT;
    int rc = parse_args(argc, argv, &cli);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if ((cli.dir == NULL) == !cli.seed_set)
        return usage_error("shrink", "shrink wants either DIR or --seed S");
    struct shrink s;
    memset(&s, 0, sizeof s);
    s.cli = &cli;
    s.t0 = wall_seconds();
    if ((s.sim = rast_sim_create()) == NULL)
        return EXIT_INTERNAL;
    rc = shrink_load(&s);
    if (rc == 0)
        rc = shrink_run(&s);
    free(s.log);
    rast_sim_destroy(s.sim);
    return rc;
}
