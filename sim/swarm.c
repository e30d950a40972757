/*
 * swarm.c: drawing a run's configuration (see swarm.h), and its text forms.
 * Rates are integers per million; times are simulated microseconds.
 */
#include "swarm.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kv.h"

static const char *const swarm_fault_names[RAST_SIM_FAULT_COUNT] = {
    "loss",  "dup",  "delay",   "clog", "capacity", "partition", "bitflip", "crash",
    "pause", "torn", "corrupt", "eio",  "slowdisk", "clock",     "isolate", "replay",
};

const char *rast_sim_fault_name(uint32_t i)
{
    return i < RAST_SIM_FAULT_COUNT ? swarm_fault_names[i] : NULL;
}

bool rast_sim_fault_parse(const char *text, uint32_t *mask)
{
    if (strcmp(text, "all") == 0) {
        *mask = RAST_SIM_FAULTS_ALL;
        return true;
    }
    if (strcmp(text, "none") == 0) {
        *mask = 0;
        return true;
    }
    uint32_t result = 0;
    const char *p = text;
    while (*p != 0) {
        const char *end = strchr(p, ',');
        size_t len = end == NULL ? strlen(p) : (size_t)(end - p);
        bool found = false;
        for (uint32_t i = 0; i < RAST_SIM_FAULT_COUNT && !found; i++) {
            if (strlen(swarm_fault_names[i]) == len && strncmp(p, swarm_fault_names[i], len) == 0) {
                result |= 1u << i;
                found = true;
            }
        }
        if (!found)
            return false;
        p += len;
        if (*p == ',')
            p++;
    }
    *mask = result;
    return true;
}

static uint32_t swarm_faults(struct entropy *e, const struct rast_sim_pins *pins)
{
    uint32_t mask = 0;
    for (uint32_t i = 0; i < RAST_SIM_FAULT_COUNT; i++) {
        uint64_t pinned = pins->faults_set ? (pins->faults >> i) & 1u : 0;
        if (entropy_choose(e, 2, pins->faults_set, pinned) != 0)
            mask |= 1u << i;
    }
    return mask;
}

static uint64_t swarm_pick(struct entropy *e, uint64_t lo, uint64_t hi, bool set, uint64_t v)
{
    if (set && (v < lo || v > hi))
        v = v < lo ? lo : hi;
    return lo + entropy_choose(e, hi - lo + 1, set, set ? v - lo : 0);
}

static void swarm_draw_network(struct entropy *e, struct rast_sim_config *c)
{
    uint32_t f = c->faults;
    c->net_latency_us_min = entropy_range(e, 100, 2000);
    c->net_latency_us_mean = (f & RAST_SIM_FAULT_DELAY) ? entropy_range(e, 5000, 60000)
                                                        : entropy_range(e, 0, 3000);
    c->loss_ppm = (f & RAST_SIM_FAULT_LOSS) ? (uint32_t)entropy_range(e, 1000, 150000) : 0;
    c->dup_ppm = (f & RAST_SIM_FAULT_DUP) ? (uint32_t)entropy_range(e, 1000, 100000) : 0;
    c->bitflip_ppm = (f & RAST_SIM_FAULT_BITFLIP) ? (uint32_t)entropy_range(e, 100, 20000) : 0;
    c->path_capacity = (f & RAST_SIM_FAULT_CAPACITY) ? (uint32_t)entropy_range(e, 1, 8) : 64;
    /* replay: 0.1-5% of messages arrive a second time, 0.1 s to 0.5-4 s late (several
     * election timeouts: the sender's term has usually moved on by then) */
    if (f & RAST_SIM_FAULT_REPLAY) {
        c->replay_ppm = (uint32_t)entropy_range(e, 1000, 50000);
        c->replay_us_max = entropy_range(e, 500000, 4000000);
    }
}

static void swarm_draw_disk(struct entropy *e, struct rast_sim_config *c)
{
    uint32_t f = c->faults;
    c->disk_latency_us_min = entropy_range(e, 20, 1000);
    c->disk_latency_us_mean = entropy_range(e, 0, 3000);
    c->eio_ppm = (f & RAST_SIM_FAULT_EIO) ? (uint32_t)entropy_range(e, 100, 5000) : 0;
    c->tear_ppm = (f & RAST_SIM_FAULT_TORN) ? (uint32_t)entropy_range(e, 200000, 1000000) : 0;
    c->drift_ppm_max = (f & RAST_SIM_FAULT_CLOCK) ? (uint32_t)entropy_range(e, 0, 100000) : 0;
    c->nemesis_us_mean = entropy_range(e, 50000, 2000000);
}

static void swarm_draw_workload(struct entropy *e, const struct rast_sim_pins *p,
                                struct rast_sim_config *c)
{
    c->client_count = (uint32_t)swarm_pick(e, 1, 8, p->client_count_set, p->client_count);
    c->key_count = (uint32_t)swarm_pick(e, 1, 8, p->key_count_set, p->key_count);
    c->get_ppm = (uint32_t)entropy_range(e, 0, 600000);
    c->put_ppm = (uint32_t)entropy_range(e, 0, 1000000 - c->get_ppm);
    c->ops_total = (uint32_t)swarm_pick(e, 20, 2000, p->ops_total_set, p->ops_total);
    c->client_timeout_us = entropy_range(e, 200000, 3000000);
    c->client_think_us_mean = entropy_range(e, 0, 20000);
    c->run_us_max = entropy_range(e, 5, 60) * 1000000u;
    c->liveness_us_max = SWARM_LIVENESS_US_MAX;
}

