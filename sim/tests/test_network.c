/* Pins down the network model: a partition delivers nothing across it (sent during it or
 * arriving during it), loss and duplication rates hold, a full path evicts, a clogged path
 * holds its messages until the clog ends, and a bit flip changes exactly one bit. */
#include <string.h>

#include "network.h"
#include "rast_test.h"

static struct network net;
static struct events queue;
static struct entropy entropy;

static void setup(uint32_t loss_ppm, uint32_t dup_ppm, uint32_t bitflip_ppm, uint32_t capacity)
{
    static bool ready;
    if (!ready) {
        ready = net_init(&net) && events_init(&queue, EVENTS_CAPACITY_MAX);
    }
    events_clear(&queue);
    entropy_init_prng(&entropy, 1234);
    struct net_config cfg = {.latency_us_min = 100, .latency_us_mean = 1000,
                             .loss_ppm = loss_ppm, .dup_ppm = dup_ppm,
                             .bitflip_ppm = bitflip_ppm, .path_capacity = capacity};
    net_reset(&net, &cfg, &queue, &entropy);
}

/* Pops every pending delivery; returns how many frames arrived. */
static uint32_t drain(void)
{
    uint32_t arrived = 0;
    struct event ev;
    while (events_pop(&queue, &ev)) {
        size_t size = 0;
        if (net_arrive(&net, ev.a, &size) != NULL) {
            arrived++;
            net_release(&net, ev.a);
        }
    }
    return arrived;
}

static const uint8_t frame[32] = "0123456789abcdef0123456789abcde";

static void test_partition_delivers_nothing_across(void)
{
    setup(0, 0, 0, 64);
    net_block(&net, 1, 2);
    net_block(&net, 2, 1);
    for (int i = 0; i < 50; i++) {
        CHECK_EQ_U64(net_send(&net, 1, 2, frame, sizeof frame, 0), 0);
        CHECK(net_send(&net, 1, 3, frame, sizeof frame, 0) != 0);
    }
    CHECK_EQ_U64(drain(), 50);
    /* sent before the partition, arriving during it */
    net_heal(&net);
    for (int i = 0; i < 50; i++)
        CHECK(net_send(&net, 2, 1, frame, sizeof frame, 0) != 0);
    net_block(&net, 2, 1);
    CHECK_EQ_U64(drain(), 0);
    CHECK_EQ_U64(net.stats.partition_dropped, 100);
    CHECK_EQ_U64(net_slots_free(&net), NET_SLOTS_MAX);
}

static void test_one_way_partition(void)
{
    setup(0, 0, 0, 64);
    net_block(&net, 1, 2);
    CHECK_EQ_U64(net_send(&net, 1, 2, frame, sizeof frame, 0), 0);
    CHECK(net_send(&net, 2, 1, frame, sizeof frame, 0) != 0);
    CHECK_EQ_U64(drain(), 1);
}

static void test_loss_and_duplication_rates_hold(void)
{
    setup(100000, 50000, 0, 64);
    uint32_t sent = 0, arrived = 0;
    for (int round = 0; round < 1000; round++) {
        for (int i = 0; i < 20; i++, sent++)
            (void)net_send(&net, 1 + (uint32_t)(i % 3), 4, frame, sizeof frame, 0);
        arrived += drain();
    }
    /* expected arrivals: sent * 0.9 * 1.05 = 18,900 of 20,000 */
    CHECK(net.stats.lost > 1800 && net.stats.lost < 2200);
    CHECK(net.stats.duplicated > 800 && net.stats.duplicated < 1000);
    CHECK(arrived > 18500 && arrived < 19300);
}

static void test_full_path_evicts(void)
{
    setup(0, 0, 0, 4);
    for (int i = 0; i < 100; i++)
        CHECK(net_send(&net, 1, 2, frame, sizeof frame, 0) != 0);
    CHECK_EQ_U64(net.path_count[1][2], 4);
    CHECK_EQ_U64(net.stats.evicted, 96);
    CHECK_EQ_U64(drain(), 4);
    CHECK_EQ_U64(net_slots_free(&net), NET_SLOTS_MAX);
}

static void test_clog_holds_until_it_ends(void)
{
    setup(0, 0, 0, 64);
    net_clog(&net, 1, 2, 1000000);
    for (int i = 0; i < 20; i++)
        CHECK(net_send(&net, 1, 2, frame, sizeof frame, 0) != 0);
    struct event ev;
    while (events_pop(&queue, &ev)) {
        CHECK(ev.time_us >= 1000000);
        size_t size = 0;
        if (net_arrive(&net, ev.a, &size) != NULL)
            net_release(&net, ev.a);
    }
}

static void test_bitflip_changes_one_bit(void)
{
    setup(0, 0, 1000000, 64);
    CHECK(net_send(&net, 1, 2, frame, sizeof frame, 0) != 0);
    struct event ev;
    CHECK(events_pop(&queue, &ev));
    size_t size = 0;
    const uint8_t *got = net_arrive(&net, ev.a, &size);
    CHECK(got != NULL && size == sizeof frame);
    uint32_t bits = 0;
    for (size_t i = 0; i < size; i++)
        bits += (uint32_t)__builtin_popcount((unsigned)(got[i] ^ frame[i]));
    CHECK_EQ_U64(bits, 1);
    CHECK(net.slots[ev.a].flipped);
    net_release(&net, ev.a);
}

static void test_delays_reorder(void)
{
    setup(0, 0, 0, 64);
    for (int i = 0; i < 40; i++)
        CHECK(net_send(&net, 1, 2, frame, sizeof frame, (uint64_t)i) != 0);
    struct event ev;
    uint64_t prev_id = 0;
    uint32_t inversions = 0;
    while (events_pop(&queue, &ev)) {
        inversions += ev.b < prev_id;
        prev_id = ev.b;
        size_t size = 0;
        if (net_arrive(&net, ev.a, &size) != NULL)
            net_release(&net, ev.a);
    }
    CHECK(inversions > 0);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_partition_delivers_nothing_across),
        RAST_TEST(test_one_way_partition),
        RAST_TEST(test_loss_and_duplication_rates_hold),
        RAST_TEST(test_full_path_evicts),
        RAST_TEST(test_clog_holds_until_it_ends),
        RAST_TEST(test_bitflip_changes_one_bit),
        RAST_TEST(test_delays_reorder),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
