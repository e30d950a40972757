/*
 * codec.c: the wire and disk encoding of rast, message frames and log records.
 *
 * A frame is a 12-byte header (version, family, kind, reserved, body size, header check),
 * a body laid out per kind, and an XXH3-64 of every byte before it (codec.h shows the header,
 * docs/formats.md every body). Integers are little-endian and are written and read one byte
 * at a time: no struct images, nothing depends on the host's byte order or padding.
 *
 * The header check (32 bits of XXH3 over the first 8 bytes) guards the body size on its own,
 * so a damaged length reads as RAST_E_CHECKSUM, and RAST_E_TRUNCATED always means the
 * buffer really ends inside the frame: a log reader can tell a torn tail from corruption.
 *
 * Invariants:
 *  1. The decoder never reads outside [buf, buf + size): after the header, every read goes
 *     through a codec_reader that checks the bytes left first.
 *  2. Integrity before meaning: the decoder checks version, header check, length and checksum
 *     before any other field. RAST_E_CHECKSUM means damage; RAST_E_INVALID means an intact
 *     frame whose contents are impossible (a buggy or hostile writer).
 *  3. Encoding is canonical: the decoder accepts exactly one byte string per value (booleans
 *     0/1, reserved byte 0, no trailing bytes), so a decoded frame re-encodes to its bytes.
 *  4. No allocation. Decoded entry data points into the input buffer.
 *  5. The codec checks each field's range, not relations between fields (from == to, a
 *     commit index beyond the entries): those are the node's to judge. The one exception is
 *     an append whose last index would not fit in 64 bits, which no log can hold.
 */
#include "codec.h"

#include "bugs.h"

#include <stdbool.h>
#include <string.h>
#define XXH_INLINE_ALL /* small frames: the inlined short-input paths are much cheaper */
#include <xxhash.h>

#include "rast.h"

/* Body sizes of the fixed parts, after the message's common fields (codec.h). */
#define CODEC_VOTE_REQ_SIZE_BYTES       16u /* last_log_index, last_log_term */
#define CODEC_VOTE_RESP_SIZE_BYTES      1u  /* granted */
#define CODEC_APPEND_REQ_SIZE_BYTES     28u /* prev_index, prev_term, commit, entry_count */
#define CODEC_APPEND_RESP_SIZE_BYTES    33u /* success, four u64 */
#define CODEC_HEARTBEAT_REQ_SIZE_BYTES  16u /* commit_index, read_round */
#define CODEC_HEARTBEAT_RESP_SIZE_BYTES 16u /* read_round, match_hint */
#define CODEC_HARD_STATE_SIZE_BYTES     12u /* term, voted_for */
#define CODEC_ENTRY_RECORD_SIZE_BYTES   20u /* index, term, size (then the data) */
#define CODEC_TRUNCATE_SIZE_BYTES       8u  /* index */

/* ---- byte order ----------------------------------------------------------------------- */

/* Little-endian on the wire. On a little-endian host a field is one unaligned word access
 * (memcpy); elsewhere byte by byte. clang did not merge the byte loops into word accesses in
 * the cluster harness's build: this form runs 1% fewer of its instructions. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CODEC_HOST_LITTLE_ENDIAN 1
#else
#define CODEC_HOST_LITTLE_ENDIAN 0
#endif

static uint32_t load_u32(const uint8_t *p)
{
    if (CODEC_HOST_LITTLE_ENDIAN) {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t load_u64(const uint8_t *p)
{
    if (CODEC_HOST_LITTLE_ENDIAN) {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    return (uint64_t)load_u32(p) | (uint64_t)load_u32(p + 4) << 32;
}

static void store_u32(uint8_t *p, uint32_t v)
{
    if (CODEC_HOST_LITTLE_ENDIAN) {
        memcpy(p, &v, sizeof v);
        return;
    }
    for (uint32_t i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void store_u64(uint8_t *p, uint64_t v)
{
    if (CODEC_HOST_LITTLE_ENDIAN) {
        memcpy(p, &v, sizeof v);
        return;
    }
    for (uint32_t i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t header_check(const uint8_t *frame)
{
    return (uint32_t)XXH3_64bits(frame, CODEC_OFFSET_HEADER_CHECK);
}

static bool node_id_valid(uint32_t id, bool none_allowed)
{
    return id <= RAST_NODES_MAX && (none_allowed || id != RAST_NODE_NONE);
}

/* ---- writer: appends to a buffer whose capacity the caller checked ------------------------ */

