/*
 * events.h: the simulator's one event queue, ordered by (simulated time, insertion
 * sequence). Ties in time keep insertion order, so a run never depends on the queue's layout.
 * Time is an integer count of simulated microseconds.
 *
 * Layout: three structures, each sorted by (time_us, seq); the lane holds its events, the
 * wheel and the heap refer to 48-byte payloads that stay put in a slot pool:
 *   lane   a FIFO of whole events (not slots) for the one kind of event that is nearly always
 *          pushed in time order: ticks (a node's next tick is one interval ahead). A tick push
 *          that keeps the lane sorted is written straight into the ring, O(1), with no payload
 *          slot to take and give back: ticks are half of all events.
 *   wheel  a timing wheel of EVENTS_WHEEL_BUCKETS buckets of EVENTS_WHEEL_BUCKET_US each,
 *          starting at the bucket of the last pop: every other push whose time falls in that
 *          window (about 2.1 s) joins its bucket's list, kept sorted (a push has the newest
 *          seq, so it goes after every item of its time or earlier; buckets hold 0-2 items).
 *          A bitmap of non-empty buckets finds the earliest one.
 *   far    a binary min-heap of 16-byte keys for the rest: times past the window, or before
 *          the window's start (no caller does that, but the queue stays correct).
 * A pop takes the least of the lane's head, the wheel's first item and the heap's top. Where
 * an event is kept changes no order, only cost. In the standard profile ticks are half the
 * events and message deliveries (5-60 ms delays) most of the rest: both skip the heap,
 * whose log-depth sift through 40-odd keys had been a fifth of the simulator's work.
 *
 * Limits: the capacity is fixed when the queue is created; events_push returns false when
 * full (the caller counts it as an overflow and the run fails loudly: it is a sim bug).
 */
#ifndef SIM_EVENTS_H
#define SIM_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

enum event_kind {
    EV_TICK = 1,           /* node: a logical clock tick */
    EV_DELIVER = 2,        /* node: a message frame arrives (a = message slot) */
    EV_DISK_DONE = 3,      /* node: the disk request at the head completes */
    EV_CLIENT_ARRIVE = 4,  /* node: a client request arrives (a = client) */
    EV_CLIENT_REPLY = 5,   /* client a: a reply arrives (b = request id, c = result) */
    EV_CLIENT_TIMEOUT = 6, /* client a: request b timed out */
    EV_CLIENT_NEXT = 7,    /* client a: issue its next operation */
    EV_NEMESIS = 8,        /* the nemesis acts */
    EV_RESTART = 9,        /* node: restart after a crash */
    EV_RESUME = 10,        /* node: end of a pause */
    EV_HEAL = 11,          /* the network partition heals (a = partition generation) */
    EV_UNCLOG = 12,        /* path a stops being clogged */
    EV_PHASE = 13,         /* end of the fault phase, start of the liveness phase */
    EV_DEADLINE = 14,      /* the liveness bound ran out */
    EV_CRASH = 15,         /* node: crash (crash at persist: before its write completes) */
    EV_REPLAY = 16,        /* node: stale messages of older terms reach it again (replay) */
    EV_KIND_MAX = 16,
};

struct event {
    uint64_t time_us;
    uint64_t seq;
    uint8_t kind;   /* enum event_kind */
    uint8_t node;   /* 1..7, 0 when not about a node */
    uint16_t pad;   /* always 0 */
    uint32_t epoch; /* node incarnation the event belongs to; stale events are dropped */
    uint32_t a;
    uint32_t d;
    uint64_t b;
    uint64_t c;
};

/* A lane or heap item: the ordering key and where the event's payload lives. order packs the
 * insertion sequence (high 48 bits) above the payload slot (low 16 bits); sequences are
 * unique, so comparing (time_us, order) compares (time_us, seq). 16 bytes, so sifting moves
 * a quarter of what whole events would. */
struct event_key {
    uint64_t time_us;
    uint64_t order;
};

#define EVENTS_CAPACITY_MAX 65536u             /* payload slots are 16-bit */
#define EVENTS_SEQ_MAX      ((1ull << 48) - 1) /* pushes per run before the queue refuses */

/* A power of two; a full lane sends pushes elsewhere. A run keeps one pending tick per node
 * in it (clock jumps' extra ticks are due now, earlier than the tail: they go elsewhere). */
#define EVENTS_LANE_CAPACITY      256u

#define EVENTS_WHEEL_BUCKET_SHIFT 10u /* a bucket spans 1,024 us */
#define EVENTS_WHEEL_BUCKET_US    (1u << EVENTS_WHEEL_BUCKET_SHIFT)
#define EVENTS_WHEEL_BUCKETS      2048u /* a power of two: a window of about 2.1 s */
#define EVENTS_WHEEL_WORDS        (EVENTS_WHEEL_BUCKETS / 64u)

/* A ring of events in increasing (time_us, seq). */
struct events_lane {
    struct event *items; /* EVENTS_LANE_CAPACITY */
    uint32_t head;
    uint32_t count;
    uint64_t tail_time_us; /* time of the last item appended (any value when count is 0) */
};

/* A binary min-heap of keys. */
struct events_heap {
    struct event_key *keys; /* capacity */
    uint32_t count;
};

