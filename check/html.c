/*
 * html.c: the --html report: one self-contained page (inline CSS, no scripts, no network) with
 * the failing partition's timeline (or the budget-exhausted one; else the first partition).
 * One row per client; each op is a bar from its invocation to its completion (to the right
 * edge when it never completed), positioned by the partition's event order; the op that
 * cannot be linearized is red, ops of the longest consistent prefix carry their position in
 * it, and hovering a bar shows its details (title attribute).
 */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define HTML_EVENT_PX 18u
#define HTML_ROW_PX 26u
#define HTML_LEFT_PX 90u

void report_html_escape(const char *s, FILE *out)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out); break;
        }
    }
}

static const char html_style[] =
    "body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222}"
    "h1{font-size:18px}.meta td{padding:1px 10px 1px 0;vertical-align:top}"
    ".tl{position:relative;border-top:1px solid #ccc;margin-top:12px;overflow-x:auto}"
    ".row{position:absolute;left:0;font-weight:600;color:#555}"
    ".op{position:absolute;height:18px;border-radius:3px;font-size:11px;line-height:18px;"
    "padding:0 3px;overflow:hidden;white-space:nowrap;box-sizing:border-box;cursor:default}"
    ".op:hover{outline:2px solid #000;z-index:5;overflow:visible}"
    ".ok{background:#b9e3c6;border:1px solid #3c8d57}.fail{background:#e4e4e4;"
    "border:1px dashed #888;color:#666}.info{background:#ffe2b3;border:1px dashed #c98a1b}"
    ".bad{background:#f7b2b2;border:2px solid #c0392b;font-weight:700}"
    ".legend span{display:inline-block;padding:0 6px;margin-right:8px}";

/* Positions of the partition's events: pos[e] for history event e (HIST_NONE if not in it). */
static uint32_t *html_positions(const struct rast_check_result *r, const struct rast_history *h,
                                uint32_t part, uint32_t *count_out)
{
    uint32_t *pos = malloc(((size_t)h->event_count + 1) * sizeof *pos);
    uint32_t k = 0;
    for (uint32_t e = 0; pos != NULL && e < h->event_count; e++)
        pos[e] = r->plan.op_part[h->events[e].op] == part ? k++ : HIST_NONE;
    *count_out = k;
    return pos;
}

static int html_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted distinct clients of the partition's ops. */
static uint64_t *html_clients(const struct rast_check_result *r, const struct rast_history *h,
                              uint32_t part, uint32_t *count_out)
{
    uint64_t *c = malloc(((size_t)h->op_count + 1) * sizeof *c);
    uint32_t n = 0, u = 0;
    for (uint32_t i = 0; c != NULL && i < h->op_count; i++)
        if (r->plan.op_part[i] == part)
            c[n++] = h->ops[i].client;
    if (c != NULL)
        qsort(c, n, sizeof *c, html_cmp_u64);
    for (uint32_t i = 0; i < n; i++)
        if (u == 0 || c[u - 1] != c[i])
            c[u++] = c[i];
    *count_out = u;
    return c;
}

