/*
 * events.h: the simulator's one event queue, ordered by (simulated time, insertion
 * sequence). Ties in time keep insertion order, so a run never depends on the queue's layout.
 * Time is an integer count of simulated microseconds.
 *
 * Layout: 16-byte keys in two binary min-heaps and a lane; the 48-byte payloads stay put in
 * a slot pool. The lane is a FIFO for the one kind of event that is nearly always pushed in
 * time order: ticks (a node's next tick is one interval ahead). A tick push that keeps the
 * lane sorted goes there (O(1)), any other push goes to a heap: keys more than EVENTS_FAR_US
 * past the last pop to the far heap, the rest to the near one. A pop takes the least of the
 * heaps' tops and the lane's head. Every part is sorted by (time, sequence), so the pop order
 * is exactly one heap's; where a key is kept changes no order, only cost. Ticks, half the
 * events, skip the heaps. Message delays are drawn with means of 5-60 ms, and replayed
 * copies, clogged paths, restarts and client timeouts wait far longer, so in the standard
 * profile the near heap holds about 4 keys and the far one 40 (against 47 in one heap): the
 * near heap takes half the heap pops for a sift through a handful of keys. (Client timeouts
 * had a lane of their own before the far heap, which now keeps them out of the near one.)
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

/* A heap item: the ordering key and where the event's payload lives. order packs the
 * insertion sequence (high 48 bits) above the payload slot (low 16 bits); sequences are
 * unique, so comparing (time_us, order) compares (time_us, seq). 16 bytes, so sifting moves
 * a quarter of what whole events would. */
struct event_key {
    uint64_t time_us;
    uint64_t order;
};

#define EVENTS_CAPACITY_MAX 65536u             /* payload slots are 16-bit */
#define EVENTS_SEQ_MAX      ((1ull << 48) - 1) /* pushes per run before the queue refuses */

#define EVENTS_LANES         1u     /* ticks */
#define EVENTS_LANE_CAPACITY 4096u  /* a power of two; a full lane sends pushes to a heap */
#define EVENTS_FAR_US        20000u /* a key this far past the last pop goes to the far heap */

/* A ring of keys in increasing (time_us, order). */
struct events_lane {
    struct event_key *keys; /* EVENTS_LANE_CAPACITY */
    uint32_t head;
    uint32_t count;
};

/* A binary min-heap of keys. */
struct events_heap {
    struct event_key *keys; /* capacity */
    uint32_t count;
};

struct events {
    struct events_heap near; /* keys up to EVENTS_FAR_US past popped_us when pushed */
    struct events_heap far;  /* keys further ahead */
    uint64_t popped_us;      /* time of the last pop (0 after a clear) */
    struct events_lane lanes[EVENTS_LANES];
    struct event *payload; /* capacity slots; heap and lane keys point into it */
    uint16_t *free_slots;  /* stack of recycled payload slots */
    uint32_t free_count;
    uint32_t fresh_next; /* slots fresh_next.. unused since the last clear */
    uint32_t count;      /* events queued, heaps and lanes */
    uint32_t capacity;
    uint64_t seq_next;
};

/* Allocates a queue of capacity (1..EVENTS_CAPACITY_MAX) events. False on allocation
 * failure or a capacity out of range. */
bool events_init(struct events *q, uint32_t capacity);
void events_free(struct events *q);
/* Empties the queue and restarts the sequence at 0; keeps the memory. */
void events_clear(struct events *q);
/* Adds ev (its seq is assigned here). False when the queue is full (or after
 * EVENTS_SEQ_MAX pushes since the last clear). */
bool events_push(struct events *q, const struct event *ev);
/* Removes the earliest event into *out. False when empty. */
bool events_pop(struct events *q, struct event *out);
/* Time of the earliest event; UINT64_MAX when empty. */
uint64_t events_peek_time(const struct events *q);

#endif /* SIM_EVENTS_H */
