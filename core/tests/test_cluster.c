/*
 * test_cluster.c: whole clusters of 3 and 5 nodes (every message delivered, every persist
 * completed) elect one leader, replicate and commit writes, serve linearizable reads, survive
 * a leader crash and restart from disk, and never apply different entries at one index.
 */
#include "fixture.h"
#include "rast_test.h"

static void write_n(struct fx *f, uint32_t leader, uint64_t tag_base, uint32_t n)
{
    char text[32];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(text, sizeof text, "w%llu", (unsigned long long)(tag_base + i));
        fx_propose(f, leader, tag_base + i, text);
    }
    fx_run(f);
}

static uint32_t count_leaders(const struct fx *f, uint64_t term)
{
    uint32_t leaders = 0;
    for (uint32_t id = 1; id <= f->n; id++) {
        if (!f->nodes[id].up)
            continue;
        struct rast_status s = fx_status(f, id);
        leaders += s.role == RAST_LEADER && s.term == term;
    }
    return leaders;
}

static void cluster_elects_commits_reads(uint32_t n, uint64_t seed)
{
    struct fx *f = fx_new(n, seed);
    uint32_t leader = fx_elect(f, 200);
    CHECK(leader != 0);
    CHECK_EQ_U64(count_leaders(f, fx_status(f, leader).term), 1);
    write_n(f, leader, 100, 50);
    for (uint64_t tag = 100; tag < 150; tag++) {
        const struct fx_event *e = fx_outcome(f, tag);
        CHECK(e != NULL && e->kind == RAST_OUTPUT_PROPOSE_DONE);
    }
    fx_tick_all(f, 3); /* heartbeats carry the commit index to followers */
    for (uint32_t id = 1; id <= n; id++)
        CHECK_EQ_U64(f->nodes[id].applied_len, 51); /* no-op + 50 writes */
    fx_read(f, leader, 900);
    fx_run(f);
    const struct fx_event *r = fx_outcome(f, 900);
    CHECK(r != NULL && r->kind == RAST_OUTPUT_READ_READY);
    CHECK_EQ_U64(r->index, 51);
    CHECK_EQ_U64(fx_applied_divergence(f), 0);
    CHECK(!f->fail);
    fx_free(f);
}

/* A 3-node cluster elects a leader, commits 50 writes on every node and serves a read. */
static void test_three_nodes(void)
{
    cluster_elects_commits_reads(3, 1);
}

/* The same for 5 nodes. */
static void test_five_nodes(void)
{
    cluster_elects_commits_reads(5, 2);
}

/* After the leader crashes, the rest elect a new leader in a higher term that keeps every
 * committed write; the old leader restarts from its disk and catches up. */
static void test_leader_crash_and_restart(void)
{
    struct fx *f = fx_new(5, 3);
    uint32_t old = fx_elect(f, 200);
    CHECK(old != 0);
    uint64_t old_term = fx_status(f, old).term;
    write_n(f, old, 1, 20);
    fx_crash(f, old);
    uint32_t leader = fx_elect(f, 300);
    CHECK(leader != 0 && leader != old);
    CHECK(fx_status(f, leader).term > old_term);
    CHECK(fx_status(f, leader).last_index >= 21);
    write_n(f, leader, 100, 10);
    CHECK(fx_outcome(f, 109) != NULL && fx_outcome(f, 109)->kind == RAST_OUTPUT_PROPOSE_DONE);
    fx_restart(f, old);
    fx_tick_all(f, 10);
    struct rast_status s = fx_status(f, old);
    CHECK_EQ_U64(s.last_index, fx_status(f, leader).last_index);
    CHECK_EQ_U64(s.commit_index, fx_status(f, leader).commit_index);
    CHECK_EQ_U64(fx_applied_divergence(f), 0);
    fx_free(f);
}

/* Repeated leader crashes under load never make two nodes apply different entries, and
 * every write acknowledged as done stays in the next leaders' logs. */
