/* aoffile.h -- the on-disk formats of Redis 7.0's multi-part append-only
 * file: the manifest, file names, and the command stream reader.
 *
 * Pure (layer 1 plus resp.c): the server (aof.c) and the checker
 * (castor-check-aof) share it, and unit tests drive it without a server. */
#ifndef CASTOR_AOFFILE_H
#define CASTOR_AOFFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "resp.h"
#include "str.h"

/* ---- Manifest ---- */

#define AOF_TYPE_BASE 'b'
#define AOF_TYPE_HIST 'h'
#define AOF_TYPE_INCR 'i'

typedef struct aof_part {
    char *name; /* a base name, never a path */
    long long seq;
    char type; /* AOF_TYPE_* */
} aof_part;

/* The list of files that make up the AOF, in load order: the base (if
 * any), then the incremental files. History files wait for deletion. */
typedef struct aof_manifest {
    aof_part *base; /* NULL if none */
    aof_part *incr;
    size_t incr_len, incr_cap;
    aof_part *hist;
    size_t hist_len, hist_cap;
    long long base_seq, incr_seq; /* highest sequence numbers handed out */
} aof_manifest;

aof_manifest *aoffile_manifest_new(void) MUST_USE;
void aoffile_manifest_free(aof_manifest *m);
aof_manifest *aoffile_manifest_dup(const aof_manifest *m) MUST_USE;
/* Parse manifest text with Redis's rules and error texts. NULL on error
 * with *err (caller frees) and *errline (1-based, 0 if none) set, and
 * *line (caller frees, may be NULL) holding the offending line. */
aof_manifest *aoffile_manifest_parse(const char *text, size_t len, str **err, int *errline,
                                     str **line) MUST_USE;
/* The manifest text: base, then history, then incremental files. Caller frees. */
str *aoffile_manifest_format(const aof_manifest *m) MUST_USE;

/* New file names (Redis's naming): "<prefix>.<seq>.base.rdb|aof" and
 * "<prefix>.<seq>.incr.aof". The new base replaces the current one, which
 * becomes history; the new incr goes last. Return the borrowed name. */
const char *aoffile_new_base(aof_manifest *m, const char *prefix, bool rdb);
const char *aoffile_new_incr(aof_manifest *m, const char *prefix);
/* Every incr file except the last 'keep' becomes history (after a rewrite). */
void aoffile_incr_to_history(aof_manifest *m, size_t keep);
/* Append a part of the given type (for building manifests by hand). */
void aoffile_add(aof_manifest *m, const char *name, long long seq, char type);
/* Forget the history list (the files are deleted by the caller). */
void aoffile_clear_history(aof_manifest *m);

/* ---- Command stream ---- */

typedef enum {
    AOFREAD_CMD,       /* argc and argv hold one command */
    AOFREAD_EOF,       /* clean end of file */
    AOFREAD_TRUNCATED, /* the file ends inside a command */
    AOFREAD_FORMAT,    /* bytes that are not an AOF command */
    AOFREAD_IOERR      /* read error (errno) */
} aofread_status;

/* Reads "*<n>\r\n$<len>\r\n<bytes>\r\n..." commands from a FILE positioned
 * at 'start' (the byte offset of the first command), skipping "#..."
 * annotation lines as Redis does. */
typedef struct aof_reader {
    FILE *fp;
    str *buf;
    size_t pos;    /* start of the unparsed bytes in buf */
    off_t buf_off; /* file offset of buf->buf[0] */
    bool eof;
    resp_parser parser;
    slice *argv;
    int argv_cap;
} aof_reader;

void aofread_init(aof_reader *r, FILE *fp, off_t start);
void aofread_clear(aof_reader *r);
/* Next command. On AOFREAD_CMD, argv points into the reader's buffer
 * (borrowed: valid until the next call; each argument is NUL-terminated). */
aofread_status aofread_next(aof_reader *r, int *argc, slice **argv);
/* File offset of the first byte not yet parsed: just past the last command
 * returned and any whole annotation lines after it (or 'start'). */
off_t aofread_offset(const aof_reader *r);

/* Does the file start with the RDB magic "REDIS"? */
bool aoffile_is_rdb(FILE *fp);

#endif
