/*
 * rast_sim.c: the rast-sim command line: run one seed, sweep a range of seeds (sharded,
 * on several cores), replay a recorded choice log. A failure prints the one command that
 * reproduces it and writes trace, history, Chrome trace JSON and choice log into a directory
 * it names. All I/O of the simulator happens here; sim/ itself does none.
 *
 * Exit codes: 0 clean, 1 safety violation, 3 liveness violation, 4 crash or assertion,
 * 2 usage.
 */
#define _DEFAULT_SOURCE 1
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rast_sim.h"

#define EXIT_USAGE 2
#define JOBS_MAX 256u
#define FAILED_SEEDS_MAX 1000u
#define ARTIFACT_SEEDS_MAX 5u

struct cli {
    const char *command;
    uint64_t seed;
    bool seed_set;
    uint64_t seed_first, seed_last;
    bool seeds_set;
    uint32_t shard_index, shard_count;
    uint32_t jobs;
    const char *record_path;
    const char *replay_path;
    bool trace;
    const char *trace_json_path;
    bool json;
    bool hashes;
    bool quiet;
    const char *out_dir;
    uint64_t events_max;
    bool no_checker;
    struct rast_sim_pins pins;
};

static void usage(FILE *out)
{
    fprintf(out,
"usage: rast-sim run --seed S [flags]       simulate one seed\n"
"       rast-sim sweep --seeds A..B [flags] simulate seeds A..B (inclusive)\n"
"       rast-sim replay FILE [flags]        replay a recorded choice log exactly\n"
"\n"
"Run and replay:\n"
"  --seed S            the seed (run)\n"
"  --record FILE       write the run's choice log to FILE (replay it with `replay FILE`)\n"
"  --trace             print one line per event to stdout (docs/sim.md, DESIGN.md 7)\n"
"  --trace-json FILE   write Chrome trace JSON (open in ui.perfetto.dev)\n"
"Sweep:\n"
"  --seeds A..B        the seed range, inclusive\n"
"  --shard I/N         run only the seeds with (seed - A) %% N == I, 0 <= I < N\n"
"  --jobs N            worker threads (default 1, at most %u)\n"
"  --hashes            print \"seed trace-hash\" per seed (determinism checks)\n"
"  --quiet             no progress line\n"
"Common:\n"
"  --out DIR           where failure artifacts go (default rast-sim-failures)\n"
"  --json              print a JSON summary instead of text\n"
"  --events-max N      event budget per run (default 50,000,000)\n"
"  --no-checker        skip the linearizability checker (the per-key check still runs)\n"
"Pins (override what the seed draws; a replay needs none):\n"
"  --nodes N           node count, 1..7\n"
"  --faults LIST       all, none, or a comma list of: loss dup delay clog capacity\n"
"                      partition bitflip crash pause torn corrupt eio slowdisk clock\n"
"                      isolate replay\n"
"  --mode M            liveness (quorum of disks protected, liveness phase) or safety\n"
"  --ops N             client operations in the fault phase, 20..2000\n"
"  --clients N         concurrent clients, 1..8\n"
"  --keys N            key space, 1..8\n"
"  -h, --help          this text\n"
"Exit codes: 0 clean, 1 safety violation, 3 liveness violation, 4 crash, 2 usage.\n",
            JOBS_MAX);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rast-sim: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(rast-sim --help lists every flag)\n");
    va_end(ap);
    return EXIT_USAGE;
}

static bool parse_seeds(const char *s, uint64_t *first, uint64_t *last)
{
    const char *dots = strstr(s, "..");
    if (dots == NULL)
        return false;
    char left[32];
    size_t len = (size_t)(dots - s);
    if (len == 0 || len >= sizeof left)
        return false;
    memcpy(left, s, len);
    left[len] = 0;
    return cli_parse_u64(left, first) && cli_parse_u64(dots + 2, last) && *first <= *last;
}

