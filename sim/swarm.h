/*
 * swarm.h: swarm testing. The entropy source draws the whole configuration of a run before
 * anything else happens: node count, which fault classes are on and their rates, latency
 * distributions, workload mix and length. Pinned values (command-line flags) replace drawn
 * ones but the draws still happen and are recorded as the pinned value, so a choice log
 * replays without the flags. A boring draw (0) gives 1 node, no faults, the shortest run.
 */
#ifndef SIM_SWARM_H
#define SIM_SWARM_H

#include "entropy.h"
#include "rast_sim.h"

#define SWARM_TICK_US 10000u
#define SWARM_LIVENESS_US_MAX 60000000u
/* A replayed message arrives at least one minimum election timeout (10 ticks) late. */
#define SWARM_REPLAY_US_MIN 100000u

void swarm_draw(struct entropy *e, const struct rast_sim_pins *pins,
                struct rast_sim_config *cfg);

#endif /* SIM_SWARM_H */
