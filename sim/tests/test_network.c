/* Pins down the network model: a partition delivers nothing across it (sent during it or
 * arriving during it), loss and duplication rates hold, a full path evicts, a clogged path
 * holds its messages until the clog ends, a bit flip changes exactly one bit (of a frame it
 * sealed first, so the codec catches it; untouched frames arrive unsealed), a cut path
 * drops what is sent on it but not what is in flight, a held path delivers nothing (in
 * flight or new) before the hold ends and then everything in send order, and a replayed
 * message arrives twice, the second time after the drawn replay delay, and a burst of stale
 * messages re-delivers exactly the remembered frames of terms older than the receiver's. */
#include <string.h>

#include "network.h"
#include "rast.h"
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

/* Frames travel unsealed; a flipped copy was sealed before its flip, so the full decoder
 * refuses it as damage, while an intact copy is the sent frame, byte for byte. */
static void test_bitflip_seals_before_flipping(void)
{
    struct rast_msg msg = { .type = RAST_MSG_HEARTBEAT_REQ, .from = 1, .to = 2, .term = 5 };
    uint8_t sent[64], copy[64];
    size_t sent_size = 0, used = 0;
    CHECK(rast_msg_encode_unsealed(&msg, sent, sizeof sent, &sent_size) == RAST_OK);
    for (uint32_t flip_ppm = 0; flip_ppm <= 1000000; flip_ppm += 1000000) {
        setup(0, 0, flip_ppm, 64);
        CHECK(net_send(&net, 1, 2, sent, sent_size, 0) != 0);
        struct event ev;
        CHECK(events_pop(&queue, &ev));
        size_t size = 0;
        const uint8_t *got = net_arrive(&net, ev.a, &size);
        CHECK(got != NULL && size == sent_size);
        memcpy(copy, got, size);
        net_release(&net, ev.a);
        struct rast_msg out;
        int rc = rast_msg_decode(copy, size, &out, NULL, 0, &used);
        if (flip_ppm == 0) {
            CHECK(memcmp(copy, sent, size) == 0);
            CHECK(rc == RAST_E_CHECKSUM); /* unsealed */
        } else {
            CHECK(rc == RAST_E_CHECKSUM || rc == RAST_E_VERSION);
        }
    }
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

static void test_cut_drops_new_sends_only(void)
{
    setup(0, 0, 0, 64);
    for (int i = 0; i < 10; i++)
        CHECK(net_send(&net, 1, 2, frame, sizeof frame, 0) != 0);
    net_cut(&net, 1, 2);
    for (int i = 0; i < 10; i++) {
        CHECK_EQ_U64(net_send(&net, 1, 2, frame, sizeof frame, 0), 0);
        CHECK(net_send(&net, 2, 1, frame, sizeof frame, 0) != 0);
    }
    CHECK_EQ_U64(drain(), 20); /* the 10 in flight before the cut and the 10 the other way */
    net_heal(&net);
    CHECK(net_send(&net, 1, 2, frame, sizeof frame, 0) != 0);
    CHECK_EQ_U64(drain(), 1);
}

/* Pops deliveries the way the cluster does: a held one is deferred, not delivered. Counts
 * the arrivals before hold_end_us in *early. */
static uint32_t drain_held(uint64_t hold_end_us, uint64_t *ids, uint32_t ids_max, uint32_t *early)
{
    uint32_t arrived = 0;
    struct event ev;
    while (events_pop(&queue, &ev)) {
        if (net_defer_if_held(&net, &ev, ev.time_us))
            continue;
        if (ev.time_us >= hold_end_us && net.hold_until_us[1][2] != 0)
            net_heal(&net); /* the heal event comes first at the hold's end */
        size_t size = 0;
        if (net_arrive(&net, ev.a, &size) == NULL)
            continue;
        *early += ev.time_us < hold_end_us;
        if (arrived < ids_max)
            ids[arrived] = ev.b;
        arrived++;
        net_release(&net, ev.a);
    }
    return arrived;
}

static void test_hold_defers_in_flight_and_new(void)
{
    setup(0, 0, 0, 64);
    net.cfg.latency_us_mean = 0; /* no reordering: arrival order is send order */
    uint64_t ids[32] = { 0 };
    for (uint64_t t = 0; t < 10; t++)
        CHECK(net_send(&net, 1, 2, frame, sizeof frame, t) != 0);
    net_hold(&net, 1, 2, 2000000);
    for (uint64_t t = 10; t < 20; t++)
        CHECK(net_send(&net, 1, 2, frame, sizeof frame, t) != 0);
    uint32_t early = 0;
    CHECK_EQ_U64(drain_held(2000000, ids, 32, &early), 20);
    CHECK_EQ_U64(early, 0);
    CHECK(net.stats.held >= 10);
    /* all at the hold's end, in the order they would have arrived: those in flight when the
     * hold began (ids 1..10) first, then those sent during it (11..20) */
    for (uint32_t i = 0; i < 20; i++)
        CHECK_EQ_U64(ids[i], i + 1);
    CHECK_EQ_U64(net_slots_free(&net), NET_SLOTS_MAX);
}

static void test_replay_arrives_again_late(void)
{
    setup(0, 0, 0, 64);
    net.cfg.replay_ppm = 1000000;
    net.cfg.replay_us_min = 300000;
    net.cfg.replay_us_max = 900000;
    for (int i = 0; i < 30; i++)
        CHECK(net_send(&net, 1, 2, frame, sizeof frame, 1000) != 0);
    CHECK_EQ_U64(net.stats.replayed, 30);
    uint32_t early = 0, late = 0;
    uint64_t late_min = UINT64_MAX, late_max = 0;
    struct event ev;
    while (events_pop(&queue, &ev)) {
        bool replayed = net.slots[ev.a].replayed;
        size_t size = 0;
        CHECK(net_arrive(&net, ev.a, &size) != NULL);
        net_release(&net, ev.a);
        if (!replayed) {
            early++;
            continue;
        }
        late++;
        late_min = ev.time_us < late_min ? ev.time_us : late_min;
        late_max = ev.time_us > late_max ? ev.time_us : late_max;
    }
    CHECK_EQ_U64(early, 30);
    CHECK_EQ_U64(late, 30);
    /* sent at 1 ms + min latency 0.1 ms + replay delay, plus the exponential delay */
    CHECK(late_min >= 1000 + 100 + 300000);
    CHECK(late_max >= 1000 + 100 + 600000); /* the delay spreads over [min, max] */
    CHECK(late_max < 1000 + 100 + 900000 + 6 * 1000);
}

/* Drains the queue; returns how many frames arrived, and the first byte of each in firsts
 * (0 for a frame not marked replayed). */
static uint32_t drain_firsts(uint8_t *firsts, uint32_t max)
{
    uint32_t arrived = 0;
    struct event ev;
    while (events_pop(&queue, &ev)) {
        size_t size = 0;
        const uint8_t *got = net_arrive(&net, ev.a, &size);
        if (got == NULL)
            continue;
        if (arrived < max)
            firsts[arrived] = net.slots[ev.a].replayed ? got[0] : 0;
        arrived++;
        net_release(&net, ev.a);
    }
    return arrived;
}

static void test_replay_stale_sends_older_terms_only(void)
{
    setup(0, 0, 0, 64);
    uint8_t a[8] = { 'a' }, b[8] = { 'b' }, c[8] = { 'c' }, d[8] = { 'd' }, firsts[8] = { 0 };
    net_remember(&net, 2, 1, 4, 3, a, sizeof a); /* term 3 */
    net_remember(&net, 2, 1, 4, 5, b, sizeof b); /* term 5: term 3 becomes the one before */
    net_remember(&net, 2, 1, 4, 5, c, sizeof c); /* replaces b: the last frame of term 5 */
    net_remember(&net, 2, 1, 4, 2, d, sizeof d); /* older than both: not kept */
    net_remember(&net, 3, 2, 4, 1, d, sizeof d); /* another path */
    CHECK_EQ_U64(net_replay_stale(&net, 1, 3, 0), 0);
    CHECK_EQ_U64(net_replay_stale(&net, 1, 5, 0), 1);
    CHECK_EQ_U64(drain_firsts(firsts, 8), 1);
    CHECK_EQ_U64(firsts[0], 'a');
    CHECK_EQ_U64(net_replay_stale(&net, 1, 9, 0), 2);
    CHECK_EQ_U64(drain_firsts(firsts, 8), 2);
    CHECK((firsts[0] == 'a' && firsts[1] == 'c') || (firsts[0] == 'c' && firsts[1] == 'a'));
    net_block(&net, 2, 1); /* a burst travels like any message */
    CHECK_EQ_U64(net_replay_stale(&net, 1, 9, 0), 0);
    CHECK_EQ_U64(net_replay_stale(&net, 2, 9, 0), 1);
    CHECK_EQ_U64(drain_firsts(firsts, 8), 1);
    CHECK_EQ_U64(firsts[0], 'd');
}

/* A frame that moves from the latest term's place to the one before keeps every byte (the
 * store copies the frame's own bytes, not the whole entry), even after a longer frame of an
 * older term was there. */
static void test_replay_stale_keeps_whole_frames(void)
{
    setup(0, 0, 0, 64);
    uint8_t older[NET_STALE_FRAME_BYTES_MAX], kept[200], newer[8] = { 'n' };
    for (uint32_t i = 0; i < sizeof older; i++)
        older[i] = (uint8_t)(0xff - i);
    for (uint32_t i = 0; i < sizeof kept; i++)
        kept[i] = (uint8_t)(i * 7 + 1);
    net_remember(&net, 2, 1, 4, 2, older, sizeof older);
    net_remember(&net, 2, 1, 4, 3, older, sizeof older); /* term 2 moves back */
    net_remember(&net, 2, 1, 4, 3, kept, sizeof kept);   /* the last frame of term 3 */
    net_remember(&net, 2, 1, 4, 6, newer, sizeof newer); /* term 3 moves back over term 2 */
    CHECK_EQ_U64(net_replay_stale(&net, 1, 6, 0), 1);
    struct event ev;
    CHECK(events_pop(&queue, &ev));
    size_t size = 0;
    const uint8_t *got = net_arrive(&net, ev.a, &size);
    CHECK(got != NULL);
    CHECK_EQ_U64(size, sizeof kept);
    CHECK(memcmp(got, kept, sizeof kept) == 0);
    net_release(&net, ev.a);
    CHECK(!events_pop(&queue, &ev));
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
        RAST_TEST(test_bitflip_seals_before_flipping),
        RAST_TEST(test_delays_reorder),
        RAST_TEST(test_cut_drops_new_sends_only),
        RAST_TEST(test_replay_stale_keeps_whole_frames),
        RAST_TEST(test_hold_defers_in_flight_and_new),
        RAST_TEST(test_replay_arrives_again_late),
        RAST_TEST(test_replay_stale_sends_older_terms_only),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
