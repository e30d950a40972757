/*
 * progress.h: what a leader knows about one follower's log, and its flow control.
 *
 *      +--------+  ack (success)        +-----------+
 *      | PROBE  | --------------------> | REPLICATE |
 *      |        | <-------------------- |           |
 *      +--------+  reject / restart     +-----------+
 *
 * PROBE: one append at a time (probe_sent), until the follower's match point is found.
 * REPLICATE: appends are pipelined optimistically (next_index advances as they are sent),
 * bounded by an in-flight window counted in messages and in entry bytes. An ack frees every
 * in-flight append whose last index it covers.
 *
 * Invariants: match_index < next_index; in-flight last indexes strictly increase in send
 * order; inflight_bytes is the sum of the ring's bytes.
 */
#ifndef RAST_CORE_PROGRESS_H
#define RAST_CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

enum progress_state {
    PROGRESS_PROBE = 0,
    PROGRESS_REPLICATE = 1,
};

struct progress_inflight {
    uint64_t last_index;
    uint32_t bytes;
};

struct progress {
    uint64_t match_index;
    uint64_t next_index;
    uint8_t state;
    bool probe_sent;
    uint64_t read_round_acked;      /* highest ReadIndex round this follower confirmed */
    struct progress_inflight *ring; /* inflight_msgs_max slots, owned by the node */
    uint32_t ring_capacity;
    uint32_t ring_head;
    uint32_t inflight_count;
    uint64_t inflight_bytes;
};

/* Starts tracking a follower when a leader takes office: next = last_index + 1, PROBE. */
void progress_reset(struct progress *p, uint64_t last_index);
/* May another append go out under the window? */
bool progress_can_send(const struct progress *p, uint32_t inflight_bytes_max);
/* Records an append of entries ending at last_index (bytes of entry data). */
void progress_on_sent(struct progress *p, uint64_t last_index, uint32_t entry_count,
                      uint32_t bytes);
/* A successful ack up to match_index. Returns true when match_index advanced. */
bool progress_on_ack(struct progress *p, uint64_t match_index);
/* A rejection: fall back to PROBE at next_index (match_index < next_index). */
void progress_on_reject(struct progress *p, uint64_t next_index);
/* Frees the oldest in-flight append (a heartbeat reply shows the path works again). */
void progress_free_oldest(struct progress *p);
bool progress_window_full(const struct progress *p, uint32_t inflight_bytes_max);

#endif /* RAST_CORE_PROGRESS_H */
