/*
 * fuzz_cluster.c: fuzzes a whole simulated cluster (sim/, and through it core/ and check/).
 *
 * The input bytes are the simulator's entropy (RAST_SIM_ENTROPY_BYTES): they decide the swarm
 * configuration (node count, fault classes, rates, workload), then every delay, loss, crash and
 * partition of the run. A zero byte and the end of the input are the most boring choice, so
 * truncating or zeroing an input simplifies its run. Every check of the simulator runs: the
 * Raft invariants after every event, the liveness phase, the per-key history check and the
 * linearizability checker.
 *
 * Findings (traps): a safety violation, a crash (core error, event queue overflow) and a
 * liveness violation. A liveness violation counts because the simulator's liveness phase heals
 * every partition, stops every fault and restarts every node that can start before it asks for
 * progress, with a fault atlas that keeps a quorum of disks intact: however pathological the
 * fault phase the bytes chose, a run that then cannot commit one write is a finding.
 * Not a finding: a run cut short by the harness's event budget, or by its limit on the events
 * after the input ran out (the simulator reports either as "liveness: event budget ..."); the
 * safety checks ran on every event until then,
 * and its history up to the cut went through the per-key history check (a stale read there
 * is a safety finding; the linearizability checker runs only on runs that end).
 *
 * Environment (read once):
 *   RAST_FUZZ_EVENTS_MAX=N   event budget per input (default FUZZ_CLUSTER_EVENTS_MAX)
 *   RAST_FUZZ_TAIL_EVENTS=N  end a run N events after its input ran out (default 0: up
 *                            to the event budget; see FUZZ_CLUSTER_TAIL_EVENTS)
 *   RAST_FUZZ_MODE=M         swarm (default: the input draws the mode), safety (pinned
 *                            safety-only: unrestricted disk faults, no liveness phase) or
 *                            liveness (pinned: quorum protected, liveness phase always)
 *   RAST_FUZZ_FEATURES=0     no protocol-state features (no probe)
 *   RAST_FUZZ_VERBOSE=1      one summary line per input on stderr
 *   RAST_FUZZ_TRACE=1        the run's trace lines on stderr (for reading a crash input)
 *
 * State: one struct rast_sim, created on first use and reused (rast_sim_run resets it); the
 * feature parser is reset before every input.
 *
 * libFuzzer flavour: LLVMFuzzerInitialize sets -entropic_feature_frequency_threshold=32 unless
 * the command line sets it (see there).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_features.h"
#include "fuzz.h"
#include "rast_sim.h"

/* About half a second of simulated time for a 3-node cluster: elections, commits, crashes
 * and partitions fit; 0.2-0.4 ms of CPU per input without sanitizers (docs/fuzzing.md,
 * "Speed"). Measured against 5,000: the catalog bug matching_truncated was found in a median
 * 8.9 CPU-s at 1,000 events and 25.4 CPU-s at 5,000 (3 libFuzzer seeds each). Against 500
 * (sixth session, with cut runs' histories checked): 500 events give about 1.5x the
 * executions per second, and `tools/hunt-all --via fuzz` found as many bugs (18 of 21), but
 * most in several times the executions and more time (median 0.335 s against 0.230 s). */
#define FUZZ_CLUSTER_EVENTS_MAX 1000u

/* Events a run goes on after the input ran out, within the budget (0: no limit). Past the
 * input every choice is the boring one (no fault, in-order delivery at the minimum latency),
 * exactly as if the input went on with zero bytes, so a limit takes no run away from the
 * fuzzer: an input that needs a longer boring tail can carry the zeros. 40% of the events of
 * the fixed corpus of docs/fuzzing.md come after the input ran out, and a limit of 300 cuts
 * its instructions by 21%; but the read bugs need that tail (a read served by a leader that
 * has not confirmed it still leads, in quiet operation after a leader change), and the fuzzer
 * found them less often (docs/fuzzing.md, "seventh session"). So the default is no limit.
 * With RAST_FUZZ_TAIL_EVENTS=300 the same measurement found commit_previous_term,
 * torn_record_accepted and heartbeat_commit_uncapped sooner. */
#define FUZZ_CLUSTER_TAIL_EVENTS 0u

struct fuzz_cluster_env {
    uint64_t events_max;
    uint64_t tail_events;
    int mode; /* 0 swarm, 1 safety, 2 liveness */
    bool verbose;
    bool trace;
};

static struct fuzz_cluster_env fuzz_env;
static struct rast_sim *fuzz_sim;
static struct cluster_features fuzz_cf;

