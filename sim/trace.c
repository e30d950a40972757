/*
 * trace.c: trace lines, their hash, and Chrome trace JSON (see trace.h).
 */
#include "trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

bool trace_init(struct trace *t)
{
    memset(t, 0, sizeof *t);
    t->hash_state = XXH3_createState();
    return t->hash_state != NULL;
}

void trace_free(struct trace *t)
{
    XXH3_freeState(t->hash_state);
    t->hash_state = NULL;
}

static void trace_json_write(struct trace *t, const char *text, size_t size)
{
    if (!t->json_first)
        t->json_sink(t->json_ctx, ",\n", 2);
    t->json_first = false;
    t->json_sink(t->json_ctx, text, size);
}

void trace_start(struct trace *t, trace_sink_fn sink, void *sink_ctx, trace_sink_fn json_sink,
                 void *json_ctx, bool hashing, uint32_t node_count)
{
    t->sink = sink;
    t->sink_ctx = sink_ctx;
    t->json_sink = json_sink;
    t->json_ctx = json_ctx;
    t->json_first = true;
    t->hashing = hashing;
    t->probe = NULL;
    t->probe_ctx = NULL;
    t->lines = 0;
    XXH3_64bits_reset(t->hash_state);
    if (json_sink == NULL)
        return;
    json_sink(json_ctx, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n", 40);
    char buf[160];
    for (uint32_t n = 0; n <= node_count; n++) {
        int len = snprintf(buf, sizeof buf,
                           "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%" PRIu32
                           ",\"args\":{\"name\":\"%s%" PRIu32 "\"}}",
                           n, n == 0 ? "sim" : "node ", n == 0 ? 0 : n);
        trace_json_write(t, buf, (size_t)len);
    }
}

void trace_set_probe(struct trace *t, rast_sim_probe_fn probe, void *probe_ctx)
{
    t->probe = probe;
    t->probe_ctx = probe_ctx;
}

void trace_finish(struct trace *t)
{
    if (t->json_sink != NULL)
        t->json_sink(t->json_ctx, "\n]}\n", 4);
}

uint64_t trace_hash(const struct trace *t)
{
    return XXH3_64bits_digest(t->hash_state);
}

/* JSON-safe: the text we format has no quotes or backslashes except by mistake; replace. */
static void trace_json_instant(struct trace *t, uint64_t now_us, uint32_t pid, const char *text)
{
    char buf[400];
    char name[256];
    size_t i = 0;
    for (; text[i] != 0 && i + 1 < sizeof name; i++)
        name[i] = (text[i] == '"' || text[i] == '\\') ? '\'' : text[i];
    name[i] = 0;
    int len = snprintf(buf, sizeof buf,
                       "{\"ph\":%s,\"name\":\"%s\",\"pid\":%" PRIu32
                       ",\"tid\":0,\"ts\":%" PRIu64 "}",
                       pid == 0 ? "\"i\",\"s\":\"g\"" : "\"X\",\"dur\":1", name, pid, now_us);
    trace_json_write(t, buf, (size_t)len);
}

static void trace_emit(struct trace *t, char *line, size_t len)
{
    line[len] = '\n';
    if (t->sink != NULL)
        t->sink(t->sink_ctx, line, len + 1);
    if (t->hashing)
        XXH3_64bits_update(t->hash_state, line, len + 1);
    line[len] = 0;
    t->lines++;
    if (t->probe != NULL) {
        struct rast_sim_probe p = {.what = RAST_SIM_PROBE_TEXT, .text = line, .text_size = len};
        t->probe(t->probe_ctx, &p);
    }
}

static const char *trace_role_letter(uint8_t role)
{
    switch (role) {
    case RAST_LEADER: return "L";
    case RAST_CANDIDATE: return "C";
    case RAST_FOLLOWER: return "F";
    default: return "?";
    }
}

static void trace_node_line(struct trace *t, uint64_t now_us, uint32_t node,
                            const struct rast_status *st, const char *fmt, va_list ap)
{
    char line[512];
    int n;
    if (st != NULL)
        n = snprintf(line, sizeof line,
                     "t=%" PRIu64 " n%" PRIu32 " %s term=%" PRIu64 " commit=%" PRIu64
                     " applied=%" PRIu64 " ",
                     now_us, node, trace_role_letter(st->role), st->term, st->commit_index,
                     st->applied_index);
    else
        n = snprintf(line, sizeof line, "t=%" PRIu64 " n%" PRIu32 " down ", now_us, node);
    size_t prefix = (size_t)n;
    n += vsnprintf(line + n, sizeof line - 1 - (size_t)n, fmt, ap);
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    trace_emit(t, line, (size_t)n);
    if (t->json_sink != NULL)
        trace_json_instant(t, now_us, node, line + prefix);
}

void trace_node(struct trace *t, uint64_t now_us, uint32_t node, const struct rast_status *st,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trace_node_line(t, now_us, node, st, fmt, ap);
    va_end(ap);
}

/* Hands p (if any) to the probe, and tells whether the event is wanted as text too; then the
 * probe, which had the event as fields already, is muted: the caller writes the line and puts
 * *muted back. */
static bool trace_probe_then_text(struct trace *t, const struct rast_sim_probe *p,
                                  rast_sim_probe_fn *muted)
{
    if (t->probe != NULL && p != NULL)
        t->probe(t->probe_ctx, p);
    if (!trace_text_on(t))
        return false;
    *muted = t->probe;
    t->probe = NULL;
    return true;
}

void trace_node_down_event(struct trace *t, const struct rast_sim_probe *p, const char *fmt, ...)
{
    rast_sim_probe_fn probe;
    if (!trace_probe_then_text(t, p, &probe))
        return;
    va_list ap;
    va_start(ap, fmt);
    trace_node_line(t, p->time_us, p->node, NULL, fmt, ap);
    va_end(ap);
    t->probe = probe;
}

void trace_node_event(struct trace *t, struct rast_sim_probe *p, const char *what)
{
    rast_sim_probe_fn probe;
    if (!trace_probe_then_text(t, p, &probe))
        return;
    trace_node(t, p->time_us, p->node, &p->status, "%s", what);
    t->probe = probe;
}

static void trace_sim_line(struct trace *t, uint64_t now_us, const char *fmt, va_list ap)
{
    char line[512];
    int n = snprintf(line, sizeof line, "t=%" PRIu64 " sim ", now_us);
    size_t prefix = (size_t)n;
    n += vsnprintf(line + n, sizeof line - 1 - (size_t)n, fmt, ap);
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    trace_emit(t, line, (size_t)n);
    if (t->json_sink != NULL)
        trace_json_instant(t, now_us, 0, line + prefix);
}

void trace_sim(struct trace *t, uint64_t now_us, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trace_sim_line(t, now_us, fmt, ap);
    va_end(ap);
}

void trace_sim_event(struct trace *t, const struct rast_sim_probe *p, uint64_t now_us,
                     const char *fmt, ...)
{
    rast_sim_probe_fn probe;
    if (!trace_probe_then_text(t, p, &probe))
        return;
    va_list ap;
    va_start(ap, fmt);
    trace_sim_line(t, now_us, fmt, ap);
    va_end(ap);
    t->probe = probe;
}

void trace_flow(struct trace *t, uint64_t now_us, uint32_t node, uint64_t msg_id, bool start,
                uint8_t msg_type)
{
    if (t->json_sink == NULL)
        return;
    char buf[256];
    int len = snprintf(buf, sizeof buf,
                       "{\"ph\":\"%s\",\"bp\":\"e\",\"cat\":\"msg\",\"name\":\"%s\",\"id\":%" PRIu64
                       ",\"pid\":%" PRIu32 ",\"tid\":0,\"ts\":%" PRIu64 "}",
                       start ? "s" : "f", rast_msg_type_name(msg_type), msg_id, node, now_us);
    trace_json_write(t, buf, (size_t)len);
}
