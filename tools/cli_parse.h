/*
 * cli_parse.h: number parsing shared by the command-line programs in tools/. Strict: the
 * whole string must be a decimal number in range (no sign, no trailing text, no overflow).
 */
#ifndef RAST_TOOLS_CLI_PARSE_H
#define RAST_TOOLS_CLI_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* True when s is a decimal integer that fits in 64 bits; the value goes to *out. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* True when s is a decimal integer in [lo, hi]; the value goes to *out. */
bool cli_parse_u32_range(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);

#endif /* RAST_TOOLS_CLI_PARSE_H */