static uint32_t html_row(const uint64_t *clients, uint32_t count, uint64_t client)
{
    uint32_t lo = 0, hi = count;
    while (lo + 1 < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (clients[mid] <= client)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void html_label(const struct rast_history *h, const struct hist_op *op, char *buf,
                       uint32_t size)
{
    char a[64], b[64];
    hist_value_format(&h->strs, op->arg0, a, sizeof a);
    hist_value_format(&h->strs, op->arg1, b, sizeof b);
    switch (op->f) {
    case RAST_F_READ:
        hist_value_format(&h->strs, op->result, b, sizeof b);
        snprintf(buf, size, "r %s", op->outcome == RAST_OUTCOME_OK ? b : "?");
        break;
    case RAST_F_WRITE: snprintf(buf, size, "w %s", a); break;
    case RAST_F_CAS: snprintf(buf, size, "cas %s\xe2\x86\x92%s", a, b); break;
    case RAST_F_APPEND: snprintf(buf, size, "app %s", a); break;
    default: snprintf(buf, size, "%s", hist_f_name(op->f)); break;
    }
}

static void html_bar(const struct rast_check_result *r, const struct rast_history *h, uint32_t id,
                     uint32_t row, uint32_t x0, uint32_t x1, uint32_t order, FILE *out)
{
    static const char *const cls[] = {"ok", "fail", "info", "info"};
    const struct hist_op *op = &h->ops[id];
    bool bad = id == report_fail_op(r);
    char desc[512], label[160];
    hist_op_describe(h, id, desc, sizeof desc);
    html_label(h, op, label, sizeof label);
    uint32_t width = (x1 - x0) * HTML_EVENT_PX;
    fprintf(out, "<div class=\"op %s\" style=\"left:%" PRIu32 "px;top:%" PRIu32 "px;width:%"
            PRIu32 "px\" title=\"", bad ? "bad" : cls[op->outcome],
            HTML_LEFT_PX + x0 * HTML_EVENT_PX + HTML_EVENT_PX / 2, row * HTML_ROW_PX + 4,
            width < 8 ? 8 : width);
    report_html_escape(desc, out);
    if (order > 0)
        fprintf(out, "&#10;position %" PRIu32 " in the longest consistent prefix", order);
    if (bad)
        fputs("&#10;cannot be linearized", out);
    fputs("\">", out);
    if (order > 0)
        fprintf(out, "<b>%" PRIu32 ".</b> ", order);
    report_html_escape(label, out);
    fputs("</div>\n", out);
}

static void html_header(const struct rast_check_result *r, const struct rast_history *h,
                        const char *name, uint32_t part, FILE *out)
{
    char key[256], desc[512];
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>rast-check: ", out);
    report_html_escape(name, out);
    fprintf(out, "</title><style>%s</style></head><body>\n<h1>", html_style);
    report_html_escape(name, out);
    fprintf(out, ": %s</h1>\n<table class=\"meta\"><tr><td>model</td><td>%s (initial ",
            report_verdict_name(r->verdict), rast_check_model_name(r->model));
    report_html_escape(r->initial_text, out);
    report_key(h, r, part, key, sizeof key);
    fprintf(out, ")</td></tr><tr><td>partition</td><td>%" PRIu32 " of %" PRIu32 ", key ",
            part + 1, r->plan.part_count);
    report_html_escape(key, out);
    fputs("</td></tr>\n", out);
    uint32_t fail = report_fail_op(r);
    if (fail != HIST_NONE && r->verdict == RAST_CHECK_NOT_LINEARIZABLE) {
        hist_op_describe(h, fail, desc, sizeof desc);
        fputs("<tr><td>cannot linearize</td><td>", out);
        report_html_escape(desc, out);
        fputs("</td></tr><tr><td>states just before it</td><td>", out);
        const char *s = r->outs[part].states_text;
        for (uint32_t i = 0; i < r->outs[part].state_count; i++, s += strlen(s) + 1) {
            fputs(i > 0 ? " | " : "", out);
            report_html_escape(s, out);
        }
        fprintf(out, "</td></tr><tr><td>consistent prefix</td><td>%" PRIu32 " ops (numbered "
                "in linearization order)</td></tr>\n", r->prefix_count);
    }
    fputs("</table>\n<p class=\"legend\"><span class=\"ok\">ok</span><span class=\"fail\">"
          "fail</span><span class=\"info\">info / no completion</span><span class=\"bad\">"
          "cannot be linearized</span> hover a bar for details</p>\n", out);
}

int rast_check_result_write_html(const struct rast_check_result *r, const struct rast_history *h,
                                 const char *name, FILE *out)
{
    uint32_t part = r->fail_part != HIST_NONE ? r->fail_part : 0;
    uint32_t event_count = 0, client_count = 0;
    if (r->plan.part_count == 0) {
        fputs("<!DOCTYPE html>\n<html><body><p>empty history</p></body></html>\n", out);
        return ferror(out) ? RAST_CHECK_EIO : 0;
    }
    uint32_t *pos = html_positions(r, h, part, &event_count);
    uint64_t *clients = html_clients(r, h, part, &client_count);
    uint32_t *order = calloc((size_t)h->op_count + 1, sizeof *order);
    if (pos == NULL || clients == NULL || order == NULL) {
        free(pos);
        free(clients);
        free(order);
        return RAST_CHECK_ENOMEM;
    }
    if (part == r->fail_part)
        for (uint32_t i = 0; i < r->prefix_count; i++)
            order[r->prefix_hist[i]] = i + 1;
    html_header(r, h, name, part, out);
    fprintf(out, "<div class=\"tl\" style=\"height:%" PRIu32 "px;width:%" PRIu32 "px\">\n",
            client_count * HTML_ROW_PX + 8, HTML_LEFT_PX + (event_count + 1) * HTML_EVENT_PX);
    for (uint32_t c = 0; c < client_count; c++)
        fprintf(out, "<div class=\"row\" style=\"top:%" PRIu32 "px\">client %" PRIu64 "</div>\n",
                c * HTML_ROW_PX + 4, clients[c]);
    for (uint32_t i = 0; i < h->op_count; i++) {
        if (r->plan.op_part[i] != part)
            continue;
        const struct hist_op *op = &h->ops[i];
        uint32_t x1 = op->complete_event != HIST_NONE ? pos[op->complete_event] : event_count;
        html_bar(r, h, i, html_row(clients, client_count, op->client), pos[op->invoke_event], x1,
                 order[i], out);
    }
    fputs("</div>\n</body></html>\n", out);
    free(pos);
    free(clients);
    free(order);
    return ferror(out) ? RAST_CHECK_EIO : 0;
}
