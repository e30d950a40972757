/*
 * test_node.c: a node rebuilt in place (rast_node_recreate) is the node rast_node_create
 * would make: for the same config, restore and inputs it emits the same outputs, whatever its
 * earlier life held (a log of several chunks and data blocks, pending proposals and reads,
 * queues of other capacities).
 */
#include "rast_test.h"
#include "rast.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SCRIPT_TEXT_BYTES  (256u << 10)
#define SCRIPT_PENDING_MAX 4096u
#define SCRIPT_ENTRIES_MAX 100u

/* One node (id 1) driven by perfect peers: every vote request is granted, every append
 * acknowledged, every persist completed a round later; the transcript records every output
 * and the status after every round. */
struct script {
    struct rast_batch out;
    char text[SCRIPT_TEXT_BYTES];
    size_t used;
    struct rast_input next[SCRIPT_PENDING_MAX];
    uint32_t next_count;
    bool big; /* proposals of SCRIPT_ENTRIES_MAX entries of 2 KB: many chunks and blocks */
};

static struct script script_a, script_b;
static uint8_t payload[2048];

static void say(struct script *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->text + s->used, sizeof s->text - s->used, fmt, ap);
    va_end(ap);
    if (n > 0 && s->used + (size_t)n < sizeof s->text)
        s->used += (size_t)n;
}

static void say_entries(struct script *s, const struct rast_entry *e, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        say(s, " %llu/%u/%02x", (unsigned long long)e[i].term, e[i].size,
            e[i].size > 0 ? e[i].data[e[i].size - 1] : 0);
}

static void answer(struct script *s, const struct rast_msg *req)
{
    if (s->next_count == SCRIPT_PENDING_MAX)
        return;
    struct rast_input *in = &s->next[s->next_count++];
    memset(in, 0, sizeof *in);
    in->kind = RAST_INPUT_RECV;
    struct rast_msg *m = &in->u.recv;
    m->from = req->to;
    m->to = req->from;
    m->term = req->term;
    if (req->type == RAST_MSG_VOTE_REQ) {
        m->type = RAST_MSG_VOTE_RESP;
        m->u.vote_resp.granted = true;
    } else if (req->type == RAST_MSG_APPEND_REQ) {
        m->type = RAST_MSG_APPEND_RESP;
        m->u.append_resp.success = true;
        m->u.append_resp.match_index = req->u.append_req.prev_index + req->u.append_req.entry_count;
    } else if (req->type == RAST_MSG_HEARTBEAT_REQ) {
        m->type = RAST_MSG_HEARTBEAT_RESP;
        m->u.heartbeat_resp.read_round = req->u.heartbeat_req.read_round;
    } else {
        s->next_count--;
    }
}

static void record_send(struct script *s, const struct rast_msg *m)
{
    say(s, "send %u to %u term %llu", m->type, m->to, (unsigned long long)m->term);
    if (m->type == RAST_MSG_VOTE_REQ)
        say(s, " last %llu/%llu", (unsigned long long)m->u.vote_req.last_log_index,
            (unsigned long long)m->u.vote_req.last_log_term);
    if (m->type == RAST_MSG_APPEND_REQ) {
        const struct rast_append_req *a = &m->u.append_req;
        say(s, " prev %llu/%llu commit %llu n %u", (unsigned long long)a->prev_index,
            (unsigned long long)a->prev_term, (unsigned long long)a->commit_index, a->entry_count);
        say_entries(s, a->entries, a->entry_count);
    }
    if (m->type == RAST_MSG_HEARTBEAT_REQ)
        say(s, " commit %llu round %llu", (unsigned long long)m->u.heartbeat_req.commit_index,
            (unsigned long long)m->u.heartbeat_req.read_round);
    say(s, "\n");
    answer(s, m);
}

