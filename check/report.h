/*
 * report.h: helpers shared by the text, JSON and HTML reports.
 */
#ifndef RAST_CHECK_REPORT_H
#define RAST_CHECK_REPORT_H

#include "result.h"

/* Writes s[0..size) escaped for a JSON string (without quotes). */
void report_json_escape(const char *s, size_t size, FILE *out);
/* Writes s escaped for HTML text or attributes. */
void report_html_escape(const char *s, FILE *out);
/* The partition key as text ("nil", "12", "\"k\""). */
void report_key(const struct rast_history *h, const struct rast_check_result *r, uint32_t part,
                char *buf, uint32_t size);
/* The history op id that cannot be linearized in the failing partition, or HIST_NONE. */
uint32_t report_fail_op(const struct rast_check_result *r);
/* "linearizable", "not-linearizable", "unknown". */
const char *report_verdict_name(uint32_t verdict);
/* "steps", "memo-bytes", "none". */
const char *report_reason_name(uint32_t reason);

#endif /* RAST_CHECK_REPORT_H */
