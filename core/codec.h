/*
 * codec.h: the frame layout shared by the codec, its tests and its fuzz harness.
 *
 * Every frame (a network message or a disk record) is an envelope around a body:
 *
 *     offset  size  field
 *     0       1     version, CODEC_VERSION
 *     1       1     family, CODEC_FAMILY_MSG ('M') or CODEC_FAMILY_RECORD ('R')
 *     2       1     kind: enum rast_msg_type or enum rast_record_type
 *     3       1     reserved, 0
 *     4       4     body size in bytes, n
 *     8       4     header check: low 32 bits of XXH3_64bits(bytes 0..7)
 *     12      n     body, laid out per kind
 *     12 + n  8     checksum: XXH3_64bits(bytes 0..12+n-1)
 *
 * All integers are little-endian. docs/formats.md has the body of every kind and the rules.
 */
#ifndef RAST_CODEC_H
#define RAST_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "rast.h"

#define CODEC_VERSION              1u
#define CODEC_FAMILY_MSG           0x4Du /* 'M' */
#define CODEC_FAMILY_RECORD        0x52u /* 'R' */

#define CODEC_OFFSET_VERSION       0u
#define CODEC_OFFSET_FAMILY        1u
#define CODEC_OFFSET_KIND          2u
#define CODEC_OFFSET_RESERVED      3u
#define CODEC_OFFSET_BODY_SIZE     4u
#define CODEC_OFFSET_HEADER_CHECK  8u

#define CODEC_HEADER_SIZE_BYTES    12u
#define CODEC_TRAILER_SIZE_BYTES   8u
#define CODEC_FRAME_OVERHEAD_BYTES (CODEC_HEADER_SIZE_BYTES + CODEC_TRAILER_SIZE_BYTES)
#define CODEC_BODY_SIZE_BYTES_MAX  UINT32_MAX

/* Message bodies start with from (u32), to (u32), term (u64). */
#define CODEC_MSG_COMMON_SIZE_BYTES 16u
/* Each entry of an append request: term (u64), size (u32), then size data bytes. */
#define CODEC_ENTRY_HEADER_SIZE_BYTES 12u

/* Rewrites the header check and the trailing checksum of the frame at frame[0..frame_size)
 * from its other bytes. For tests and fuzz harnesses that forge frames with valid checksums
 * (the encoder computes both as it writes). Returns RAST_E_INVALID when frame_size does not
 * match the body size written in the header. */
RAST_MUST_USE int codec_frame_seal(uint8_t *frame, size_t frame_size_bytes);

#endif /* RAST_CODEC_H */
