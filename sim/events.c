/*
 * events.c: two binary min-heaps (near and far) and a lane of event keys ordered by
 * (time_us, seq) (see events.h), with the payloads in a fixed pool of slots.
 * Invariants: in each heap, for every i > 0, key(keys[(i - 1) / 2]) <= key(keys[i]); each
 * lane's keys increase from head to tail; seq values are unique, so the order of pops is a
 * total order that does not depend on where keys are kept (which heap, which lane); count =
 * the heaps' counts + the lanes' counts; the slots named by the heaps, the lanes, the free
 * stack and fresh_next..capacity are disjoint and cover the pool (so clearing costs nothing
 * per slot).
 */
#include "events.h"

#include <stdlib.h>
#include <string.h>

#define EVENTS_SLOT_BITS 16
#define EVENTS_SLOT_MASK ((1ull << EVENTS_SLOT_BITS) - 1)
#define EVENTS_LANE_MASK (EVENTS_LANE_CAPACITY - 1)

bool events_init(struct events *q, uint32_t capacity)
{
    memset(q, 0, sizeof *q);
    if (capacity == 0 || capacity > EVENTS_CAPACITY_MAX)
        return false;
    q->near.keys = calloc(capacity, sizeof *q->near.keys);
    q->far.keys = calloc(capacity, sizeof *q->far.keys);
    q->payload = calloc(capacity, sizeof *q->payload);
    q->free_slots = calloc(capacity, sizeof *q->free_slots);
    bool lanes_ok = true;
    for (uint32_t l = 0; l < EVENTS_LANES; l++) {
        q->lanes[l].keys = calloc(EVENTS_LANE_CAPACITY, sizeof *q->lanes[l].keys);
        lanes_ok = lanes_ok && q->lanes[l].keys != NULL;
    }
    if (q->near.keys == NULL || q->far.keys == NULL || q->payload == NULL ||
        q->free_slots == NULL || !lanes_ok) {
        events_free(q);
        return false;
    }
    q->capacity = capacity;
    return true;
}

void events_free(struct events *q)
{
    free(q->near.keys);
    free(q->far.keys);
    free(q->payload);
    free(q->free_slots);
    for (uint32_t l = 0; l < EVENTS_LANES; l++)
        free(q->lanes[l].keys);
    memset(q, 0, sizeof *q);
}

void events_clear(struct events *q)
{
    q->count = 0;
    q->near.count = 0;
    q->far.count = 0;
    q->popped_us = 0;
    for (uint32_t l = 0; l < EVENTS_LANES; l++) {
        q->lanes[l].head = 0;
        q->lanes[l].count = 0;
    }
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

/* The lane of an event kind, or NULL: a heap. */
static struct events_lane *events_lane_of(struct events *q, uint8_t kind)
{
    switch (kind) {
    case EV_TICK: return &q->lanes[0];
    default: return NULL;
    }
}

/* Appends item when that keeps the lane sorted: its seq is the newest, so a time no earlier
 * than the tail's is enough. False when it would not, or when the lane is full. */
static bool events_lane_append(struct events_lane *lane, struct event_key item)
{
    if (lane->count == EVENTS_LANE_CAPACITY)
        return false;
    uint32_t tail = (lane->head + lane->count) & EVENTS_LANE_MASK;
    if (lane->count > 0 && item.time_us < lane->keys[(tail - 1) & EVENTS_LANE_MASK].time_us)
        return false;
    lane->keys[tail] = item;
    lane->count++;
    return true;
}

static void events_heap_push(struct events_heap *h, struct event_key item)
{
    uint32_t i = h->count++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!events_less(&item, &h->keys[parent]))
            break;
        h->keys[i] = h->keys[parent];
        i = parent;
    }
    h->keys[i] = item;
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
    q->count++;
    struct events_lane *lane = events_lane_of(q, ev->kind);
    if (lane == NULL || !events_lane_append(lane, item))
        events_heap_push(item.time_us > q->popped_us + EVENTS_FAR_US ? &q->far : &q->near, item);
    return true;
}

/* Moves last down from the root into the hole the popped key left. Out of line: inlined
 * into the run loop (link-time optimization does that), its loop ran short of registers and
 * spilled on every level (35 instructions a level instead of 20). */
__attribute__((noinline)) static void events_sift_down(struct event_key *heap, uint32_t n,
                                                       struct event_key last)
{
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

#define EVENTS_IN_NEAR EVENTS_LANES
#define EVENTS_IN_FAR  (EVENTS_LANES + 1)

/* Where the least key of a non-empty queue is: a lane's index, EVENTS_IN_NEAR or
 * EVENTS_IN_FAR; the key itself in *least_out. */
static uint32_t events_least_at(const struct events *q, const struct event_key **least_out)
{
    const struct event_key *least = q->near.count > 0 ? &q->near.keys[0] : NULL;
    uint32_t at = EVENTS_IN_NEAR;
    if (q->far.count > 0 && (least == NULL || events_less(&q->far.keys[0], least))) {
        least = &q->far.keys[0];
        at = EVENTS_IN_FAR;
    }
    for (uint32_t l = 0; l < EVENTS_LANES; l++) {
        const struct events_lane *lane = &q->lanes[l];
        if (lane->count == 0)
            continue;
        const struct event_key *head = &lane->keys[lane->head];
        if (least == NULL || events_less(head, least)) {
            least = head;
            at = l;
        }
    }
    *least_out = least;
    return at;
}

static void events_heap_pop(struct events_heap *h)
{
    if (--h->count > 0)
        events_sift_down(h->keys, h->count, h->keys[h->count]);
}

bool events_pop(struct events *q, struct event *out)
{
    if (q->count == 0)
        return false;
    const struct event_key *least;
    uint32_t at = events_least_at(q, &least);
    uint32_t slot = (uint32_t)(least->order & EVENTS_SLOT_MASK);
    *out = q->payload[slot];
    q->count--;
    q->popped_us = out->time_us;
    q->free_slots[q->free_count++] = (uint16_t)slot;
    if (at < EVENTS_LANES) {
        q->lanes[at].head = (q->lanes[at].head + 1) & EVENTS_LANE_MASK;
        q->lanes[at].count--;
    } else {
        events_heap_pop(at == EVENTS_IN_NEAR ? &q->near : &q->far);
    }
    return true;
}

uint64_t events_peek_time(const struct events *q)
{
    if (q->count == 0)
        return UINT64_MAX;
    const struct event_key *least;
    events_least_at(q, &least);
    return least->time_us;
}