/* Buckets of payload slots, each a list sorted by (time_us, seq). Links are slot + 1, 0 ends a
 * list. Every item's bucket number (time_us / EVENTS_WHEEL_BUCKET_US) is in
 * [cursor, cursor + EVENTS_WHEEL_BUCKETS), so bucket order from the cursor is time order. */
struct events_wheel {
    uint32_t *head;                        /* EVENTS_WHEEL_BUCKETS list heads */
    uint32_t *next;                        /* per payload slot: the next in its bucket */
    uint64_t nonempty[EVENTS_WHEEL_WORDS]; /* bit b: bucket b's list is not empty */
    uint64_t cursor;                       /* bucket number of the last pop, never decreasing */
    uint32_t count;
};

struct events {
    struct events_wheel wheel;
    struct events_heap far; /* keys outside the wheel's window when pushed */
    struct events_lane lane; /* ticks */
    struct event *payload; /* capacity slots; the wheel and the heap keys point into it */
    uint16_t *free_slots;  /* stack of recycled payload slots */
    uint32_t free_count;
    uint32_t fresh_next; /* slots fresh_next.. unused since the last clear */
    uint32_t count;      /* events queued: lane, wheel and heap */
    uint32_t capacity;
    uint64_t seq_next;
};

/* Allocates a queue of capacity (1..EVENTS_CAPACITY_MAX) events. False on allocation
 * failure or a capacity out of range. */
bool events_init(struct events *q, uint32_t capacity);
void events_free(struct events *q);
/* Empties the queue and restarts the sequence at 0; keeps the memory. */
void events_clear(struct events *q);
/* Files the event of a filled payload slot in the heap: its time is outside the wheel's
 * window (events_push's out-of-line half). */
void events_place_far(struct events *q, uint32_t slot);

/* Puts slot into its bucket's list when its time is in the wheel's window: a push has the
 * newest seq, so it goes after every item of its time or earlier. */
static inline bool events_wheel_push(struct events_wheel *w, const struct event *payload,
                                     uint32_t slot)
{
    uint64_t time_us = payload[slot].time_us;
    uint64_t bucket = time_us >> EVENTS_WHEEL_BUCKET_SHIFT;
    if (bucket < w->cursor || bucket - w->cursor >= EVENTS_WHEEL_BUCKETS)
        return false;
    uint32_t b = (uint32_t)bucket & (EVENTS_WHEEL_BUCKETS - 1);
    uint32_t *link = &w->head[b];
    while (*link != 0 && payload[*link - 1].time_us <= time_us)
        link = &w->next[*link - 1];
    w->next[slot] = *link;
    *link = slot + 1;
    w->nonempty[b / 64] |= 1ull << (b % 64);
    w->count++;
    return true;
}

/* Writes ev into p, with seq, field by field. */
static inline void events_write(struct event *p, const struct event *ev, uint64_t seq)
{
    p->time_us = ev->time_us; /* field by field: no whole-struct copy through the stack */
    p->seq = seq;
    p->kind = ev->kind;
    p->node = ev->node;
    p->pad = 0;
    p->epoch = ev->epoch;
    p->a = ev->a;
    p->d = ev->d;
    p->b = ev->b;
    p->c = ev->c;
}

/* Appends a tick to the lane when that keeps it sorted: its seq is the newest, so a time no
 * earlier than the tail's is enough. False when it would not, or when the lane is full. */
static inline bool events_lane_append(struct events_lane *lane, const struct event *ev,
                                      uint64_t seq)
{
    if (lane->count == EVENTS_LANE_CAPACITY ||
        (lane->count > 0 && ev->time_us < lane->tail_time_us))
        return false;
    uint32_t tail = (lane->head + lane->count) & (EVENTS_LANE_CAPACITY - 1);
    events_write(&lane->items[tail], ev, seq);
    lane->tail_time_us = ev->time_us;
    lane->count++;
    return true;
}

/* Adds ev (its seq is assigned here). False when the queue is full (or after
 * EVENTS_SEQ_MAX pushes since the last clear). Inline: callers build ev on their stack field
 * by field, and copying it out of line loaded those narrow stores back in wider pieces,
 * which the CPU cannot forward (a stall on every push, the hottest spot of the run loop in
 * perf); inlined, the compiler writes the fields straight into the slot. */
static inline bool events_push(struct events *q, const struct event *ev)
{
    if (q->count == q->capacity || q->seq_next > EVENTS_SEQ_MAX)
        return false;
    uint64_t seq = q->seq_next++;
    q->count++;
    /* the kind is a constant at nearly every call site: the test folds away */
    if (ev->kind == EV_TICK && events_lane_append(&q->lane, ev, seq))
        return true;
    /* lane events take no slot, so count <= capacity leaves one free */
    uint32_t slot = q->free_count > 0 ? q->free_slots[--q->free_count] : q->fresh_next++;
    events_write(&q->payload[slot], ev, seq);
    if (!events_wheel_push(&q->wheel, q->payload, slot))
        events_place_far(q, slot);
    return true;
}
/* Removes the earliest event into *out. False when empty. */
bool events_pop(struct events *q, struct event *out);
/* Time of the earliest event; UINT64_MAX when empty. */
uint64_t events_peek_time(const struct events *q);

#endif /* SIM_EVENTS_H */
