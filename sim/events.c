/*
 * events.c: a lane, a timing wheel and a binary min-heap of events ordered by (time_us, seq)
 * (see events.h), with the payloads in a fixed pool of slots.
 * Invariants: in the heap, for every i > 0, key(keys[(i - 1) / 2]) <= key(keys[i]); each
 * lane's keys increase from head to tail; each wheel bucket's list increases and holds only
 * times of that bucket number, all in [cursor, cursor + EVENTS_WHEEL_BUCKETS), and its bit is
 * set exactly when the list is not empty; the cursor is at most the bucket number of every
 * queued event's time that is in the wheel; seq values are unique, so the order of pops is a
 * total order that does not depend on where events are kept; count = the heap's, the wheel's
 * and the lane's counts; the slots named by the heap, the wheel, the free stack and
 * fresh_next..capacity are disjoint and cover the pool (so clearing costs nothing per slot);
 * the lane's events hold no slot.
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
    q->wheel.head = calloc(EVENTS_WHEEL_BUCKETS, sizeof *q->wheel.head);
    q->wheel.next = calloc(capacity, sizeof *q->wheel.next);
    q->far.keys = calloc(capacity, sizeof *q->far.keys);
    q->payload = calloc(capacity, sizeof *q->payload);
    q->free_slots = calloc(capacity, sizeof *q->free_slots);
    q->lane.items = calloc(EVENTS_LANE_CAPACITY, sizeof *q->lane.items);
    if (q->wheel.head == NULL || q->wheel.next == NULL || q->far.keys == NULL ||
        q->payload == NULL || q->free_slots == NULL || q->lane.items == NULL) {
        events_free(q);
        return false;
    }
    q->capacity = capacity;
    return true;
}

void events_free(struct events *q)
{
    free(q->wheel.head);
    free(q->wheel.next);
    free(q->far.keys);
    free(q->payload);
    free(q->free_slots);
    free(q->lane.items);
    memset(q, 0, sizeof *q);
}

void events_clear(struct events *q)
{
    q->count = 0;
    for (uint32_t w = 0; w < EVENTS_WHEEL_WORDS; w++) {
        for (uint64_t bits = q->wheel.nonempty[w]; bits != 0; bits &= bits - 1)
            q->wheel.head[w * 64 + (uint32_t)__builtin_ctzll(bits)] = 0;
        q->wheel.nonempty[w] = 0;
    }
    q->wheel.cursor = 0;
    q->wheel.count = 0;
    q->far.count = 0;
    q->lane.head = 0;
    q->lane.count = 0;
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

void events_place_far(struct events *q, uint32_t slot)
{
    const struct event *p = &q->payload[slot];
    struct event_key item = { .time_us = p->time_us, .order = (p->seq << EVENTS_SLOT_BITS) | slot };
    events_heap_push(&q->far, item);
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

/* The bucket index (0..EVENTS_WHEEL_BUCKETS-1) of the wheel's earliest item; the wheel must
 * not be empty. Buckets are scanned from the cursor's, wrapping once. */
static uint32_t events_wheel_first(const struct events_wheel *w)
{
    uint32_t from = (uint32_t)w->cursor & (EVENTS_WHEEL_BUCKETS - 1);
    uint32_t word = from / 64;
    uint64_t bits = w->nonempty[word] & (~0ull << (from % 64));
    for (uint32_t i = 0; bits == 0 && i < EVENTS_WHEEL_WORDS; i++) {
        word = (word + 1) % EVENTS_WHEEL_WORDS;
        bits = w->nonempty[word];
    }
    return word * 64 + (uint32_t)__builtin_ctzll(bits);
}

#define EVENTS_IN_LANE  0u
#define EVENTS_IN_WHEEL 1u
#define EVENTS_IN_FAR   2u

/* Where the least event of a non-empty queue is: EVENTS_IN_LANE, EVENTS_IN_WHEEL (its bucket
 * in *bucket_out) or EVENTS_IN_FAR; its key in *least_out (a lane event's order has slot 0:
 * seqs are unique, so the slot bits never decide a comparison). */
static uint32_t events_least_at(const struct events *q, struct event_key *least_out,
                                uint32_t *bucket_out)
{
    struct event_key least = { UINT64_MAX, UINT64_MAX };
    uint32_t at = EVENTS_IN_FAR;
    if (q->wheel.count > 0) {
        uint32_t b = events_wheel_first(&q->wheel);
        uint32_t slot = q->wheel.head[b] - 1;
        least.time_us = q->payload[slot].time_us;
        least.order = (q->payload[slot].seq << EVENTS_SLOT_BITS) | slot;
        at = EVENTS_IN_WHEEL;
        *bucket_out = b;
    }
    if (q->far.count > 0 && events_less(&q->far.keys[0], &least)) {
        least = q->far.keys[0];
        at = EVENTS_IN_FAR;
    }
    const struct events_lane *lane = &q->lane;
    if (lane->count > 0) {
        const struct event *head = &lane->items[lane->head];
        struct event_key key = { .time_us = head->time_us, .order = head->seq << EVENTS_SLOT_BITS };
        if (events_less(&key, &least)) {
            least = key;
            at = EVENTS_IN_LANE;
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

static void events_wheel_pop(struct events_wheel *w, uint32_t bucket)
{
    uint32_t slot = w->head[bucket] - 1;
    w->head[bucket] = w->next[slot];
    if (w->head[bucket] == 0)
        w->nonempty[bucket / 64] &= ~(1ull << (bucket % 64));
    w->count--;
}

bool events_pop(struct events *q, struct event *out)
{
    if (q->count == 0)
        return false;
    struct event_key least;
    uint32_t bucket = 0;
    uint32_t at = events_least_at(q, &least, &bucket);
    q->count--;
    if (at == EVENTS_IN_LANE) {
        *out = q->lane.items[q->lane.head];
        q->lane.head = (q->lane.head + 1) & EVENTS_LANE_MASK;
        q->lane.count--;
    } else {
        uint32_t slot = (uint32_t)(least.order & EVENTS_SLOT_MASK);
        *out = q->payload[slot];
        q->free_slots[q->free_count++] = (uint16_t)slot;
        if (at == EVENTS_IN_WHEEL)
            events_wheel_pop(&q->wheel, bucket);
        else
            events_heap_pop(&q->far);
    }
    uint64_t popped_bucket = out->time_us >> EVENTS_WHEEL_BUCKET_SHIFT;
    if (popped_bucket > q->wheel.cursor)
        q->wheel.cursor = popped_bucket;
    return true;
}

uint64_t events_peek_time(const struct events *q)
{
    if (q->count == 0)
        return UINT64_MAX;
    struct event_key least;
    uint32_t bucket;
    events_least_at(q, &least, &bucket);
    return least.time_us;
}
