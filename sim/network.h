/*
 * network.h: the simulated network. Every message is an encoded frame copied into a slot of
 * a pool sized at start-up; a slot travels on a directed path (from, to) and arrives through
 * an EV_DELIVER event at send time + minimum latency + an exponential extra delay, so
 * messages on one path reorder. Faults, each a rate or a state set by the nemesis:
 *   loss_ppm, dup_ppm (a second copy with its own delay), bitflip_ppm (one bit of the copy is
 *   flipped; the codec must reject it), clogged paths (nothing arrives before the clog ends),
 *   path capacity (a full path evicts a random message already on it), partitions (a blocked
 *   path drops a message both when it is sent and when it would arrive).
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

struct net_config {
    uint64_t latency_us_min;
    uint64_t latency_us_mean; /* mean of the exponential extra delay */
    uint32_t loss_ppm;
    uint32_t dup_ppm;
    uint32_t bitflip_ppm;
    uint32_t path_capacity; /* 1..NET_PATH_CAPACITY_MAX */
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
    uint32_t size;
    uint64_t msg_id; /* unique per run; both copies of a duplicate share it */
    uint64_t sent_us;
};

struct net_stats {
    uint64_t sent;
    uint64_t delivered;
    uint64_t lost;
    uint64_t duplicated;
    uint64_t evicted;
    uint64_t partition_dropped;
    uint64_t bitflips;
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
    uint64_t clog_until_us[NET_NODES_MAX + 1][NET_NODES_MAX + 1];
    uint64_t msg_id_next;
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

void net_block(struct network *net, uint32_t from, uint32_t to);
void net_heal(struct network *net);
void net_clog(struct network *net, uint32_t from, uint32_t to, uint64_t until_us);

#endif /* SIM_NETWORK_H */
