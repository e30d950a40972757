/*
 * fuzz_codec.c: fuzzes the message and disk-record decoders (core/codec.c).
 *
 * Each input is decoded as a message and as a record. Bad input must only ever produce one of
 * the decoder's error codes. A frame that decodes must satisfy the codec's own invariants, and
 * any violation traps (__builtin_trap), never an assertion on the input itself:
 *  - the frame fits in the input, and rast_*_encoded_size() gives its exact size;
 *  - re-encoding gives back the very same bytes (the encoding is canonical);
 *  - encoding into one byte less fails with RAST_E_BUFFER_TOO_SMALL;
 *  - decoding the re-encoded frame gives the same value, field by field;
 *  - an append request decoded with one entry slot too few fails with RAST_E_TOO_BIG.
 *
 * A fuzzer cannot forge XXH3 checksums, so each input is tried a second time with its header
 * check and checksum rewritten (codec_frame_seal): that takes mutations past the envelope and
 * into the body parsers. No state survives an iteration.
 *
 * Build (libFuzzer): clang -fsanitize=fuzzer,address,undefined -Icore/include -Icore
 *                    fuzz/fuzz_codec.c core/codec.c -lxxhash
 * Seeds: corpus/codec/ (one valid frame of each message and record type).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "rast.h"

#define FUZZ_ENTRIES_MAX 256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void trap_unless(bool ok)
{
    if (!ok)
        __builtin_trap();
}

static bool decode_error_known(int rc)
{
    return rc == RAST_E_TRUNCATED || rc == RAST_E_CHECKSUM || rc == RAST_E_VERSION ||
           rc == RAST_E_INVALID || rc == RAST_E_TOO_BIG;
}

static bool entry_equal(const struct rast_entry *a, const struct rast_entry *b)
{
    if (a->term != b->term || a->size != b->size)
        return false;
    if (a->size == 0)
        return a->data == NULL && b->data == NULL;
    return a->data != NULL && b->data != NULL && memcmp(a->data, b->data, a->size) == 0;
}

static bool append_req_equal(const struct rast_append_req *a, const struct rast_append_req *b)
{
    if (a->prev_index != b->prev_index || a->prev_term != b->prev_term ||
        a->commit_index != b->commit_index || a->entry_count != b->entry_count)
        return false;
    for (uint32_t i = 0; i < a->entry_count; i++) {
        if (!entry_equal(&a->entries[i], &b->entries[i]))
            return false;
    }
    return true;
}

static bool msg_equal(const struct rast_msg *a, const struct rast_msg *b)
{
    if (a->type != b->type || a->from != b->from || a->to != b->to || a->term != b->term)
        return false;
    switch (a->type) {
    case RAST_MSG_VOTE_REQ:
        return a->u.vote_req.last_log_index == b->u.vote_req.last_log_index &&
               a->u.vote_req.last_log_term == b->u.vote_req.last_log_term;
    case RAST_MSG_VOTE_RESP:
        return a->u.vote_resp.granted == b->u.vote_resp.granted;
    case RAST_MSG_APPEND_REQ:
        return append_req_equal(&a->u.append_req, &b->u.append_req);
    case RAST_MSG_APPEND_RESP:
        return a->u.append_resp.success == b->u.append_resp.success &&
               a->u.append_resp.match_index == b->u.append_resp.match_index &&
               a->u.append_resp.reject_index == b->u.append_resp.reject_index &&
               a->u.append_resp.conflict_term == b->u.append_resp.conflict_term &&
               a->u.append_resp.conflict_index == b->u.append_resp.conflict_index;
    case RAST_MSG_HEARTBEAT_REQ:
        return a->u.heartbeat_req.commit_index == b->u.heartbeat_req.commit_index &&
               a->u.heartbeat_req.read_round == b->u.heartbeat_req.read_round;
    case RAST_MSG_HEARTBEAT_RESP:
        return a->u.heartbeat_resp.read_round == b->u.heartbeat_resp.read_round &&
               a->u.heartbeat_resp.match_hint == b->u.heartbeat_resp.match_hint;
    default:
        return false; /* the decoder returned a type it should have refused */
    }
}

static bool record_equal(const struct rast_record *a, const struct rast_record *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case RAST_RECORD_HARD_STATE:
        return a->hard_state.term == b->hard_state.term &&
               a->hard_state.voted_for == b->hard_state.voted_for;
    case RAST_RECORD_ENTRY:
        return a->index == b->index && a->index != 0 && entry_equal(&a->entry, &b->entry);
    case RAST_RECORD_TRUNCATE:
        return a->index == b->index && a->index != 0;
    default:
        return false;
    }
}

