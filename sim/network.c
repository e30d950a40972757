/*
 * network.c: paths, slots and the message faults (see network.h). The only state a message
 * has outside its slot is its EV_DELIVER event; an evicted slot stays allocated until that
 * event pops, so an event never points at a reused slot.
 */
#include "network.h"

#include <stdlib.h>
#include <string.h>

#include "rast.h"

#define NET_STALE_ENTRIES ((NET_NODES_MAX + 1) * (NET_NODES_MAX + 1) * NET_STALE_TYPES * 2u)

bool net_init(struct network *net)
{
    memset(net, 0, sizeof *net);
    net->slots = calloc(NET_SLOTS_MAX, sizeof *net->slots);
    net->frames = malloc((size_t)NET_SLOTS_MAX * NET_FRAME_BYTES_MAX);
    net->free_list = calloc(NET_SLOTS_MAX, sizeof *net->free_list);
    net->stale = calloc(NET_STALE_ENTRIES, sizeof *net->stale);
    if (net->slots == NULL || net->frames == NULL || net->free_list == NULL || net->stale == NULL) {
        net_free(net);
        return false;
    }
    return true;
}

void net_free(struct network *net)
{
    free(net->slots);
    free(net->frames);
    free(net->free_list);
    free(net->stale);
    net->stale = NULL;
    net->slots = NULL;
    net->frames = NULL;
    net->free_list = NULL;
}

void net_reset(struct network *net, const struct net_config *cfg, struct events *queue,
               struct entropy *entropy)
{
    net->cfg = *cfg;
    if (net->cfg.path_capacity == 0 || net->cfg.path_capacity > NET_PATH_CAPACITY_MAX)
        net->cfg.path_capacity = NET_PATH_CAPACITY_MAX;
    net->queue = queue;
    net->entropy = entropy;
    /* Slots are handed out recycled-first, then fresh in index order: deterministic, and a
     * reset costs nothing per slot (a slot is written in full before its first use). */
    net->free_count = 0;
    net->fresh_next = 0;
    memset(net->path_count, 0, sizeof net->path_count);
    memset(net->blocked, 0, sizeof net->blocked);
    memset(net->cut, 0, sizeof net->cut);
    memset(net->hold_until_us, 0, sizeof net->hold_until_us);
    memset(net->clog_until_us, 0, sizeof net->clog_until_us);
    net->msg_id_next = 1;
    /* 1,024 entries 272 bytes apart: a cache miss each, every run; only runs with the
     * replay fault class write any */
    for (uint32_t i = 0; net->stale_written && i < NET_STALE_ENTRIES; i++)
        net->stale[i].term = 0;
    net->stale_written = false;
    memset(&net->stats, 0, sizeof net->stats);
}

static void net_path_remove(struct network *net, uint32_t slot)
{
    struct net_slot *s = &net->slots[slot];
    uint32_t *list = net->path_slots[s->from][s->to];
    uint32_t last = --net->path_count[s->from][s->to];
    uint32_t moved = list[last];
    list[s->path_pos] = moved;
    net->slots[moved].path_pos = s->path_pos;
}

static void net_slot_free(struct network *net, uint32_t slot)
{
    net->slots[slot].state = NET_SLOT_FREE;
    net->free_list[net->free_count++] = slot;
}

/* A full path evicts a random message already on it (it becomes a tombstone). */
static void net_path_make_room(struct network *net, uint32_t from, uint32_t to)
{
    if (net->path_count[from][to] < net->cfg.path_capacity)
        return;
    uint32_t victim_pos = (uint32_t)entropy_below(net->entropy, net->path_count[from][to]);
    uint32_t victim = net->path_slots[from][to][victim_pos];
    net_path_remove(net, victim);
    net->slots[victim].state = NET_SLOT_EVICTED;
    net->stats.evicted++;
}

/* Frames travel unsealed (no checksums: nothing but this fault damages them), so the copy
 * gets its checksums first: the flip is then one the codec must catch, as on a real wire.
 * Bytes that are not a frame (a unit test's) cannot be sealed and are flipped as they are. */