static void fuzz_cluster_setup(void)
{
    const char *v = getenv("RAST_FUZZ_EVENTS_MAX");
    fuzz_env.events_max = v != NULL ? strtoull(v, NULL, 10) : 0;
    if (fuzz_env.events_max == 0)
        fuzz_env.events_max = FUZZ_CLUSTER_EVENTS_MAX;
    v = getenv("RAST_FUZZ_TAIL_EVENTS");
    fuzz_env.tail_events = v != NULL ? strtoull(v, NULL, 10) : FUZZ_CLUSTER_TAIL_EVENTS;
    v = getenv("RAST_FUZZ_MODE");
    fuzz_env.mode = 0;
    if (v != NULL && strcmp(v, "safety") == 0)
        fuzz_env.mode = 1;
    else if (v != NULL && strcmp(v, "liveness") == 0)
        fuzz_env.mode = 2;
    v = getenv("RAST_FUZZ_VERBOSE");
    fuzz_env.verbose = v != NULL && strcmp(v, "0") != 0;
    v = getenv("RAST_FUZZ_TRACE");
    fuzz_env.trace = v != NULL && strcmp(v, "0") != 0;
    fuzz_sim = rast_sim_create();
    if (fuzz_sim == NULL) {
        fprintf(stderr, "fuzz_cluster: rast_sim_create: out of memory\n");
        exit(1);
    }
}

/* RAST_FUZZ_TRACE: print each line, then derive the features as usual. */
static void fuzz_cluster_trace_line(void *ctx, const char *text, size_t size)
{
    fwrite(text, 1, size, stderr);
    if (fuzz_features_on())
        cluster_features_line(ctx, text, size);
}

/* The event budget ran out: the harness's bound, not the system's failure. */
static bool fuzz_cluster_truncated(const struct rast_sim_result *r)
{
    return r->verdict == RAST_SIM_LIVENESS && strstr(r->message, "event budget") != NULL;
}

static void fuzz_cluster_verdict(const struct rast_sim_result *r)
{
    if (r->verdict == RAST_SIM_OK || fuzz_cluster_truncated(r))
        return;
    char config[768], what[96], detail[1200];
    rast_sim_config_format(&r->config, config, sizeof config);
    const char *verdict = r->verdict == RAST_SIM_SAFETY     ? "safety"
                          : r->verdict == RAST_SIM_LIVENESS ? "liveness"
                                                            : "crash";
    snprintf(what, sizeof what, "%s (%s)", verdict, r->kind);
    snprintf(detail, sizeof detail, "%s [after %" PRIu64 " events; %s]", r->message, r->events,
             config);
    fuzz_found(what, detail);
}

#if defined(FUZZ_FLAVOUR_LIBFUZZER)
/* libFuzzer's entropic scheduler keeps every feature seen at most
 * -entropic_feature_frequency_threshold times (default 255) on a "rare" list, and for each
 * feature of each input it scans that list. This harness reaches thousands of features (code
 * edges with hit-count buckets, plus the protocol-state features), so with the default the
 * list stays thousands long and the scan took 35-55% of all instructions, more than the
 * simulated run itself (callgrind, 3,000 executions from corpus/cluster). At 32 the list is
 * pruned to its 100 rarest features early; the catalog bugs measured were found in as few
 * executions (docs/fuzzing.md, "Speed"). A threshold given on the command line still wins:
 * libFuzzer reads its flags in order, and this one goes first. */
#define FUZZ_CLUSTER_ARGS_MAX 256

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char rare_flag[] = "-entropic_feature_frequency_threshold=32";
    static char *args[FUZZ_CLUSTER_ARGS_MAX + 1];
    if (*argc < 1 || *argc + 1 > FUZZ_CLUSTER_ARGS_MAX)
        return 0;
    args[0] = (*argv)[0];
    args[1] = rare_flag;
    for (int i = 1; i < *argc; i++)
        args[i + 1] = (*argv)[i];
    args[*argc + 1] = NULL;
    *argc += 1;
    *argv = args;
    return 0;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_sim == NULL)
        fuzz_cluster_setup();
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_BYTES;
    o.bytes = data;
    o.bytes_size = size;
    o.events_max = fuzz_env.events_max;
    o.events_after_input_max = fuzz_env.tail_events;
    o.use_checker = true;
    o.pins.safety_only_set = fuzz_env.mode != 0;
    o.pins.safety_only = fuzz_env.mode == 1;
    cluster_features_reset(&fuzz_cf);
    fuzz_features_reset();
    if (fuzz_env.trace) {
        o.trace_sink = fuzz_cluster_trace_line;
        o.trace_ctx = &fuzz_cf;
    } else if (fuzz_features_on()) {
        o.probe = cluster_features_probe; /* fields, not lines: no formatting, no parsing */
        o.probe_ctx = &fuzz_cf;
    }
    struct rast_sim_result r;
    (void)rast_sim_run(fuzz_sim, &o, &r);
    if (fuzz_features_on())
        cluster_features_end(&fuzz_cf);
    if (fuzz_env.verbose)
        fprintf(stderr,
                "fuzz_cluster: %zu bytes: nodes=%" PRIu32 " events=%" PRIu64 " commit_max=%" PRIu64
                " elections=%" PRIu64 " verdict=%s%s\n",
                size, r.config.node_count, r.events, r.commit_index_max, r.leader_elections, r.kind,
                fuzz_cluster_truncated(&r) ? " (budget: not a finding)" : "");
    fuzz_cluster_verdict(&r);
    return 0;
}