struct codec_writer {
    uint8_t *buf;
    size_t size_bytes; /* capacity of buf */
    size_t pos;        /* bytes written so far */
    bool overflow;     /* a put did not fit (a size computation bug); nothing was written */
    bool sealed;       /* compute the header check and checksum (else zeros: unsealed) */
};

/* The puts read the writer into locals before storing: a byte stored through w->buf may alias
 * *w, so the compiler would otherwise reload the writer after every byte. */
static inline void put_bytes(struct codec_writer *w, const uint8_t *src, size_t count)
{
    size_t pos = w->pos;
    if (w->size_bytes - pos < count) {
        w->overflow = true;
        return;
    }
    if (count > 0)
        memcpy(w->buf + pos, src, count);
    w->pos = pos + count;
}

static inline void put_u8(struct codec_writer *w, uint8_t v)
{
    size_t pos = w->pos;
    if (w->size_bytes - pos < 1) {
        w->overflow = true;
        return;
    }
    w->buf[pos] = v;
    w->pos = pos + 1;
}

static inline void put_u32(struct codec_writer *w, uint32_t v)
{
    size_t pos = w->pos;
    if (w->size_bytes - pos < 4) {
        w->overflow = true;
        return;
    }
    store_u32(w->buf + pos, v);
    w->pos = pos + 4;
}

static inline void put_u64(struct codec_writer *w, uint64_t v)
{
    size_t pos = w->pos;
    if (w->size_bytes - pos < 8) {
        w->overflow = true;
        return;
    }
    store_u64(w->buf + pos, v);
    w->pos = pos + 8;
}

static void put_bool(struct codec_writer *w, bool v)
{
    put_u8(w, v ? 1u : 0u);
}

/* Writes the header. w->size_bytes is the whole frame. Inline, so that the encoders' writer
 * stays in registers: out of line, w is in memory and every byte stored through w->buf may
 * alias it, so each put reloads w (over 40% of the encoder's instructions). */
static inline void frame_begin(struct codec_writer *w, uint8_t family, uint8_t kind,
                               uint32_t body_size)
{
    put_u8(w, CODEC_VERSION);
    put_u8(w, family);
    put_u8(w, kind);
    put_u8(w, 0);
    put_u32(w, body_size);
    if (!w->overflow)
        put_u32(w, w->sealed ? header_check(w->buf) : 0);
}

/* Checks that a body of body_size fits a frame and that frame fits buf_size, then starts the
 * frame in *w. Shared by both encoders. */
static int frame_start(struct codec_writer *w, uint8_t *buf, size_t buf_size, uint8_t family,
                       uint8_t kind, uint64_t body_size, bool sealed)
{
    if (body_size > CODEC_BODY_SIZE_BYTES_MAX)
        return RAST_E_TOO_BIG;
    uint64_t frame_size = body_size + CODEC_FRAME_OVERHEAD_BYTES;
    if (frame_size > buf_size)
        return RAST_E_BUFFER_TOO_SMALL;
    *w = (struct codec_writer){ .buf = buf, .size_bytes = (size_t)frame_size, .sealed = sealed };
    frame_begin(w, family, kind, (uint32_t)body_size);
    return RAST_OK;
}

/* Writes the checksum (zeros when unsealed) once the body is written. */
static int frame_finish(struct codec_writer *w, size_t *size_out)
{
    /* The body must have filled the frame exactly as the size computation promised. */
    if (w->overflow || w->size_bytes - w->pos != CODEC_TRAILER_SIZE_BYTES)
        return RAST_E_INVALID;
    put_u64(w, w->sealed ? XXH3_64bits(w->buf, w->pos) : 0);
    *size_out = w->pos;
    return RAST_OK;
}

