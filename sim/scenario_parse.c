/*
 * scenario_parse.c: scenario text -> typed commands (see rast_scenario.h, docs/scenarios.md).
 *
 * Two levels. The block level splits the file into (comments, command line, "----",
 * expected output, blank line) blocks and checks every byte of every line: at most
 * RAST_SCENARIO_LINE_BYTES_MAX bytes, no NUL, no carriage return, no control byte but tab
 * (bytes >= 0x80 are allowed in comments and outputs). The command level checks a command
 * line completely: its name, every argument and every number (decimal, below 2^64, then in
 * the argument's documented range), node names against the cluster size, so the runner
 * never meets a malformed argument.
 *
 * Invariants: the parser reads only text[0, size); it never asserts; every error names the
 * file and line and says what was expected and what was found.
 */
#include "scenario.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tok {
    const char *p;
    uint32_t len;
};

struct parser {
    struct rast_scenario *s;
    char *err;
    size_t err_size;
    uint32_t line;
    struct tok tok[SCN_TOKENS_MAX];
    uint32_t ntok;
    uint32_t nodes; /* from `cluster`; 0 before it */
    bool failed;
    bool oom;
};

static bool p_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool p_fail(struct parser *p, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    if (p->err_size == 0)
        return false;
    int n = snprintf(p->err, p->err_size, "%s:%" PRIu32 ": ", p->s->file_name, p->line);
    if (n < 0 || (size_t)n >= p->err_size)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

/* "expected WHAT, got 'TOKEN'" with the token cut to 40 bytes. */
static bool p_expected(struct parser *p, const char *what, struct tok t)
{
    uint32_t len = t.len > 40 ? 40 : t.len;
    return p_fail(p, "expected %s, got '%.*s%s'", what, (int)len, t.p, t.len > 40 ? "..." : "");
}

static bool tok_is(struct tok t, const char *s)
{
    size_t n = strlen(s);
    return t.len == n && memcmp(t.p, s, n) == 0;
}

/* ---- numbers, names, nodes ---------------------------------------------------------- */

/* Decimal, no sign, below 2^64. */
static bool p_u64(struct tok t, uint64_t *out)
{
    if (t.len == 0 || t.len > 20)
        return false;
    uint64_t v = 0;
    for (uint32_t i = 0; i < t.len; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return false;
        uint64_t d = (uint64_t)(t.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool p_number(struct parser *p, struct tok t, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char what[96];
    snprintf(what, sizeof what, "a number in %" PRIu64 "..%" PRIu64, lo, hi);
    uint64_t v = 0;
    if (!p_u64(t, &v) || v < lo || v > hi)
        return p_expected(p, what, t);
    *out = v;
    return true;
}

static bool p_node(struct parser *p, struct tok t, uint8_t *out)
{
    char what[64];
    snprintf(what, sizeof what, "a node n1..n%" PRIu32, p->nodes);
    uint64_t v = 0;
    if (p->nodes == 0)
        return p_fail(p, "expected a 'cluster' command before naming nodes, got '%.*s'",
                      (int)(t.len > 40 ? 40 : t.len), t.p);
    if (t.len < 2 || t.p[0] != 'n' || !p_u64((struct tok){t.p + 1, t.len - 1}, &v) || v < 1 ||
        v > p->nodes)
        return p_expected(p, what, t);
    *out = (uint8_t)v;
    return true;
}

/* n1,n3 or all (all: mask 0 when all_is_zero, else every node). */
static bool p_node_list(struct parser *p, struct tok t, bool all_is_zero, uint32_t *mask)
{
    *mask = 0;
    if (tok_is(t, "all")) {
        *mask = all_is_zero ? 0 : (1u << (p->nodes + 1)) - 2u;
        return true;
    }
    uint32_t start = 0;
    for (uint32_t i = 0; i <= t.len; i++) {
        if (i < t.len && t.p[i] != ',')
            continue;
        uint8_t id = 0;
        if (!p_node(p, (struct tok){t.p + start, i - start}, &id))
            return false;
        *mask |= 1u << id;
        start = i + 1;
    }
    return true;
}

static bool p_name(struct tok t, bool label)
{
    if (t.len == 0 || t.len > SCN_NAME_BYTES_MAX)
        return false;
    for (uint32_t i = 0; i < t.len; i++) {
        char ch = t.p[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
        if (label)
            ok = ok || (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == '-';
        else if (i == 0)
            ok = ch >= 'a' && ch <= 'z';
        if (!ok)
            return false;
    }
    return !(label && tok_is(t, "nil"));
}

static bool p_key(struct parser *p, struct tok t, uint8_t *out)
{
    if (!p_name(t, false))
        return p_expected(p, "a key name ([a-z][a-z0-9_]*, at most 24 bytes)", t);
    struct rast_scenario *s = p->s;
    for (uint32_t k = 0; k < s->key_count; k++) {
        if (strlen(s->keys[k]) == t.len && memcmp(s->keys[k], t.p, t.len) == 0) {
            *out = (uint8_t)k;
            return true;
        }
    }
    if (s->key_count == SCN_KEYS_MAX)
        return p_expected(p, "one of the 16 keys already used", t);
    memcpy(s->keys[s->key_count], t.p, t.len);
    s->keys[s->key_count][t.len] = 0;
    *out = (uint8_t)s->key_count++;
    return true;
}

static bool p_msg_type(struct parser *p, struct tok t, uint8_t *out)
{
    for (uint8_t type = 1; type <= RAST_MSG_TYPE_MAX; type++) {
        if (tok_is(t, rast_msg_type_name(type))) {
            *out = type;
            return true;
        }
    }
    return p_expected(p, "a message type (vote_req vote_resp append_req append_resp "
                         "heartbeat_req heartbeat_resp)", t);
}

/* key=value: splits t at its first '='. */
static bool p_split(struct tok t, struct tok *key, struct tok *value)
{
    for (uint32_t i = 0; i < t.len; i++) {
        if (t.p[i] == '=') {
            *key = (struct tok){t.p, i};
            *value = (struct tok){t.p + i + 1, t.len - i - 1};
            return true;
        }
    }
    return false;
}

/* FROM->TO where each side is a node or '*' (0) when star_ok. */
static bool p_link(struct parser *p, struct tok t, bool star_ok, uint8_t *from, uint8_t *to)
{
    for (uint32_t i = 0; i + 1 < t.len; i++) {
        if (t.p[i] != '-' || t.p[i + 1] != '>')
            continue;
        struct tok a = {t.p, i}, b = {t.p + i + 2, t.len - i - 2};
        *from = 0;
        *to = 0;
        if (!(star_ok && tok_is(a, "*")) && !p_node(p, a, from))
            return false;
        if (!(star_ok && tok_is(b, "*")) && !p_node(p, b, to))
            return false;
        if (*from != 0 && *from == *to)
            return p_expected(p, "a link between two different nodes", t);
        return true;
    }
    return p_expected(p, star_ok ? "a link FROM->TO (a node or *)" : "a link nA->nB", t);
}

/* ---- commands ----------------------------------------------------------------------- */

static bool p_want_args(struct parser *p, uint32_t min, uint32_t max, const char *usage)
{
    if (p->ntok - 1 < min)
        return p_fail(p, "expected %s, got end of line", usage);
    if (p->ntok - 1 > max)
        return p_expected(p, "end of line", p->tok[max + 1]);
    return true;
}

static bool p_range(struct parser *p, struct tok v, uint32_t *lo, uint32_t *hi)
{
    for (uint32_t i = 0; i + 1 < v.len; i++) {
        if (v.p[i] == '.' && v.p[i + 1] == '.') {
            uint64_t a = 0, b = 0;
            if (p_u64((struct tok){v.p, i}, &a) && p_u64((struct tok){v.p + i + 2, v.len - i - 2},
                                                         &b) &&
                a >= 3 && a < b && b <= 100000) {
                *lo = (uint32_t)a;
                *hi = (uint32_t)b;
                return true;
            }
            break;
        }
    }
    return p_expected(p, "an election range MIN..MAX with 3 <= MIN < MAX <= 100000", v);
}

static bool p_cluster_opt(struct parser *p, struct tok k, struct tok v, struct scn_cluster_opts *o)
{
    uint64_t x = 0;
    if (tok_is(k, "nodes")) {
        if (!p_number(p, v, 1, SCN_NODES_MAX, &x))
            return false;
        o->nodes = (uint32_t)x;
        return true;
    }
    if (tok_is(k, "election"))
        return p_range(p, v, &o->election_min, &o->election_max);
    if (tok_is(k, "seed")) {
        o->seed_set = true;
        return p_number(p, v, 0, UINT64_MAX, &o->seed);
    }
    uint32_t *field = tok_is(k, "heartbeat")        ? &o->heartbeat
                      : tok_is(k, "msg-entries")    ? &o->msg_entries
                      : tok_is(k, "msg-bytes")      ? &o->msg_bytes
                      : tok_is(k, "inflight")       ? &o->inflight
                      : tok_is(k, "inflight-bytes") ? &o->inflight_bytes
                                                    : NULL;
    if (field == NULL)
        return p_expected(p, "nodes= election= heartbeat= seed= msg-entries= msg-bytes= "
                             "inflight= or inflight-bytes=", k);
    /* Appends must fit the simulator's frames (NET_FRAME_BYTES_MAX): 32 entries of at most
     * 1 KiB of data in all. */
    uint64_t hi = field == &o->heartbeat     ? 1000
                  : field == &o->inflight    ? 1024
                  : field == &o->msg_entries ? 32
                  : field == &o->msg_bytes   ? 1024
                                             : 1u << 24;
    if (!p_number(p, v, 1, hi, &x))
        return false;
    *field = (uint32_t)x;
    return true;
}

static bool p_cluster(struct parser *p, struct scn_cmd *c)
{
    struct scn_cluster_opts *o = &c->cluster;
    if (p->nodes != 0)
        return p_expected(p, "a single 'cluster' command per scenario", p->tok[0]);
    o->election_min = 10;
    o->election_max = 20;
    o->heartbeat = 2;
    o->msg_entries = 32;
    o->msg_bytes = 1024;
    o->inflight = 64;
    o->inflight_bytes = 4u << 20;
    for (uint32_t i = 1; i < p->ntok; i++) {
        struct tok k, v;
        if (!p_split(p->tok[i], &k, &v))
            return p_expected(p, "an option key=value", p->tok[i]);
        if (!p_cluster_opt(p, k, v, o))
            return false;
    }
    if (o->nodes == 0)
        return p_fail(p, "expected nodes=N (1..7) in 'cluster', got none");
    if (o->heartbeat >= o->election_min)
        return p_fail(p, "expected heartbeat= below the election timeout minimum %" PRIu32
                         ", got %" PRIu32, o->election_min, o->heartbeat);
    p->nodes = o->nodes;
    return true;
}

/* Options shared by several commands (only= via= from= to= type= tear= garbage= copies=
 * count= ticks=); allowed lists the ones a command takes, space-separated. */
static bool p_opt_allowed(const char *allowed, struct tok k)
{
    const char *a = allowed;
    while (*a != 0) {
        const char *end = strchr(a, ' ');
        size_t n = end == NULL ? strlen(a) : (size_t)(end - a);
        if (n == k.len + 1 && memcmp(a, k.p, k.len) == 0 && a[k.len] == '=')
            return true;
        a += n + (end == NULL ? 0 : 1);
    }
    return false;
}

static bool p_option(struct parser *p, struct scn_cmd *c, struct tok t, const char *allowed)
{
    struct tok k, v;
    uint64_t x = 0;
    if (!p_split(t, &k, &v) || !p_opt_allowed(allowed, k)) {
        char what[96];
        snprintf(what, sizeof what, allowed[0] == 0 ? "end of line" : "an option (%s)", allowed);
        return p_expected(p, what, t);
    }
    if (tok_is(k, "only"))
        return p_node_list(p, v, false, &c->mask);
    if (tok_is(k, "via"))
        return p_node(p, v, &c->via);
    if (tok_is(k, "from"))
        return p_node(p, v, &c->from);
    if (tok_is(k, "to"))
        return p_node(p, v, &c->to);
    if (tok_is(k, "type"))
        return p_msg_type(p, v, &c->type);
    if (tok_is(k, "tear") || tok_is(k, "garbage")) {
        c->sub = tok_is(k, "tear") ? SCN_TEAR_PREFIX : SCN_TEAR_GARBAGE;
        return p_number(p, v, 1, tok_is(k, "tear") ? 1u << 20 : 64, &c->n);
    }
    if (tok_is(k, "copies")) {
        if (!p_number(p, v, 1, 8, &x))
            return false;
        c->rule.copies = (uint32_t)x;
        return true;
    }
    uint64_t hi = tok_is(k, "count") ? SCN_COUNT_MAX : SCN_TICKS_MAX;
    if (!p_number(p, v, 1, hi, &x))
        return false;
    if (tok_is(k, "count"))
        c->rule.count = (uint32_t)x;
    else if (tok_is(k, "ticks"))
        c->rule.ticks = (uint32_t)x;
    c->n = tok_is(k, "ticks") || tok_is(k, "max") || tok_is(k, "count") ? x : c->n;
    return true;
}

static bool p_options(struct parser *p, struct scn_cmd *c, uint32_t first, const char *allowed)
{
    for (uint32_t i = first; i < p->ntok; i++)
        if (!p_option(p, c, p->tok[i], allowed))
            return false;
    return true;
}

/* tick [N] [only=nA,nB] */
static bool p_tick(struct parser *p, struct scn_cmd *c)
{
    uint32_t first = 1;
    c->n = 1;
    if (p->ntok > 1 && p->tok[1].p[0] >= '0' && p->tok[1].p[0] <= '9') {
        if (!p_number(p, p->tok[1], 1, SCN_TICKS_MAX, &c->n))
            return false;
        first = 2;
    }
    return p_options(p, c, first, "only=");
}

/* Commands whose only argument is one node: campaign restart resume isolate. */
static bool p_one_node(struct parser *p, struct scn_cmd *c)
{
    return p_want_args(p, 1, 1, "a node") && p_node(p, p->tok[1], &c->node);
}

static bool p_no_args(struct parser *p, struct scn_cmd *c)
{
    (void)c;
    return p_want_args(p, 0, 0, "nothing");
}

/* propose KEY=VALUE [via=nX] [count=N] */
static bool p_propose(struct parser *p, struct scn_cmd *c)
{
    struct tok k, v;
    if (!p_want_args(p, 1, 3, "KEY=VALUE"))
        return false;
    if (!p_split(p->tok[1], &k, &v))
        return p_expected(p, "KEY=VALUE", p->tok[1]);
    if (!p_key(p, k, &c->key))
        return false;
    if (!p_name(v, true))
        return p_expected(p, "a value label ([A-Za-z0-9_.-], at most 24 bytes, not nil)", v);
    c->label_off = (uint32_t)(v.p - p->s->text);
    c->label_size = v.len;
    c->n = 1;
    return p_options(p, c, 2, "via= count=");
}

/* read KEY [via=nX] */
static bool p_read(struct parser *p, struct scn_cmd *c)
{
    return p_want_args(p, 1, 2, "a key") && p_key(p, p->tok[1], &c->key) &&
           p_options(p, c, 2, "via=");
}

/* crash nX [tear=BYTES | garbage=BYTES] */
static bool p_crash(struct parser *p, struct scn_cmd *c)
{
    return p_want_args(p, 1, 2, "a node") && p_node(p, p->tok[1], &c->node) &&
           p_options(p, c, 2, "tear= garbage=");
}

/* pause nX [ticks=N] */
static bool p_pause(struct parser *p, struct scn_cmd *c)
{
    c->n = 0;
    return p_want_args(p, 1, 2, "a node") && p_node(p, p->tok[1], &c->node) &&
           p_options(p, c, 2, "ticks=");
}

/* drift nX +P% | -P% */
static bool p_drift(struct parser *p, struct scn_cmd *c)
{
    if (!p_want_args(p, 2, 2, "a node and a rate like +50%") || !p_node(p, p->tok[1], &c->node))
        return false;
    struct tok t = p->tok[2];
    uint64_t v = 0;
    bool neg = t.len > 0 && t.p[0] == '-';
    uint32_t skip = t.len > 0 && (t.p[0] == '-' || t.p[0] == '+') ? 1 : 0;
    if (t.len < skip + 2 || t.p[t.len - 1] != '%' ||
        !p_u64((struct tok){t.p + skip, t.len - skip - 1}, &v) || (neg && v > 99) ||
        (!neg && v > 1000))
        return p_expected(p, "a clock rate change from -99% to +1000%", t);
    c->drift_pct = neg ? -(int32_t)v : (int32_t)v;
    return true;
}

/* partition nA nB | nC ... [| ...] */
static bool p_partition(struct parser *p, struct scn_cmd *c)
{
    uint8_t group = 1;
    bool empty = true;
    for (uint32_t i = 1; i < p->ntok; i++) {
        if (tok_is(p->tok[i], "|")) {
            if (empty)
                return p_expected(p, "a node before '|'", p->tok[i]);
            group++;
            empty = true;
            continue;
        }
        uint8_t id = 0;
        if (!p_node(p, p->tok[i], &id))
            return false;
        if (c->group[id] != 0)
            return p_expected(p, "each node in at most one group", p->tok[i]);
        c->group[id] = group;
        empty = false;
    }
    if (group < 2 || empty)
        return p_fail(p, "expected groups of nodes separated by '|' (at least two groups)");
    return true;
}

/* block nA->nB [nC->nD ...]: one-way */
static bool p_block_links(struct parser *p, struct scn_cmd *c)
{
    if (!p_want_args(p, 1, SCN_PAIRS_MAX, "links nA->nB"))
        return false;
    for (uint32_t i = 1; i < p->ntok; i++) {
        if (!p_link(p, p->tok[i], false, &c->pairs[c->pair_count][0],
                    &c->pairs[c->pair_count][1]))
            return false;
        c->pair_count++;
    }
    return true;
}

/* drop|delay|dup FROM->TO [type=T] [count=N] [ticks=N] [copies=N] */
static bool p_rule(struct parser *p, struct scn_cmd *c)
{
    static const char *const allowed[] = {"type= count=", "ticks= type= count=",
                                          "type= count= copies="};
    uint32_t which = c->kind == SCN_DROP ? 0 : c->kind == SCN_DELAY ? 1 : 2;
    if (!p_want_args(p, 1, 4, "a link FROM->TO") ||
        !p_link(p, p->tok[1], true, &c->rule.from, &c->rule.to) ||
        !p_options(p, c, 2, allowed[which]))
        return false;
    c->rule.action = c->kind;
    c->rule.type = c->type;
    if (c->kind == SCN_DUP && c->rule.copies == 0)
        c->rule.copies = 1;
    if (c->kind == SCN_DELAY && c->rule.ticks == 0)
        return p_fail(p, "expected ticks=N in 'delay', got none");
    return true;
}

/* disk nX hold|release|full|ok|corrupt|sync [count=N] */
static bool p_disk(struct parser *p, struct scn_cmd *c)
{
    static const char *const names[] = {"hold", "release", "sync", "full", "ok", "corrupt"};
    if (!p_want_args(p, 2, 3, "a node and hold|release|sync|full|ok|corrupt") ||
        !p_node(p, p->tok[1], &c->node))
        return false;
    for (uint8_t i = 0; i < 6; i++)
        if (tok_is(p->tok[2], names[i]))
            c->sub = (uint8_t)(SCN_DISK_HOLD + i);
    if (c->sub == 0)
        return p_expected(p, "hold, release, sync, full, ok or corrupt", p->tok[2]);
    c->n = 0;
    return p_options(p, c, 3, c->sub == SCN_DISK_SYNC ? "count=" : "");
}

static bool p_deliver(struct parser *p, struct scn_cmd *c)
{
    c->n = 0;
    return p_options(p, c, 1, "from= to= type= count=");
}

static bool p_set(struct parser *p, struct scn_cmd *c)
{
    static const char *const names[] = {"delivery=auto", "delivery=manual", "verbose=on",
                                        "verbose=off"};
    if (!p_want_args(p, 1, 1, "delivery=auto|manual or verbose=on|off"))
        return false;
    for (uint8_t i = 0; i < 4; i++)
        if (tok_is(p->tok[1], names[i]))
            c->sub = (uint8_t)(SCN_SET_DELIVERY_AUTO + i);
    return c->sub != 0 || p_expected(p, "delivery=auto|manual or verbose=on|off", p->tok[1]);
}

static bool p_log(struct parser *p, struct scn_cmd *c)
{
    for (uint32_t i = 1; i < p->ntok; i++) {
        uint8_t id = 0;
        if (!p_node(p, p->tok[i], &id))
            return false;
        c->mask |= 1u << id;
    }
    return true;
}

/* ---- predicates: run until PRED / expect PRED ---- */

static bool p_pred_leader(struct parser *p, struct scn_pred *pr, uint32_t first, uint32_t end)
{
    for (uint32_t i = first; i < end; i++) {
        struct tok k, v;
        if (!p_split(p->tok[i], &k, &v) || !(tok_is(k, "is") || tok_is(k, "not")))
            return p_expected(p, "is=nX or not=nX", p->tok[i]);
        if (!p_node(p, v, tok_is(k, "is") ? &pr->node : &pr->not_node))
            return false;
    }
    return true;
}

static bool p_pred_index(struct parser *p, struct scn_pred *pr, uint32_t first, uint32_t end)
{
    if (first >= end)
        return p_fail(p, "expected an index after '%s', got end of line",
                      pr->kind == SCN_PRED_COMMITTED ? "committed" : "applied");
    if (!p_number(p, p->tok[first], 0, UINT64_MAX / 2, &pr->index))
        return false;
    for (uint32_t i = first + 1; i < end; i++) {
        struct tok k, v;
        if (!p_split(p->tok[i], &k, &v) || !tok_is(k, "on"))
            return p_expected(p, "on=nA,nB or on=all", p->tok[i]);
        if (!p_node_list(p, v, true, &pr->mask))
            return false;
    }
    return true;
}

static bool p_pred_role(struct parser *p, struct scn_pred *pr, struct tok t)
{
    static const char *const roles[] = {"down", "follower", "candidate", "leader"};
    struct tok k, v;
    if (!p_split(t, &k, &v))
        return p_expected(p, "nX=leader|follower|candidate|down", t);
    if (!p_node(p, k, &pr->node))
        return false;
    for (uint8_t r = 0; r < 4; r++) {
        if (tok_is(v, roles[r])) {
            pr->role = r; /* SCN_ROLE_DOWN, then RAST_FOLLOWER.. RAST_LEADER */
            return true;
        }
    }
    return p_expected(p, "leader, follower, candidate or down", v);
}

static bool p_pred(struct parser *p, struct scn_pred *pr, uint32_t first, uint32_t end)
{
    if (first >= end)
        return p_fail(p, "expected a predicate (leader committed applied caught-up done role), "
                         "got end of line");
    struct tok name = p->tok[first];
    uint32_t argc = end - first - 1;
    if (tok_is(name, "leader")) {
        pr->kind = SCN_PRED_LEADER;
        return p_pred_leader(p, pr, first + 1, end);
    }
    if (tok_is(name, "committed") || tok_is(name, "applied")) {
        pr->kind = tok_is(name, "committed") ? SCN_PRED_COMMITTED : SCN_PRED_APPLIED;
        return p_pred_index(p, pr, first + 1, end);
    }
    if (tok_is(name, "caught-up") || tok_is(name, "role")) {
        pr->kind = tok_is(name, "role") ? SCN_PRED_ROLE : SCN_PRED_CAUGHT_UP;
        if (argc != 1)
            return p_fail(p, "expected one argument after '%.*s'", (int)name.len, name.p);
        if (pr->kind == SCN_PRED_ROLE)
            return p_pred_role(p, pr, p->tok[first + 1]);
        return p_node(p, p->tok[first + 1], &pr->node);
    }
    if (tok_is(name, "done")) {
        pr->kind = SCN_PRED_DONE;
        if (argc != 1)
            return p_fail(p, "expected an operation number #N after 'done'");
        struct tok t = p->tok[first + 1];
        if (t.len > 1 && t.p[0] == '#')
            t = (struct tok){t.p + 1, t.len - 1};
        return p_number(p, t, 1, SCN_OPS_MAX, &pr->index);
    }
    return p_expected(p, "a predicate (leader committed applied caught-up done role)", name);
}

/* run until PRED [max=N] */
static bool p_run(struct parser *p, struct scn_cmd *c)
{
    if (p->ntok < 2 || !tok_is(p->tok[1], "until"))
        return p_expected(p, "'until' after 'run'", p->ntok < 2 ? p->tok[0] : p->tok[1]);
    uint32_t end = p->ntok;
    c->n = SCN_RUN_TICKS_DEFAULT;
    struct tok k, v;
    if (end > 2 && p_split(p->tok[end - 1], &k, &v) && tok_is(k, "max")) {
        if (!p_number(p, v, 1, SCN_TICKS_MAX, &c->n))
            return false;
        end--;
    }
    return p_pred(p, &c->pred, 2, end);
}

static bool p_expect(struct parser *p, struct scn_cmd *c)
{
    return p_pred(p, &c->pred, 1, p->ntok);
}

/* ---- replay FILE [--nodes N] [--faults LIST] [--mode M] [--ops N] [--clients N] [--keys N] */

static bool p_replay_flag(struct parser *p, struct rast_sim_pins *pins, struct tok f, struct tok v)
{
    uint64_t x = 0;
    if (tok_is(f, "--faults")) {
        char list[256];
        if (v.len >= sizeof list)
            return p_expected(p, "a fault list", v);
        memcpy(list, v.p, v.len);
        list[v.len] = 0;
        pins->faults_set = rast_sim_fault_parse(list, &pins->faults);
        return pins->faults_set || p_expected(p, "all, none or a comma list of faults", v);
    }
    if (tok_is(f, "--mode")) {
        pins->safety_only_set = tok_is(v, "safety") || tok_is(v, "liveness");
        pins->safety_only = tok_is(v, "safety");
        return pins->safety_only_set || p_expected(p, "liveness or safety", v);
    }
    struct { const char *name; uint32_t lo, hi; bool *set; uint32_t *value; } nums[] = {
        {"--nodes", 1, 7, &pins->node_count_set, &pins->node_count},
        {"--ops", 20, 2000, &pins->ops_total_set, &pins->ops_total},
        {"--clients", 1, 8, &pins->client_count_set, &pins->client_count},
        {"--keys", 1, 8, &pins->key_count_set, &pins->key_count},
    };
    for (uint32_t i = 0; i < 4; i++) {
        if (!tok_is(f, nums[i].name))
            continue;
        if (!p_number(p, v, nums[i].lo, nums[i].hi, &x))
            return false;
        *nums[i].set = true;
        *nums[i].value = (uint32_t)x;
        return true;
    }
    return p_expected(p, "--nodes --faults --mode --ops --clients or --keys", f);
}

static bool p_replay(struct parser *p, struct scn_cmd *c)
{
    if (!p_want_args(p, 1, 13, "a choice log FILE"))
        return false;
    struct tok path = p->tok[1];
    if (path.len > 255 || path.p[0] == '-')
        return p_expected(p, "a file name (at most 255 bytes)", path);
    c->label_off = (uint32_t)(path.p - p->s->text);
    c->label_size = path.len;
    for (uint32_t i = 2; i < p->ntok; i += 2) {
        if (i + 1 >= p->ntok)
            return p_fail(p, "expected a value after '%.*s', got end of line",
                          (int)(p->tok[i].len > 40 ? 40 : p->tok[i].len), p->tok[i].p);
        if (!p_replay_flag(p, &c->pins, p->tok[i], p->tok[i + 1]))
            return false;
    }
    return true;
}

/* ---- dispatch ---- */

struct p_entry {
    const char *name;
    uint8_t kind;
    bool (*parse)(struct parser *p, struct scn_cmd *c);
};

static const struct p_entry p_table[] = {
    {"cluster", SCN_CLUSTER, p_cluster},   {"tick", SCN_TICK, p_tick},
    {"campaign", SCN_CAMPAIGN, p_one_node}, {"propose", SCN_PROPOSE, p_propose},
    {"read", SCN_READ, p_read},            {"crash", SCN_CRASH, p_crash},
    {"restart", SCN_RESTART, p_one_node},  {"pause", SCN_PAUSE, p_pause},
    {"resume", SCN_RESUME, p_one_node},    {"drift", SCN_DRIFT, p_drift},
    {"partition", SCN_PARTITION, p_partition}, {"isolate", SCN_ISOLATE, p_one_node},
    {"block", SCN_BLOCK, p_block_links},   {"heal", SCN_HEAL, p_no_args},
    {"drop", SCN_DROP, p_rule},            {"delay", SCN_DELAY, p_rule},
    {"dup", SCN_DUP, p_rule},              {"disk", SCN_DISK, p_disk},
    {"deliver", SCN_DELIVER, p_deliver},   {"stabilize", SCN_STABILIZE, p_no_args},
    {"set", SCN_SET, p_set},               {"status", SCN_STATUS, p_no_args},
    {"log", SCN_LOG, p_log},               {"net", SCN_NET, p_no_args},
    {"run", SCN_RUN, p_run},               {"expect", SCN_EXPECT, p_expect},
    {"check", SCN_CHECK, p_no_args},       {"replay", SCN_REPLAY, p_replay},
};

static bool p_command(struct parser *p, struct scn_cmd *c)
{
    struct tok name = p->tok[0];
    for (size_t i = 0; i < sizeof p_table / sizeof p_table[0]; i++) {
        if (!tok_is(name, p_table[i].name))
            continue;
        c->kind = p_table[i].kind;
        bool needs_cluster = c->kind != SCN_CLUSTER && c->kind != SCN_REPLAY && c->kind != SCN_SET;
        if (needs_cluster && p->nodes == 0)
            return p_fail(p, "expected a 'cluster' command before '%s'", p_table[i].name);
        return p_table[i].parse(p, c);
    }
    return p_expected(p, "a command (cluster tick campaign propose read crash restart pause "
                         "resume drift partition isolate block heal drop delay dup disk deliver "
                         "stabilize set status log net run expect check replay)", name);
}

/* ---- block level -------------------------------------------------------------------- */

/* Checks one line's bytes; command lines must be printable ASCII. */
static bool p_check_line(struct parser *p, const char *line, size_t len, bool command)
{
    if (len > RAST_SCENARIO_LINE_BYTES_MAX)
        return p_fail(p, "expected a line of at most %u bytes, got %zu bytes",
                      RAST_SCENARIO_LINE_BYTES_MAX, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)line[i];
        if (ch == '\r')
            return p_fail(p, "expected lines ending in \\n, got a carriage return");
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f || (command && ch >= 0x80))
            return p_fail(p, "expected %s, got byte 0x%02x at column %zu",
                          command ? "printable ASCII in a command line" : "printable text",
                          ch, i + 1);
    }
    return true;
}

static bool p_tokenize(struct parser *p, const char *line, size_t len)
{
    p->ntok = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            break;
        size_t start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t')
            i++;
        if (p->ntok == SCN_TOKENS_MAX)
            return p_fail(p, "expected at most %u words on a line, got more", SCN_TOKENS_MAX);
        p->tok[p->ntok++] = (struct tok){line + start, (uint32_t)(i - start)};
    }
    return true;
}

static bool p_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t')
            return false;
    return true;
}

static bool p_grow(struct parser *p)
{
    struct rast_scenario *s = p->s;
    if (s->count < s->capacity)
        return true;
    if (s->count == RAST_SCENARIO_COMMANDS_MAX)
        return p_fail(p, "expected at most %u commands, got more", RAST_SCENARIO_COMMANDS_MAX);
    uint32_t cap = s->capacity == 0 ? 64 : s->capacity * 2;
    struct scn_cmd *grown = realloc(s->cmds, (size_t)cap * sizeof *grown);
    if (grown == NULL) {
        p->oom = true;
        return p_fail(p, "out of memory");
    }
    s->cmds = grown;
    s->capacity = cap;
    return true;
}

/* Reads the line at *pos: its start and length (without '\n'); advances past it. */
static const char *p_next_line(const struct rast_scenario *s, size_t *pos, size_t *len)
{
    const char *start = s->text + *pos;
    const char *nl = memchr(start, '\n', s->size - *pos);
    *len = (size_t)(nl - start); /* the text always ends with '\n' (see parse) */
    *pos += *len + 1;
    return start;
}

/* The output lines after "----", up to a blank line or the end. */
static bool p_expected_output(struct parser *p, size_t *pos, struct scn_cmd *c)
{
    struct rast_scenario *s = p->s;
    c->exp_off = (uint32_t)*pos;
    while (*pos < s->size) {
        size_t at = *pos, len = 0;
        const char *line = p_next_line(s, pos, &len);
        p->line++;
        if (len == 0) {
            c->exp_size = (uint32_t)(at - c->exp_off);
            c->terminated = true;
            return true;
        }
        if (!p_check_line(p, line, len, false))
            return false;
        if (*pos - c->exp_off > RAST_SCENARIO_OUTPUT_BYTES_MAX)
            return p_fail(p, "expected an output of at most %u bytes, got more",
                          RAST_SCENARIO_OUTPUT_BYTES_MAX);
    }
    c->exp_size = (uint32_t)(*pos - c->exp_off);
    return true;
}

static bool p_block(struct parser *p, size_t *pos, size_t pre_off, const char *line, size_t len)
{
    struct rast_scenario *s = p->s;
    if (!p_grow(p) || !p_tokenize(p, line, len))
        return false;
    struct scn_cmd *c = &s->cmds[s->count];
    memset(c, 0, sizeof *c);
    c->line = p->line;
    c->pre_off = (uint32_t)pre_off;
    c->pre_size = (uint32_t)((size_t)(line - s->text) - pre_off);
    c->text_off = (uint32_t)(line - s->text);
    c->text_size = (uint32_t)len;
    if (!p_command(p, c))
        return false;
    if (*pos >= s->size)
        return p_fail(p, "expected '----' after the command, got end of file");
    size_t sep_len = 0;
    const char *sep = p_next_line(s, pos, &sep_len);
    p->line++;
    if (sep_len != 4 || memcmp(sep, "----", 4) != 0)
        return p_expected(p, "'----' on the line after the command",
                          (struct tok){sep, (uint32_t)(sep_len > 40 ? 40 : sep_len)});
    if (!p_expected_output(p, pos, c))
        return false;
    s->count++;
    return true;
}

static bool p_file(struct parser *p)
{
    struct rast_scenario *s = p->s;
    size_t pos = 0, pre_off = 0;
    p->line = 0;
    while (pos < s->size) {
        size_t len = 0;
        const char *line = p_next_line(s, &pos, &len);
        p->line++;
        size_t lead = 0;
        while (lead < len && (line[lead] == ' ' || line[lead] == '\t'))
            lead++;
        bool comment = lead < len && line[lead] == '#';
        if (!p_check_line(p, line, len, !comment && !p_blank(line, len)))
            return false;
        if (comment || p_blank(line, len))
            continue;
        if (!p_block(p, &pos, pre_off, line, len))
            return false;
        pre_off = pos;
    }
    s->trail_off = (uint32_t)pre_off;
    s->trail_size = (uint32_t)(s->size - pre_off);
    return true;
}

int rast_scenario_parse(const char *text, size_t size, const char *file_name,
                        struct rast_scenario **out, char *err, size_t err_size)
{
    if (err_size > 0 && err != NULL)
        err[0] = 0;
    if (out == NULL || (text == NULL && size > 0))
        return RAST_SCENARIO_E_INVALID;
    *out = NULL;
    struct rast_scenario *s = calloc(1, sizeof *s);
    if (s == NULL)
        return RAST_SCENARIO_E_NOMEM;
    snprintf(s->file_name, sizeof s->file_name, "%s", file_name == NULL ? "<input>" : file_name);
    struct parser p = {.s = s, .err = err, .err_size = err == NULL ? 0 : err_size};
    if (size > RAST_SCENARIO_BYTES_MAX) {
        p_fail(&p, "expected a file of at most %u bytes, got %zu", RAST_SCENARIO_BYTES_MAX, size);
        rast_scenario_free(s);
        return RAST_SCENARIO_E_PARSE;
    }
    /* Our copy always ends with '\n' (unless empty), so every line has one. */
    s->text = malloc(size + 2);
    if (s->text == NULL) {
        rast_scenario_free(s);
        return RAST_SCENARIO_E_NOMEM;
    }
    if (size > 0)
        memcpy(s->text, text, size);
    s->size = size;
    if (size > 0 && text[size - 1] != '\n')
        s->text[s->size++] = '\n';
    s->text[s->size] = 0;
    if (!p_file(&p)) {
        rast_scenario_free(s);
        return p.oom ? RAST_SCENARIO_E_NOMEM : RAST_SCENARIO_E_PARSE;
    }
    *out = s;
    return RAST_SCENARIO_OK;
}

void rast_scenario_free(struct rast_scenario *s)
{
    if (s == NULL)
        return;
    free(s->text);
    free(s->cmds);
    free(s->actual);
    free(s->actual_off);
    free(s->actual_len);
    free(s);
}
