/*
 * cli_parse.c: strict number parsing for the command-line programs (cli_parse.h).
 */
#include "cli_parse.h"

#include <errno.h>
#include <stdlib.h>

bool cli_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s == 0 || *s == '-' || *s == '+' || *s == ' ')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != 0)
        return false;
    *out = (uint64_t)v;
    return true;
}

bool cli_parse_u32_range(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    uint64_t v = 0;
    if (!cli_parse_u64(s, &v) || v < lo || v > hi)
        return false;
    *out = (uint32_t)v;
    return true;
}