static size_t frame_size_from_body(uint64_t body_size)
{
    uint64_t frame_size = body_size + CODEC_FRAME_OVERHEAD_BYTES;
    return frame_size > SIZE_MAX ? SIZE_MAX : (size_t)frame_size;
}

/* ---- reader: consumes a frame body, never past its end ------------------------------------ */

struct codec_reader {
    const uint8_t *p;
    size_t left_bytes;
};

static bool get_bytes(struct codec_reader *r, size_t count, const uint8_t **out)
{
    if (r->left_bytes < count)
        return false;
    *out = r->p;
    r->p += count;
    r->left_bytes -= count;
    return true;
}

static bool get_u8(struct codec_reader *r, uint8_t *out)
{
    const uint8_t *p;
    if (!get_bytes(r, 1, &p))
        return false;
    *out = p[0];
    return true;
}

static bool get_u32(struct codec_reader *r, uint32_t *out)
{
    const uint8_t *p;
    if (!get_bytes(r, 4, &p))
        return false;
    *out = load_u32(p);
    return true;
}

static bool get_u64(struct codec_reader *r, uint64_t *out)
{
    const uint8_t *p;
    if (!get_bytes(r, 8, &p))
        return false;
    *out = load_u64(p);
    return true;
}

static bool get_bool(struct codec_reader *r, bool *out)
{
    uint8_t v;
    if (!get_u8(r, &v) || v > 1)
        return false;
    *out = v == 1;
    return true;
}

static bool get_node_id(struct codec_reader *r, bool none_allowed, uint32_t *out)
{
    return get_u32(r, out) && node_id_valid(*out, none_allowed);
}

/* Checks the envelope of the frame at buf[0..size): version, header check, length, checksum
 * (in that order), then family and reserved byte. On success the reader covers the body.
 * Without verify, the header check and checksum are not compared (a trusted frame); every
 * other check stays. */
static int frame_open(const uint8_t *buf, size_t size, uint8_t family, bool verify,
                      uint8_t *kind_out, struct codec_reader *body_out, size_t *frame_size_out)
{
    if (size == 0)
        return RAST_E_TRUNCATED;
    if (buf[CODEC_OFFSET_VERSION] != CODEC_VERSION)
        return RAST_E_VERSION;
    if (size < CODEC_HEADER_SIZE_BYTES)
        return RAST_E_TRUNCATED;
    if (verify && load_u32(buf + CODEC_OFFSET_HEADER_CHECK) != header_check(buf))
        return RAST_E_CHECKSUM;
    uint32_t body_size = load_u32(buf + CODEC_OFFSET_BODY_SIZE);
    size_t after_header_bytes = size - CODEC_HEADER_SIZE_BYTES;
    if (after_header_bytes < body_size || after_header_bytes - body_size < CODEC_TRAILER_SIZE_BYTES)
        return RAST_E_TRUNCATED;
    size_t sealed_bytes = CODEC_HEADER_SIZE_BYTES + (size_t)body_size;
    bool check_body = verify;
#if RAST_BUG(torn_record_accepted)
    check_body = verify && family != CODEC_FAMILY_RECORD; /* a torn record's body is trusted */
#endif
    if (check_body && load_u64(buf + sealed_bytes) != XXH3_64bits(buf, sealed_bytes))
        return RAST_E_CHECKSUM;
    if (buf[CODEC_OFFSET_FAMILY] != family || buf[CODEC_OFFSET_RESERVED] != 0)
        return RAST_E_INVALID;
    *kind_out = buf[CODEC_OFFSET_KIND];
    body_out->p = buf + CODEC_HEADER_SIZE_BYTES;
    body_out->left_bytes = body_size;
    *frame_size_out = sealed_bytes + CODEC_TRAILER_SIZE_BYTES;
    return RAST_OK;
}

int codec_frame_seal(uint8_t *frame, size_t frame_size_bytes)
{
    if (frame == NULL || frame_size_bytes < CODEC_FRAME_OVERHEAD_BYTES)
        return RAST_E_INVALID;
    uint32_t body_size = load_u32(frame + CODEC_OFFSET_BODY_SIZE);
    if (frame_size_bytes - CODEC_FRAME_OVERHEAD_BYTES != body_size)
        return RAST_E_INVALID;
    store_u32(frame + CODEC_OFFSET_HEADER_CHECK, header_check(frame));
    size_t sealed_bytes = CODEC_HEADER_SIZE_BYTES + (size_t)body_size;
    store_u64(frame + sealed_bytes, XXH3_64bits(frame, sealed_bytes));
    return RAST_OK;
}

