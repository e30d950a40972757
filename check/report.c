/*
 * report.c: the text and JSON reports of a result. Both are functions of the result and the
 * history only (no times, no addresses), so equal inputs give equal bytes.
 */
#include "report.h"

#include <inttypes.h>
#include <string.h>

#define REPORT_PREFIX_SHOWN 20u

void report_json_escape(const char *s, size_t size, FILE *out)
{
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
}

static void report_json_string(const char *s, FILE *out)
{
    fputc('"', out);
    report_json_escape(s, strlen(s), out);
    fputc('"', out);
}

void report_key(const struct rast_history *h, const struct rast_check_result *r, uint32_t part,
                char *buf, uint32_t size)
{
    hist_value_format(&h->strs, r->plan.parts[part].key, buf, size);
}

uint32_t report_fail_op(const struct rast_check_result *r)
{
    if (r->fail_part == HIST_NONE || r->outs[r->fail_part].fail_op == HIST_NONE)
        return HIST_NONE;
    return r->plan.parts[r->fail_part].ops[r->outs[r->fail_part].fail_op].hist_op;
}

const char *report_verdict_name(uint32_t verdict)
{
    return verdict == RAST_CHECK_LINEARIZABLE ? "linearizable"
           : verdict == RAST_CHECK_NOT_LINEARIZABLE ? "not-linearizable" : "unknown";
}

const char *report_reason_name(uint32_t reason)
{
    return reason == RAST_CHECK_REASON_STEPS ? "steps"
           : reason == RAST_CHECK_REASON_MEMO_BYTES ? "memo-bytes" : "none";
}

static void report_text_states(const struct search_out *o, FILE *out)
{
    const char *s = o->states_text;
    for (uint32_t i = 0; i < o->state_count; i++) {
        fprintf(out, "%s%s", i > 0 ? " | " : "", s);
        s += strlen(s) + 1;
    }
    if (o->state_count == SEARCH_STATES_MAX)
        fputs(" | ... (first 8 shown)", out);
}

/* The ops of the failing partition concurrent with the failing op and not in the prefix. */
static void report_text_window(const struct rast_check_result *r, const struct rast_history *h,
                               uint32_t fail, FILE *out)
{
    const struct hist_op *f = &h->ops[fail];
    const struct plan_part *part = &r->plan.parts[r->fail_part];
    uint32_t shown = 0;
    char buf[512];
    for (uint32_t i = 0; i < part->op_count && shown < REPORT_PREFIX_SHOWN; i++) {
        uint32_t id = part->ops[i].hist_op;
        const struct hist_op *op = &h->ops[id];
        bool in_prefix = false;
        for (uint32_t k = 0; k < r->prefix_count && !in_prefix; k++)
            in_prefix = r->prefix_hist[k] == id;
        if (id == fail || in_prefix || op->invoke_event > f->complete_event ||
            (op->complete_event != HIST_NONE && op->complete_event < f->invoke_event))
            continue;
        hist_op_describe(h, id, buf, sizeof buf);
        fprintf(out, "%s    %s\n", shown == 0 ? "  concurrent with it, not in the prefix:\n" : "",
                buf);
        shown++;
    }
}

static void report_text_failure(const struct rast_check_result *r, const struct rast_history *h,
                                FILE *out)
{
    const struct search_out *o = &r->outs[r->fail_part];
    char buf[512];
    uint32_t fail = report_fail_op(r);
    if (fail == HIST_NONE)
        return;
    hist_op_describe(h, fail, buf, sizeof buf);
    fprintf(out, "  cannot linearize: %s\n", buf);
    fprintf(out, "  longest consistent prefix: %" PRIu32 " ops%s\n", r->prefix_count,
            r->prefix_count > REPORT_PREFIX_SHOWN ? " (the last 20 shown)" : "");
    uint32_t from = r->prefix_count > REPORT_PREFIX_SHOWN ? r->prefix_count - REPORT_PREFIX_SHOWN
                                                          : 0;
    for (uint32_t i = from; i < r->prefix_count; i++) {
        hist_op_describe(h, r->prefix_hist[i], buf, sizeof buf);
        fprintf(out, "    %" PRIu32 ". %s\n", i + 1, buf);
    }
    fputs("  states reachable just before it: ", out);
    report_text_states(o, out);
    fputc('\n', out);
    report_text_window(r, h, fail, out);
}

static void report_text_unknown(const struct rast_check_result *r, FILE *out)
{
    const struct search_out *o = &r->outs[r->fail_part];
    const struct plan_part *part = &r->plan.parts[r->fail_part];
    fprintf(out, "  progress: %" PRIu32 " of %" PRIu32 " partitions proven linearizable; in this "
            "one %" PRIu64 " steps, %" PRIu64 " memo bytes, deepest linearization %" PRIu32
            " of %" PRIu32 " ops", r->checked, r->plan.part_count, o->steps, o->memo_bytes,
            o->depth_max, part->op_count);
    if (o->frontier_entry != HIST_NONE)
        fprintf(out, ", real-time frontier at entry %" PRIu32 " of %" PRIu32,
                o->frontier_entry + 1, part->entry_count);
    fputc('\n', out);
}

