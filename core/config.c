/*
 * config.c: defaults and validation of rast_config. Every queue and window of a node is sized
 * from here at creation; nothing grows per message except the log itself.
 */
#include "rast.h"

#include <string.h>

void rast_config_default(struct rast_config *cfg, uint32_t id, uint32_t voter_count)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->id = id;
    cfg->voter_count = voter_count;
    cfg->election_timeout_ticks_min = 10;
    cfg->election_timeout_ticks_max = 20;
    cfg->heartbeat_interval_ticks = 2;
    cfg->random_seed = id;
    cfg->inflight_msgs_max = 64;
    cfg->inflight_bytes_max = 4u << 20;
    cfg->msg_entries_max = 1024;
    cfg->msg_bytes_max = 1u << 20;
    cfg->entry_size_bytes_max = 1u << 20;
    cfg->proposals_pending_max = 4096;
    cfg->reads_pending_max = 4096;
    cfg->deferred_msgs_max = 256;
}

int rast_config_validate(const struct rast_config *cfg)
{
    if (cfg == NULL)
        return RAST_E_INVALID;
    if (cfg->voter_count < 1 || cfg->voter_count > RAST_NODES_MAX)
        return RAST_E_INVALID;
    if (cfg->id < 1 || cfg->id > cfg->voter_count)
        return RAST_E_INVALID;
    if (cfg->heartbeat_interval_ticks < 1 ||
        cfg->election_timeout_ticks_min <= cfg->heartbeat_interval_ticks ||
        cfg->election_timeout_ticks_max <= cfg->election_timeout_ticks_min)
        return RAST_E_INVALID;
    if (cfg->inflight_msgs_max < 1 || cfg->inflight_bytes_max < 1 || cfg->msg_entries_max < 1 ||
        cfg->msg_bytes_max < 1 || cfg->entry_size_bytes_max < 1)
        return RAST_E_INVALID;
    if (cfg->entry_size_bytes_max > (1u << 30))
        return RAST_E_INVALID;
    if (cfg->proposals_pending_max < 1 || cfg->reads_pending_max < 1 || cfg->deferred_msgs_max < 1)
        return RAST_E_INVALID;
    return RAST_OK;
}
