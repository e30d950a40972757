/*
 * test_invariants.c: the election oracles. A new leader needs a majority of durable votes, its
 * own included, and its own vote must be durable when it starts to lead (core/election.c: a
 * leader whose term was not durable could restart in the older term and win that term again).
 */
#include <string.h>

#include "invariants.h"
#include "rast_test.h"

/* Node 1 of 3 leads term 2 with node 2's grant and its own durable vote: no failure. */
static void test_leader_with_durable_own_vote_passes(void)
{
    struct invariants inv;
    CHECK(inv_init(&inv));
    inv_on_vote_grant(&inv, 2, 1, 2);
    inv_on_leader_votes(&inv, 1, 2, 3, true);
    CHECK(!inv.violated);
    inv_free(&inv);
}

/* Two grants of three are a majority, but the leader's own vote is not durable yet. */
static void test_leader_before_own_vote_durable_fails(void)
{
    struct invariants inv;
    CHECK(inv_init(&inv));
    inv_on_vote_grant(&inv, 2, 1, 2);
    inv_on_vote_grant(&inv, 3, 1, 2);
    inv_on_leader_votes(&inv, 1, 2, 3, false);
    CHECK(inv.violated);
    CHECK(strcmp(inv.kind, "election_quorum") == 0);
    CHECK(strstr(inv.message, "own term and vote") != NULL);
    inv_free(&inv);
}

/* A durable own vote alone is not a majority of three. */
static void test_leader_without_majority_fails(void)
{
    struct invariants inv;
    CHECK(inv_init(&inv));
    inv_on_leader_votes(&inv, 1, 2, 3, true);
    CHECK(inv.violated);
    CHECK(strcmp(inv.kind, "election_quorum") == 0);
    inv_free(&inv);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_leader_with_durable_own_vote_passes),
        RAST_TEST(test_leader_before_own_vote_durable_fails),
        RAST_TEST(test_leader_without_majority_fails),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