static bool parse_shard(const char *s, uint32_t *index, uint32_t *count)
{
    const char *slash = strchr(s, '/');
    if (slash == NULL)
        return false;
    char left[16];
    size_t len = (size_t)(slash - s);
    if (len == 0 || len >= sizeof left)
        return false;
    memcpy(left, s, len);
    left[len] = 0;
    return cli_parse_u32_range(left, 0, UINT32_MAX, index) &&
           cli_parse_u32_range(slash + 1, 1, UINT32_MAX, count) && *index < *count;
}

/* Flags taking a value. Returns 0, or EXIT_USAGE after printing why. */
static int parse_flag_value(struct cli *cli, const char *flag, const char *v)
{
    struct rast_sim_pins *p = &cli->pins;
    if (strcmp(flag, "--seed") == 0) {
        cli->seed_set = cli_parse_u64(v, &cli->seed);
        return cli->seed_set ? 0 : usage_error("--seed wants an unsigned integer, not '%s'", v);
    }
    if (strcmp(flag, "--seeds") == 0) {
        cli->seeds_set = parse_seeds(v, &cli->seed_first, &cli->seed_last);
        return cli->seeds_set ? 0 : usage_error("--seeds wants A..B with A <= B, not '%s'", v);
    }
    if (strcmp(flag, "--shard") == 0)
        return parse_shard(v, &cli->shard_index, &cli->shard_count)
                   ? 0 : usage_error("--shard wants I/N with 0 <= I < N, not '%s'", v);
    if (strcmp(flag, "--jobs") == 0)
        return cli_parse_u32_range(v, 1, JOBS_MAX, &cli->jobs)
                   ? 0 : usage_error("--jobs wants 1..%u, not '%s'", JOBS_MAX, v);
    if (strcmp(flag, "--record") == 0) { cli->record_path = v; return 0; }
    if (strcmp(flag, "--trace-json") == 0) { cli->trace_json_path = v; return 0; }
    if (strcmp(flag, "--out") == 0) { cli->out_dir = v; return 0; }
    if (strcmp(flag, "--events-max") == 0)
        return cli_parse_u64(v, &cli->events_max) && cli->events_max > 0
                   ? 0 : usage_error("--events-max wants a positive integer, not '%s'", v);
    if (strcmp(flag, "--nodes") == 0) {
        p->node_count_set = cli_parse_u32_range(v, 1, 7, &p->node_count);
        return p->node_count_set ? 0 : usage_error("--nodes wants 1..7, not '%s'", v);
    }
    if (strcmp(flag, "--faults") == 0) {
        p->faults_set = rast_sim_fault_parse(v, &p->faults);
        return p->faults_set ? 0 : usage_error("--faults: unknown fault in '%s'", v);
    }
    if (strcmp(flag, "--mode") == 0) {
        p->safety_only_set = strcmp(v, "safety") == 0 || strcmp(v, "liveness") == 0;
        p->safety_only = strcmp(v, "safety") == 0;
        return p->safety_only_set ? 0 : usage_error("--mode wants safety or liveness");
    }
    if (strcmp(flag, "--ops") == 0) {
        p->ops_total_set = cli_parse_u32_range(v, 20, 2000, &p->ops_total);
        return p->ops_total_set ? 0 : usage_error("--ops wants 20..2000, not '%s'", v);
    }
    if (strcmp(flag, "--clients") == 0) {
        p->client_count_set = cli_parse_u32_range(v, 1, 8, &p->client_count);
        return p->client_count_set ? 0 : usage_error("--clients wants 1..8, not '%s'", v);
    }
    if (strcmp(flag, "--keys") == 0) {
        p->key_count_set = cli_parse_u32_range(v, 1, 8, &p->key_count);
        return p->key_count_set ? 0 : usage_error("--keys wants 1..8, not '%s'", v);
    }
    return usage_error("unknown flag '%s'", flag);
}

static bool flag_takes_value(const char *flag)
{
    static const char *const with_value[] = {
        "--seed", "--seeds", "--shard", "--jobs", "--record", "--trace-json", "--out",
        "--events-max", "--nodes", "--faults", "--mode", "--ops", "--clients", "--keys"};
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(flag, with_value[i]) == 0)
            return true;
    return false;
}