static void net_flip_bit(uint8_t *copy, size_t size, uint64_t bit)
{
    int sealed = rast_frame_seal(copy, size);
    (void)sealed;
    copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* One copy on the path, delivered by its own event extra_us after its drawn latency. False
 * when no slot is free. Inlined into net_send for the first copy of every message (a call
 * with nine arguments cost more than a tenth of its work); net_enqueue is the out-of-line
 * copy for duplicates and replays. */
static inline __attribute__((always_inline)) bool
net_enqueue_inline(struct network *net, uint32_t from, uint32_t to, const uint8_t *frame,
                   size_t size, uint64_t msg_id, uint64_t now_us, uint64_t extra_us, bool replayed)
{
    if (net_slots_free(net) == 0) {
        net->stats.overflow++;
        return false;
    }
    net_path_make_room(net, from, to);
    uint32_t slot =
        net->free_count > 0 ? net->free_list[--net->free_count] : net->fresh_next++;
    struct net_slot *s = &net->slots[slot];
    uint8_t *copy = net->frames + (size_t)slot * NET_FRAME_BYTES_MAX;
    memcpy(copy, frame, size);
    s->state = NET_SLOT_QUEUED;
    s->from = (uint8_t)from;
    s->to = (uint8_t)to;
    s->flipped = false;
    s->replayed = replayed;
    s->size = (uint32_t)size;
    s->msg_id = msg_id;
    s->sent_us = now_us;
    if (entropy_chance_ppm(net->entropy, net->cfg.bitflip_ppm)) {
        uint64_t bit = entropy_below(net->entropy, (uint64_t)size * 8);
        net_flip_bit(copy, size, bit);
        s->flipped = true;
        net->stats.bitflips++;
    }
    s->path_pos = (uint16_t)net->path_count[from][to];
    net->path_slots[from][to][net->path_count[from][to]++] = slot;
    uint64_t at = now_us + extra_us + net->cfg.latency_us_min +
                  entropy_exponential(net->entropy, net->cfg.latency_us_mean);
    if (at < net->clog_until_us[from][to])
        at = net->clog_until_us[from][to];
    struct event ev = {.time_us = at, .kind = EV_DELIVER, .node = (uint8_t)to, .a = slot,
                       .b = msg_id};
    if (!events_push(net->queue, &ev)) {
        net_path_remove(net, slot);
        net_slot_free(net, slot);
        net->stats.overflow++;
        return false;
    }
    return true;
}

__attribute__((noinline)) static bool net_enqueue(struct network *net, uint32_t from, uint32_t to,
                                                  const uint8_t *frame, size_t size,
                                                  uint64_t msg_id, uint64_t now_us,
                                                  uint64_t extra_us, bool replayed)
{
    return net_enqueue_inline(net, from, to, frame, size, msg_id, now_us, extra_us, replayed);
}

uint64_t net_send(struct network *net, uint32_t from, uint32_t to, const uint8_t *frame,
                  size_t size, uint64_t now_us)
{
    net->stats.sent++;
    if (from > NET_NODES_MAX || to > NET_NODES_MAX || size > NET_FRAME_BYTES_MAX ||
        size == 0) {
        net->stats.overflow++;
        return 0;
    }
    if (net->blocked[from][to] || net->cut[from][to]) {
        net->stats.partition_dropped++;
        return 0;
    }
    if (entropy_chance_ppm(net->entropy, net->cfg.loss_ppm)) {
        net->stats.lost++;
        return 0;
    }
    uint64_t msg_id = net->msg_id_next++;
    if (!net_enqueue_inline(net, from, to, frame, size, msg_id, now_us, 0, false))
        return 0;
    if (entropy_chance_ppm(net->entropy, net->cfg.dup_ppm)) {
        if (net_enqueue(net, from, to, frame, size, msg_id, now_us, 0, false))
            net->stats.duplicated++;
    }
    if (entropy_chance_ppm(net->entropy, net->cfg.replay_ppm)) {
        uint64_t extra =
            entropy_range(net->entropy, net->cfg.replay_us_min, net->cfg.replay_us_max);
        if (net_enqueue(net, from, to, frame, size, msg_id, now_us, extra, true))
            net->stats.replayed++;
    }
    return msg_id;
}

const uint8_t *net_arrive(struct network *net, uint32_t slot, size_t *size_out)
{
    struct net_slot *s = &net->slots[slot];
    if (s->state == NET_SLOT_EVICTED) {
        net_slot_free(net, slot);
        return NULL;
    }
    net_path_remove(net, slot);
    if (net->blocked[s->from][s->to]) {
        net->stats.partition_dropped++;
        net_slot_free(net, slot);
        return NULL;
    }
    net->stats.delivered++;
    s->state = NET_SLOT_EVICTED; /* off its path; freed by net_release */
    *size_out = s->size;
    return net->frames + (size_t)slot * NET_FRAME_BYTES_MAX;
}

uint32_t net_slots_free(const struct network *net)
{
    return net->free_count + (NET_SLOTS_MAX - net->fresh_next);
}

void net_release(struct network *net, uint32_t slot)
{
    net_slot_free(net, slot);
}

static struct net_stale *net_stale_at(struct network *net, uint32_t to, uint32_t from,
                                      uint32_t type, uint32_t generation)
{
    return &net->stale[(((size_t)to * (NET_NODES_MAX + 1) + from) * NET_STALE_TYPES + type) * 2u +
                       generation];
}

void net_remember(struct network *net, uint32_t from, uint32_t to, uint32_t type, uint64_t term,
                  const uint8_t *frame, size_t size)
{
    if (from > NET_NODES_MAX || to > NET_NODES_MAX || type >= NET_STALE_TYPES || term == 0 ||
        size == 0 || size > NET_STALE_FRAME_BYTES_MAX)
        return;
    struct net_stale *latest = net_stale_at(net, to, from, type, 0);
    struct net_stale *before = latest + 1; /* generation 1 follows generation 0 */
    struct net_stale *into = NULL;
    if (term == latest->term) {
        into = latest;
    } else if (term > latest->term) {
        /* the latest term becomes the one before: its frame's bytes, not all 256 */
        before->term = latest->term;
        before->size = latest->size;
        memcpy(before->frame, latest->frame, latest->size);
        into = latest;
    } else if (term >= before->term) {
        into = before;
    } else {
        return; /* older than both: a replay of a replay, or a very late message */
    }
    net->stale_written = true;
    into->term = term;
    into->size = (uint32_t)size;
    memcpy(into->frame, frame, size);
}

uint32_t net_replay_stale(struct network *net, uint32_t to, uint64_t term_now, uint64_t now_us)
{
    uint32_t sent = 0;
    if (to > NET_NODES_MAX)
        return 0;
    for (uint32_t from = 1; from <= NET_NODES_MAX; from++) {
        if (from == to || net->blocked[from][to] || net->cut[from][to])
            continue;
        for (uint32_t type = 0; type < NET_STALE_TYPES; type++)
            for (uint32_t g = 0; g < 2; g++) {
                const struct net_stale *e = net_stale_at(net, to, from, type, g);
                if (e->term == 0 || e->term >= term_now)
                    continue;
                if (net_enqueue(net, from, to, e->frame, e->size, net->msg_id_next++, now_us, 0,
                                true)) {
                    net->stats.replayed++;
                    sent++;
                }
            }
    }
    return sent;
}

bool net_defer_if_held(struct network *net, const struct event *ev, uint64_t now_us)
{
    const struct net_slot *s = &net->slots[ev->a];
    if (s->state != NET_SLOT_QUEUED || net->hold_until_us[s->from][s->to] <= now_us)
        return false;
    struct event again = *ev;
    again.time_us = net->hold_until_us[s->from][s->to];
    if (!events_push(net->queue, &again))
        return false; /* a full queue delivers it now rather than lose it */
    net->stats.held++;
    return true;
}

void net_block(struct network *net, uint32_t from, uint32_t to)
{
    net->blocked[from][to] = true;
}

void net_cut(struct network *net, uint32_t from, uint32_t to)
{
    net->cut[from][to] = true;
}

void net_hold(struct network *net, uint32_t from, uint32_t to, uint64_t until_us)
{
    if (net->hold_until_us[from][to] < until_us)
        net->hold_until_us[from][to] = until_us;
}

void net_heal(struct network *net)
{
    memset(net->blocked, 0, sizeof net->blocked);
    memset(net->cut, 0, sizeof net->cut);
    memset(net->hold_until_us, 0, sizeof net->hold_until_us);
}

void net_clog(struct network *net, uint32_t from, uint32_t to, uint64_t until_us)
{
    if (net->clog_until_us[from][to] < until_us)
        net->clog_until_us[from][to] = until_us;
}