/* ---- messages: encode ------------------------------------------------------------------- */

static bool msg_type_valid(uint8_t type)
{
    return type >= RAST_MSG_VOTE_REQ && type <= RAST_MSG_TYPE_MAX;
}

/* The preconditions of encoding a message the core built. */
static int msg_check(const struct rast_msg *msg)
{
    if (!msg_type_valid(msg->type))
        return RAST_E_INVALID;
    if (!node_id_valid(msg->from, false) || !node_id_valid(msg->to, false))
        return RAST_E_INVALID;
    if (msg->type != RAST_MSG_APPEND_REQ)
        return RAST_OK;
    const struct rast_append_req *req = &msg->u.append_req;
    if (req->prev_index > UINT64_MAX - req->entry_count)
        return RAST_E_INVALID;
    if (req->entry_count > 0 && req->entries == NULL)
        return RAST_E_INVALID;
    for (uint32_t i = 0; i < req->entry_count; i++) {
        if (req->entries[i].size > 0 && req->entries[i].data == NULL)
            return RAST_E_INVALID;
    }
    return RAST_OK;
}

/* Body bytes of msg; 0 for an unknown type or missing entries; CODEC_BODY_SIZE_BYTES_MAX + 1
 * when the body does not fit the 32-bit size field. */
static uint64_t msg_body_size_bytes(const struct rast_msg *msg)
{
    static const uint8_t fixed_size_bytes[RAST_MSG_TYPE_MAX + 1] = {
        [RAST_MSG_VOTE_REQ] = CODEC_VOTE_REQ_SIZE_BYTES,
        [RAST_MSG_VOTE_RESP] = CODEC_VOTE_RESP_SIZE_BYTES,
        [RAST_MSG_APPEND_REQ] = CODEC_APPEND_REQ_SIZE_BYTES,
        [RAST_MSG_APPEND_RESP] = CODEC_APPEND_RESP_SIZE_BYTES,
        [RAST_MSG_HEARTBEAT_REQ] = CODEC_HEARTBEAT_REQ_SIZE_BYTES,
        [RAST_MSG_HEARTBEAT_RESP] = CODEC_HEARTBEAT_RESP_SIZE_BYTES,
    };
    if (!msg_type_valid(msg->type))
        return 0;
    uint64_t size_bytes = CODEC_MSG_COMMON_SIZE_BYTES + fixed_size_bytes[msg->type];
    if (msg->type != RAST_MSG_APPEND_REQ)
        return size_bytes;
    const struct rast_append_req *req = &msg->u.append_req;
    if (req->entry_count > 0 && req->entries == NULL)
        return 0;
    for (uint32_t i = 0; i < req->entry_count; i++) {
        size_bytes += CODEC_ENTRY_HEADER_SIZE_BYTES + (uint64_t)req->entries[i].size;
        if (size_bytes > CODEC_BODY_SIZE_BYTES_MAX)
            return (uint64_t)CODEC_BODY_SIZE_BYTES_MAX + 1;
    }
    return size_bytes;
}

static void append_req_put(struct codec_writer *w, const struct rast_append_req *req)
{
    put_u64(w, req->prev_index);
    put_u64(w, req->prev_term);
    put_u64(w, req->commit_index);
    put_u32(w, req->entry_count);
    for (uint32_t i = 0; i < req->entry_count; i++) {
        put_u64(w, req->entries[i].term);
        put_u32(w, req->entries[i].size);
        put_bytes(w, req->entries[i].data, req->entries[i].size);
    }
}

