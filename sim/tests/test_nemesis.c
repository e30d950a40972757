/* Pins down the isolate and replay nemeses through the trace of whole runs: while a leader
 * is isolated, nothing its peers send reaches it before the heal (then the held messages
 * arrive), nothing it sends after the isolation began reaches a peer, and clients still send
 * it requests; a replay burst re-delivers messages marked replayed. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rast_sim.h"
#include "rast_test.h"

#define LINES_MAX  150000u
#define LINE_BYTES 128u
/* With only the isolate fault on, a message takes at most 2 ms + 5.5 * 3 ms: one sent
 * before the isolation began has arrived by then. */
#define IN_FLIGHT_US_MAX 20000u

static char lines[LINES_MAX][LINE_BYTES];
static uint32_t line_count;

static void sink(void *ctx, const char *text, size_t size)
{
    (void)ctx;
    if (line_count == LINES_MAX)
        return;
    size_t n = size < LINE_BYTES - 1 ? size : LINE_BYTES - 1;
    memcpy(lines[line_count], text, n);
    lines[line_count][n] = 0;
    line_count++;
}

static void run(struct rast_sim *sim, uint64_t seed, uint32_t faults)
{
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_SEED;
    o.seed = seed;
    o.pins.faults_set = true;
    o.pins.faults = faults;
    o.pins.node_count_set = true;
    o.pins.node_count = 3 + (uint32_t)(seed % 3);
    o.pins.ops_total_set = true;
    o.pins.ops_total = 300;
    o.trace_sink = sink;
    o.use_checker = false;
    line_count = 0;
    struct rast_sim_result r;
    (void)rast_sim_run(sim, &o, &r);
}

struct isolation_counts {
    uint32_t isolations;
    uint32_t held_arrivals;   /* peers' messages arriving at the heal */
    uint32_t client_requests; /* invocations sent to the isolated leader */
    uint32_t violations;
};

static void check_isolation(uint32_t at, struct isolation_counts *k)
{
    uint64_t t0 = 0, span = 0, phase = UINT64_MAX;
    uint32_t leader = 0;
    if (sscanf(lines[at],
               "t=%" SCNu64 " sim isolate leader n%" SCNu32 " (clients still reach it) for %" SCNu64
               " us",
               &t0, &leader, &span) != 3)
        return;
    for (uint32_t i = at; i < line_count; i++) {
        uint64_t t = 0;
        if (sscanf(lines[i], "t=%" SCNu64, &t) == 1 && strstr(lines[i], " sim phase liveness"))
            phase = t;
    }
    uint64_t end = t0 + span < phase ? t0 + span : phase; /* the liveness phase heals early */
    k->isolations++;
    char to_leader[24], from_leader[24], invoke[24];
    snprintf(to_leader, sizeof to_leader, " n%" PRIu32 " ", leader);
    snprintf(from_leader, sizeof from_leader, " from n%" PRIu32 " ", leader);
    snprintf(invoke, sizeof invoke, " -> n%" PRIu32, leader);
    for (uint32_t i = at + 1; i < line_count; i++) {
        uint64_t t = 0;
        if (sscanf(lines[i], "t=%" SCNu64, &t) != 1 || t > end)
            break;
        bool recv = strstr(lines[i], " recv ") != NULL;
        bool at_leader = strncmp(strchr(lines[i], ' '), to_leader, strlen(to_leader)) == 0;
        if (recv && at_leader && t < end)
            k->violations++; /* a peer's message reached the isolated leader */
        if (recv && at_leader && t == t0 + span)
            k->held_arrivals++;
        if (recv && !at_leader && strstr(lines[i], from_leader) != NULL &&
            t > t0 + IN_FLIGHT_US_MAX)
            k->violations++; /* the isolated leader's message reached a peer */
        if (strstr(lines[i], " sim c") != NULL && strstr(lines[i], " invoke ") != NULL &&
            strstr(lines[i], invoke) != NULL)
            k->client_requests++;
    }
}

static void test_isolated_leader_keeps_clients_only(void)
{
    struct rast_sim *sim = rast_sim_create();
    CHECK(sim != NULL);
    struct isolation_counts k = { 0 };
    for (uint64_t seed = 1; seed <= 40; seed++) {
        run(sim, seed, RAST_SIM_FAULT_ISOLATE);
        for (uint32_t i = 0; i < line_count; i++)
            if (strstr(lines[i], " sim isolate leader ") != NULL)
                check_isolation(i, &k);
    }
    rast_sim_destroy(sim);
    CHECK(k.isolations >= 5);
    CHECK_EQ_U64(k.violations, 0);
    CHECK(k.held_arrivals > 0);
    CHECK(k.client_requests > 0);
}

static void test_replay_bursts_arrive_marked(void)
{
    struct rast_sim *sim = rast_sim_create();
    CHECK(sim != NULL);
    uint32_t bursts = 0, replayed = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        run(sim, seed, RAST_SIM_FAULT_REPLAY | RAST_SIM_FAULT_CRASH);
        for (uint32_t i = 0; i < line_count; i++) {
            uint32_t count = 0;
            const char *burst = strstr(lines[i], " sim replay ");
            if (burst != NULL && sscanf(burst, " sim replay %" SCNu32, &count) == 1 && count > 0)
                bursts++;
            replayed += strstr(lines[i], "(replayed)") != NULL;
        }
    }
    rast_sim_destroy(sim);
    CHECK(bursts > 0);
    CHECK(replayed > 0);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_isolated_leader_keeps_clients_only),
        RAST_TEST(test_replay_bursts_arrive_marked),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
