/*
 * scenario_text.c: what a scenario prints, and the file it rewrites.
 *
 * Every line here is stable (no pointers, no wall clock, no hash of memory layout) and short
 * (under the parser's line limit, so an actual output can always become an expected one).
 * Outputs never contain a blank line: a blank line ends an expected output in the file.
 *
 *   message   n1->n2 append_req term=2 prev=3@1 commit=3 entries=4..5
 *   status    n1 leader    term=2 vote=n1 commit=3 applied=3 last=3 durable=3
 *   log       n1: [1 t1] [2 t1 x=a] [3 t2]
 *   operation op 4 put x=b via n2: ok index 5
 */
#include "scenario.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCN_LOG_ENTRIES_SHOWN 16u

/* ---- output buffer ---- */

void scn_out_reset(struct scn_out *o)
{
    o->size = 0;
    o->cut = false;
    o->oom = false;
}

void scn_out_free(struct scn_out *o)
{
    free(o->buf);
    memset(o, 0, sizeof *o);
}

static void scn_out_append(struct scn_out *o, const char *text, size_t len)
{
    if (o->cut || o->oom)
        return;
    static const char note[] = "... output cut here\n";
    if (o->size + len > RAST_SCENARIO_OUTPUT_BYTES_MAX - (sizeof note - 1)) {
        o->cut = true; /* the note still fits: an output never exceeds the parser's limit */
        text = note;
        len = sizeof note - 1;
    }
    if (o->size + len + 1 > o->capacity) {
        size_t cap = o->capacity == 0 ? 4096 : o->capacity;
        while (cap < o->size + len + 1)
            cap *= 2;
        char *grown = realloc(o->buf, cap);
        if (grown == NULL) {
            o->oom = true;
            return;
        }
        o->buf = grown;
        o->capacity = cap;
    }
    memcpy(o->buf + o->size, text, len);
    o->size += len;
    o->buf[o->size] = 0;
}

