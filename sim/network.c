/*
 * network.c: paths, slots and the message faults (see network.h). The only state a message
 * has outside its slot is its EV_DELIVER event; an evicted slot stays allocated until that
 * event pops, so an event never points at a reused slot.
 */
#include "network.h"

#include <stdlib.h>
#include <string.h>

bool net_init(struct network *net)
{
    memset(net, 0, sizeof *net);
    net->slots = calloc(NET_SLOTS_MAX, sizeof *net->slots);
    net->frames = malloc((size_t)NET_SLOTS_MAX * NET_FRAME_BYTES_MAX);
    net->free_list = calloc(NET_SLOTS_MAX, sizeof *net->free_list);
    if (net->slots == NULL || net->frames == NULL || net->free_list == NULL) {
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
    memset(net->clog_until_us, 0, sizeof net->clog_until_us);
    net->msg_id_next = 1;
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

/* One copy on the path, delivered by its own event. False when no slot is free. */
static bool net_enqueue(struct network *net, uint32_t from, uint32_t to, const uint8_t *frame,
                        size_t size, uint64_t msg_id, uint64_t now_us)
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
    s->size = (uint32_t)size;
    s->msg_id = msg_id;
    s->sent_us = now_us;
    if (entropy_chance_ppm(net->entropy, net->cfg.bitflip_ppm)) {
        uint64_t bit = entropy_below(net->entropy, (uint64_t)size * 8);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        s->flipped = true;
        net->stats.bitflips++;
    }
    s->path_pos = (uint16_t)net->path_count[from][to];
    net->path_slots[from][to][net->path_count[from][to]++] = slot;
    uint64_t at = now_us + net->cfg.latency_us_min +
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

uint64_t net_send(struct network *net, uint32_t from, uint32_t to, const uint8_t *frame,
                  size_t size, uint64_t now_us)
{
    net->stats.sent++;
    if (from > NET_NODES_MAX || to > NET_NODES_MAX || size > NET_FRAME_BYTES_MAX ||
        size == 0) {
        net->stats.overflow++;
        return 0;
    }
    if (net->blocked[from][to]) {
        net->stats.partition_dropped++;
        return 0;
    }
    if (entropy_chance_ppm(net->entropy, net->cfg.loss_ppm)) {
        net->stats.lost++;
        return 0;
    }
    uint64_t msg_id = net->msg_id_next++;
    if (!net_enqueue(net, from, to, frame, size, msg_id, now_us))
        return 0;
    if (entropy_chance_ppm(net->entropy, net->cfg.dup_ppm)) {
        if (net_enqueue(net, from, to, frame, size, msg_id, now_us))
            net->stats.duplicated++;
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

void net_block(struct network *net, uint32_t from, uint32_t to)
{
    net->blocked[from][to] = true;
}

void net_heal(struct network *net)
{
    memset(net->blocked, 0, sizeof net->blocked);
}

void net_clog(struct network *net, uint32_t from, uint32_t to, uint64_t until_us)
{
    if (net->clog_until_us[from][to] < until_us)
        net->clog_until_us[from][to] = until_us;
}
