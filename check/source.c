/*
 * source.c: file loading and error locations for the readers (see source.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int source_verror(struct rast_check_error *err, const char *name, const char *buf, uint64_t len,
                  uint64_t offset, const char *fmt, va_list ap)
{
    if (err == NULL)
        return RAST_CHECK_EPARSE;
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", name != NULL ? name : "(input)");
    if (offset > len)
        offset = len;
    uint32_t line = 1;
    uint64_t line_start = 0;
    for (uint64_t i = 0; i < offset; i++) {
        if (buf[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    }
    err->line = line;
    err->column = (uint32_t)(offset - line_start + 1);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return RAST_CHECK_EPARSE;
}

int source_error(struct rast_check_error *err, const char *name, const char *buf, uint64_t len,
                 uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = source_verror(err, name, buf, len, offset, fmt, ap);
    va_end(ap);
    return rc;
}

void source_found(const char *buf, uint64_t len, uint64_t offset, char *out, uint32_t size)
{
    if (offset >= len) {
        snprintf(out, size, "end of input");
        return;
    }
    unsigned char c = (unsigned char)buf[offset];
    if (c >= 0x21 && c < 0x7f)
        snprintf(out, size, "'%c'", c);
    else if (c == '\n')
        snprintf(out, size, "end of line");
    else if (c == ' ' || c == '\t')
        snprintf(out, size, "whitespace");
    else
        snprintf(out, size, "byte 0x%02x", c);
}

/* The first buffer size for f: room for the whole of a regular file and the read that finds
 * its end (no realloc copying the text as it grows), else a guess. */
static uint64_t source_first_cap(FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > (UINT64_C(1) << 40))
        return 131072;
    return (uint64_t)st.st_size + 65536 + 2;
}

int source_read_file(const char *path, char **buf_out, uint64_t *len_out,
                     struct rast_check_error *err)
{
    *buf_out = NULL;
    *len_out = 0;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    uint64_t len = 0, cap = 0;
    int rc = 0;
    if (f == NULL) {
        rc = RAST_CHECK_EIO;
        goto fail_open;
    }
    for (;;) {
        if (len + 65536 + 1 > cap) {
            cap = cap == 0 ? source_first_cap(f) : cap * 2;
            char *p = realloc(buf, cap);
            if (p == NULL) {
                rc = RAST_CHECK_ENOMEM;
                goto fail_read;
            }
            buf = p;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f))
        rc = RAST_CHECK_EIO;
fail_read:
    fclose(f);
fail_open:
    if (rc != 0) {
        int e = errno;
        free(buf);
        if (err != NULL) {
            memset(err, 0, sizeof *err);
            snprintf(err->file, sizeof err->file, "%s", path);
            snprintf(err->message, sizeof err->message, "cannot read: %s",
                     rc == RAST_CHECK_ENOMEM ? "out of memory" : strerror(e));
        }
        return rc;
    }
    buf[len] = '\0';
    *buf_out = buf;
    *len_out = len;
    return 0;
}
