/*
 * events.c: a binary min-heap of event keys ordered by (time_us, seq) (see events.h), with
 * the payloads in a fixed pool of slots.
 * Invariants: for every i > 0, key(heap[(i - 1) / 2]) <= key(heap[i]); seq values are unique,
 * so the order of pops is a total order that does not depend on the heap's shape; the slots
 * named by the heap, the free stack and fresh_next..capacity are disjoint and cover the pool
 * (so clearing costs nothing per slot).
 */
#include "events.h"

#include <stdlib.h>
#include <string.h>

#define EVENTS_SLOT_BITS 16
#define EVENTS_SLOT_MASK ((1ull << EVENTS_SLOT_BITS) - 1)

bool events_init(struct events *q, uint32_t capacity)
{
    memset(q, 0, sizeof *q);
    if (capacity == 0 || capacity > EVENTS_CAPACITY_MAX)
        return false;
    q->heap = calloc(capacity, sizeof *q->heap);
    q->payload = calloc(capacity, sizeof *q->payload);
    q->free_slots = calloc(capacity, sizeof *q->free_slots);
    if (q->heap == NULL || q->payload == NULL || q->free_slots == NULL) {
        events_free(q);
        return false;
    }
    q->capacity = capacity;
    return true;
}

void events_free(struct events *q)
{
    free(q->heap);
    free(q->payload);
    free(q->free_slots);
    memset(q, 0, sizeof *q);
}

void events_clear(struct events *q)
{
    q->count = 0;
    q->seq_next = 0;
    q->free_count = 0;
    q->fresh_next = 0;
}

static bool events_less(const struct event_key *x, const struct event_key *y)
{
    if (x->time_us != y->time_us)
        return x->time_us < y->time_us;
    return x->order < y->order;
}

bool events_push(struct events *q, const struct event *ev)
{
    if (q->count == q->capacity || q->seq_next > EVENTS_SEQ_MAX)
        return false;
    uint32_t slot = q->free_count > 0 ? q->free_slots[--q->free_count] : q->fresh_next++;
    struct event *p = &q->payload[slot];
    *p = *ev;
    p->seq = q->seq_next++;
    struct event_key item = { .time_us = ev->time_us,
                              .order = (p->seq << EVENTS_SLOT_BITS) | slot };
    uint32_t i = q->count++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!events_less(&item, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = item;
    return true;
}

/* Moves last down from the root into the hole the popped key left. */
static void events_sift_down(struct events *q, struct event_key last)
{
    struct event_key *heap = q->heap;
    uint32_t n = q->count;
    uint32_t i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && events_less(&heap[child + 1], &heap[child]))
            child++;
        if (!events_less(&heap[child], &last))
            break;
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = last;
}

bool events_pop(struct events *q, struct event *out)
{
    if (q->count == 0)
        return false;
    uint32_t slot = (uint32_t)(q->heap[0].order & EVENTS_SLOT_MASK);
    *out = q->payload[slot];
    q->count--;
    q->free_slots[q->free_count++] = (uint16_t)slot;
    if (q->count > 0)
        events_sift_down(q, q->heap[q->count]);
    return true;
}

uint64_t events_peek_time(const struct events *q)
{
    return q->count == 0 ? UINT64_MAX : q->heap[0].time_us;
}
