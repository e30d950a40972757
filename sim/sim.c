/*
 * sim.c: the public API of librastsim (rast_sim.h): entropy set-up, the swarm draw, one
 * cluster run, the history checks, and the verdict.
 */
#include "rast_sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "swarm.h"

struct rast_sim *rast_sim_create(void)
{
    struct rast_sim *sim = malloc(sizeof *sim);
    if (sim == NULL)
        return NULL;
    if (!cluster_init(&sim->cluster)) {
        free(sim);
        return NULL;
    }
    sim->check_memory = history_check_memory_create(); /* NULL: each check allocates its own */
    return sim;
}

void rast_sim_destroy(struct rast_sim *sim)
{
    if (sim == NULL)
        return;
    cluster_free(&sim->cluster);
    history_check_memory_destroy(sim->check_memory);
    free(sim);
}

const uint8_t *rast_sim_choice_log(const struct rast_sim *sim, size_t *size_out)
{
    *size_out = sim->cluster.entropy.record_size;
    return sim->cluster.entropy.record;
}

static void sim_entropy_setup(struct cluster *c, const struct rast_sim_options *o)
{
    switch (o->entropy) {
    case RAST_SIM_ENTROPY_BYTES: entropy_init_bytes(&c->entropy, o->bytes, o->bytes_size); break;
    case RAST_SIM_ENTROPY_REPLAY:
        entropy_init_replay(&c->entropy, o->bytes, o->bytes_size);
        break;
    default: entropy_init_prng(&c->entropy, o->seed); break;
    }
    if (o->record)
        entropy_record_start(&c->entropy);
}

/* The per-key check always; the linearizability checker when asked for (use_checker) and
 * the run was not cut short (sim_cut_short). */
static void sim_check_history(struct rast_sim *sim, const struct rast_sim_options *o,
                              bool cut_short, struct rast_sim_result *r)
{
    struct cluster *c = &sim->cluster;
    char why[320];
    r->history_check = "simple";
    if (!history_check_simple(&c->history, why, sizeof why)) {
        inv_fail(&c->inv, "linearizability", "per-key check: %s", why);
        return;
    }
    if (!o->use_checker || cut_short)
        return;
    int verdict = history_check_linearizable(&c->history, sim->check_memory, why, sizeof why);
    if (verdict == 1)
        r->history_check = "linearizable";
    else if (verdict == 0)
        inv_fail(&c->inv, "linearizability", "%s", why);
    else if (why[0] != 0)
        r->history_check = "unknown";
}

static void sim_fill_result(const struct cluster *c, struct rast_sim_result *r)
{
    r->events = c->events;
    r->sim_time_us = c->now_us;
    r->msgs_sent = c->net.stats.sent;
    r->msgs_delivered = c->net.stats.delivered;
    r->restarts = c->restarts;
    r->needs_repair = c->needs_repair_count;
    r->leader_elections = c->inv.elections;
    r->commit_index_max = c->inv.chosen_count;
    for (uint32_t id = 1; id <= c->cfg.node_count; id++)
        r->crashes += c->nodes[id].crashes;
    for (uint32_t i = 0; i < c->history.count; i++) {
        uint8_t outcome = c->history.ops[i].outcome;
        r->ops_ok += outcome == HISTORY_OK;
        r->ops_fail += outcome == HISTORY_FAIL;
        r->ops_info += outcome == HISTORY_INFO || outcome == HISTORY_PENDING;
    }
    if (c->inv.violated) {
        r->verdict = RAST_SIM_SAFETY;
        snprintf(r->kind, sizeof r->kind, "%s", c->inv.kind);
        snprintf(r->message, sizeof r->message, "%s", c->inv.message);
    } else if (c->crashed) {
        r->verdict = strcmp(c->crash_kind, "liveness") == 0 ? RAST_SIM_LIVENESS : RAST_SIM_CRASH;
        snprintf(r->kind, sizeof r->kind, "%s", c->crash_kind);
        snprintf(r->message, sizeof r->message, "%s", c->crash_message);
    } else {
        r->verdict = RAST_SIM_OK;
        snprintf(r->kind, sizeof r->kind, "ok");
    }
}

/* A run that ended in a liveness failure (the event budget ran out, or no write committed
 * after healing) still has a history worth checking: every operation it invoked either
 * completed or is pending, and a pending one is indeterminate, so the history up to the cut
 * is linearizable whenever the whole run would have been. A stale read there is a safety
 * violation, and it outranks the liveness failure. Only the per-key check runs on it: such a
 * history is mostly indeterminate operations (timeouts, and one pending per client), and the
 * linearizability search over those can take its whole step budget (a 60-operation history
 * of a 1,000-event fuzz run, 40 of them indeterminate: 22 M steps in rast-check; 137 ms
 * instead of 2 ms for the input under the 1 M-step budget). After a crash of the simulator or
 * of a node's step (core error, full queue or history) nothing is checked. */
static bool sim_cut_short(const struct cluster *c)
{
    return c->crashed && strcmp(c->crash_kind, "liveness") == 0;
}

int rast_sim_run(struct rast_sim *sim, const struct rast_sim_options *o,
                 struct rast_sim_result *r)
{
    struct cluster *c = &sim->cluster;
    memset(r, 0, sizeof *r);
    r->history_check = "none";
    sim_entropy_setup(c, o);
    swarm_draw(&c->entropy, &o->pins, &r->config);
    if (o->config_sink != NULL) {
        char line[1024];
        int n = snprintf(line, sizeof line, "config ");
        rast_sim_config_format(&r->config, line + n, sizeof line - (size_t)n - 1);
        size_t len = strlen(line);
        line[len++] = '\n';
        o->config_sink(o->config_ctx, line, len);
    }
    trace_start(&c->trace, o->trace_sink, o->trace_ctx, o->trace_json_sink, o->trace_json_ctx,
                o->trace_hash, r->config.node_count);
    trace_set_probe(&c->trace, o->probe, o->probe_ctx);
    uint64_t events_max = o->events_max != 0 ? o->events_max : CLUSTER_EVENTS_DEFAULT_MAX;
    cluster_run(c, &r->config, events_max, o->events_after_input_max);
    bool cut_short = sim_cut_short(c);
    if (!c->inv.violated && (!c->crashed || cut_short))
        sim_check_history(sim, o, cut_short, r);
    if (trace_text_on(&c->trace)) /* not for the probe: it has the result */
        trace_sim_event(&c->trace, NULL, c->now_us, "end events=%" PRIu64 " verdict=%s",
                        c->events,
                        c->inv.violated ? c->inv.kind : c->crashed ? c->crash_kind : "ok");
    trace_finish(&c->trace);
    r->trace_hash = o->trace_hash ? trace_hash(&c->trace) : 0;
    sim_fill_result(c, r);
    if (o->history_sink != NULL)
        history_write_text(&c->history, o->history_sink, o->history_ctx);
    return r->verdict;
}