static void test_repeated_crashes_keep_acknowledged_writes(void)
{
    struct fx *f = fx_new(3, 4);
    uint64_t tag = 1;
    for (int round = 0; round < 8; round++) {
        uint32_t leader = fx_elect(f, 300);
        CHECK(leader != 0);
        write_n(f, leader, tag, 5);
        tag += 5;
        fx_crash(f, leader);
        fx_tick_all(f, 2);
        fx_restart(f, leader);
    }
    uint32_t leader = fx_elect(f, 300);
    CHECK(leader != 0);
    fx_tick_all(f, 10);
    struct rast_status ls = fx_status(f, leader);
    for (uint32_t i = 0; i < f->event_count; i++) {
        const struct fx_event *e = &f->events[i];
        if (e->kind != RAST_OUTPUT_PROPOSE_DONE)
            continue;
        CHECK(e->index <= ls.commit_index); /* acknowledged => committed on the leader */
    }
    CHECK_EQ_U64(fx_applied_divergence(f), 0);
    fx_free(f);
}

/* A leader cut off from the others cannot commit; the majority elects another leader; after
 * the partition heals the old leader steps down and its uncommitted entry is replaced. */
static void test_partitioned_leader_is_replaced(void)
{
    struct fx *f = fx_new(3, 5);
    uint32_t old = fx_elect(f, 200);
    CHECK(old != 0);
    write_n(f, old, 1, 3);
    f->nodes[old].isolated = true;
    fx_propose(f, old, 50, "lost");
    fx_run(f);
    CHECK(fx_outcome(f, 50) == NULL); /* cannot commit without a quorum */
    uint32_t leader = fx_elect(f, 300);
    CHECK(leader != 0 && leader != old);
    write_n(f, leader, 60, 2);
    f->nodes[old].isolated = false;
    fx_tick_all(f, 10);
    CHECK(fx_status(f, old).role == RAST_FOLLOWER);
    const struct fx_event *e = fx_outcome(f, 50);
    CHECK(e != NULL && e->kind == RAST_OUTPUT_PROPOSE_FAILED);
    CHECK_EQ_U64(e->reason, (uint64_t)(int64_t)RAST_E_LEADERSHIP_LOST);
    CHECK_EQ_U64(fx_status(f, old).last_index, fx_status(f, leader).last_index);
    CHECK_EQ_U64(fx_applied_divergence(f), 0);
    fx_free(f);
}

/* A one-node cluster elects itself and commits on its own durable write. */
static void test_single_node(void)
{
    struct fx *f = fx_new(1, 6);
    uint32_t leader = fx_elect(f, 100);
    CHECK_EQ_U64(leader, 1);
    write_n(f, leader, 1, 3);
    CHECK(fx_outcome(f, 3) != NULL && fx_outcome(f, 3)->kind == RAST_OUTPUT_PROPOSE_DONE);
    fx_read(f, 1, 10);
    fx_run(f);
    CHECK(fx_outcome(f, 10) != NULL && fx_outcome(f, 10)->kind == RAST_OUTPUT_READ_READY);
    fx_free(f);
}

/* Many reads issued together share confirmation rounds: at most two heartbeat rounds for a
 * burst of 100 reads, and every read is released with the leader's commit index. */
static void test_reads_are_batched(void)
{
    struct fx *f = fx_new(3, 7);
    uint32_t leader = fx_elect(f, 200);
    CHECK(leader != 0);
    write_n(f, leader, 1, 2);
    uint64_t delivered_before = f->msgs_delivered;
    for (uint64_t tag = 1000; tag < 1100; tag++)
        fx_read(f, leader, tag);
    fx_run(f);
    for (uint64_t tag = 1000; tag < 1100; tag++) {
        const struct fx_event *e = fx_outcome(f, tag);
        CHECK(e != NULL && e->kind == RAST_OUTPUT_READ_READY);
        CHECK_EQ_U64(e->index, fx_status(f, leader).commit_index);
    }
    /* one round = 2 heartbeats + 2 replies in a 3-node cluster */
    CHECK(f->msgs_delivered - delivered_before <= 8);
    fx_free(f);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_three_nodes),
        RAST_TEST(test_five_nodes),
        RAST_TEST(test_leader_crash_and_restart),
        RAST_TEST(test_repeated_crashes_keep_acknowledged_writes),
        RAST_TEST(test_partitioned_leader_is_replaced),
        RAST_TEST(test_single_node),
        RAST_TEST(test_reads_are_batched),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