static void msg_body_put(struct codec_writer *w, const struct rast_msg *msg)
{
    put_u32(w, msg->from);
    put_u32(w, msg->to);
    put_u64(w, msg->term);
    switch (msg->type) {
    case RAST_MSG_VOTE_REQ:
        put_u64(w, msg->u.vote_req.last_log_index);
        put_u64(w, msg->u.vote_req.last_log_term);
        break;
    case RAST_MSG_VOTE_RESP: put_bool(w, msg->u.vote_resp.granted); break;
    case RAST_MSG_APPEND_REQ: append_req_put(w, &msg->u.append_req); break;
    case RAST_MSG_APPEND_RESP:
        put_bool(w, msg->u.append_resp.success);
        put_u64(w, msg->u.append_resp.match_index);
        put_u64(w, msg->u.append_resp.reject_index);
        put_u64(w, msg->u.append_resp.conflict_term);
        put_u64(w, msg->u.append_resp.conflict_index);
        break;
    case RAST_MSG_HEARTBEAT_REQ:
        put_u64(w, msg->u.heartbeat_req.commit_index);
        put_u64(w, msg->u.heartbeat_req.read_round);
        break;
    case RAST_MSG_HEARTBEAT_RESP:
        put_u64(w, msg->u.heartbeat_resp.read_round);
        put_u64(w, msg->u.heartbeat_resp.match_hint);
        break;
    }
}

size_t rast_msg_encoded_size(const struct rast_msg *msg)
{
    if (msg == NULL)
        return 0;
    uint64_t body_size = msg_body_size_bytes(msg);
    return body_size == 0 ? 0 : frame_size_from_body(body_size);
}

static int msg_encode(const struct rast_msg *msg, uint8_t *buf, size_t buf_size, bool sealed,
                      size_t *size_out)
{
    if (msg == NULL || size_out == NULL || (buf == NULL && buf_size > 0))
        return RAST_E_INVALID;
    *size_out = 0;
    int rc = msg_check(msg);
    if (rc != RAST_OK)
        return rc;
    struct codec_writer w;
    rc = frame_start(&w, buf, buf_size, CODEC_FAMILY_MSG, msg->type, msg_body_size_bytes(msg),
                     sealed);
    if (rc != RAST_OK)
        return rc;
    msg_body_put(&w, msg);
    return frame_finish(&w, size_out);
}

int rast_msg_encode(const struct rast_msg *msg, uint8_t *buf, size_t buf_size, size_t *size_out)
{
    return msg_encode(msg, buf, buf_size, true, size_out);
}

int rast_msg_encode_unsealed(const struct rast_msg *msg, uint8_t *buf, size_t buf_size,
                             size_t *size_out)
{
    return msg_encode(msg, buf, buf_size, false, size_out);
}

int rast_frame_seal(uint8_t *frame, size_t frame_size)
{
    return codec_frame_seal(frame, frame_size);
}

/* ---- messages: decode ------------------------------------------------------------------- */

static int append_req_get(struct codec_reader *r, struct rast_append_req *req,
                          struct rast_entry *entries, uint32_t entries_max)
{
    if (!get_u64(r, &req->prev_index) || !get_u64(r, &req->prev_term) ||
        !get_u64(r, &req->commit_index) || !get_u32(r, &req->entry_count))
        return RAST_E_INVALID;
    /* Bound the loop by what the body can hold before trusting the count. */
    if (req->entry_count > r->left_bytes / CODEC_ENTRY_HEADER_SIZE_BYTES)
        return RAST_E_INVALID;
    if (req->prev_index > UINT64_MAX - req->entry_count)
        return RAST_E_INVALID;
    if (req->entry_count > entries_max)
        return RAST_E_TOO_BIG;
    for (uint32_t i = 0; i < req->entry_count; i++) {
        struct rast_entry *entry = &entries[i];
        entry->data = NULL;
        if (!get_u64(r, &entry->term) || !get_u32(r, &entry->size))
            return RAST_E_INVALID;
        if (entry->size > 0 && !get_bytes(r, entry->size, &entry->data))
            return RAST_E_INVALID;
    }
    req->entries = req->entry_count > 0 ? entries : NULL;
    return RAST_OK;
}