static void record_persist(struct script *s, const struct rast_persist *p)
{
    say(s, "persist %llu hs %d %llu/%u trunc %d from %llu n %u", (unsigned long long)p->token,
        p->has_hard_state, (unsigned long long)p->hard_state.term, p->hard_state.voted_for,
        p->truncate, (unsigned long long)p->first_index, p->entry_count);
    say_entries(s, p->entries, p->entry_count);
    say(s, "\n");
    if (s->next_count < SCRIPT_PENDING_MAX) {
        struct rast_input *in = &s->next[s->next_count++];
        memset(in, 0, sizeof *in);
        in->kind = RAST_INPUT_PERSISTED;
        in->u.persisted.token = p->token;
    }
}

static void record(struct script *s, const struct rast_output *o)
{
    switch (o->kind) {
    case RAST_OUTPUT_SEND: record_send(s, &o->u.send); break;
    case RAST_OUTPUT_PERSIST: record_persist(s, &o->u.persist); break;
    case RAST_OUTPUT_APPLY:
        say(s, "apply %llu n %u", (unsigned long long)o->u.apply.first_index,
            o->u.apply.entry_count);
        say_entries(s, o->u.apply.entries, o->u.apply.entry_count);
        say(s, "\n");
        break;
    case RAST_OUTPUT_PROPOSE_DONE:
        say(s, "done %llu %llu..%llu\n", (unsigned long long)o->u.propose_done.tag,
            (unsigned long long)o->u.propose_done.first_index,
            (unsigned long long)o->u.propose_done.last_index);
        break;
    case RAST_OUTPUT_PROPOSE_FAILED:
    case RAST_OUTPUT_READ_FAILED:
        say(s, "failed %u %llu %d\n", o->kind, (unsigned long long)o->u.propose_failed.tag,
            o->u.propose_failed.reason);
        break;
    case RAST_OUTPUT_READ_READY:
        say(s, "read %llu at %llu\n", (unsigned long long)o->u.read_ready.tag,
            (unsigned long long)o->u.read_ready.read_index);
        break;
    default:
        say(s, "role %u term %llu leader %u\n", o->u.role.role, (unsigned long long)o->u.role.term,
            o->u.role.leader);
        break;
    }
}

static void feed(struct script *s, struct rast_node *node, const struct rast_input *in)
{
    s->out.count = 0;
    int rc = rast_step(node, in, &s->out);
    say(s, "step %u: %d\n", in->kind, rc);
    for (uint32_t i = 0; i < s->out.count; i++)
        record(s, &s->out.items[i]);
}

static void propose(struct script *s, struct rast_node *node, uint64_t tag)
{
    static struct rast_entry entries[SCRIPT_ENTRIES_MAX];
    uint32_t count = s->big ? SCRIPT_ENTRIES_MAX : 1;
    for (uint32_t i = 0; i < count; i++) {
        entries[i].data = payload;
        entries[i].size = s->big ? (uint32_t)sizeof payload : 1 + (uint32_t)(tag % 7);
    }
    struct rast_input in = { .kind = RAST_INPUT_PROPOSE };
    in.u.propose.tag = tag;
    in.u.propose.entry_count = count;
    in.u.propose.entries = entries;
    feed(s, node, &in);
}

/* rounds rounds: the answers to the last round, a tick, now and then a proposal or read. */
static void script_run(struct script *s, struct rast_node *node, uint32_t rounds)
{
    static struct rast_input now[SCRIPT_PENDING_MAX];
    for (uint32_t r = 0; r < rounds; r++) {
        uint32_t count = s->next_count;
        memcpy(now, s->next, count * sizeof *now);
        s->next_count = 0;
        for (uint32_t i = 0; i < count; i++)
            feed(s, node, &now[i]);
        struct rast_input tick = { .kind = RAST_INPUT_TICK };
        feed(s, node, &tick);
        if (r % 3 == 1)
            propose(s, node, r);
        if (r % 5 == 2) {
            struct rast_input read = { .kind = RAST_INPUT_READ };
            read.u.read.tag = 1000 + r;
            feed(s, node, &read);
        }
        struct rast_status st;
        rast_node_status(node, &st);
        say(s, "status %u %llu %llu %llu %llu %llu\n", st.role, (unsigned long long)st.term,
            (unsigned long long)st.commit_index, (unsigned long long)st.applied_index,
            (unsigned long long)st.last_index, (unsigned long long)st.persisted_index);
    }
}

