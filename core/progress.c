/*
 * progress.c: per-follower replication state and flow control (see progress.h).
 */
#include "progress.h"

#include "rast_assert.h"

static void progress_clear_inflight(struct progress *p)
{
    p->ring_head = 0;
    p->inflight_count = 0;
    p->inflight_bytes = 0;
}

void progress_reset(struct progress *p, uint64_t last_index)
{
    p->match_index = 0;
    p->next_index = last_index + 1;
    p->state = PROGRESS_PROBE;
    p->probe_sent = false;
    p->read_round_acked = 0;
    progress_clear_inflight(p);
}

bool progress_window_full(const struct progress *p, uint32_t inflight_bytes_max)
{
    return p->inflight_count >= p->ring_capacity || p->inflight_bytes >= inflight_bytes_max;
}

bool progress_can_send(const struct progress *p, uint32_t inflight_bytes_max)
{
    if (p->state == PROGRESS_PROBE)
        return !p->probe_sent;
    return !progress_window_full(p, inflight_bytes_max);
}

void progress_on_sent(struct progress *p, uint64_t last_index, uint32_t entry_count, uint32_t bytes)
{
    if (p->state == PROGRESS_PROBE) {
        p->probe_sent = true;
        return;
    }
    if (entry_count == 0)
        return;
    ASSERT(p->inflight_count < p->ring_capacity);
    uint32_t slot = (p->ring_head + p->inflight_count) % p->ring_capacity;
    p->ring[slot].last_index = last_index;
    p->ring[slot].bytes = bytes;
    p->inflight_count++;
    p->inflight_bytes += bytes;
    p->next_index = last_index + 1;
}

void progress_free_oldest(struct progress *p)
{
    if (p->inflight_count == 0)
        return;
    p->inflight_bytes -= p->ring[p->ring_head].bytes;
    p->ring_head = (p->ring_head + 1) % p->ring_capacity;
    p->inflight_count--;
}

bool progress_on_ack(struct progress *p, uint64_t match_index)
{
    bool advanced = match_index > p->match_index;
    if (advanced)
        p->match_index = match_index;
    if (p->next_index <= p->match_index)
        p->next_index = p->match_index + 1;
    while (p->inflight_count > 0 && p->ring[p->ring_head].last_index <= match_index)
        progress_free_oldest(p);
    if (p->state == PROGRESS_PROBE) {
        p->state = PROGRESS_REPLICATE;
        p->probe_sent = false;
        progress_clear_inflight(p);
    }
    return advanced;
}

void progress_on_reject(struct progress *p, uint64_t next_index)
{
    ASSERT(next_index > p->match_index);
    p->state = PROGRESS_PROBE;
    p->probe_sent = false;
    p->next_index = next_index;
    progress_clear_inflight(p);
}