static int parse_args(int argc, char **argv, struct cli *cli)
{
    memset(cli, 0, sizeof *cli);
    cli->jobs = 1;
    cli->shard_count = 1;
    cli->out_dir = "rast-sim-failures";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (a[0] != '-') {
            if (cli->command == NULL)
                cli->command = a;
            else if (strcmp(cli->command, "replay") == 0 && cli->replay_path == NULL)
                cli->replay_path = a;
            else
                return usage_error("unexpected argument '%s'", a);
            continue;
        }
        if (strcmp(a, "--trace") == 0) { cli->trace = true; continue; }
        if (strcmp(a, "--json") == 0) { cli->json = true; continue; }
        if (strcmp(a, "--hashes") == 0) { cli->hashes = true; continue; }
        if (strcmp(a, "--quiet") == 0) { cli->quiet = true; continue; }
        if (strcmp(a, "--no-checker") == 0) { cli->no_checker = true; continue; }
        if (!flag_takes_value(a))
            return usage_error("unknown flag '%s'", a);
        if (i + 1 >= argc)
            return usage_error("%s needs a value", a);
        int rc = parse_flag_value(cli, a, argv[++i]);
        if (rc != 0)
            return rc;
    }
    if (cli->command == NULL)
        return usage_error("missing command: run, sweep or replay");
    if (strcmp(cli->command, "run") == 0 && !cli->seed_set)
        return usage_error("run needs --seed S");
    if (strcmp(cli->command, "sweep") == 0 && !cli->seeds_set)
        return usage_error("sweep needs --seeds A..B");
    if (strcmp(cli->command, "replay") == 0 && cli->replay_path == NULL)
        return usage_error("replay needs a choice log FILE");
    if (strcmp(cli->command, "run") != 0 && strcmp(cli->command, "sweep") != 0 &&
        strcmp(cli->command, "replay") != 0)
        return usage_error("unknown command '%s'", cli->command);
    return 0;
}

/* ---- sinks, crash handler ------------------------------------------------------------ */

static void file_sink(void *ctx, const char *text, size_t size)
{
    fwrite(text, 1, size, (FILE *)ctx);
}

/* Seeds in progress per worker, for the crash handler (written before each run). */
static _Atomic uint64_t current_seed[JOBS_MAX];
static _Atomic bool current_seed_valid[JOBS_MAX];
static char crash_run_flags[320];

static void write_str(const char *s)
{
    ssize_t ignored = write(2, s, strlen(s));
    (void)ignored;
}

static void write_u64(uint64_t v)
{
    char buf[24];
    int i = (int)sizeof buf - 1;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && i > 0);
    write_str(buf + i);
}

static void crash_handler(int sig)
{
    write_str(sig == SIGABRT ? "\nrast-sim: assertion failed (abort)" : "\nrast-sim: crashed");
    for (uint32_t j = 0; j < JOBS_MAX; j++) {
        if (!atomic_load(&current_seed_valid[j]))
            continue;
        write_str("\n  while running seed ");
        write_u64(atomic_load(&current_seed[j]));
        write_str("; reproduce: rast-sim run --seed ");
        write_u64(atomic_load(&current_seed[j]));
        write_str(crash_run_flags);
    }
    write_str("\n");
    _exit(4);
}

/* " --events-max N" when the run had a budget of its own (a cut run reproduces only with it),
 * else "". */
static void format_budget(const struct cli *cli, char *buf, size_t size)
{
    if (cli->events_max != 0)
        snprintf(buf, size, " --events-max %" PRIu64, cli->events_max);
    else if (size > 0)
        buf[0] = 0;
}

/* The flags that make `rast-sim run --seed S` repeat this run: the pins and the budget. */
static void format_run_flags(const struct cli *cli, char *buf, size_t size)
{
    char budget[48];
    rast_sim_pins_format(&cli->pins, buf, size);
    format_budget(cli, budget, sizeof budget);
    size_t used = strlen(buf);
    if (used < size)
        snprintf(buf + used, size - used, "%s", budget);
}

