/*
 * events.c: a binary min-heap of events keyed by (time_us, seq) (see events.h).
 * Invariant: for every i > 0, key(heap[(i - 1) / 2]) <= key(heap[i]); seq values are unique,
 * so the order of pops is a total order that does not depend on the heap's shape.
 */
#include "events.h"

#include <stdlib.h>
#include <string.h>

bool events_init(struct events *q, uint32_t capacity)
{
    memset(q, 0, sizeof *q);
    q->heap = calloc(capacity, sizeof *q->heap);
    if (q->heap == NULL)
        return false;
    q->capacity = capacity;
    return true;
}

void events_free(struct events *q)
{
    free(q->heap);
    memset(q, 0, sizeof *q);
}

void events_clear(struct events *q)
{
    q->count = 0;
    q->seq_next = 0;
}

static bool events_less(const struct event *x, const struct event *y)
{
    if (x->time_us != y->time_us)
        return x->time_us < y->time_us;
    return x->seq < y->seq;
}

bool events_push(struct events *q, const struct event *ev)
{
    if (q->count == q->capacity)
        return false;
    struct event item = *ev;
    item.seq = q->seq_next++;
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

bool events_pop(struct events *q, struct event *out)
{
    if (q->count == 0)
        return false;
    *out = q->heap[0];
    struct event last = q->heap[--q->count];
    uint32_t n = q->count;
    uint32_t i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && events_less(&q->heap[child + 1], &q->heap[child]))
            child++;
        if (!events_less(&q->heap[child], &last))
            break;
        q->heap[i] = q->heap[child];
        i = child;
    }
    if (n > 0)
        q->heap[i] = last;
    return true;
}

uint64_t events_peek_time(const struct events *q)
{
    return q->count == 0 ? UINT64_MAX : q->heap[0].time_us;
}
