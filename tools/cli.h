/*
 * cli.h: helpers shared by the command-line programs in tools/: strict number parsing (the
 * whole string must be a decimal number in range: no sign, no trailing text, no overflow) and
 * reading a whole file.
 */
#ifndef RAST_TOOLS_CLI_H
#define RAST_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Choice logs and other inputs the tools read whole are refused beyond this size. */
#define CLI_FILE_BYTES_MAX (1u << 30)

/* True when s is a decimal integer that fits in 64 bits; the value goes to *out. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* True when s is a decimal integer in [lo, hi]; the value goes to *out. */
bool cli_parse_u32_range(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);

/* Reads the whole file at path into a malloc'ed buffer (*data_out, owned by the caller, one
 * spare NUL byte after the data) of *size_out bytes. Returns 0, or -1 when the file cannot be
 * opened or read, or holds more than max_bytes. */
int cli_read_file(const char *path, size_t max_bytes, uint8_t **data_out, size_t *size_out);

#endif /* RAST_TOOLS_CLI_H */
