/* A run cut short by its event budget still has its history checked (by the per-key check;
 * the linearizability checker runs only on runs that end): a stale read in it is a safety
 * violation that outranks the budget's liveness verdict, and a correct core's cut histories
 * (operations pending at the cut are indeterminate) check clean. */
#include <stdio.h>
#include <string.h>

#include "history.h"
#include "kv.h"
#include "rast_sim.h"
#include "rast_test.h"
#include "sim.h"

/* Values far above any the runs below write (they count up from 1). */
#define STALE_VALUE_OLD 100001u
#define STALE_VALUE_NEW 100002u

struct stale_injector {
    struct rast_sim *sim;
    bool done;
};

/* On the first probed event: two writes of one key, one after the other, then a read of the
 * older value, by clients the run does not have. */
static void inject_stale_read(void *ctx, const struct rast_sim_probe *p)
{
    struct stale_injector *in = ctx;
    if (in->done)
        return;
    in->done = true;
    struct history *h = &in->sim->cluster.history;
    uint64_t t = p->time_us;
    uint32_t w1 = history_invoke(h, t, 100, KV_PUT, 0, STALE_VALUE_OLD, 0);
    history_complete(h, w1, t, HISTORY_OK, 0);
    uint32_t w2 = history_invoke(h, t, 100, KV_PUT, 0, STALE_VALUE_NEW, 0);
    history_complete(h, w2, t, HISTORY_OK, 0);
    uint32_t r = history_invoke(h, t, 101, KV_GET, 0, 0, 0);
    history_complete(h, r, t, HISTORY_OK, STALE_VALUE_OLD);
}

static int run_with_stale_read(struct rast_sim *sim, uint64_t events_max, struct rast_sim_result *r,
                               bool *injected)
{
    struct stale_injector in = {.sim = sim};
    struct rast_sim_options o;
    memset(&o, 0, sizeof o);
    o.entropy = RAST_SIM_ENTROPY_SEED;
    o.seed = 7;
    o.events_max = events_max;
    o.use_checker = true;
    o.probe = inject_stale_read;
    o.probe_ctx = &in;
    int verdict = rast_sim_run(sim, &o, r);
    *injected = in.done;
    return verdict;
}

static void test_cut_run_with_stale_read_is_a_safety_violation(void)
{
    struct rast_sim *sim = rast_sim_create();
    CHECK(sim != NULL);
    struct rast_sim_result r;
    bool injected = false;
    /* the whole run: the stale read is found, as always */
    CHECK_EQ_U64(run_with_stale_read(sim, 0, &r, &injected), RAST_SIM_SAFETY);
    CHECK(injected);
    CHECK(strcmp(r.kind, "linearizability") == 0);
    /* cut after 200 events: still found, and it outranks the budget */
    CHECK_EQ_U64(run_with_stale_read(sim, 200, &r, &injected), RAST_SIM_SAFETY);
    CHECK(injected);
    CHECK(strcmp(r.kind, "linearizability") == 0);
    CHECK_EQ_U64(r.events, 200);
    rast_sim_destroy(sim);
}

static void test_cut_histories_of_a_correct_core_check_clean(void)
{
    struct rast_sim *sim = rast_sim_create();
    CHECK(sim != NULL);
    uint32_t cut = 0, checked = 0;
    for (uint64_t seed = 1; seed <= 150; seed++) {
        struct rast_sim_options o;
        memset(&o, 0, sizeof o);
        o.entropy = RAST_SIM_ENTROPY_SEED;
        o.seed = seed;
        o.events_max = 300 + 97 * (seed % 23); /* 300..2,434 events */
        o.use_checker = true;
        struct rast_sim_result r;
        int verdict = rast_sim_run(sim, &o, &r);
        if (verdict != RAST_SIM_LIVENESS && verdict != RAST_SIM_OK)
            printf("seed %llu: %s: %s\n", (unsigned long long)seed, r.kind, r.message);
        CHECK(verdict == RAST_SIM_LIVENESS || verdict == RAST_SIM_OK);
        cut += verdict == RAST_SIM_LIVENESS;
        if (verdict == RAST_SIM_LIVENESS)
            checked += strcmp(r.history_check, "simple") == 0;
        else
            checked += strcmp(r.history_check, "linearizable") == 0 ||
                       strcmp(r.history_check, "unknown") == 0;
    }
    CHECK(cut >= 100);     /* most of them are cut by the budget... */
    CHECK(checked == 150); /* ...and every history was checked */
    rast_sim_destroy(sim);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_cut_run_with_stale_read_is_a_safety_violation),
        RAST_TEST(test_cut_histories_of_a_correct_core_check_clean),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