static int msg_body_get(struct codec_reader *r, struct rast_msg *msg, struct rast_entry *entries,
                        uint32_t entries_max)
{
    bool ok = get_node_id(r, false, &msg->from) && get_node_id(r, false, &msg->to) &&
              get_u64(r, &msg->term);
    switch (msg->type) {
    case RAST_MSG_VOTE_REQ:
        ok = ok && get_u64(r, &msg->u.vote_req.last_log_index) &&
             get_u64(r, &msg->u.vote_req.last_log_term);
        break;
    case RAST_MSG_VOTE_RESP: ok = ok && get_bool(r, &msg->u.vote_resp.granted); break;
    case RAST_MSG_APPEND_REQ:
        if (!ok)
            return RAST_E_INVALID;
        return append_req_get(r, &msg->u.append_req, entries, entries_max);
    case RAST_MSG_APPEND_RESP:
        ok = ok && get_bool(r, &msg->u.append_resp.success) &&
             get_u64(r, &msg->u.append_resp.match_index) &&
             get_u64(r, &msg->u.append_resp.reject_index) &&
             get_u64(r, &msg->u.append_resp.conflict_term) &&
             get_u64(r, &msg->u.append_resp.conflict_index);
        break;
    case RAST_MSG_HEARTBEAT_REQ:
        ok = ok && get_u64(r, &msg->u.heartbeat_req.commit_index) &&
             get_u64(r, &msg->u.heartbeat_req.read_round);
        break;
    case RAST_MSG_HEARTBEAT_RESP:
        ok = ok && get_u64(r, &msg->u.heartbeat_resp.read_round) &&
             get_u64(r, &msg->u.heartbeat_resp.match_hint);
        break;
    default: ok = false; break;
    }
    return ok ? RAST_OK : RAST_E_INVALID;
}

static int msg_decode(const uint8_t *buf, size_t size, bool verify, struct rast_msg *msg,
                      struct rast_entry *entries, uint32_t entries_max, size_t *frame_size_out)
{
    struct codec_reader r;
    size_t frame_size;
    int rc = frame_open(buf, size, CODEC_FAMILY_MSG, verify, &msg->type, &r, &frame_size);
    if (rc != RAST_OK)
        return rc;
    rc = msg_body_get(&r, msg, entries, entries_max);
    if (rc != RAST_OK)
        return rc;
    if (r.left_bytes != 0)
        return RAST_E_INVALID; /* trailing bytes inside the body */
    *frame_size_out = frame_size;
    return RAST_OK;
}

static int msg_decode_checked_args(const uint8_t *buf, size_t size, bool verify,
                                   struct rast_msg *msg, struct rast_entry *entries,
                                   uint32_t entries_max, size_t *frame_size_out)
{
    if (msg == NULL || frame_size_out == NULL || (buf == NULL && size > 0) ||
        (entries == NULL && entries_max > 0))
        return RAST_E_INVALID;
    *frame_size_out = 0;
    memset(msg, 0, sizeof *msg);
    int rc = msg_decode(buf, size, verify, msg, entries, entries_max, frame_size_out);
    if (rc != RAST_OK)
        memset(msg, 0, sizeof *msg); /* no half-decoded message escapes */
    return rc;
}

int rast_msg_decode(const uint8_t *buf, size_t size, struct rast_msg *msg,
                    struct rast_entry *entries, uint32_t entries_max, size_t *frame_size_out)
{
    return msg_decode_checked_args(buf, size, true, msg, entries, entries_max, frame_size_out);
}

int rast_msg_decode_trusted(const uint8_t *buf, size_t size, struct rast_msg *msg,
                            struct rast_entry *entries, uint32_t entries_max,
                            size_t *frame_size_out)
{
    return msg_decode_checked_args(buf, size, false, msg, entries, entries_max, frame_size_out);
}

/* ---- records ---------------------------------------------------------------------------- */

/* The preconditions of encoding a record the caller built. */
static int record_check(const struct rast_record *rec)
{
    switch (rec->type) {
    case RAST_RECORD_HARD_STATE:
        return node_id_valid(rec->hard_state.voted_for, true) ? RAST_OK : RAST_E_INVALID;
    case RAST_RECORD_ENTRY:
        if (rec->index == 0 || (rec->entry.size > 0 && rec->entry.data == NULL))
            return RAST_E_INVALID;
        return RAST_OK;
    case RAST_RECORD_TRUNCATE: return rec->index == 0 ? RAST_E_INVALID : RAST_OK;
    default: return RAST_E_INVALID;
    }
}