int rast_check_result_write_text(const struct rast_check_result *r, const struct rast_history *h,
                                 const char *name, FILE *out)
{
    uint32_t ops = h->op_count;
    if (r->verdict == RAST_CHECK_LINEARIZABLE) {
        fprintf(out, "%s: linearizable (model %s, initial %s, %" PRIu32 " partition%s, %" PRIu32
                " ops, %" PRIu64 " steps)\n", name, rast_check_model_name(r->model),
                r->initial_text, r->plan.part_count, r->plan.part_count == 1 ? "" : "s", ops,
                r->steps);
        return ferror(out) ? RAST_CHECK_EIO : 0;
    }
    char key[256];
    const struct plan_part *part = &r->plan.parts[r->fail_part];
    report_key(h, r, r->fail_part, key, sizeof key);
    if (r->verdict == RAST_CHECK_NOT_LINEARIZABLE)
        fprintf(out, "%s: NOT linearizable (model %s, initial %s)\n", name,
                rast_check_model_name(r->model), r->initial_text);
    else
        fprintf(out, "%s: UNKNOWN (model %s, initial %s): budget exceeded: %s (max %" PRIu64
                ")\n", name, rast_check_model_name(r->model), r->initial_text,
                r->reason == RAST_CHECK_REASON_STEPS ? "search steps" : "memo bytes",
                r->reason == RAST_CHECK_REASON_STEPS ? r->budget_steps_max : r->memo_bytes_max);
    fprintf(out, "  partition %" PRIu32 " of %" PRIu32 ": key %s, %" PRIu32 " ops (%" PRIu32
            " searched)\n", r->fail_part + 1, r->plan.part_count, key, part->hist_op_count,
            part->op_count);
    if (r->verdict == RAST_CHECK_NOT_LINEARIZABLE)
        report_text_failure(r, h, out);
    else
        report_text_unknown(r, out);
    return ferror(out) ? RAST_CHECK_EIO : 0;
}

static void report_json_failure(const struct rast_check_result *r, const struct rast_history *h,
                                FILE *out)
{
    const struct search_out *o = &r->outs[r->fail_part];
    char buf[512];
    report_key(h, r, r->fail_part, buf, sizeof buf);
    fprintf(out, ",\n  \"partition\": {\"index\": %" PRIu32 ", \"key\": ", r->fail_part);
    report_json_string(buf, out);
    fprintf(out, ", \"ops\": %" PRIu32 ", \"steps\": %" PRIu64 ", \"memo_bytes\": %" PRIu64
            ", \"depth_max\": %" PRIu32 "}", r->plan.parts[r->fail_part].hist_op_count, o->steps,
            o->memo_bytes, o->depth_max);
    uint32_t fail = report_fail_op(r);
    if (fail == HIST_NONE || r->verdict != RAST_CHECK_NOT_LINEARIZABLE)
        return;
    hist_op_describe(h, fail, buf, sizeof buf);
    fprintf(out, ",\n  \"op\": {\"id\": %" PRIu32 ", \"process\": %" PRIu64 ", \"line\": %" PRIu32
            ", \"description\": ", fail, h->ops[fail].client, h->ops[fail].complete_line);
    report_json_string(buf, out);
    fputs("},\n  \"prefix\": [", out);
    for (uint32_t i = 0; i < r->prefix_count; i++)
        fprintf(out, "%s%" PRIu32, i > 0 ? ", " : "", r->prefix_hist[i]);
    fputs("],\n  \"states\": [", out);
    const char *s = o->states_text;
    for (uint32_t i = 0; i < o->state_count; i++) {
        fputs(i > 0 ? ", " : "", out);
        report_json_string(s, out);
        s += strlen(s) + 1;
    }
    fputc(']', out);
}

int rast_check_result_write_json(const struct rast_check_result *r, const struct rast_history *h,
                                 const char *name, FILE *out)
{
    fputs("{\"file\": ", out);
    report_json_string(name, out);
    fprintf(out, ", \"verdict\": \"%s\", \"model\": \"%s\", \"initial\": ",
            report_verdict_name(r->verdict), rast_check_model_name(r->model));
    report_json_string(r->initial_text, out);
    fprintf(out, ",\n  \"ops\": %" PRIu32 ", \"partitions\": %" PRIu32
            ", \"partitions_linearizable\": %" PRIu32 ", \"steps\": %" PRIu64
            ", \"memo_bytes_peak\": %" PRIu64 ", \"reason\": \"%s\"", h->op_count,
            r->plan.part_count, r->checked, r->steps, r->memo_bytes_peak,
            report_reason_name(r->reason));
    if (r->fail_part != HIST_NONE)
        report_json_failure(r, h, out);
    fputs("}\n", out);
    return ferror(out) ? RAST_CHECK_EIO : 0;
}
