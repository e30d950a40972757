/*
 * errors.c: names for error codes, roles and message types (for traces and messages).
 */
#include "rast.h"

#include "bugs.h"

#define RAST_STRINGIFY_(x) #x
#define RAST_STRINGIFY(x) RAST_STRINGIFY_(x)

const char *rast_build_bug(void)
{
#ifdef RAST_BUG_NAME
    return RAST_STRINGIFY(RAST_BUG_NAME);
#else
    return "none";
#endif
}

const char *rast_strerror(int error)
{
    switch (error) {
    case RAST_OK: return "ok";
    case RAST_E_NOMEM: return "out of memory";
    case RAST_E_INVALID: return "invalid input";
    case RAST_E_NOT_LEADER: return "not the leader";
    case RAST_E_BUSY: return "queue full, retry later";
    case RAST_E_TOO_BIG: return "entry or message too big";
    case RAST_E_LEADERSHIP_LOST: return "leadership lost, outcome unknown";
    case RAST_E_TRUNCATED: return "truncated frame";
    case RAST_E_CHECKSUM: return "checksum mismatch";
    case RAST_E_VERSION: return "unknown format version";
    case RAST_E_BUFFER_TOO_SMALL: return "buffer too small";
    default: return "unknown error";
    }
}

const char *rast_role_name(enum rast_role role)
{
    switch (role) {
    case RAST_FOLLOWER: return "follower";
    case RAST_CANDIDATE: return "candidate";
    case RAST_LEADER: return "leader";
    default: return "unknown";
    }
}

const char *rast_msg_type_name(uint8_t type)
{
    switch (type) {
    case RAST_MSG_VOTE_REQ: return "vote_req";
    case RAST_MSG_VOTE_RESP: return "vote_resp";
    case RAST_MSG_APPEND_REQ: return "append_req";
    case RAST_MSG_APPEND_RESP: return "append_resp";
    case RAST_MSG_HEARTBEAT_REQ: return "heartbeat_req";
    case RAST_MSG_HEARTBEAT_RESP: return "heartbeat_resp";
    default: return "unknown";
    }
}