/* Body bytes of rec, 0 for an unknown type. */
static uint64_t record_body_size_bytes(const struct rast_record *rec)
{
    switch (rec->type) {
    case RAST_RECORD_HARD_STATE: return CODEC_HARD_STATE_SIZE_BYTES;
    case RAST_RECORD_ENTRY: return CODEC_ENTRY_RECORD_SIZE_BYTES + (uint64_t)rec->entry.size;
    case RAST_RECORD_TRUNCATE: return CODEC_TRUNCATE_SIZE_BYTES;
    default: return 0;
    }
}

static void record_body_put(struct codec_writer *w, const struct rast_record *rec)
{
    switch (rec->type) {
    case RAST_RECORD_HARD_STATE:
        put_u64(w, rec->hard_state.term);
        put_u32(w, rec->hard_state.voted_for);
        break;
    case RAST_RECORD_ENTRY:
        put_u64(w, rec->index);
        put_u64(w, rec->entry.term);
        put_u32(w, rec->entry.size);
        put_bytes(w, rec->entry.data, rec->entry.size);
        break;
    case RAST_RECORD_TRUNCATE: put_u64(w, rec->index); break;
    }
}

size_t rast_record_encoded_size(const struct rast_record *rec)
{
    if (rec == NULL)
        return 0;
    uint64_t body_size = record_body_size_bytes(rec);
    return body_size == 0 ? 0 : frame_size_from_body(body_size);
}

int rast_record_encode(const struct rast_record *rec, uint8_t *buf, size_t buf_size,
                       size_t *size_out)
{
    if (rec == NULL || size_out == NULL || (buf == NULL && buf_size > 0))
        return RAST_E_INVALID;
    *size_out = 0;
    int rc = record_check(rec);
    if (rc != RAST_OK)
        return rc;
    struct codec_writer w;
    rc = frame_start(&w, buf, buf_size, CODEC_FAMILY_RECORD, rec->type, record_body_size_bytes(rec),
                     true);
    if (rc != RAST_OK)
        return rc;
    record_body_put(&w, rec);
    return frame_finish(&w, size_out);
}

static bool record_body_get(struct codec_reader *r, struct rast_record *rec)
{
    switch (rec->type) {
    case RAST_RECORD_HARD_STATE:
        return get_u64(r, &rec->hard_state.term) &&
               get_node_id(r, true, &rec->hard_state.voted_for);
    case RAST_RECORD_ENTRY:
        if (!get_u64(r, &rec->index) || rec->index == 0 || !get_u64(r, &rec->entry.term) ||
            !get_u32(r, &rec->entry.size))
            return false;
        return rec->entry.size == 0 || get_bytes(r, rec->entry.size, &rec->entry.data);
    case RAST_RECORD_TRUNCATE: return get_u64(r, &rec->index) && rec->index != 0;
    default: return false;
    }
}

static int record_decode(const uint8_t *buf, size_t size, struct rast_record *rec,
                         size_t *frame_size_out)
{
    struct codec_reader r;
    size_t frame_size;
    int rc = frame_open(buf, size, CODEC_FAMILY_RECORD, true, &rec->type, &r, &frame_size);
    if (rc != RAST_OK)
        return rc;
    if (!record_body_get(&r, rec) || r.left_bytes != 0)
        return RAST_E_INVALID;
    *frame_size_out = frame_size;
    return RAST_OK;
}

int rast_record_decode(const uint8_t *buf, size_t size, struct rast_record *rec,
                       size_t *frame_size_out)
{
    if (rec == NULL || frame_size_out == NULL || (buf == NULL && size > 0))
        return RAST_E_INVALID;
    *frame_size_out = 0;
    memset(rec, 0, sizeof *rec);
    int rc = record_decode(buf, size, rec, frame_size_out);
    if (rc != RAST_OK)
        memset(rec, 0, sizeof *rec);
    return rc;
}