void swarm_draw(struct entropy *e, const struct rast_sim_pins *pins, struct rast_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->node_count = (uint32_t)swarm_pick(e, 1, 7, pins->node_count_set, pins->node_count);
    c->faults = swarm_faults(e, pins);
    c->safety_only =
        entropy_choose(e, 8, pins->safety_only_set, pins->safety_only ? 7 : 0) == 7;
    c->tick_us = SWARM_TICK_US;
    swarm_draw_network(e, c);
    swarm_draw_disk(e, c);
    swarm_draw_workload(e, pins, c);
    /* Crash at persist (FoundationDB's "kill at fsync"): drawn last, and only when crashes
     * are on, so runs without crashes consume exactly the choices they did before. */
    static const uint32_t crash_persist_levels_ppm[4] = {0, 2000, 10000, 40000};
    if (c->faults & RAST_SIM_FAULT_CRASH)
        c->crash_persist_ppm = crash_persist_levels_ppm[entropy_below(e, 4)];
    /* Election jitter: half the runs keep the default spread of 10 ticks; the others make
     * timeouts nearly equal, so candidates campaign together and votes split. Only on a
     * fast network: with long delays (tens of ms, several ticks) a narrow spread livelocks
     * elections for good (§5.2: broadcast time << timeout spread), a liveness failure of
     * the configuration rather than of the core (seed 2110 before this rule). */
    static const uint32_t spread_levels_ticks[4] = {10, 10, 4, 2};
    c->election_ticks_spread = spread_levels_ticks[entropy_below(e, 4)];
    if (c->faults & RAST_SIM_FAULT_DELAY)
        c->election_ticks_spread = 10;
    /* AppendEntries batch limit: half the runs 32 entries, else 4 or 1, so a new leader's
     * old entries and its no-op travel in separate messages (Figure 8 schedules) */
    static const uint32_t batch_levels[4] = {32, 32, 4, 1};
    c->msg_entries_max = batch_levels[entropy_below(e, 4)];
}

void rast_sim_config_format(const struct rast_sim_config *c, char *buf, size_t size)
{
    char faults[192] = "";
    size_t used = 0;
    for (uint32_t i = 0; i < RAST_SIM_FAULT_COUNT; i++) {
        if ((c->faults >> i) & 1u)
            used += (size_t)snprintf(faults + used, sizeof faults - used, "%s%s",
                                     used == 0 ? "" : ",", swarm_fault_names[i]);
    }
    snprintf(
        buf, size,
        "nodes=%" PRIu32 " faults=%s mode=%s latency_us=%" PRIu64 "+exp(%" PRIu64
        ") loss_ppm=%" PRIu32 " dup_ppm=%" PRIu32 " bitflip_ppm=%" PRIu32 " path_capacity=%" PRIu32
        " replay_ppm=%" PRIu32 " replay_us_max=%" PRIu64 " disk_us=%" PRIu64 "+exp(%" PRIu64
        ") eio_ppm=%" PRIu32 " tear_ppm=%" PRIu32 " drift_ppm_max=%" PRIu32 " nemesis_us=%" PRIu64
        " clients=%" PRIu32 " keys=%" PRIu32 " get_ppm=%" PRIu32 " put_ppm=%" PRIu32 " ops=%" PRIu32
        " timeout_us=%" PRIu64 " run_us_max=%" PRIu64 " crash_persist_ppm=%" PRIu32
        " election_spread_ticks=%" PRIu32 " msg_entries_max=%" PRIu32,
        c->node_count, used == 0 ? "none" : faults, c->safety_only ? "safety" : "liveness",
        c->net_latency_us_min, c->net_latency_us_mean, c->loss_ppm, c->dup_ppm, c->bitflip_ppm,
        c->path_capacity, c->replay_ppm, c->replay_us_max, c->disk_latency_us_min,
        c->disk_latency_us_mean, c->eio_ppm, c->tear_ppm, c->drift_ppm_max, c->nemesis_us_mean,
        c->client_count, c->key_count, c->get_ppm, c->put_ppm, c->ops_total, c->client_timeout_us,
        c->run_us_max, c->crash_persist_ppm, c->election_ticks_spread, c->msg_entries_max);
}

void rast_sim_pins_format(const struct rast_sim_pins *p, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    if (p->node_count_set)
        n += (size_t)snprintf(buf + n, size - n, " --nodes %" PRIu32, p->node_count);
    if (p->faults_set && n < size) {
        n += (size_t)snprintf(buf + n, size - n, " --faults ");
        if (p->faults == 0)
            n += (size_t)snprintf(buf + n, size - n, "none");
        for (uint32_t i = 0, first = 1; i < RAST_SIM_FAULT_COUNT && n < size; i++) {
            if ((p->faults >> i) & 1u) {
                n += (size_t)snprintf(buf + n, size - n, "%s%s", first ? "" : ",",
                                      swarm_fault_names[i]);
                first = 0;
            }
        }
    }
    if (p->safety_only_set && n < size)
        n += (size_t)snprintf(buf + n, size - n, " --mode %s",
                              p->safety_only ? "safety" : "liveness");
    if (p->ops_total_set && n < size)
        n += (size_t)snprintf(buf + n, size - n, " --ops %" PRIu32, p->ops_total);
    if (p->client_count_set && n < size)
        n += (size_t)snprintf(buf + n, size - n, " --clients %" PRIu32, p->client_count);
    if (p->key_count_set && n < size)
        n += (size_t)snprintf(buf + n, size - n, " --keys %" PRIu32, p->key_count);
}
