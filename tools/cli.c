/*
 * cli.c: helpers shared by the command-line programs (cli.h).
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
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

int cli_read_file(const char *path, size_t max_bytes, uint8_t **data_out, size_t *size_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t capacity = 1u << 16, used = 0;
    uint8_t *buf = malloc(capacity + 1);
    while (buf != NULL && used <= max_bytes) {
        if (used == capacity) {
            uint8_t *grown = realloc(buf, capacity * 2 + 1);
            if (grown == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            capacity *= 2;
        }
        size_t n = fread(buf + used, 1, capacity - used, f);
        used += n;
        if (n == 0)
            break;
    }
    bool bad = buf == NULL || ferror(f) || used > max_bytes;
    fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    buf[used] = 0;
    *data_out = buf;
    *size_out = used;
    return 0;
}