/* The invariants of one decoded message; frame is data[0..frame_size). */
static void check_decoded_msg(const struct rast_msg *msg, const uint8_t *frame,
                              size_t frame_size)
{
    static struct rast_entry entries_again[FUZZ_ENTRIES_MAX];
    struct rast_msg again;
    size_t written = 1, frame_size_again = 0;
    trap_unless(rast_msg_encoded_size(msg) == frame_size);
    uint8_t *buf = malloc(frame_size);
    trap_unless(buf != NULL);
    trap_unless(rast_msg_encode(msg, buf, frame_size - 1, &written) == RAST_E_BUFFER_TOO_SMALL);
    trap_unless(written == 0);
    trap_unless(rast_msg_encode(msg, buf, frame_size, &written) == RAST_OK);
    trap_unless(written == frame_size && memcmp(buf, frame, frame_size) == 0);
    int rc = rast_msg_decode(buf, frame_size, &again, entries_again, FUZZ_ENTRIES_MAX,
                             &frame_size_again);
    trap_unless(rc == RAST_OK && frame_size_again == frame_size && msg_equal(msg, &again));
    uint32_t entry_count = msg->type == RAST_MSG_APPEND_REQ ? msg->u.append_req.entry_count : 0;
    if (entry_count > 0) {
        rc = rast_msg_decode(buf, frame_size, &again, entries_again, entry_count - 1,
                             &frame_size_again);
        trap_unless(rc == RAST_E_TOO_BIG);
    }
    free(buf);
}

static void fuzz_msg(const uint8_t *data, size_t size)
{
    static struct rast_entry entries[FUZZ_ENTRIES_MAX];
    struct rast_msg msg;
    size_t frame_size = 1;
    int rc = rast_msg_decode(data, size, &msg, entries, FUZZ_ENTRIES_MAX, &frame_size);
    if (rc != RAST_OK) {
        trap_unless(decode_error_known(rc) && frame_size == 0);
        return;
    }
    trap_unless(frame_size >= CODEC_FRAME_OVERHEAD_BYTES && frame_size <= size);
    check_decoded_msg(&msg, data, frame_size);
}

static void fuzz_record(const uint8_t *data, size_t size)
{
    struct rast_record rec, again;
    size_t frame_size = 1, written = 1, frame_size_again = 0;
    int rc = rast_record_decode(data, size, &rec, &frame_size);
    if (rc != RAST_OK) {
        trap_unless(decode_error_known(rc) && frame_size == 0);
        return;
    }
    trap_unless(frame_size >= CODEC_FRAME_OVERHEAD_BYTES && frame_size <= size);
    trap_unless(rast_record_encoded_size(&rec) == frame_size);
    uint8_t *buf = malloc(frame_size);
    trap_unless(buf != NULL);
    trap_unless(rast_record_encode(&rec, buf, frame_size - 1, &written) ==
                RAST_E_BUFFER_TOO_SMALL);
    trap_unless(rast_record_encode(&rec, buf, frame_size, &written) == RAST_OK);
    trap_unless(written == frame_size && memcmp(buf, data, frame_size) == 0);
    rc = rast_record_decode(buf, frame_size, &again, &frame_size_again);
    trap_unless(rc == RAST_OK && frame_size_again == frame_size && record_equal(&rec, &again));
    free(buf);
}

/* Rewrites the checks of the frame the header describes, keeping any bytes after it. */
static void fuzz_resealed(const uint8_t *data, size_t size)
{
    if (size < CODEC_FRAME_OVERHEAD_BYTES)
        return;
    const uint8_t *p = data + CODEC_OFFSET_BODY_SIZE;
    uint32_t body_size = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24;
    if (body_size > size - CODEC_FRAME_OVERHEAD_BYTES)
        return;
    uint8_t *copy = malloc(size);
    trap_unless(copy != NULL);
    memcpy(copy, data, size);
    trap_unless(codec_frame_seal(copy, CODEC_FRAME_OVERHEAD_BYTES + body_size) == RAST_OK);
    fuzz_msg(copy, size);
    fuzz_record(copy, size);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_msg(data, size);
    fuzz_record(data, size);
    fuzz_resealed(data, size);
    return 0;
}
