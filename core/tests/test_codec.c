/*
 * test_codec.c: every message and record survives encode then decode field for field, and
 * every truncated, bit-flipped or impossible frame is rejected with an error code, never
 * accepted and never read past its buffer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "codec.h"
#include "rast.h"
#include "rast_test.h"

#define FRAME_BYTES_MAX 8192u
#define ENTRIES_MAX     64u
#define SAMPLES_MAX     16u
#define POOL_SIZE_BYTES 20000u

/* Byte offsets of body fields, for forging frames (docs/formats.md). */
#define AT_FROM              12u
#define AT_TO                16u
#define AT_MSG_FIELDS        28u /* first byte after from, to, term */
#define AT_ENTRY_COUNT       52u
#define AT_FIRST_ENTRY_SIZE  64u
#define AT_RECORD_FIELDS     12u
#define AT_ENTRY_RECORD_SIZE 28u

#define CHECK_RC(expr, want)                                                                       \
    do {                                                                                           \
        int check_rc_ = (expr), check_want_ = (want);                                              \
        if (check_rc_ != check_want_) {                                                            \
            char check_msg_[256];                                                                  \
            snprintf(check_msg_, sizeof check_msg_, "%s returned %d (%s), want %d (%s)", #expr,    \
                     check_rc_, rast_strerror(check_rc_), check_want_,                             \
                     rast_strerror(check_want_));                                                  \
            rast_test_report(__FILE__, __LINE__, check_msg_);                                      \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Runs a helper that CHECKs, and stops the calling test when it failed. */
#define RUN(call)                                                                                  \
    do {                                                                                           \
        call;                                                                                      \
        if (rast_test_failed_flag)                                                                 \
            return;                                                                                \
    } while (0)

/* ---- sample values ------------------------------------------------------------------- */

static uint8_t pool[POOL_SIZE_BYTES];

static const uint8_t *pool_bytes(void)
{
    static bool filled = false;
    if (filled)
        return pool;
    filled = true;
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (uint32_t i = 0; i < POOL_SIZE_BYTES; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pool[i] = (uint8_t)x;
    }
    return pool;
}

/* count entries of varied sizes (every fifth one empty), drawn from the pool. */
static void fill_entries(struct rast_entry *entries, uint32_t count, uint64_t first_term)
{
    const uint8_t *bytes = pool_bytes();
    for (uint32_t i = 0; i < count; i++) {
        uint32_t size = (i % 5 == 4) ? 0 : (i * 37u) % 200u + 1u;
        entries[i].term = first_term + i / 3;
        entries[i].size = size;
        entries[i].data = size == 0 ? NULL : bytes + (i * 101u) % 1000u;
    }
}

static struct rast_entry one_entry[1];
static struct rast_entry many_entries[40];
static struct rast_entry empty_entries[3];
static struct rast_entry large_entries[3];

static struct rast_msg msg_make(uint8_t type, uint32_t from, uint32_t to, uint64_t term)
{
    struct rast_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.type = type;
    msg.from = from;
    msg.to = to;
    msg.term = term;
    return msg;
}

static struct rast_msg append_make(uint64_t prev_index, uint32_t entry_count,
                                   const struct rast_entry *entries)
{
    struct rast_msg msg = msg_make(RAST_MSG_APPEND_REQ, 1, 3, 9);
    msg.u.append_req.prev_index = prev_index;
    msg.u.append_req.prev_term = 8;
    msg.u.append_req.commit_index = prev_index / 2;
    msg.u.append_req.entry_count = entry_count;
    msg.u.append_req.entries = entry_count > 0 ? entries : NULL;
    return msg;
}

/* Every message type, appends with 0, 1, many, only-empty and large entries. Frames of all
 * but the last stay under FRAME_BYTES_MAX. */
static uint32_t sample_msgs(struct rast_msg *out, bool with_large)
{
    uint32_t n = 0;
    fill_entries(one_entry, 1, 5);
    fill_entries(many_entries, 40, 2);
    for (uint32_t i = 0; i < 3; i++)
        empty_entries[i] = (struct rast_entry){ .term = 7 + i, .data = NULL, .size = 0 };
    out[n] = msg_make(RAST_MSG_VOTE_REQ, 2, 1, 4);
    out[n].u.vote_req.last_log_index = 17;
    out[n++].u.vote_req.last_log_term = 3;
    out[n] = msg_make(RAST_MSG_VOTE_RESP, 1, 2, 4);
    out[n++].u.vote_resp.granted = true;
    out[n++] = msg_make(RAST_MSG_VOTE_RESP, RAST_NODES_MAX, 1, UINT64_MAX); /* not granted */
    out[n++] = append_make(0, 0, NULL);
    out[n++] = append_make(41, 1, one_entry);
    out[n++] = append_make(100, 40, many_entries);
    out[n++] = append_make(UINT64_MAX - 3, 3, empty_entries);
    out[n] = msg_make(RAST_MSG_APPEND_RESP, 3, 1, 9);
    out[n].u.append_resp.success = true;
    out[n++].u.append_resp.match_index = 141;
    out[n] = msg_make(RAST_MSG_APPEND_RESP, 3, 1, 9);
    out[n].u.append_resp.reject_index = 100;
    out[n].u.append_resp.conflict_term = 6;
    out[n++].u.append_resp.conflict_index = 0x8000000000000001u;
    out[n] = msg_make(RAST_MSG_HEARTBEAT_REQ, 1, RAST_NODES_MAX, 12);
    out[n].u.heartbeat_req.commit_index = 55;
    out[n++].u.heartbeat_req.read_round = 0x0102030405060708u;
    out[n] = msg_make(RAST_MSG_HEARTBEAT_RESP, 5, 1, 12);
    out[n].u.heartbeat_resp.read_round = 77;
    out[n++].u.heartbeat_resp.match_hint = 54;
    if (with_large) {
        const uint8_t *bytes = pool_bytes();
        large_entries[0] = (struct rast_entry){ .term = 9, .data = bytes, .size = 15000 };
        large_entries[1] = (struct rast_entry){ .term = 9, .data = NULL, .size = 0 };
        large_entries[2] = (struct rast_entry){ .term = 9, .data = bytes + 3, .size = 4000 };
        out[n++] = append_make(200, 3, large_entries);
    }
    return n;
}

static uint32_t sample_records(struct rast_record *out)
{
    const uint8_t *bytes = pool_bytes();
    uint32_t n = 0;
    memset(out, 0, SAMPLES_MAX * sizeof *out);
    out[n].type = RAST_RECORD_HARD_STATE;
    out[n++].hard_state = (struct rast_hard_state){ .term = 3, .voted_for = 2 };
    out[n].type = RAST_RECORD_HARD_STATE;
    out[n++].hard_state = (struct rast_hard_state){ .term = 0, .voted_for = RAST_NODE_NONE };
    out[n].type = RAST_RECORD_HARD_STATE;
    out[n++].hard_state = (struct rast_hard_state){ .term = UINT64_MAX, .voted_for = 7 };
    out[n].type = RAST_RECORD_ENTRY;
    out[n].index = 1;
    out[n++].entry = (struct rast_entry){ .term = 1, .data = bytes, .size = 300 };
    out[n].type = RAST_RECORD_ENTRY;
    out[n].index = UINT64_MAX;
    out[n++].entry = (struct rast_entry){ .term = 2, .data = NULL, .size = 0 };
    out[n].type = RAST_RECORD_TRUNCATE;
    out[n++].index = 1;
    out[n].type = RAST_RECORD_TRUNCATE;
    out[n++].index = 0xFFFFFFFF00000000u;
    return n;
}

/* ---- helpers ------------------------------------------------------------------------- */

static void store_le32(uint8_t *p, uint32_t v)
{
    for (uint32_t i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void store_le64(uint8_t *p, uint64_t v)
{
    for (uint32_t i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void check_entry_equal(const struct rast_entry *a, const struct rast_entry *b)
{
    CHECK_EQ_U64(a->term, b->term);
    CHECK_EQ_U64(a->size, b->size);
    if (a->size > 0)
        CHECK(memcmp(a->data, b->data, a->size) == 0);
    else
        CHECK(b->data == NULL);
}

static void check_msg_equal(const struct rast_msg *want, const struct rast_msg *got)
{
    CHECK_EQ_U64(want->type, got->type);
    CHECK_EQ_U64(want->from, got->from);
    CHECK_EQ_U64(want->to, got->to);
    CHECK_EQ_U64(want->term, got->term);
    const struct rast_append_req *wa = &want->u.append_req, *ga = &got->u.append_req;
    switch (want->type) {
    case RAST_MSG_VOTE_REQ:
        CHECK_EQ_U64(want->u.vote_req.last_log_index, got->u.vote_req.last_log_index);
        CHECK_EQ_U64(want->u.vote_req.last_log_term, got->u.vote_req.last_log_term);
        break;
    case RAST_MSG_VOTE_RESP:
        CHECK_EQ_U64(want->u.vote_resp.granted, got->u.vote_resp.granted);
        break;
    case RAST_MSG_APPEND_REQ:
        CHECK_EQ_U64(wa->prev_index, ga->prev_index);
        CHECK_EQ_U64(wa->prev_term, ga->prev_term);
        CHECK_EQ_U64(wa->commit_index, ga->commit_index);
        CHECK_EQ_U64(wa->entry_count, ga->entry_count);
        CHECK(ga->entry_count == 0 ? ga->entries == NULL : ga->entries != NULL);
        for (uint32_t i = 0; i < wa->entry_count; i++)
            RUN(check_entry_equal(&wa->entries[i], &ga->entries[i]));
        break;
    case RAST_MSG_APPEND_RESP:
        CHECK_EQ_U64(want->u.append_resp.success, got->u.append_resp.success);
        CHECK_EQ_U64(want->u.append_resp.match_index, got->u.append_resp.match_index);
        CHECK_EQ_U64(want->u.append_resp.reject_index, got->u.append_resp.reject_index);
        CHECK_EQ_U64(want->u.append_resp.conflict_term, got->u.append_resp.conflict_term);
        CHECK_EQ_U64(want->u.append_resp.conflict_index, got->u.append_resp.conflict_index);
        break;
    case RAST_MSG_HEARTBEAT_REQ:
        CHECK_EQ_U64(want->u.heartbeat_req.commit_index, got->u.heartbeat_req.commit_index);
        CHECK_EQ_U64(want->u.heartbeat_req.read_round, got->u.heartbeat_req.read_round);
        break;
    case RAST_MSG_HEARTBEAT_RESP:
        CHECK_EQ_U64(want->u.heartbeat_resp.read_round, got->u.heartbeat_resp.read_round);
        CHECK_EQ_U64(want->u.heartbeat_resp.match_hint, got->u.heartbeat_resp.match_hint);
        break;
    default: CHECK(false); /* a sample of an unknown type */
    }
}

static void check_record_equal(const struct rast_record *want, const struct rast_record *got)
{
    CHECK_EQ_U64(want->type, got->type);
    switch (want->type) {
    case RAST_RECORD_HARD_STATE:
        CHECK_EQ_U64(want->hard_state.term, got->hard_state.term);
        CHECK_EQ_U64(want->hard_state.voted_for, got->hard_state.voted_for);
        break;
    case RAST_RECORD_ENTRY:
        CHECK_EQ_U64(want->index, got->index);
        RUN(check_entry_equal(&want->entry, &got->entry));
        break;
    case RAST_RECORD_TRUNCATE: CHECK_EQ_U64(want->index, got->index); break;
    default: CHECK(false); /* a sample of an unknown type */
    }
}

/* Encodes msg into frame (FRAME_BYTES_MAX) and checks the size contract. */
static void msg_encode_ok(const struct rast_msg *msg, uint8_t *frame, size_t *frame_size)
{
    CHECK_RC(rast_msg_encode(msg, frame, FRAME_BYTES_MAX, frame_size), RAST_OK);
    CHECK_EQ_U64(*frame_size, rast_msg_encoded_size(msg));
}

static void record_encode_ok(const struct rast_record *rec, uint8_t *frame, size_t *frame_size)
{
    CHECK_RC(rast_record_encode(rec, frame, FRAME_BYTES_MAX, frame_size), RAST_OK);
    CHECK_EQ_U64(*frame_size, rast_record_encoded_size(rec));
}

/* Decodes frame[0..size) as a message; expects rc. */
static int msg_decode_rc(const uint8_t *frame, size_t size)
{
    static struct rast_entry entries[ENTRIES_MAX];
    struct rast_msg msg;
    size_t frame_size;
    return rast_msg_decode(frame, size, &msg, entries, ENTRIES_MAX, &frame_size);
}

/* The same through the trusted decoder (no checksum comparison). */
static int msg_decode_trusted_rc(const uint8_t *frame, size_t size)
{
    static struct rast_entry entries[ENTRIES_MAX];
    struct rast_msg msg;
    size_t frame_size;
    return rast_msg_decode_trusted(frame, size, &msg, entries, ENTRIES_MAX, &frame_size);
}

static int record_decode_rc(const uint8_t *frame, size_t size)
{
    struct rast_record rec;
    size_t frame_size;
    return rast_record_decode(frame, size, &rec, &frame_size);
}

/* ---- round trips --------------------------------------------------------------------- */

static void msg_round_trip(const struct rast_msg *msg)
{
    static uint8_t frame[FRAME_BYTES_MAX * 4];
    struct rast_entry entries[ENTRIES_MAX];
    struct rast_msg got;
    size_t frame_size = 0, consumed = 0;
    CHECK_RC(rast_msg_encode(msg, frame, sizeof frame, &frame_size), RAST_OK);
    CHECK_EQ_U64(frame_size, rast_msg_encoded_size(msg));
    CHECK_RC(rast_msg_decode(frame, frame_size, &got, entries, ENTRIES_MAX, &consumed), RAST_OK);
    CHECK_EQ_U64(consumed, frame_size);
    RUN(check_msg_equal(msg, &got));
}

static void test_msg_round_trip_every_type(void)
{
    struct rast_msg msgs[SAMPLES_MAX];
    uint32_t count = sample_msgs(msgs, true);
    bool seen[RAST_MSG_TYPE_MAX + 1] = { false };
    for (uint32_t i = 0; i < count; i++) {
        RUN(msg_round_trip(&msgs[i]));
        seen[msgs[i].type] = true;
    }
    for (uint32_t type = 1; type <= RAST_MSG_TYPE_MAX; type++)
        CHECK(seen[type]);
}

static void test_append_round_trip_entry_counts(void)
{
    static struct rast_entry entries[ENTRIES_MAX];
    fill_entries(entries, ENTRIES_MAX, 1);
    for (uint32_t count = 0; count <= ENTRIES_MAX; count++) {
        struct rast_msg msg = append_make(1000, count, entries);
        RUN(msg_round_trip(&msg));
    }
    /* Exactly entries_max entries fit; the decoder needs no spare slot. */
    uint8_t frame[FRAME_BYTES_MAX];
    struct rast_entry got_entries[3];
    struct rast_msg msg = append_make(5, 3, entries), got;
    size_t frame_size, consumed;
    RUN(msg_encode_ok(&msg, frame, &frame_size));
    CHECK_RC(rast_msg_decode(frame, frame_size, &got, got_entries, 3, &consumed), RAST_OK);
    RUN(check_msg_equal(&msg, &got));
    /* No entries: entries may be NULL with entries_max 0. */
    msg = append_make(5, 0, NULL);
    RUN(msg_encode_ok(&msg, frame, &frame_size));
    CHECK_RC(rast_msg_decode(frame, frame_size, &got, NULL, 0, &consumed), RAST_OK);
    CHECK(got.u.append_req.entries == NULL);
}

static void test_record_round_trip_every_type(void)
{
    struct rast_record recs[SAMPLES_MAX];
    uint32_t count = sample_records(recs);
    bool seen[4] = { false };
    for (uint32_t i = 0; i < count; i++) {
        uint8_t frame[FRAME_BYTES_MAX];
        struct rast_record got;
        size_t frame_size, consumed;
        RUN(record_encode_ok(&recs[i], frame, &frame_size));
        CHECK_RC(rast_record_decode(frame, frame_size, &got, &consumed), RAST_OK);
        CHECK_EQ_U64(consumed, frame_size);
        RUN(check_record_equal(&recs[i], &got));
        seen[recs[i].type] = true;
    }
    CHECK(seen[RAST_RECORD_HARD_STATE] && seen[RAST_RECORD_ENTRY] && seen[RAST_RECORD_TRUNCATE]);
}

static void test_decoded_data_points_into_buffer(void)
{
    uint8_t frame[FRAME_BYTES_MAX];
    struct rast_entry entries[ENTRIES_MAX];
    struct rast_msg msgs[SAMPLES_MAX], got;
    size_t frame_size, consumed;
    sample_msgs(msgs, false);
    struct rast_msg *many = &msgs[5];
    CHECK_EQ_U64(many->u.append_req.entry_count, 40);
    RUN(msg_encode_ok(many, frame, &frame_size));
    CHECK_RC(rast_msg_decode(frame, frame_size, &got, entries, ENTRIES_MAX, &consumed), RAST_OK);
    CHECK(got.u.append_req.entries == entries);
    for (uint32_t i = 0; i < got.u.append_req.entry_count; i++) {
        const struct rast_entry *e = &got.u.append_req.entries[i];
        CHECK(e->size == 0 || (e->data > frame && e->data + e->size <= frame + frame_size));
    }
}

/* A log is records back to back: each decode consumes exactly one frame. */
static void test_decode_consumes_one_frame_of_a_stream(void)
{
    static uint8_t log[FRAME_BYTES_MAX * 4];
    struct rast_record recs[SAMPLES_MAX], got;
    uint32_t count = sample_records(recs);
    size_t end = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t frame_size;
        CHECK_RC(rast_record_encode(&recs[i], log + end, sizeof log - end, &frame_size), 0);
        end += frame_size;
    }
    size_t pos = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t consumed;
        CHECK_RC(rast_record_decode(log + pos, end - pos, &got, &consumed), RAST_OK);
        RUN(check_record_equal(&recs[i], &got));
        pos += consumed;
    }
    CHECK_EQ_U64(pos, end);
}

/* ---- the exact bytes ------------------------------------------------------------------- */

static void check_seals(const uint8_t *frame, size_t frame_size)
{
    uint8_t want[8];
    store_le32(want, (uint32_t)XXH3_64bits(frame, 8));
    CHECK(memcmp(frame + 8, want, 4) == 0);
    store_le64(want, XXH3_64bits(frame, frame_size - 8));
    CHECK(memcmp(frame + frame_size - 8, want, 8) == 0);
}

static void test_msg_layout_is_pinned(void)
{
    static const uint8_t want[] = {
        0x01, 0x4D, 0x05, 0x00, 0x20, 0x00, 0x00, 0x00, /* version, 'M', heartbeat, 0, 32 */
        0x00, 0x00, 0x00, 0x00,                         /* header check, compared below */
        0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, /* from 1, to 7 */
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* term */
        0x37, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* commit_index 55 */
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* read_round */
    };
    struct rast_msg msg = msg_make(RAST_MSG_HEARTBEAT_REQ, 1, 7, 0x0102030405060708u);
    msg.u.heartbeat_req.commit_index = 55;
    msg.u.heartbeat_req.read_round = 0x1122334455667788u;
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    RUN(msg_encode_ok(&msg, frame, &frame_size));
    CHECK_EQ_U64(frame_size, sizeof want + 8);
    CHECK(memcmp(frame, want, 8) == 0);
    CHECK(memcmp(frame + 12, want + 12, sizeof want - 12) == 0);
    RUN(check_seals(frame, frame_size));
}

static void test_record_layout_is_pinned(void)
{
    static const uint8_t want[] = {
        0x01, 0x52, 0x02, 0x00, 0x17, 0x00, 0x00, 0x00, /* version, 'R', entry, 0, 23 */
        0x00, 0x00, 0x00, 0x00,                         /* header check, compared below */
        0x2A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* index 42 */
        0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* term 259 */
        0x03, 0x00, 0x00, 0x00, 'a',  'b',  'c',        /* size 3, data */
    };
    struct rast_record rec = { .type = RAST_RECORD_ENTRY, .index = 42 };
    rec.entry = (struct rast_entry){ .term = 259, .data = (const uint8_t *)"abc", .size = 3 };
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    RUN(record_encode_ok(&rec, frame, &frame_size));
    CHECK_EQ_U64(frame_size, sizeof want + 8);
    CHECK(memcmp(frame, want, 8) == 0);
    CHECK(memcmp(frame + 12, want + 12, sizeof want - 12) == 0);
    RUN(check_seals(frame, frame_size));
}

/* ---- damage: truncation and bit flips -------------------------------------------------- */

/* Every prefix, copied to an allocation of exactly its length so ASan sees any over-read. */
static void check_prefixes_rejected(const uint8_t *frame, size_t frame_size, bool is_msg)
{
    for (size_t len = 0; len < frame_size; len++) {
        uint8_t *prefix = malloc(len > 0 ? len : 1);
        CHECK(prefix != NULL);
        memcpy(prefix, frame, len);
        int rc = is_msg ? msg_decode_rc(prefix, len) : record_decode_rc(prefix, len);
        int trusted_rc = is_msg ? msg_decode_trusted_rc(prefix, len) : RAST_E_TRUNCATED;
        free(prefix);
        CHECK_RC(rc, RAST_E_TRUNCATED);
        CHECK_RC(trusted_rc, RAST_E_TRUNCATED);
    }
}

/* Every single-bit flip, in an allocation of exactly the frame's size. Damage must read as
 * damage (RAST_E_CHECKSUM, or RAST_E_VERSION for the version byte), never as a frame or as an
 * intact frame with impossible contents. */
static void check_bit_flips_rejected(const uint8_t *frame, size_t frame_size, bool is_msg)
{
    uint8_t *copy = malloc(frame_size);
    CHECK(copy != NULL);
    memcpy(copy, frame, frame_size);
    size_t bad_bit = SIZE_MAX;
    for (size_t bit = 0; bit < frame_size * 8 && bad_bit == SIZE_MAX; bit++) {
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        int rc = is_msg ? msg_decode_rc(copy, frame_size) : record_decode_rc(copy, frame_size);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (rc != RAST_E_CHECKSUM && !(rc == RAST_E_VERSION && bit < 8))
            bad_bit = bit;
    }
    free(copy);
    CHECK_EQ_U64(bad_bit, SIZE_MAX);
}

static void test_msg_truncations_rejected(void)
{
    struct rast_msg msgs[SAMPLES_MAX];
    uint32_t count = sample_msgs(msgs, true);
    static uint8_t frame[FRAME_BYTES_MAX * 4];
    for (uint32_t i = 0; i < count; i++) {
        size_t frame_size;
        CHECK_RC(rast_msg_encode(&msgs[i], frame, sizeof frame, &frame_size), RAST_OK);
        RUN(check_prefixes_rejected(frame, frame_size, true));
    }
}

static void test_record_truncations_rejected(void)
{
    struct rast_record recs[SAMPLES_MAX];
    uint32_t count = sample_records(recs);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t frame[FRAME_BYTES_MAX];
        size_t frame_size;
        RUN(record_encode_ok(&recs[i], frame, &frame_size));
        RUN(check_prefixes_rejected(frame, frame_size, false));
    }
}

static void test_msg_bit_flips_rejected(void)
{
    struct rast_msg msgs[SAMPLES_MAX];
    uint32_t count = sample_msgs(msgs, false);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t frame[FRAME_BYTES_MAX];
        size_t frame_size;
        RUN(msg_encode_ok(&msgs[i], frame, &frame_size));
        RUN(check_bit_flips_rejected(frame, frame_size, true));
    }
}

static void test_record_bit_flips_rejected(void)
{
    struct rast_record recs[SAMPLES_MAX];
    uint32_t count = sample_records(recs);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t frame[FRAME_BYTES_MAX];
        size_t frame_size;
        RUN(record_encode_ok(&recs[i], frame, &frame_size));
        RUN(check_bit_flips_rejected(frame, frame_size, false));
    }
}

static void test_checksums_tell_damage_from_truncation(void)
{
    struct rast_record recs[SAMPLES_MAX];
    sample_records(recs);
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    RUN(record_encode_ok(&recs[3], frame, &frame_size)); /* an entry with data */
    /* A larger body size would run past the buffer, but the header check catches it first. */
    frame[CODEC_OFFSET_BODY_SIZE + 1] ^= 0x40;
    CHECK_RC(record_decode_rc(frame, frame_size), RAST_E_CHECKSUM);
    frame[CODEC_OFFSET_BODY_SIZE + 1] ^= 0x40;
    frame[CODEC_OFFSET_HEADER_CHECK] ^= 0x01;
    CHECK_RC(record_decode_rc(frame, frame_size), RAST_E_CHECKSUM);
    frame[CODEC_OFFSET_HEADER_CHECK] ^= 0x01;
    frame[40] ^= 0x80; /* a data byte */
    CHECK_RC(record_decode_rc(frame, frame_size), RAST_E_CHECKSUM);
    frame[40] ^= 0x80;
    frame[frame_size - 1] ^= 0x01; /* the checksum itself */
    CHECK_RC(record_decode_rc(frame, frame_size), RAST_E_CHECKSUM);
    frame[frame_size - 1] ^= 0x01;
    CHECK_RC(record_decode_rc(frame, frame_size), RAST_OK);
    /* A body size that is intact but larger than the buffer: the buffer really ends early. */
    store_le32(frame + CODEC_OFFSET_BODY_SIZE, 1000);
    store_le32(frame + CODEC_OFFSET_HEADER_CHECK, (uint32_t)XXH3_64bits(frame, 8));
    CHECK_RC(record_decode_rc(frame, frame_size), RAST_E_TRUNCATED);
}

/* ---- malformed but intact frames ------------------------------------------------------- */

/* Encodes a sample, lets the caller edit it, reseals it and decodes it. */
static struct rast_msg sample_msg(uint32_t i)
{
    struct rast_msg msgs[SAMPLES_MAX];
    sample_msgs(msgs, false);
    return msgs[i];
}

static void check_forged_msg(const struct rast_msg *msg, size_t at, uint8_t value, int want)
{
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    RUN(msg_encode_ok(msg, frame, &frame_size));
    CHECK(at < frame_size);
    frame[at] = value;
    CHECK_RC(codec_frame_seal(frame, frame_size), RAST_OK);
    CHECK_RC(msg_decode_rc(frame, frame_size), want);
    CHECK_RC(msg_decode_trusted_rc(frame, frame_size), want); /* it skips only the checksums */
}

static void check_forged_record(const struct rast_record *rec, size_t at, uint8_t value, int want)
{
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    RUN(record_encode_ok(rec, frame, &frame_size));
    CHECK(at < frame_size);
    frame[at] = value;
    CHECK_RC(codec_frame_seal(frame, frame_size), RAST_OK);
    CHECK_RC(record_decode_rc(frame, frame_size), want);
}

static void test_unknown_version_rejected(void)
{
    struct rast_msg msg = sample_msg(0);
    struct rast_record recs[SAMPLES_MAX];
    sample_records(recs);
    RUN(check_forged_msg(&msg, CODEC_OFFSET_VERSION, 0, RAST_E_VERSION));
    RUN(check_forged_msg(&msg, CODEC_OFFSET_VERSION, 2, RAST_E_VERSION));
    RUN(check_forged_record(&recs[0], CODEC_OFFSET_VERSION, 0xFF, RAST_E_VERSION));
    static const uint8_t lone_byte[1] = { 2 };
    CHECK_RC(msg_decode_rc(lone_byte, 1), RAST_E_VERSION);
    CHECK_RC(msg_decode_rc(NULL, 0), RAST_E_TRUNCATED);
}

static void test_unknown_type_rejected(void)
{
    struct rast_msg msg = sample_msg(0);
    struct rast_record recs[SAMPLES_MAX];
    sample_records(recs);
    RUN(check_forged_msg(&msg, CODEC_OFFSET_KIND, 0, RAST_E_INVALID));
    RUN(check_forged_msg(&msg, CODEC_OFFSET_KIND, RAST_MSG_TYPE_MAX + 1, RAST_E_INVALID));
    RUN(check_forged_msg(&msg, CODEC_OFFSET_KIND, 0xFF, RAST_E_INVALID));
    RUN(check_forged_record(&recs[0], CODEC_OFFSET_KIND, 0, RAST_E_INVALID));
    RUN(check_forged_record(&recs[0], CODEC_OFFSET_KIND, 4, RAST_E_INVALID));
    /* Same-size bodies of another type decode as that type only if their fields allow it:
     * a heartbeat request relabelled as a heartbeat response is a valid response. */
    msg = sample_msg(9);
    RUN(check_forged_msg(&msg, CODEC_OFFSET_KIND, RAST_MSG_HEARTBEAT_RESP, RAST_OK));
    /* The encoder refuses what the decoder refuses. */
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    msg.type = 0;
    CHECK_RC(rast_msg_encode(&msg, frame, sizeof frame, &frame_size), RAST_E_INVALID);
    CHECK_EQ_U64(rast_msg_encoded_size(&msg), 0);
    recs[0].type = 9;
    CHECK_RC(rast_record_encode(&recs[0], frame, sizeof frame, &frame_size), RAST_E_INVALID);
    CHECK_EQ_U64(rast_record_encoded_size(&recs[0]), 0);
}

static void test_family_and_reserved_byte_checked(void)
{
    struct rast_msg msg = sample_msg(0);
    struct rast_record recs[SAMPLES_MAX];
    sample_records(recs);
    RUN(check_forged_msg(&msg, CODEC_OFFSET_FAMILY, CODEC_FAMILY_RECORD, RAST_E_INVALID));
    RUN(check_forged_msg(&msg, CODEC_OFFSET_RESERVED, 1, RAST_E_INVALID));
    RUN(check_forged_record(&recs[0], CODEC_OFFSET_FAMILY, CODEC_FAMILY_MSG, RAST_E_INVALID));
    RUN(check_forged_record(&recs[0], CODEC_OFFSET_RESERVED, 0x80, RAST_E_INVALID));
    /* A valid frame of one family is refused by the other family's decoder. */
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    RUN(msg_encode_ok(&msg, frame, &frame_size));
    CHECK_RC(record_decode_rc(frame, frame_size), RAST_E_INVALID);
    RUN(record_encode_ok(&recs[0], frame, &frame_size));
    CHECK_RC(msg_decode_rc(frame, frame_size), RAST_E_INVALID);
}

static void test_bad_boolean_rejected(void)
{
    struct rast_msg vote_resp = sample_msg(1), append_resp = sample_msg(7);
    CHECK_EQ_U64(vote_resp.type, RAST_MSG_VOTE_RESP);
    CHECK_EQ_U64(append_resp.type, RAST_MSG_APPEND_RESP);
    RUN(check_forged_msg(&vote_resp, AT_MSG_FIELDS, 2, RAST_E_INVALID));
    RUN(check_forged_msg(&vote_resp, AT_MSG_FIELDS, 0xFF, RAST_E_INVALID));
    RUN(check_forged_msg(&vote_resp, AT_MSG_FIELDS, 0, RAST_OK));
    RUN(check_forged_msg(&append_resp, AT_MSG_FIELDS, 2, RAST_E_INVALID));
    RUN(check_forged_msg(&append_resp, AT_MSG_FIELDS, 0x81, RAST_E_INVALID));
}

static void test_node_ids_checked(void)
{
    struct rast_msg msg = sample_msg(0);
    RUN(check_forged_msg(&msg, AT_FROM, 0, RAST_E_INVALID));
    RUN(check_forged_msg(&msg, AT_TO, 0, RAST_E_INVALID));
    RUN(check_forged_msg(&msg, AT_FROM, RAST_NODES_MAX + 1, RAST_E_INVALID));
    RUN(check_forged_msg(&msg, AT_TO, RAST_NODES_MAX + 1, RAST_E_INVALID));
    RUN(check_forged_msg(&msg, AT_FROM + 3, 0x01, RAST_E_INVALID)); /* 0x01000002 */
    RUN(check_forged_msg(&msg, AT_TO, RAST_NODES_MAX, RAST_OK));
    struct rast_record hard = { .type = RAST_RECORD_HARD_STATE, .hard_state = { 5, 2 } };
    RUN(check_forged_record(&hard, AT_RECORD_FIELDS + 8, RAST_NODES_MAX + 1, RAST_E_INVALID));
    RUN(check_forged_record(&hard, AT_RECORD_FIELDS + 11, 0x80, RAST_E_INVALID));
    RUN(check_forged_record(&hard, AT_RECORD_FIELDS + 8, RAST_NODE_NONE, RAST_OK));
    /* The encoder refuses the same ids. */
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    uint32_t bad_ids[] = { RAST_NODE_NONE, RAST_NODES_MAX + 1, UINT32_MAX };
    for (uint32_t i = 0; i < 3; i++) {
        struct rast_msg from = msg, to = msg;
        from.from = bad_ids[i];
        to.to = bad_ids[i];
        CHECK_RC(rast_msg_encode(&from, frame, sizeof frame, &frame_size), RAST_E_INVALID);
        CHECK_RC(rast_msg_encode(&to, frame, sizeof frame, &frame_size), RAST_E_INVALID);
    }
    hard.hard_state.voted_for = RAST_NODES_MAX + 1;
    CHECK_RC(rast_record_encode(&hard, frame, sizeof frame, &frame_size), RAST_E_INVALID);
}

static void test_entry_count_over_entries_max_is_too_big(void)
{
    struct rast_msg msg = sample_msg(5); /* 40 entries */
    uint8_t frame[FRAME_BYTES_MAX];
    struct rast_entry entries[40];
    struct rast_msg got;
    size_t frame_size, consumed;
    RUN(msg_encode_ok(&msg, frame, &frame_size));
    CHECK_RC(rast_msg_decode(frame, frame_size, &got, entries, 39, &consumed), RAST_E_TOO_BIG);
    CHECK_RC(rast_msg_decode(frame, frame_size, &got, NULL, 0, &consumed), RAST_E_TOO_BIG);
    CHECK_EQ_U64(consumed, 0);
    CHECK_EQ_U64(got.type, 0); /* nothing half-decoded escapes */
    CHECK_RC(rast_msg_decode(frame, frame_size, &got, entries, 40, &consumed), RAST_OK);
    CHECK_RC(rast_msg_decode(frame, frame_size, &got, NULL, 40, &consumed), RAST_E_INVALID);
}

static void test_entry_count_beyond_body_rejected(void)
{
    struct rast_msg msg = sample_msg(4); /* one entry */
    CHECK_EQ_U64(msg.u.append_req.entry_count, 1);
    RUN(check_forged_msg(&msg, AT_ENTRY_COUNT, 2, RAST_E_INVALID));
    RUN(check_forged_msg(&msg, AT_ENTRY_COUNT + 3, 0xFF, RAST_E_INVALID));
    RUN(check_forged_msg(&msg, AT_ENTRY_COUNT, 0, RAST_E_INVALID)); /* entry left as garbage */
}

static void test_huge_entry_size_rejected(void)
{
    struct rast_msg msg = sample_msg(4);
    for (uint32_t byte = 0; byte < 4; byte++)
        RUN(check_forged_msg(&msg, AT_FIRST_ENTRY_SIZE + byte, 0xFF, RAST_E_INVALID));
    uint32_t size = msg.u.append_req.entries[0].size;
    RUN(check_forged_msg(&msg, AT_FIRST_ENTRY_SIZE, (uint8_t)(size + 1), RAST_E_INVALID));
    RUN(check_forged_msg(&msg, AT_FIRST_ENTRY_SIZE, (uint8_t)(size - 1), RAST_E_INVALID));
    struct rast_record recs[SAMPLES_MAX];
    sample_records(recs);
    for (uint32_t byte = 0; byte < 4; byte++)
        RUN(check_forged_record(&recs[3], AT_ENTRY_RECORD_SIZE + byte, 0xFF, RAST_E_INVALID));
    RUN(check_forged_record(&recs[4], AT_ENTRY_RECORD_SIZE, 1, RAST_E_INVALID));
}

static void test_append_past_last_index_rejected(void)
{
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    struct rast_entry entries[2];
    fill_entries(entries, 2, 1);
    struct rast_msg fits = append_make(UINT64_MAX - 2, 2, entries);
    RUN(msg_round_trip(&fits));
    struct rast_msg empty = append_make(UINT64_MAX, 0, NULL);
    RUN(msg_round_trip(&empty));
    struct rast_msg wraps = append_make(UINT64_MAX - 1, 2, entries);
    CHECK_RC(rast_msg_encode(&wraps, frame, sizeof frame, &frame_size), RAST_E_INVALID);
    /* The decoder refuses it too: forge prev_index = UINT64_MAX - 1 into the fitting frame. */
    RUN(check_forged_msg(&fits, AT_MSG_FIELDS, 0xFE, RAST_E_INVALID));
    RUN(check_forged_msg(&fits, AT_MSG_FIELDS, 0xFD, RAST_OK));
}

static void test_record_index_zero_rejected(void)
{
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    struct rast_record entry = { .type = RAST_RECORD_ENTRY, .index = 1 };
    struct rast_record truncate = { .type = RAST_RECORD_TRUNCATE, .index = 1 };
    RUN(check_forged_record(&entry, AT_RECORD_FIELDS, 0, RAST_E_INVALID));
    RUN(check_forged_record(&truncate, AT_RECORD_FIELDS, 0, RAST_E_INVALID));
    entry.index = 0;
    truncate.index = 0;
    CHECK_RC(rast_record_encode(&entry, frame, sizeof frame, &frame_size), RAST_E_INVALID);
    CHECK_RC(rast_record_encode(&truncate, frame, sizeof frame, &frame_size), RAST_E_INVALID);
}

/* Grows or shrinks the body of a valid frame by delta bytes (zeros), fixing the size field. */
static void check_resized_body(uint8_t *frame, size_t frame_size, int32_t delta, bool is_msg)
{
    uint8_t resized[FRAME_BYTES_MAX];
    size_t body_size = frame_size - CODEC_FRAME_OVERHEAD_BYTES;
    size_t new_body_size = (size_t)((int64_t)body_size + delta);
    memset(resized, 0, sizeof resized);
    memcpy(resized, frame, CODEC_HEADER_SIZE_BYTES + (delta < 0 ? new_body_size : body_size));
    store_le32(resized + CODEC_OFFSET_BODY_SIZE, (uint32_t)new_body_size);
    size_t new_frame_size = new_body_size + CODEC_FRAME_OVERHEAD_BYTES;
    CHECK_RC(codec_frame_seal(resized, new_frame_size), RAST_OK);
    int rc =
        is_msg ? msg_decode_rc(resized, new_frame_size) : record_decode_rc(resized, new_frame_size);
    CHECK_RC(rc, RAST_E_INVALID);
}

static void test_body_size_must_match_fields(void)
{
    struct rast_msg msgs[SAMPLES_MAX];
    struct rast_record recs[SAMPLES_MAX];
    uint32_t msg_count = sample_msgs(msgs, false), rec_count = sample_records(recs);
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    for (uint32_t i = 0; i < msg_count; i++) {
        RUN(msg_encode_ok(&msgs[i], frame, &frame_size));
        RUN(check_resized_body(frame, frame_size, 1, true));
        RUN(check_resized_body(frame, frame_size, 8, true));
        RUN(check_resized_body(frame, frame_size, -1, true));
    }
    for (uint32_t i = 0; i < rec_count; i++) {
        RUN(record_encode_ok(&recs[i], frame, &frame_size));
        RUN(check_resized_body(frame, frame_size, 1, false));
        RUN(check_resized_body(frame, frame_size, -1, false));
    }
}

/* ---- encoding errors ------------------------------------------------------------------- */

static void test_encode_into_too_small_buffer(void)
{
    struct rast_msg msgs[SAMPLES_MAX];
    uint32_t count = sample_msgs(msgs, false);
    for (uint32_t i = 0; i < count; i++) {
        size_t need = rast_msg_encoded_size(&msgs[i]);
        for (size_t cap = 0; cap < need; cap++) {
            uint8_t *buf = malloc(cap > 0 ? cap : 1); /* exact size: ASan sees any overrun */
            size_t frame_size = 1;
            CHECK(buf != NULL);
            int rc = rast_msg_encode(&msgs[i], cap > 0 ? buf : NULL, cap, &frame_size);
            free(buf);
            CHECK_RC(rc, RAST_E_BUFFER_TOO_SMALL);
            CHECK_EQ_U64(frame_size, 0);
        }
    }
    struct rast_record recs[SAMPLES_MAX];
    sample_records(recs);
    uint8_t buf[FRAME_BYTES_MAX];
    size_t frame_size;
    size_t need = rast_record_encoded_size(&recs[3]);
    CHECK_RC(rast_record_encode(&recs[3], buf, need - 1, &frame_size), RAST_E_BUFFER_TOO_SMALL);
    CHECK_RC(rast_record_encode(&recs[3], buf, need, &frame_size), RAST_OK);
}

static void test_encode_refuses_malformed_input(void)
{
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    struct rast_msg msg = append_make(1, 2, NULL); /* entry_count 2, entries NULL */
    CHECK_RC(rast_msg_encode(&msg, frame, sizeof frame, &frame_size), RAST_E_INVALID);
    CHECK_EQ_U64(rast_msg_encoded_size(&msg), 0);
    struct rast_entry entries[2] = { { .term = 1, .data = NULL, .size = 4 }, { .term = 1 } };
    msg = append_make(1, 2, entries); /* size 4 with NULL data */
    CHECK_RC(rast_msg_encode(&msg, frame, sizeof frame, &frame_size), RAST_E_INVALID);
    struct rast_record rec = { .type = RAST_RECORD_ENTRY, .index = 3, .entry = entries[0] };
    CHECK_RC(rast_record_encode(&rec, frame, sizeof frame, &frame_size), RAST_E_INVALID);
    CHECK_RC(rast_msg_encode(NULL, frame, sizeof frame, &frame_size), RAST_E_INVALID);
    CHECK_RC(rast_msg_encode(&msg, frame, sizeof frame, NULL), RAST_E_INVALID);
    CHECK_RC(rast_msg_encode(&msg, NULL, sizeof frame, &frame_size), RAST_E_INVALID);
    CHECK_RC(rast_record_encode(NULL, frame, sizeof frame, &frame_size), RAST_E_INVALID);
    CHECK_EQ_U64(rast_msg_encoded_size(NULL), 0);
    CHECK_EQ_U64(rast_record_encoded_size(NULL), 0);
}

/* A body over 4 GiB cannot be framed; the size is refused before any data is touched. */
static void test_encode_refuses_oversized_body(void)
{
    static const uint8_t byte = 0;
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    struct rast_entry entries[2] = {
        { .term = 1, .data = &byte, .size = UINT32_MAX - 100 },
        { .term = 1, .data = &byte, .size = 200 },
    };
    struct rast_msg msg = append_make(1, 2, entries);
    CHECK_RC(rast_msg_encode(&msg, frame, sizeof frame, &frame_size), RAST_E_TOO_BIG);
    CHECK(rast_msg_encoded_size(&msg) > (size_t)UINT32_MAX);
    struct rast_record rec = { .type = RAST_RECORD_ENTRY, .index = 1, .entry = entries[0] };
    rec.entry.size = UINT32_MAX - 20; /* 20 bytes of fields: the body is exactly the maximum */
    CHECK_EQ_U64(rast_record_encoded_size(&rec), (uint64_t)UINT32_MAX + 20);
    CHECK_RC(rast_record_encode(&rec, frame, sizeof frame, &frame_size), RAST_E_BUFFER_TOO_SMALL);
    rec.entry.size = UINT32_MAX - 19;
    CHECK_RC(rast_record_encode(&rec, frame, sizeof frame, &frame_size), RAST_E_TOO_BIG);
}

/* ---- unsealed frames and the trusted decoder ------------------------------------------- */

/* An unsealed frame is the sealed frame with zeros for its two checks; rast_frame_seal turns
 * it into the sealed frame; only the trusted decoder accepts it as it is. */
static void check_unsealed(const struct rast_msg *msg)
{
    static uint8_t sealed[FRAME_BYTES_MAX * 4], unsealed[FRAME_BYTES_MAX * 4];
    struct rast_entry entries[ENTRIES_MAX];
    struct rast_msg got;
    size_t sealed_size = 0, unsealed_size = 0, consumed = 0;
    CHECK_RC(rast_msg_encode(msg, sealed, sizeof sealed, &sealed_size), RAST_OK);
    CHECK_RC(rast_msg_encode_unsealed(msg, unsealed, sizeof unsealed, &unsealed_size), RAST_OK);
    CHECK_EQ_U64(unsealed_size, sealed_size);
    size_t trailer = sealed_size - CODEC_TRAILER_SIZE_BYTES;
    static const uint8_t zeros[CODEC_TRAILER_SIZE_BYTES] = { 0 };
    CHECK(memcmp(unsealed, sealed, CODEC_OFFSET_HEADER_CHECK) == 0);
    CHECK(memcmp(unsealed + CODEC_OFFSET_HEADER_CHECK, zeros, 4) == 0);
    CHECK(memcmp(unsealed + CODEC_HEADER_SIZE_BYTES, sealed + CODEC_HEADER_SIZE_BYTES,
                 trailer - CODEC_HEADER_SIZE_BYTES) == 0);
    CHECK(memcmp(unsealed + trailer, zeros, CODEC_TRAILER_SIZE_BYTES) == 0);
    CHECK_RC(msg_decode_rc(unsealed, unsealed_size), RAST_E_CHECKSUM);
    CHECK_RC(
        rast_msg_decode_trusted(unsealed, unsealed_size, &got, entries, ENTRIES_MAX, &consumed),
        RAST_OK);
    CHECK_EQ_U64(consumed, unsealed_size);
    RUN(check_msg_equal(msg, &got));
    CHECK_RC(rast_frame_seal(unsealed, unsealed_size), RAST_OK);
    CHECK(memcmp(unsealed, sealed, sealed_size) == 0);
}

static void test_unsealed_frames_differ_only_in_checks(void)
{
    struct rast_msg msgs[SAMPLES_MAX];
    uint32_t count = sample_msgs(msgs, true);
    for (uint32_t i = 0; i < count; i++)
        RUN(check_unsealed(&msgs[i]));
    uint8_t frame[FRAME_BYTES_MAX];
    CHECK_RC(rast_frame_seal(NULL, 20), RAST_E_INVALID);
    memset(frame, 0, sizeof frame);
    CHECK_RC(rast_frame_seal(frame, CODEC_FRAME_OVERHEAD_BYTES + 1), RAST_E_INVALID);
}

/* The trusted decoder skips the checksums and nothing else: impossible contents and
 * lengths are still refused, and it never reads past the buffer (the prefix checks above
 * run it too). */
static void test_trusted_decode_keeps_every_other_check(void)
{
    struct rast_msg msg = sample_msg(4); /* one entry */
    uint8_t frame[FRAME_BYTES_MAX];
    size_t frame_size;
    CHECK_RC(rast_msg_encode_unsealed(&msg, frame, sizeof frame, &frame_size), RAST_OK);
    frame[AT_ENTRY_COUNT] = 2;
    CHECK_RC(msg_decode_trusted_rc(frame, frame_size), RAST_E_INVALID);
    frame[AT_ENTRY_COUNT] = 1;
    frame[CODEC_OFFSET_BODY_SIZE + 3] = 0x80; /* a body longer than the buffer */
    CHECK_RC(msg_decode_trusted_rc(frame, frame_size), RAST_E_TRUNCATED);
    frame[CODEC_OFFSET_BODY_SIZE + 3] = 0;
    CHECK_RC(msg_decode_trusted_rc(frame, frame_size - 1), RAST_E_TRUNCATED);
    frame[CODEC_OFFSET_VERSION] = 2;
    CHECK_RC(msg_decode_trusted_rc(frame, frame_size), RAST_E_VERSION);
    frame[CODEC_OFFSET_VERSION] = CODEC_VERSION;
    CHECK_RC(msg_decode_trusted_rc(frame, frame_size), RAST_OK);
    struct rast_entry entries[1];
    CHECK_RC(rast_msg_decode_trusted(frame, frame_size, NULL, entries, 1, &frame_size),
             RAST_E_INVALID);
    CHECK_RC(rast_msg_decode_trusted(NULL, 5, &msg, entries, 1, &frame_size), RAST_E_INVALID);
}

static void test_decode_refuses_null_arguments(void)
{
    uint8_t frame[FRAME_BYTES_MAX];
    struct rast_entry entries[1];
    struct rast_msg msg = sample_msg(0);
    struct rast_record rec;
    size_t frame_size;
    RUN(msg_encode_ok(&msg, frame, &frame_size));
    CHECK_RC(rast_msg_decode(frame, frame_size, NULL, entries, 1, &frame_size), RAST_E_INVALID);
    CHECK_RC(rast_msg_decode(frame, frame_size, &msg, entries, 1, NULL), RAST_E_INVALID);
    CHECK_RC(rast_msg_decode(NULL, 5, &msg, entries, 1, &frame_size), RAST_E_INVALID);
    CHECK_RC(rast_record_decode(frame, frame_size, NULL, &frame_size), RAST_E_INVALID);
    CHECK_RC(rast_record_decode(frame, frame_size, &rec, NULL), RAST_E_INVALID);
    CHECK_RC(rast_record_decode(NULL, 5, &rec, &frame_size), RAST_E_INVALID);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_msg_round_trip_every_type),
        RAST_TEST(test_append_round_trip_entry_counts),
        RAST_TEST(test_record_round_trip_every_type),
        RAST_TEST(test_decoded_data_points_into_buffer),
        RAST_TEST(test_decode_consumes_one_frame_of_a_stream),
        RAST_TEST(test_msg_layout_is_pinned),
        RAST_TEST(test_record_layout_is_pinned),
        RAST_TEST(test_msg_truncations_rejected),
        RAST_TEST(test_record_truncations_rejected),
        RAST_TEST(test_msg_bit_flips_rejected),
        RAST_TEST(test_record_bit_flips_rejected),
        RAST_TEST(test_checksums_tell_damage_from_truncation),
        RAST_TEST(test_unknown_version_rejected),
        RAST_TEST(test_unknown_type_rejected),
        RAST_TEST(test_family_and_reserved_byte_checked),
        RAST_TEST(test_bad_boolean_rejected),
        RAST_TEST(test_node_ids_checked),
        RAST_TEST(test_entry_count_over_entries_max_is_too_big),
        RAST_TEST(test_entry_count_beyond_body_rejected),
        RAST_TEST(test_huge_entry_size_rejected),
        RAST_TEST(test_append_past_last_index_rejected),
        RAST_TEST(test_record_index_zero_rejected),
        RAST_TEST(test_body_size_must_match_fields),
        RAST_TEST(test_encode_into_too_small_buffer),
        RAST_TEST(test_encode_refuses_malformed_input),
        RAST_TEST(test_encode_refuses_oversized_body),
        RAST_TEST(test_decode_refuses_null_arguments),
        RAST_TEST(test_unsealed_frames_differ_only_in_checks),
        RAST_TEST(test_trusted_decode_keeps_every_other_check),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