static void script_reset(struct script *s, bool big)
{
    s->used = 0;
    s->text[0] = 0;
    s->next_count = 0;
    s->big = big;
}

static const struct rast_entry restore_entries[] = {
    { .term = 1, .size = 1, .data = (const uint8_t *)"a" },
    { .term = 1, .size = 2, .data = (const uint8_t *)"bb" },
    { .term = 2, .size = 3, .data = (const uint8_t *)"ccc" },
};

static const struct rast_restore restore = { .hard_state = { .term = 2, .voted_for = 3 },
                                             .entry_count = 3,
                                             .entries = restore_entries };

static void config(struct rast_config *cfg)
{
    rast_config_default(cfg, 1, 3);
    cfg->random_seed = 7;
}

/* A node that led with a large log and small queues, then rebuilt with the default queues,
 * then rebuilt again (queues kept this time), tells the same story as a new node each time. */
static void test_recreate_matches_create(void)
{
    struct rast_config cfg;
    config(&cfg);
    struct rast_node *fresh = NULL;
    CHECK(rast_node_create(&cfg, &restore, &fresh) == 0);
    script_reset(&script_a, false);
    script_run(&script_a, fresh, 150);
    rast_node_destroy(fresh);
    CHECK(strstr(script_a.text, "role 3") != NULL); /* it led */
    CHECK(strstr(script_a.text, "\napply ") != NULL);

    struct rast_config other;
    rast_config_default(&other, 1, 5);
    other.random_seed = 99;
    other.proposals_pending_max = 8;
    other.reads_pending_max = 8;
    other.inflight_msgs_max = 4;
    other.deferred_msgs_max = 4;
    struct rast_node *reused = NULL;
    CHECK(rast_node_create(&other, NULL, &reused) == 0);
    script_reset(&script_b, true);
    script_run(&script_b, reused, 150); /* ~5,000 entries of 2 KB: 2 chunks, 4+ blocks */
    for (int life = 0; life < 2; life++) {
        CHECK(rast_node_recreate(reused, &cfg, &restore) == 0);
        script_reset(&script_b, false);
        script_run(&script_b, reused, 150);
        CHECK_EQ_U64(script_b.used, script_a.used);
        CHECK(strcmp(script_b.text, script_a.text) == 0);
    }
    rast_node_destroy(reused);
}

/* A bad config is refused before anything changes; a bad restore leaves a node that can
 * still be destroyed or rebuilt. */
static void test_recreate_errors(void)
{
    struct rast_config cfg;
    config(&cfg);
    struct rast_node *node = NULL;
    CHECK(rast_node_create(&cfg, &restore, &node) == 0);
    struct rast_config bad = cfg;
    bad.voter_count = 0;
    CHECK(rast_node_recreate(node, &bad, NULL) == RAST_E_INVALID);
    struct rast_status st;
    rast_node_status(node, &st);
    CHECK_EQ_U64(st.last_index, 3);
    CHECK(rast_node_recreate(NULL, &cfg, NULL) == RAST_E_INVALID);
    struct rast_restore wrong = restore;
    wrong.hard_state.voted_for = 9;
    CHECK(rast_node_recreate(node, &cfg, &wrong) == RAST_E_INVALID);
    CHECK(rast_node_recreate(node, &cfg, NULL) == 0);
    rast_node_status(node, &st);
    CHECK_EQ_U64(st.last_index, 0);
    CHECK_EQ_U64(st.term, 0);
    rast_node_destroy(node);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_recreate_matches_create),
        RAST_TEST(test_recreate_errors),
    };
    int rc = rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
    rast_batch_free(&script_a.out);
    rast_batch_free(&script_b.out);
    return rc;
}