void scn_outf(struct scn_out *o, const char *fmt, ...)
{
    char line[RAST_SCENARIO_LINE_BYTES_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
    if (len == 0)
        line[len++] = '-'; /* never a blank line */
    line[len++] = '\n';
    scn_out_append(o, line, len);
}

/* ---- names ---- */

const char *scn_key_name(const struct scn_world *w, uint8_t key)
{
    return key < w->s->key_count ? w->s->keys[key] : "?";
}

void scn_value_name(const struct scn_world *w, uint64_t value, char *buf, size_t size)
{
    if (value == 0 || value >= w->value_next || w->labels[value] == NULL)
        snprintf(buf, size, value == 0 ? "nil" : "#%" PRIu64, value);
    else
        snprintf(buf, size, "%.*s", (int)w->label_sizes[value], w->labels[value]);
}

static const char *scn_role_name(uint8_t role)
{
    switch (role) {
    case RAST_LEADER: return "leader";
    case RAST_CANDIDATE: return "candidate";
    case RAST_FOLLOWER: return "follower";
    default: return "down";
    }
}

/* ---- messages ---- */

void scn_format_msg(char *buf, size_t size, const struct rast_msg *m)
{
    int n = snprintf(buf, size, "n%" PRIu32 "->n%" PRIu32 " %s term=%" PRIu64, m->from, m->to,
                     rast_msg_type_name(m->type), m->term);
    if (n < 0 || (size_t)n >= size)
        return;
    char *p = buf + n;
    size_t left = size - (size_t)n;
    switch (m->type) {
    case RAST_MSG_VOTE_REQ:
        snprintf(p, left, " last=%" PRIu64 "@%" PRIu64, m->u.vote_req.last_log_index,
                 m->u.vote_req.last_log_term);
        break;
    case RAST_MSG_VOTE_RESP:
        snprintf(p, left, " %s", m->u.vote_resp.granted ? "granted" : "rejected");
        break;
    case RAST_MSG_APPEND_REQ: {
        const struct rast_append_req *a = &m->u.append_req;
        int k = snprintf(p, left, " prev=%" PRIu64 "@%" PRIu64 " commit=%" PRIu64, a->prev_index,
                         a->prev_term, a->commit_index);
        if (k < 0 || (size_t)k >= left)
            break;
        if (a->entry_count == 0)
            snprintf(p + k, left - (size_t)k, " entries=none");
        else
            snprintf(p + k, left - (size_t)k, " entries=%" PRIu64 "..%" PRIu64,
                     a->prev_index + 1, a->prev_index + a->entry_count);
        break;
    }
    case RAST_MSG_APPEND_RESP: {
        const struct rast_append_resp *r = &m->u.append_resp;
        if (r->success)
            snprintf(p, left, " ok match=%" PRIu64, r->match_index);
        else
            snprintf(p, left, " reject=%" PRIu64 " conflict=%" PRIu64 "@%" PRIu64,
                     r->reject_index, r->conflict_index, r->conflict_term);
        break;
    }
    case RAST_MSG_HEARTBEAT_REQ:
        snprintf(p, left, " commit=%" PRIu64 " round=%" PRIu64, m->u.heartbeat_req.commit_index,
                 m->u.heartbeat_req.read_round);
        break;
    case RAST_MSG_HEARTBEAT_RESP:
        snprintf(p, left, " round=%" PRIu64 " last=%" PRIu64, m->u.heartbeat_resp.read_round,
                 m->u.heartbeat_resp.match_hint);
        break;
    default: break;
    }
}

/* ---- status, log, network ---- */

void scn_print_status(struct scn_world *w, uint32_t id)
{
    const struct scn_node *n = &w->nodes[id];
    if (!n->up) {
        scn_outf(w->out, "n%" PRIu32 " down%s", id, n->needs_repair ? " (needs repair)" : "");
        return;
    }
    struct rast_status st;
    rast_node_status(w->hosts[id].node, &st);
    char vote[16] = "-";
    if (st.voted_for != 0)
        snprintf(vote, sizeof vote, "n%" PRIu32, st.voted_for);
    char extra[64] = "";
    const struct disk *d = &w->disks[id];
    int k = snprintf(extra, sizeof extra, "%s", n->paused ? " paused" : "");
    if (k >= 0 && n->disk_hold)
        k += snprintf(extra + k, sizeof extra - (size_t)k, " disk=held(%" PRIu32 ")", d->count);
    if (k >= 0 && (size_t)k < sizeof extra && n->disk_full)
        snprintf(extra + k, sizeof extra - (size_t)k, " disk=full");
    scn_outf(w->out,
             "n%" PRIu32 " %-9s term=%" PRIu64 " vote=%s commit=%" PRIu64 " applied=%" PRIu64
             " last=%" PRIu64 " durable=%" PRIu64 "%s",
             id, scn_role_name(st.role), st.term, vote, st.commit_index, st.applied_index,
             st.last_index, st.persisted_index, extra);
}

static int scn_format_entry(const struct scn_world *w, char *buf, size_t size, uint64_t index,
                            const struct rast_entry *e)
{
    struct kv_op op;
    if (e->size == 0 || !kv_decode(e->data, e->size, &op))
        return snprintf(buf, size, " [%" PRIu64 " t%" PRIu64 "]", index, e->term);
    char value[SCN_NAME_BYTES_MAX + 8];
    scn_value_name(w, op.v1, value, sizeof value);
    return snprintf(buf, size, " [%" PRIu64 " t%" PRIu64 " %s=%s]", index, e->term,
                    scn_key_name(w, op.key), value);
}

void scn_print_log(struct scn_world *w, uint32_t id)
{
    if (!w->nodes[id].up) {
        scn_outf(w->out, "n%" PRIu32 ": down", id);
        return;
    }
    const struct rast_node *node = w->hosts[id].node;
    struct rast_status st;
    rast_node_status(node, &st);
    if (st.last_index == 0) {
        scn_outf(w->out, "n%" PRIu32 ": empty", id);
        return;
    }
    char line[RAST_SCENARIO_LINE_BYTES_MAX - 64];
    size_t used = 0;
    uint64_t first = 1;
    if (st.last_index > SCN_LOG_ENTRIES_SHOWN) {
        first = st.last_index - SCN_LOG_ENTRIES_SHOWN + 1;
        used = (size_t)snprintf(line, sizeof line, " (1..%" PRIu64 " not shown)", first - 1);
    }
    for (uint64_t i = first; i <= st.last_index && used < sizeof line; i++) {
        const struct rast_entry *e = rast_node_entry_at(node, i);
        int k = e == NULL ? 0 : scn_format_entry(w, line + used, sizeof line - used, i, e);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    if (used >= sizeof line)
        used = sizeof line - 1;
    line[used] = 0;
    scn_outf(w->out, "n%" PRIu32 ":%s", id, line);
}

void scn_print_net(struct scn_world *w)
{
    if (w->msg_count == 0) {
        scn_outf(w->out, "no messages in flight");
        return;
    }
    for (uint32_t i = 0; i < w->msg_count; i++) {
        if (i == 32) {
            scn_outf(w->out, "... and %" PRIu32 " more", w->msg_count - i);
            break;
        }
        const struct scn_msg *m = &w->msgs[i];
        struct rast_msg msg;
        size_t used = 0;
        char text[256] = "(undecodable)";
        if (rast_msg_decode(w->frames + (size_t)m->slot * NET_FRAME_BYTES_MAX, m->size, &msg,
                            w->decode_entries, 1024, &used) == 0)
            scn_format_msg(text, sizeof text, &msg);
        if (m->release_round > w->round)
            scn_outf(w->out, "%s (delayed %" PRIu64 " more ticks)", text,
                     m->release_round - w->round);
        else
            scn_outf(w->out, "%s", text);
    }
}

void scn_print_op(struct scn_world *w, const struct scn_op *op)
{
    char head[128], value[SCN_NAME_BYTES_MAX + 8];
    const char *key = scn_key_name(w, op->key);
    if (op->type == KV_PUT) {
        char times[24] = "";
        if (op->repeat > 1)
            snprintf(times, sizeof times, " (x%" PRIu32 ")", op->repeat);
        scn_value_name(w, op->value, value, sizeof value);
        snprintf(head, sizeof head, "op %" PRIu32 " put %s=%s%s via n%u", op->number, key, value,
                 times, op->via);
    } else {
        snprintf(head, sizeof head, "op %" PRIu32 " get %s via n%u", op->number, key, op->via);
    }
    switch (op->state) {
    case SCN_OP_PENDING: scn_outf(w->out, "%s: pending", head); break;
    case SCN_OP_OK:
        if (op->type == KV_PUT) {
            scn_outf(w->out, "%s: ok index %" PRIu64, head, op->index);
        } else {
            scn_value_name(w, op->value, value, sizeof value);
            scn_outf(w->out, "%s: %s=%s", head, key, value);
        }
        break;
    case SCN_OP_FAILED:
        if (op->hint != 0)
            scn_outf(w->out, "%s: %s (hint n%" PRIu32 ")", head, op->why, op->hint);
        else
            scn_outf(w->out, "%s: %s", head, op->why);
        break;
    default: scn_outf(w->out, "%s: unknown (%s)", head, op->why); break;
    }
}

/* ---- the scenario's public accessors ---- */

uint32_t rast_scenario_command_count(const struct rast_scenario *s)
{
    return s == NULL ? 0 : s->count;
}

bool rast_scenario_command_at(const struct rast_scenario *s, uint32_t index,
                              struct rast_scenario_command *c)
{
    if (s == NULL || c == NULL || index >= s->count)
        return false;
    const struct scn_cmd *cmd = &s->cmds[index];
    c->line = cmd->line;
    c->text = s->text + cmd->text_off;
    c->text_size = cmd->text_size;
    c->expected = s->text + cmd->exp_off;
    c->expected_size = cmd->exp_size;
    c->actual = NULL;
    c->actual_size = 0;
    if (s->actual_off != NULL && s->actual_off[index] != UINT32_MAX) {
        c->actual = s->actual + s->actual_off[index];
        c->actual_size = s->actual_len[index];
    }
    return true;
}

static bool scn_put(char **buf, size_t *size, size_t *cap, const char *text, size_t len)
{
    if (*size + len + 1 > *cap) {
        size_t grown = *cap == 0 ? 4096 : *cap;
        while (grown < *size + len + 1)
            grown *= 2;
        char *p = realloc(*buf, grown);
        if (p == NULL)
            return false;
        *buf = p;
        *cap = grown;
    }
    memcpy(*buf + *size, text, len);
    *size += len;
    (*buf)[*size] = 0;
    return true;
}

int rast_scenario_rewrite(const struct rast_scenario *s, char **text_out, size_t *size_out)
{
    if (s == NULL || text_out == NULL || size_out == NULL)
        return RAST_SCENARIO_E_INVALID;
    char *buf = NULL;
    size_t size = 0, cap = 0;
    bool ok = scn_put(&buf, &size, &cap, "", 0);
    for (uint32_t i = 0; i < s->count && ok; i++) {
        const struct scn_cmd *c = &s->cmds[i];
        struct rast_scenario_command view;
        rast_scenario_command_at(s, i, &view);
        const char *out = view.actual != NULL ? view.actual : view.expected;
        size_t out_size = view.actual != NULL ? view.actual_size : view.expected_size;
        ok = scn_put(&buf, &size, &cap, s->text + c->pre_off, c->pre_size) &&
             scn_put(&buf, &size, &cap, view.text, view.text_size) &&
             scn_put(&buf, &size, &cap, "\n----\n", 6) &&
             scn_put(&buf, &size, &cap, out, out_size);
        if (ok && (c->terminated || s->trail_size > 0))
            ok = scn_put(&buf, &size, &cap, "\n", 1);
    }
    if (ok)
        ok = scn_put(&buf, &size, &cap, s->text + s->trail_off, s->trail_size);
    if (!ok) {
        free(buf);
        return RAST_SCENARIO_E_NOMEM;
    }
    *text_out = buf;
    *size_out = size;
    return RAST_SCENARIO_OK;
}
