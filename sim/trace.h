/*
 * trace.h: what a person reads: one stable line per event (DESIGN.md §7)
 *
 *     t=<time_us> n<id> <role> term=<t> commit=<c> applied=<a> <event...>
 *     t=<time_us> sim <event...>            (nemesis, clients, phases)
 *
 * no pointers, no wall clock: two runs of one seed produce identical bytes. Lines go to an
 * optional sink and/or into a running XXH3-64 hash (the determinism tests compare hashes).
 * Optionally also Chrome trace JSON (Perfetto): one process per node, instants for events
 * and faults, flow arrows from each send to its delivery.
 *
 * Cost: when neither sink nor hash is on, trace_on() is false and callers skip formatting.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rast.h"
#include "rast_sim.h"

typedef void (*trace_sink_fn)(void *ctx, const char *text, size_t size);

struct trace {
    trace_sink_fn sink; /* text lines; NULL: none */
    void *sink_ctx;
    trace_sink_fn json_sink; /* Chrome trace JSON; NULL: none */
    void *json_ctx;
    bool json_first;
    bool hashing;
    rast_sim_probe_fn probe; /* structured events; text lines go to it as TEXT */
    void *probe_ctx;
    void *hash_state; /* XXH3_state_t, owned */
    uint64_t lines;
};

bool trace_init(struct trace *t);
void trace_free(struct trace *t);
void trace_start(struct trace *t, trace_sink_fn sink, void *sink_ctx, trace_sink_fn json_sink,
                 void *json_ctx, bool hashing, uint32_t node_count);
/* Adds the probe for this run (after trace_start). */
void trace_set_probe(struct trace *t, rast_sim_probe_fn probe, void *probe_ctx);
/* Closes the JSON document. */
void trace_finish(struct trace *t);
uint64_t trace_hash(const struct trace *t);

/* Someone reads text: lines must be formatted. */
static inline bool trace_text_on(const struct trace *t)
{
    return t->sink != NULL || t->hashing || t->json_sink != NULL;
}

/* Someone watches: text or the probe. Rare events format their line whenever this is on
 * (the probe gets it as TEXT); frequent node events use trace_node_event instead. */
static inline bool trace_on(const struct trace *t)
{
    return trace_text_on(t) || t->probe != NULL;
}

/* A frequent node event: p->what, node, time and status set by the caller (plus msg_* for
 * RECV); its text form is what. Formats only when text is on. */
void trace_node_event(struct trace *t, struct rast_sim_probe *p, const char *what);

/* A node event; st is the node's status after the event (NULL when the node is down). */
void trace_node(struct trace *t, uint64_t now_us, uint32_t node, const struct rast_status *st,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A frequent event of a node that is down after it (a crash): the probe gets p (what, node,
 * time_us and the kind's fields set by the caller), text readers the "down" line. */
void trace_node_down_event(struct trace *t, const struct rast_sim_probe *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A cluster-level event (nemesis, clients, phases); the probe gets the line as TEXT. */
void trace_sim(struct trace *t, uint64_t now_us, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A frequent cluster-level event: the probe gets p (none when p is NULL), text readers the
 * formatted line. */
void trace_sim_event(struct trace *t, const struct rast_sim_probe *p, uint64_t now_us,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Perfetto flow arrows: a message msg_id leaves from / reaches to. */
void trace_flow(struct trace *t, uint64_t now_us, uint32_t node, uint64_t msg_id, bool start,
                uint8_t msg_type);

#endif /* SIM_TRACE_H */
