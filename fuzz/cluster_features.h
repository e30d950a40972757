/*
 * cluster_features.h: protocol-state features of a simulated run, derived from its trace
 * lines (docs/sim.md, "Output"; docs/fuzzing.md, "Protocol-state features").
 *
 * The simulator reports every event either as a trace line (a sink) or through its probe
 * (fields for node events, clients, nemesis actions and phases; text for a restarting node's
 * corrupt or torn disk). This module turns either into
 * the same features, reported through
 * fuzz_feature_hit(): states of the protocol that code coverage alone does not tell apart,
 * because the same code runs in all of them. The families:
 *
 *   role     a node changes role or term: (old role, new role, term step, leaders now)
 *   leaders  a node becomes leader: (nodes that believe they lead, term spread among them)
 *   commit   a node's commit index advances: (its role, step size, new cluster high or not,
 *            its term stale or current, phase, partition on, some node down)
 *   msg      a node receives a message: (previous type received on the same link, this
 *            type, the receiver's role, message term below / equal / above the receiver's)
 *   event    nemesis and disk events (partition shapes, crash, torn write, repair, ...)
 *   client   client outcomes: (operation, outcome, phase)
 *   end      at the end of a run: (highest term, highest commit) and (elections, crashes),
 *            in power-of-two buckets
 *
 * Invariant: every line is parsed without reading past size; a line that does not match the
 * format is ignored (the trace format is the simulator's to change; features degrade, they
 * never crash the harness).
 */
#ifndef RAST_FUZZ_CLUSTER_FEATURES_H
#define RAST_FUZZ_CLUSTER_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rast_sim.h"

#define CF_NODES_MAX 8u /* node ids 1..7 */
#define CF_MSG_TYPES 7u /* 0 = none yet, 1..6 = enum rast_msg_type */

struct cluster_features {
    bool started[CF_NODES_MAX]; /* the node has been up at least once */
    uint8_t role[CF_NODES_MAX]; /* 0 down/unknown, 1 follower, 2 candidate, 3 leader */
    uint64_t term[CF_NODES_MAX];
    uint64_t commit[CF_NODES_MAX];
    uint8_t link_last[CF_NODES_MAX][CF_NODES_MAX]; /* [from][to]: last type received */
    uint64_t term_max;
    uint64_t commit_max;
    uint32_t elections;
    uint32_t crashes;
    bool partitioned;
    bool liveness_phase;
    uint64_t lines;
};

/* Starts a run: forgets everything. */
void cluster_features_reset(struct cluster_features *cf);

/* A trace sink (rast_sim_sink_fn): ctx is a struct cluster_features. */
void cluster_features_line(void *ctx, const char *text, size_t size);

/* The probe (rast_sim_probe_fn): the same features from structured events, without
 * formatting lines; the few events that still arrive as text go to cluster_features_line.
 * ctx is a struct cluster_features. */
void cluster_features_probe(void *ctx, const struct rast_sim_probe *p);

/* Ends a run: reports the end-of-run features. */
void cluster_features_end(struct cluster_features *cf);

#endif /* RAST_FUZZ_CLUSTER_FEATURES_H */
