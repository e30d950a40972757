/*
 * network.h: the simulated network. Every message is an encoded frame copied into a slot of
 * a pool sized at start-up (unsealed, without checksums: a copy is sealed just before the
 * bitflip fault flips one of its bits, so only flipped frames need verifying); a slot
 * travels on a directed path (from, to) and arrives through an EV_DELIVER event at send
 * time + minimum latency + an exponential extra delay, so messages on one path reorder.
 * Faults, each a rate or a state set by the nemesis:
 *   loss_ppm, dup_ppm (a second copy with its own delay), bitflip_ppm (one bit of the copy is
 *   flipped; the codec must reject it), clogged paths (nothing arrives before the clog ends),
 *   path capacity (a full path evicts a random message already on it), partitions (a blocked
 *   path drops a message both when it is sent and when it would arrive), cut paths (a message
 *   sent on it is dropped; messages already in flight still arrive), held paths (nothing
 *   arrives before the hold ends, not even messages already in flight: each is deferred when
 *   it would arrive, so they all arrive then, in the order they would have arrived),
 *   replay_ppm (a second copy arrives much later, after replay_us_min..replay_us_max: a stale
 *   message from an older term, say, reaching a node long after its sender moved on).
 *
 * Invariants: a slot is on at most one path list; path_count[f][t] <= path_capacity;
 * a message sent or arriving while its path is blocked is never delivered.
 */
#ifndef SIM_NETWORK_H
#define SIM_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entropy.h"
#include "events.h"

#define NET_NODES_MAX 7u
#define NET_FRAME_BYTES_MAX 2048u
#define NET_SLOTS_MAX 4096u
#define NET_PATH_CAPACITY_MAX 64u
/* The stale store (replay): per path and message type, the last frame of the sender's two
 * latest terms, when the frame is at most this big. */
#define NET_STALE_TYPES           8u
#define NET_STALE_FRAME_BYTES_MAX 256u

struct net_config {
    uint64_t latency_us_min;
    uint64_t latency_us_mean; /* mean of the exponential extra delay */
    uint32_t loss_ppm;
    uint32_t dup_ppm;
    uint32_t bitflip_ppm;
    uint32_t path_capacity; /* 1..NET_PATH_CAPACITY_MAX */
    uint32_t replay_ppm;
    uint64_t replay_us_min; /* extra delay of a replayed copy, uniform in [min, max] */
    uint64_t replay_us_max;
};

enum net_slot_state {
    NET_SLOT_FREE = 0,
    NET_SLOT_QUEUED = 1,
    NET_SLOT_EVICTED = 2,
};

struct net_slot {
    uint8_t state; /* enum net_slot_state */
    uint8_t from;
    uint8_t to;
    bool flipped;
    uint16_t path_pos;
    bool replayed; /* the late copy of a replayed message */
    uint32_t size;
    uint64_t msg_id; /* unique per run; both copies of a duplicate share it */
    uint64_t sent_us;
};

struct net_stale {
    uint64_t term; /* 0: empty */
    uint32_t size;
    uint8_t frame[NET_STALE_FRAME_BYTES_MAX];
};

struct net_stats {
    uint64_t sent;
    uint64_t delivered;
    uint64_t lost;
    uint64_t duplicated;
    uint64_t evicted;
    uint64_t partition_dropped;
    uint64_t bitflips;
    uint64_t replayed;
    uint64_t held;     /* deliveries deferred to the end of a hold */
    uint64_t overflow; /* no free slot */
};

struct network {
    struct net_config cfg;
    struct events *queue; /* borrowed */
    struct entropy *entropy; /* borrowed */
    struct net_slot *slots;
    uint8_t *frames; /* NET_SLOTS_MAX * NET_FRAME_BYTES_MAX */
    uint32_t *free_list; /* recycled slots (a stack) */
    uint32_t free_count;
    uint32_t fresh_next; /* slots fresh_next.. have not been used since the reset */
    uint32_t path_slots[NET_NODES_MAX + 1][NET_NODES_MAX + 1][NET_PATH_CAPACITY_MAX];
    uint32_t path_count[NET_NODES_MAX + 1][NET_NODES_MAX + 1];
    bool blocked[NET_NODES_MAX + 1][NET_NODES_MAX + 1];
    bool cut[NET_NODES_MAX + 1][NET_NODES_MAX + 1];
    uint64_t hold_until_us[NET_NODES_MAX + 1][NET_NODES_MAX + 1];
    uint64_t clog_until_us[NET_NODES_MAX + 1][NET_NODES_MAX + 1];
    uint64_t msg_id_next;
    /* [to][from][type][generation]: generation 0 holds the latest term seen, 1 the one before */
    struct net_stale *stale;
    bool stale_written; /* net_remember stored something since the reset */
    struct net_stats stats;
};

bool net_init(struct network *net);
void net_free(struct network *net);
/* Starts a run: every slot free, every path open. */
void net_reset(struct network *net, const struct net_config *cfg, struct events *queue,
               struct entropy *entropy);

/* Slots free for messages in flight (recycled plus never used). */
uint32_t net_slots_free(const struct network *net);

/* Sends a copy of frame on path from -> to at now_us. Returns the message id (0 when it
 * was dropped at once: loss, partition, overflow, or frame too big). */
uint64_t net_send(struct network *net, uint32_t from, uint32_t to, const uint8_t *frame,
                  size_t size, uint64_t now_us);

/* The frame of the EV_DELIVER event for slot, or NULL when the message was evicted or its
 * path is blocked now (the slot is then released). The frame stays valid until
 * net_release(slot). */
const uint8_t *net_arrive(struct network *net, uint32_t slot, size_t *size_out);
/* Releases a slot returned by net_arrive. */
void net_release(struct network *net, uint32_t slot);

/* The EV_DELIVER event ev arrives on a held path: it is pushed again at the end of the hold
 * (true), or it may be delivered now (false). Called before net_arrive. */
bool net_defer_if_held(struct network *net, const struct event *ev, uint64_t now_us);

/* Remembers frame (a message of type and term) in the stale store, replacing the last one of
 * that term on its path; frames too big or of an unknown type are not kept. */
void net_remember(struct network *net, uint32_t from, uint32_t to, uint32_t type, uint64_t term,
                  const uint8_t *frame, size_t size);
/* Sends to `to` again every remembered frame addressed to it whose term is older than
 * term_now (a burst of stale messages: replies of a term it led before, say). They travel
 * like new messages (latency, partitions) and are marked replayed. Returns how many. */
uint32_t net_replay_stale(struct network *net, uint32_t to, uint64_t term_now, uint64_t now_us);

void net_block(struct network *net, uint32_t from, uint32_t to);
/* Drops every message sent on from -> to from now on (in-flight ones still arrive). */
void net_cut(struct network *net, uint32_t from, uint32_t to);
/* Holds from -> to until until_us: messages in flight and sent meanwhile arrive then. */
void net_hold(struct network *net, uint32_t from, uint32_t to, uint64_t until_us);
/* Ends every partition, cut and hold. */
void net_heal(struct network *net);
void net_clog(struct network *net, uint32_t from, uint32_t to, uint64_t until_us);

#endif /* SIM_NETWORK_H */
