/*
 * source.h: input text shared by the readers: loading a file whole, locating a byte offset as
 * line and column (both from 1, columns in bytes), and filling struct rast_check_error.
 */
#ifndef RAST_CHECK_SOURCE_H
#define RAST_CHECK_SOURCE_H

#include "rast_check.h"

#include <stdarg.h>

/* Fills err (if not NULL) for name at offset of buf; returns RAST_CHECK_EPARSE. */
int source_verror(struct rast_check_error *err, const char *name, const char *buf, uint64_t len,
                  uint64_t offset, const char *fmt, va_list ap);
int source_error(struct rast_check_error *err, const char *name, const char *buf, uint64_t len,
                 uint64_t offset, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Describes the byte at offset for "found ..." messages: "end of input", "'x'", "byte 0x01". */
void source_found(const char *buf, uint64_t len, uint64_t offset, char *out, uint32_t size);
/* Reads a whole file (NUL-terminated copy). Errors: EIO (err names the file), ENOMEM. */
int source_read_file(const char *path, char **buf_out, uint64_t *len_out,
                     struct rast_check_error *err);

#endif /* RAST_CHECK_SOURCE_H */