static void install_crash_handler(const struct cli *cli)
{
    format_run_flags(cli, crash_run_flags, sizeof crash_run_flags);
    signal(SIGABRT, crash_handler);
    signal(SIGSEGV, crash_handler);
    signal(SIGBUS, crash_handler);
    signal(SIGFPE, crash_handler);
    signal(SIGILL, crash_handler);
}

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void options_init(const struct cli *cli, struct rast_sim_options *o)
{
    memset(o, 0, sizeof *o);
    o->entropy = RAST_SIM_ENTROPY_SEED;
    o->pins = cli->pins;
    o->events_max = cli->events_max;
    o->use_checker = !cli->no_checker;
}

static const char *verdict_name(int verdict)
{
    switch (verdict) {
    case 0: return "ok";
    case 1: return "safety";
    case 3: return "liveness";
    default: return "crash";
    }
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s != 0; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        if ((unsigned char)*s >= 0x20)
            fputc(*s, out);
    }
    fputc('"', out);
}

/* ---- artifacts ----------------------------------------------------------------------- */

static FILE *open_in(const char *dir, const char *name, char *path, size_t path_size)
{
    snprintf(path, path_size, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        fprintf(stderr, "rast-sim: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

/* Reruns a failing seed with every recorder on and writes the artifacts into dir/seed-S. */
static void write_artifacts(const struct cli *cli, struct rast_sim *sim, uint64_t seed,
                            const struct rast_sim_options *base)
{
    char dir[512], path[600];
    mkdir(cli->out_dir, 0777);
    if (base->entropy == RAST_SIM_ENTROPY_SEED)
        snprintf(dir, sizeof dir, "%s/seed-%" PRIu64, cli->out_dir, seed);
    else
        snprintf(dir, sizeof dir, "%s/replay", cli->out_dir);
    mkdir(dir, 0777);
    FILE *trace = open_in(dir, "trace.txt", path, sizeof path);
    FILE *history = open_in(dir, "history.txt", path, sizeof path);
    FILE *json = open_in(dir, "trace.json", path, sizeof path);
    struct rast_sim_options o = *base;
    o.record = true;
    o.trace_sink = trace != NULL ? file_sink : NULL;
    o.trace_ctx = trace;
    o.history_sink = history != NULL ? file_sink : NULL;
    o.history_ctx = history;
    o.trace_json_sink = json != NULL ? file_sink : NULL;
    o.trace_json_ctx = json;
    o.config_sink = trace != NULL ? file_sink : NULL;
    o.config_ctx = trace;
    struct rast_sim_result r;
    (void)rast_sim_run(sim, &o, &r);
    size_t size = 0;
    const uint8_t *log = rast_sim_choice_log(sim, &size);
    FILE *choices = open_in(dir, "choices.bin", path, sizeof path);
    if (choices != NULL) {
        fwrite(log, 1, size, choices);
        fclose(choices);
    }
    if (trace != NULL)
        fclose(trace);
    if (history != NULL)
        fclose(history);
    if (json != NULL)
        fclose(json);
    char flags[320], budget[48];
    format_run_flags(cli, flags, sizeof flags);
    format_budget(cli, budget, sizeof budget);
    fprintf(stderr, "  %s: %s\n", r.kind, r.message);
    if (base->entropy == RAST_SIM_ENTROPY_SEED)
        fprintf(stderr, "  reproduce: rast-sim run --seed %" PRIu64 "%s\n", seed, flags);
    fprintf(stderr, "  or exactly: rast-sim replay %s/choices.bin%s\n", dir, budget);
    fprintf(stderr, "  artifacts: %s/{trace.txt,history.txt,trace.json,choices.bin}\n", dir);
}

/* ---- run and replay ------------------------------------------------------------------ */

static void print_run_result(const struct cli *cli, uint64_t seed, const struct rast_sim_result *r,
                             double seconds)
{
    char config[1024];
    rast_sim_config_format(&r->config, config, sizeof config);
    if (cli->json) {
        printf("{\"seed\":%" PRIu64 ",\"verdict\":\"%s\",\"exit\":%u,\"kind\":", seed,
               verdict_name(r->verdict), (unsigned)r->verdict);
        json_string(stdout, r->kind);
        printf(",\"message\":");
        json_string(stdout, r->message);
        printf(",\"config\":");
        json_string(stdout, config);
        printf(",\"events\":%" PRIu64 ",\"sim_time_us\":%" PRIu64 ",\"ops_ok\":%" PRIu64
               ",\"ops_fail\":%" PRIu64 ",\"ops_info\":%" PRIu64 ",\"crashes\":%" PRIu64
               ",\"elections\":%" PRIu64 ",\"commit_index_max\":%" PRIu64
               ",\"history_check\":\"%s\",\"trace_hash\":\"%016" PRIx64 "\",\"seconds\":%.3f}\n",
               r->events, r->sim_time_us, r->ops_ok, r->ops_fail, r->ops_info, r->crashes,
               r->leader_elections, r->commit_index_max, r->history_check, r->trace_hash,
               seconds);
        return;
    }
    printf("result %s (%s)%s%s\n", verdict_name(r->verdict), r->kind, r->message[0] ? ": " : "",
           r->message);
    printf("events=%" PRIu64 " sim_time_us=%" PRIu64 " ops ok=%" PRIu64 " fail=%" PRIu64
           " info=%" PRIu64 " crashes=%" PRIu64 " elections=%" PRIu64 " commit=%" PRIu64
           " history=%s trace_hash=%016" PRIx64 "\n",
           r->events, r->sim_time_us, r->ops_ok, r->ops_fail, r->ops_info, r->crashes,
           r->leader_elections, r->commit_index_max, r->history_check, r->trace_hash);
}

static int command_run(const struct cli *cli)
{
    struct rast_sim *sim = rast_sim_create();
    if (sim == NULL) {
        fprintf(stderr, "rast-sim: out of memory\n");
        return 4;
    }
    struct rast_sim_options o;
    options_init(cli, &o);
    uint8_t *replay = NULL;
    size_t replay_size = 0;
    if (cli->replay_path != NULL) {
        if (cli_read_file(cli->replay_path, CLI_FILE_BYTES_MAX, &replay, &replay_size) != 0) {
            rast_sim_destroy(sim);
            return usage_error("cannot read choice log '%s'", cli->replay_path);
        }
        o.entropy = RAST_SIM_ENTROPY_REPLAY;
        o.bytes = replay;
        o.bytes_size = replay_size;
        memset(&o.pins, 0, sizeof o.pins); /* the log holds the pinned values */
    }
    o.seed = cli->seed;
    o.trace_hash = true;
    o.record = cli->record_path != NULL;
    o.trace_sink = cli->trace ? file_sink : NULL;
    o.trace_ctx = stdout;
    o.config_sink = cli->json ? NULL : file_sink;
    o.config_ctx = stdout;
    FILE *json = NULL;
    if (cli->trace_json_path != NULL) {
        json = fopen(cli->trace_json_path, "wb");
        if (json == NULL) {
            free(replay);
            rast_sim_destroy(sim);
            return usage_error("cannot write '%s': %s", cli->trace_json_path, strerror(errno));
        }
        o.trace_json_sink = file_sink;
        o.trace_json_ctx = json;
    }
    atomic_store(&current_seed[0], cli->seed);
    atomic_store(&current_seed_valid[0], cli->replay_path == NULL);
    struct rast_sim_result r;
    uint64_t t0 = wall_ns();
    int verdict = rast_sim_run(sim, &o, &r);
    double seconds = (double)(wall_ns() - t0) / 1e9;
    atomic_store(&current_seed_valid[0], false);
    if (json != NULL)
        fclose(json);
    if (cli->record_path != NULL) {
        size_t size = 0;
        const uint8_t *log = rast_sim_choice_log(sim, &size);
        FILE *f = fopen(cli->record_path, "wb");
        if (f == NULL || fwrite(log, 1, size, f) != size)
            fprintf(stderr, "rast-sim: cannot write %s\n", cli->record_path);
        if (f != NULL)
            fclose(f);
    }
    fflush(stdout);
    print_run_result(cli, cli->seed, &r, seconds);
    if (verdict != 0) {
        fflush(stdout);
        fprintf(stderr, "rast-sim: %s violation\n", verdict_name(verdict));
        o.trace_sink = NULL;
        o.trace_json_sink = NULL;
        o.config_sink = NULL;
        write_artifacts(cli, sim, cli->seed, &o);
    }
    free(replay);
    rast_sim_destroy(sim);
    return verdict;
}

/* ---- sweep --------------------------------------------------------------------------- */

#define KINDS_MAX 32u

struct failed_seed {
    uint64_t seed;
    uint8_t verdict;
    char kind[48];
};

struct sweep {
    const struct cli *cli;
    uint64_t count; /* seeds in this shard */
    _Atomic uint64_t next;
    pthread_mutex_t lock;
    uint64_t done, events, failures;
    char kinds[KINDS_MAX][48];
    uint64_t kind_counts[KINDS_MAX];
    uint32_t kind_count;
    struct failed_seed failed[FAILED_SEEDS_MAX];
    uint32_t failed_count;
    uint64_t *hashes;
    int worst;
};

struct worker {
    struct sweep *sweep;
    uint32_t index;
};

static uint64_t sweep_seed(const struct sweep *s, uint64_t k)
{
    return s->cli->seed_first + s->cli->shard_index + k * s->cli->shard_count;
}

static int verdict_rank(int verdict)
{
    return verdict == 1 ? 3 : verdict == 4 ? 2 : verdict == 3 ? 1 : 0;
}

static void sweep_record(struct sweep *s, uint64_t k, uint64_t seed,
                         const struct rast_sim_result *r)
{
    pthread_mutex_lock(&s->lock);
    s->done++;
    s->events += r->events;
    if (s->hashes != NULL)
        s->hashes[k] = r->trace_hash;
    if (r->verdict != 0) {
        s->failures++;
        if (verdict_rank(r->verdict) > verdict_rank(s->worst))
            s->worst = r->verdict;
        uint32_t i = 0;
        while (i < s->kind_count && strcmp(s->kinds[i], r->kind) != 0)
            i++;
        if (i == s->kind_count && i < KINDS_MAX)
            snprintf(s->kinds[s->kind_count++], sizeof s->kinds[0], "%s", r->kind);
        if (i < KINDS_MAX)
            s->kind_counts[i]++;
        if (s->failed_count < FAILED_SEEDS_MAX) {
            struct failed_seed *f = &s->failed[s->failed_count++];
            f->seed = seed;
            f->verdict = r->verdict;
            snprintf(f->kind, sizeof f->kind, "%s", r->kind);
        }
    }
    pthread_mutex_unlock(&s->lock);
}

static void *sweep_worker(void *arg)
{
    struct worker *w = arg;
    struct sweep *s = w->sweep;
    struct rast_sim *sim = rast_sim_create();
    if (sim == NULL) {
        fprintf(stderr, "rast-sim: out of memory\n");
        _exit(4);
    }
    for (;;) {
        uint64_t k = atomic_fetch_add(&s->next, 1);
        if (k >= s->count)
            break;
        uint64_t seed = sweep_seed(s, k);
        struct rast_sim_options o;
        options_init(s->cli, &o);
        o.seed = seed;
        o.trace_hash = s->hashes != NULL;
        atomic_store(&current_seed[w->index], seed);
        atomic_store(&current_seed_valid[w->index], true);
        struct rast_sim_result r;
        (void)rast_sim_run(sim, &o, &r);
        atomic_store(&current_seed_valid[w->index], false);
        sweep_record(s, k, seed, &r);
    }
    rast_sim_destroy(sim);
    return NULL;
}

static void sweep_progress(struct sweep *s, uint64_t t0, bool final)
{
    pthread_mutex_lock(&s->lock);
    double secs = (double)(wall_ns() - t0) / 1e9;
    fprintf(stderr, "\r%" PRIu64 "/%" PRIu64 " seeds  %" PRIu64 " failures  %.0f seeds/s  "
            "%.2f M events/s   %s",
            s->done, s->count, s->failures, secs > 0 ? (double)s->done / secs : 0.0,
            secs > 0 ? (double)s->events / secs / 1e6 : 0.0, final ? "\n" : "");
    pthread_mutex_unlock(&s->lock);
}

static void sweep_summary(const struct sweep *s, double secs)
{
    const struct cli *cli = s->cli;
    if (cli->json) {
        printf("{\"seeds\":%" PRIu64 ",\"first\":%" PRIu64 ",\"last\":%" PRIu64
               ",\"shard\":\"%u/%u\",\"jobs\":%u,\"failures\":%" PRIu64 ",\"by_kind\":{",
               s->done, cli->seed_first, cli->seed_last, cli->shard_index, cli->shard_count,
               cli->jobs, s->failures);
        for (uint32_t i = 0; i < s->kind_count; i++)
            printf("%s\"%s\":%" PRIu64, i ? "," : "", s->kinds[i], s->kind_counts[i]);
        printf("},\"failed_seeds\":[");
        for (uint32_t i = 0; i < s->failed_count; i++)
            printf("%s{\"seed\":%" PRIu64 ",\"kind\":\"%s\",\"exit\":%u}", i ? "," : "",
                   s->failed[i].seed, s->failed[i].kind, (unsigned)s->failed[i].verdict);
        printf("],\"events\":%" PRIu64 ",\"seconds\":%.3f,\"events_per_sec\":%.0f,"
               "\"seeds_per_sec\":%.1f,\"exit\":%d}\n",
               s->events, secs, secs > 0 ? (double)s->events / secs : 0.0,
               secs > 0 ? (double)s->done / secs : 0.0, s->worst);
        return;
    }
    printf("sweep seeds %" PRIu64 "..%" PRIu64 " shard %u/%u jobs %u: %" PRIu64 " seeds, %" PRIu64
           " failures\n", cli->seed_first, cli->seed_last, cli->shard_index, cli->shard_count,
           cli->jobs, s->done, s->failures);
    for (uint32_t i = 0; i < s->kind_count; i++)
        printf("  %-32s %" PRIu64 "\n", s->kinds[i], s->kind_counts[i]);
    printf("%" PRIu64 " events in %.2f s: %.2f M events/s, %.1f seeds/s\n", s->events, secs,
           secs > 0 ? (double)s->events / secs / 1e6 : 0.0,
           secs > 0 ? (double)s->done / secs : 0.0);
}

static void sweep_report_failures(struct sweep *s)
{
    if (s->failed_count == 0)
        return;
    /* sorted by seed so the report does not depend on thread timing */
    for (uint32_t i = 1; i < s->failed_count; i++)
        for (uint32_t j = i; j > 0 && s->failed[j - 1].seed > s->failed[j].seed; j--) {
            struct failed_seed t = s->failed[j];
            s->failed[j] = s->failed[j - 1];
            s->failed[j - 1] = t;
        }
    struct rast_sim *sim = rast_sim_create();
    if (sim == NULL)
        return;
    for (uint32_t i = 0; i < s->failed_count; i++) {
        fprintf(stderr, "seed %" PRIu64 ": %s (%s)\n", s->failed[i].seed,
                verdict_name(s->failed[i].verdict), s->failed[i].kind);
        if (i < ARTIFACT_SEEDS_MAX) {
            struct rast_sim_options o;
            options_init(s->cli, &o);
            o.seed = s->failed[i].seed;
            write_artifacts(s->cli, sim, s->failed[i].seed, &o);
        }
    }
    if (s->failed_count > ARTIFACT_SEEDS_MAX)
        fprintf(stderr, "(artifacts written for the first %u failing seeds)\n",
                ARTIFACT_SEEDS_MAX);
    rast_sim_destroy(sim);
}

static int command_sweep(const struct cli *cli)
{
    static struct sweep s;
    memset(&s, 0, sizeof s);
    s.cli = cli;
    uint64_t span = cli->seed_last - cli->seed_first;
    s.count = cli->shard_index > span ? 0 : (span - cli->shard_index) / cli->shard_count + 1;
    pthread_mutex_init(&s.lock, NULL);
    if (cli->hashes && (s.hashes = calloc(s.count + 1, sizeof *s.hashes)) == NULL)
        return 4;
    struct worker workers[JOBS_MAX];
    pthread_t threads[JOBS_MAX];
    uint64_t t0 = wall_ns();
    for (uint32_t j = 0; j < cli->jobs; j++) {
        workers[j] = (struct worker){.sweep = &s, .index = j};
        if (pthread_create(&threads[j], NULL, sweep_worker, &workers[j]) != 0) {
            fprintf(stderr, "rast-sim: cannot start thread %u\n", j);
            return 4;
        }
    }
    bool tty = isatty(2) && !cli->quiet;
    while (tty) {
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 250000000}, NULL);
        sweep_progress(&s, t0, false);
        pthread_mutex_lock(&s.lock);
        bool finished = s.done >= s.count;
        pthread_mutex_unlock(&s.lock);
        if (finished)
            break;
    }
    for (uint32_t j = 0; j < cli->jobs; j++)
        pthread_join(threads[j], NULL);
    double secs = (double)(wall_ns() - t0) / 1e9;
    if (tty)
        sweep_progress(&s, t0, true);
    if (cli->hashes)
        for (uint64_t k = 0; k < s.count; k++)
            printf("%" PRIu64 " %016" PRIx64 "\n", sweep_seed(&s, k), s.hashes[k]);
    sweep_summary(&s, secs);
    fflush(stdout);
    sweep_report_failures(&s);
    free(s.hashes);
    return s.worst;
}

/* Subcommands in their own files (tools/meson.build compiles each in once it exists). */
#ifdef RAST_SIM_HAVE_SCENARIO
int rast_sim_scenario_main(int argc, char **argv); /* rast_sim_scenario.c: "scenario" */
#endif
#ifdef RAST_SIM_HAVE_HUNT
int rast_sim_hunt_main(int argc, char **argv);  /* rast_sim_hunt.c: "hunt" */
int rast_sim_shrink_main(int argc, char **argv); /* rast_sim_hunt.c: "shrink" */
#endif

/* argv[1] names a subcommand living in another file: runs it (argv shifted by one). */
static bool dispatch_extra(int argc, char **argv, int *rc)
{
    if (argc < 2)
        return false;
#ifdef RAST_SIM_HAVE_SCENARIO
    if (strcmp(argv[1], "scenario") == 0) {
        *rc = rast_sim_scenario_main(argc - 1, argv + 1);
        return true;
    }
#endif
#ifdef RAST_SIM_HAVE_HUNT
    if (strcmp(argv[1], "hunt") == 0) {
        *rc = rast_sim_hunt_main(argc - 1, argv + 1);
        return true;
    }
    if (strcmp(argv[1], "shrink") == 0) {
        *rc = rast_sim_shrink_main(argc - 1, argv + 1);
        return true;
    }
#endif
    (void)argv;
    (void)rc;
    return false;
}

int main(int argc, char **argv)
{
    struct cli cli;
    int extra_rc = 0;
    if (dispatch_extra(argc, argv, &extra_rc))
        return extra_rc;
    int rc = parse_args(argc, argv, &cli);
    if (rc != 0)
        return rc;
    install_crash_handler(&cli);
    if (strcmp(cli.command, "sweep") == 0)
        return command_sweep(&cli);
    return command_run(&cli);
}
