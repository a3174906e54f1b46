/* aof.c -- the append-only file, as Redis 7.0's multi-part AOF.
 *
 * The AOF is a folder (appenddirname) holding a manifest, one base file (an
 * RDB with the aof-base aux field, or AOF commands) and incremental files
 * of commands. What is appended is the propagated effect stream
 * (DESIGN.md): propagate.c hands every effect to aof_feed(), which encodes
 * it into a buffer; the before-sleep hook writes the buffer before any
 * reply of that loop turn is written, and with appendfsync always also
 * fsyncs it, so an acknowledged write is on disk. everysec hands the fsync
 * to a background thread at most once a second; no leaves it to the OS.
 *
 * A rewrite (BGREWRITEAOF, automatic growth, CONFIG SET appendonly yes)
 * opens a new incremental file at once in the parent and forks a child
 * (child.c) that writes a new base from the dataset. When the child
 * succeeds the parent renames the base into place, writes the manifest
 * atomically (temp, fsync, rename, directory fsync) and deletes the files
 * the new base replaced. Until then the old base and incremental files
 * stay valid, so a crash at any point leaves a loadable AOF.
 *
 * Not here: file formats (aoffile.c), value encodings (rdb_types.c), forking
 * (child.c). Spec: Redis 7.0's aof.c behaviour, texts and file names.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "aof.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aoffile.h"
#include "child.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "function.h"
#include "dict.h"
#include "kv.h"
#include "log.h"
#include "mem.h"
#include "multi.h"
#include "propagate.h"
#include "rdb.h"
#include "reply.h"
#include "resp.h"
#include "server.h"
#include "util.h"

enum { AOF_OFF, AOF_ON, AOF_WAIT_REWRITE };
enum { LOAD_OK, LOAD_NOT_EXIST, LOAD_EMPTY, LOAD_OPEN_ERR, LOAD_FAILED, LOAD_TRUNCATED };

static int state = AOF_OFF;
static aof_manifest *manifest;      /* what is on disk */
static int aof_fd = -1;             /* the incr file being appended to */
static int selected_db = -1;        /* db of the last command in the buffer */
static str *abuf;                   /* effects not yet written */
static long long current_size;      /* bytes of base + incr files */
static long long last_incr_size;    /* bytes of the open incr file */
static long long rewrite_base_size; /* current_size after the last rewrite */
static long long fsync_offset;      /* current_size at the last fsync */
static time_t last_fsync;
static time_t flush_postponed_start;
static bool write_ok = true;
static int write_errno;
static long long delayed_fsync;

/* Rewrites. */
static bool scheduled;
static pid_t rewrite_pid = -1;
static bool rewrite_rdb; /* the child writes an RDB base */
static time_t rewrite_start = -1;
static time_t last_rewrite_secs = -1;
static bool last_rewrite_ok = true;
static long long rewrites, consecutive_failures;

static time_t now_sec(void) { return (time_t)(srv.mstime / 1000); }

static str *path_in_dir(const char *name) { return str_fmt("%s/%s", cfg.appenddirname, name); }

static bool file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool dir_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int make_dir(void) {
    if (mkdir(cfg.appenddirname, 0755) == -1 && errno != EEXIST) return -1;
    return dir_exists(cfg.appenddirname) ? 0 : -1;
}

static int fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd == -1) return -1;
    int rc = fsync(fd);
    /* Some file systems can't fsync a directory; that is not an error. */
    if (rc == -1 && (errno == EINVAL || errno == EBADF)) rc = 0;
    close(fd);
    return rc;
}

static long long file_size(const char *name) {
    str *path = path_in_dir(name);
    struct stat st;
    long long size = stat(path->buf, &st) == 0 ? (long long)st.st_size : 0;
    str_free(path);
    return size;
}

/* ---- Manifest on disk ---- */

/* Write 'm' as the manifest: temp file, fsync, rename, fsync of the
 * directory (which also makes new AOF files in it durable). 0 or -1. */
static int persist_manifest(const aof_manifest *m) {
    str *text = aoffile_manifest_format(m);
    str *name = str_fmt("%s.manifest", cfg.appendfilename);
    str *tmpname = str_fmt("temp-%s.manifest", cfg.appendfilename);
    str *path = path_in_dir(name->buf), *tmppath = path_in_dir(tmpname->buf);
    int rc = -1;
    int fd = open(tmppath->buf, O_WRONLY | O_TRUNC | O_CREAT, 0644);
    if (fd == -1) {
        log_msg(LOG_WARNING, "Can't open the AOF manifest file %s: %s", tmpname->buf,
                strerror(errno));
        goto done;
    }
    if (util_write_all(fd, text->buf, text->len) != (ssize_t)text->len) {
        log_msg(LOG_WARNING, "Error trying to write the temporary AOF manifest file %s: %s",
                tmpname->buf, strerror(errno));
        goto done;
    }
    if (fsync(fd) == -1) {
        log_msg(LOG_WARNING, "Fail to fsync the temp AOF file %s: %s.", tmpname->buf,
                strerror(errno));
        goto done;
    }
    if (rename(tmppath->buf, path->buf) == -1) {
        log_msg(LOG_WARNING,
                "Error trying to rename the temporary AOF manifest file %s into %s: %s",
                tmpname->buf, name->buf, strerror(errno));
        goto done;
    }
    if (fsync_dir(cfg.appenddirname) == -1) {
        log_msg(LOG_WARNING, "Fail to fsync AOF directory %s: %s.", path->buf, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    if (fd != -1) close(fd);
    str_free(text);
    str_free(name);
    str_free(tmpname);
    str_free(path);
    str_free(tmppath);
    return rc;
}

/* Read the manifest at start. A missing folder or manifest is an empty
 * AOF; a bad one stops the server with Redis's report. */
static aof_manifest *load_manifest(void) {
    if (!dir_exists(cfg.appenddirname)) return aoffile_manifest_new();
    str *name = str_fmt("%s.manifest", cfg.appendfilename);
    str *path = path_in_dir(name->buf);
    str_free(name);
    if (!file_exists(path->buf)) {
        str_free(path);
        return aoffile_manifest_new();
    }
    FILE *f = fopen(path->buf, "r");
    if (f == NULL) {
        log_msg(LOG_WARNING, "Fatal error: can't open the AOF manifest file %s for reading: %s",
                path->buf, strerror(errno));
        exit(1);
    }
    str *text = str_new(NULL, 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) text = str_cat(text, chunk, n);
    bool failed = ferror(f);
    fclose(f);
    str *err = NULL, *line = NULL;
    int lineno = 0;
    aof_manifest *m =
        failed ? NULL : aoffile_manifest_parse(text->buf, text->len, &err, &lineno, &line);
    str_free(text);
    str_free(path);
    if (m == NULL) {
        log_msg(LOG_WARNING, "\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
        if (line) {
            log_msg(LOG_WARNING, "Reading the manifest file, at line %d\n", lineno);
            log_msg(LOG_WARNING, ">>> '%s'\n", line->buf);
        }
        log_msg(LOG_WARNING, "%s\n", err ? err->buf : "Read AOF manifest failed");
        exit(1);
    }
    return m;
}

/* Delete the files a rewrite replaced, and drop them from the manifest;
 * with aof-disable-auto-gc yes they stay (listed as history). */
static int delete_history(void) {
    if (manifest == NULL || manifest->hist_len == 0 || cfg.aof_disable_auto_gc) return 0;
    for (size_t i = 0; i < manifest->hist_len; i++) {
        log_msg(LOG_NOTICE, "Removing the history file %s in the background",
                manifest->hist[i].name);
        str *path = path_in_dir(manifest->hist[i].name);
        unlink(path->buf);
        str_free(path);
    }
    aoffile_clear_history(manifest);
    return persist_manifest(manifest);
}

void aof_apply_auto_gc(void) {
    if (!cfg.aof_disable_auto_gc) delete_history();
}

/* ---- Background fsync ---- */

/* One thread fsyncs (and closes, for a replaced incr file) so the event
 * loop never waits for the disk under everysec. Jobs live in a fixed ring:
 * the thread never allocates. */
#define BIO_SLOTS 64

typedef struct bio_job {
    int fd;
    bool close;
} bio_job;

static pthread_mutex_t bio_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bio_cv = PTHREAD_COND_INITIALIZER;
static bio_job bio_ring[BIO_SLOTS];
static int bio_head, bio_len;
static int bio_fsyncs; /* fsync jobs queued or running (not closes) */
static int bio_errno;  /* errno of the last failed background fsync, 0 if fine */
static bool bio_started;

static void run_job(bio_job j) {
    int rc = fdatasync(j.fd);
    int err = rc == -1 && errno != EBADF && errno != EINVAL ? errno : 0;
    if (j.close) close(j.fd);
    pthread_mutex_lock(&bio_mu);
    bio_errno = err;
    pthread_mutex_unlock(&bio_mu);
}

static void *bio_main(void *arg) {
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&bio_mu);
    for (;;) {
        while (bio_len == 0) pthread_cond_wait(&bio_cv, &bio_mu);
        bio_job j = bio_ring[bio_head];
        pthread_mutex_unlock(&bio_mu);
        run_job(j);
        pthread_mutex_lock(&bio_mu);
        bio_head = (bio_head + 1) % BIO_SLOTS;
        bio_len--;
        if (!j.close) bio_fsyncs--;
    }
    return NULL;
}

static void bio_submit(int fd, bool close_after) {
    if (!bio_started) {
        pthread_t t;
        if (pthread_create(&t, NULL, bio_main, NULL) == 0) {
            pthread_detach(t);
            bio_started = true;
        }
    }
    pthread_mutex_lock(&bio_mu);
    if (!bio_started || bio_len == BIO_SLOTS) {
        /* No thread or a full queue: do it here rather than lose it. */
        pthread_mutex_unlock(&bio_mu);
        run_job((bio_job){fd, close_after});
        return;
    }
    bio_ring[(bio_head + bio_len) % BIO_SLOTS] = (bio_job){fd, close_after};
    bio_len++;
    if (!close_after) bio_fsyncs++;
    pthread_cond_signal(&bio_cv);
    pthread_mutex_unlock(&bio_mu);
}

static int bio_pending_fsyncs(void) {
    pthread_mutex_lock(&bio_mu);
    int n = bio_fsyncs;
    pthread_mutex_unlock(&bio_mu);
    return n;
}

static int bio_last_errno(void) {
    pthread_mutex_lock(&bio_mu);
    int e = bio_errno;
    pthread_mutex_unlock(&bio_mu);
    return e;
}

static void bio_clear_errno(void) {
    pthread_mutex_lock(&bio_mu);
    bio_errno = 0;
    pthread_mutex_unlock(&bio_mu);
}

/* ---- Feeding and writing ---- */

static bool feeding(void) {
    return state == AOF_ON || (state == AOF_WAIT_REWRITE && child_type() == CHILD_AOF);
}

/* Append one command in RESP multibulk form. */
static long long flush_sleep_us; /* DEBUG AOF-FLUSH-SLEEP */

void aof_debug_set_flush_sleep(long long us) { flush_sleep_us = us; }

/* The last "#TS:" annotation written (aof-timestamp-enabled). */
static long long annotated_sec;

void aof_feed(int dbid, int argc, const slice *argv) {
    if (!feeding()) return;
    /* With aof-timestamp-enabled, "#TS:<unix time>" before the first
     * command of each new second, as Redis (redis-check-aof --truncate-to-
     * timestamp cuts there). */
    if (cfg.aof_timestamp_enabled && srv.mstime / 1000 > annotated_sec) {
        annotated_sec = srv.mstime / 1000;
        abuf = str_catfmt(abuf, "#TS:%lld\r\n", annotated_sec);
    }
    if (dbid != -1 && dbid != selected_db) {
        abuf = resp_cat_select(abuf, dbid);
        selected_db = dbid;
    }
    abuf = resp_cat_command(abuf, argc, argv);
}

/* Write the buffer and fsync by policy (Redis's flushAppendOnlyFile).
 * Under everysec a write waits up to two seconds for a running background
 * fsync (write(2) would block behind it anyway) unless 'force'. */
static void flush_aof(bool force) {
    if (aof_fd == -1) return;
    time_t now = now_sec();
    bool sync_in_progress = false;
    if (abuf->len == 0) {
        /* Nothing new, but an everysec fsync may still be owed. */
        if (cfg.appendfsync == APPENDFSYNC_EVERYSEC && fsync_offset != current_size &&
            now > last_fsync && !(sync_in_progress = bio_pending_fsyncs() > 0))
            goto try_fsync;
        return;
    }
    if (cfg.appendfsync == APPENDFSYNC_EVERYSEC) sync_in_progress = bio_pending_fsyncs() > 0;
    if (cfg.appendfsync == APPENDFSYNC_EVERYSEC && !force && sync_in_progress) {
        if (flush_postponed_start == 0) {
            flush_postponed_start = now;
            return;
        } else if (now - flush_postponed_start < 2) {
            return;
        }
        delayed_fsync++;
        log_msg(
            LOG_NOTICE,
            "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.");
    }
    /* DEBUG AOF-FLUSH-SLEEP: tests widen the window before the write. */
    if (flush_sleep_us > 0) usleep((useconds_t)flush_sleep_us);
    ssize_t nwritten = util_write_all(aof_fd, abuf->buf, abuf->len);
    flush_postponed_start = 0;
    if (nwritten != (ssize_t)abuf->len) {
        static time_t last_log;
        bool can_log = now - last_log > 30;
        if (can_log) last_log = now;
        if (nwritten == -1) {
            if (can_log) log_msg(LOG_WARNING, "Error writing to the AOF file: %s", strerror(errno));
            write_errno = errno;
        } else {
            if (can_log)
                log_msg(LOG_WARNING,
                        "Short write while writing to the AOF file: (nwritten=%lld, expected=%lld)",
                        (long long)nwritten, (long long)abuf->len);
            if (ftruncate(aof_fd, last_incr_size) == -1) {
                if (can_log)
                    log_msg(
                        LOG_WARNING,
                        "Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: %s",
                        strerror(errno));
            } else {
                nwritten = -1; /* nothing partial is left in the file */
            }
            write_errno = ENOSPC;
        }
        if (cfg.appendfsync == APPENDFSYNC_ALWAYS) {
            /* Replies already in output buffers can't be taken back. */
            log_msg(
                LOG_WARNING,
                "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
            exit(1);
        }
        write_ok = false;
        if (nwritten > 0) {
            current_size += nwritten;
            last_incr_size += nwritten;
            str_consume(abuf, (size_t)nwritten);
        }
        return;
    }
    if (!write_ok) {
        log_msg(LOG_WARNING, "AOF write error looks solved, Redis can write again.");
        write_ok = true;
    }
    current_size += nwritten;
    last_incr_size += nwritten;
    if (abuf->cap < 4000) {
        str_setlen(abuf, 0);
    } else {
        str_free(abuf);
        abuf = str_new(NULL, 0);
    }
try_fsync:
    if (cfg.no_appendfsync_on_rewrite && child_active()) return;
    if (cfg.appendfsync == APPENDFSYNC_ALWAYS) {
        if (fdatasync(aof_fd) == -1) {
            log_msg(
                LOG_WARNING,
                "Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. Exiting...",
                strerror(errno));
            exit(1);
        }
        fsync_offset = current_size;
        last_fsync = now;
    } else if (cfg.appendfsync == APPENDFSYNC_EVERYSEC && now > last_fsync) {
        if (!sync_in_progress) {
            bio_submit(aof_fd, false);
            fsync_offset = current_size;
        }
        last_fsync = now;
    }
}

void aof_flush_before_sleep(void) {
    if (state != AOF_OFF) flush_aof(false);
}

void aof_flush_before_reply(void) {
    if (state != AOF_OFF && abuf->len && cfg.appendfsync == APPENDFSYNC_ALWAYS) flush_aof(false);
}

size_t aof_buffer_size(void) { return abuf ? str_alloc_size(abuf) : 0; }

/* ---- Writing a base ---- */

static void cat_function_load(void *priv, const char *code, size_t len) {
    str **out = priv;
    slice argv[3] = {slice_of("FUNCTION", 8), slice_of("LOAD", 4), slice_of(code, len)};
    *out = resp_cat_command(*out, 3, argv);
}

/* The dataset as commands (aof-use-rdb-preamble no): first a FUNCTION LOAD
 * per library, then the keys. Strings are SET; other types are RESTOREd
 * from their DUMP payload, so this file never looks inside a value
 * encoding (DESIGN.md). TTLs follow as PEXPIREAT. */
static int write_commands(FILE *fp) {
    str *out = str_new_cap(64 * 1024);
    int rc = 0;
    /* A rewrite in commands starts with the time it was made. */
    if (cfg.aof_timestamp_enabled) out = str_catfmt(out, "#TS:%lld\r\n", srv.mstime / 1000);
    function_foreach_code(cat_function_load, &out);
    for (int j = 0; j < srv.ndbs && rc == 0; j++) {
        db *d = db_get(j);
        if (db_size(d) == 0) continue;
        out = resp_cat_select(out, j);
        dict_iter it;
        dict_iter_init(&it, d->keys);
        kv *e;
        while ((e = dict_iter_next(&it)) != NULL) {
            size_t klen, vlen;
            const char *key = kv_key(e, &klen);
            if (e->type == KV_STRING) {
                char num[UTIL_LLSTR_SIZE];
                const char *v = kv_str(e, num, &vlen);
                slice argv[3] = {slice_of("SET", 3), slice_of(key, klen), slice_of(v, vlen)};
                out = resp_cat_command(out, 3, argv);
            } else {
                str *payload = rdb_dump_value(e);
                slice argv[4] = {slice_of("RESTORE", 7), slice_of(key, klen), slice_of("0", 1),
                                 slice_of(payload->buf, payload->len)};
                out = resp_cat_command(out, 4, argv);
                str_free(payload);
            }
            if (kv_has_expire(e)) {
                char ms[UTIL_LLSTR_SIZE];
                size_t mslen = util_ll2str(ms, kv_expire(e));
                slice argv[3] = {slice_of("PEXPIREAT", 9), slice_of(key, klen),
                                 slice_of(ms, mslen)};
                out = resp_cat_command(out, 3, argv);
            }
            if (out->len >= 64 * 1024) {
                if (fwrite(out->buf, 1, out->len, fp) != out->len) {
                    rc = -1;
                    break;
                }
                str_setlen(out, 0);
            }
        }
        dict_iter_done(&it);
    }
    if (rc == 0 && out->len && fwrite(out->buf, 1, out->len, fp) != out->len) rc = -1;
    str_free(out);
    return rc;
}

/* Write a base file of the whole dataset to 'path' and fsync it. 'rdb'
 * picks the RDB form. 0, or -1 with errno (the file is removed). */
static int write_base(const char *path, bool rdb) {
    FILE *fp = fopen(path, "w");
    if (fp == NULL) return -1;
    int rc;
    if (rdb) {
        rio r;
        rio_init_file(&r, fp);
        /* Redis's REDIS_AUTOSYNC_BYTES steps for a rewrite's base. */
        if (cfg.aof_rewrite_incremental_fsync) r.io.file.fsync_every = 4 * 1024 * 1024;
        rdb_info info;
        rdb_info_init(&info);
        info.aof_base = true;
        str *err = NULL;
        rc = rdb_save_rio(&r, &info, &err);
        if (rc != 0) {
            log_msg(LOG_WARNING, "Write error writing the RDB base: %s", err ? err->buf : "?");
            str_free(err);
            if (errno == 0) errno = EIO;
        }
    } else {
        rc = write_commands(fp);
    }
    if (rc == 0 && (fflush(fp) != 0 || fsync(fileno(fp)) != 0)) rc = -1;
    int saved = errno;
    if (fclose(fp) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        unlink(path);
        errno = saved;
    }
    return rc;
}

static str *temp_base_path(pid_t pid) {
    str *name = str_fmt("temp-rewriteaof-bg-%d.aof", (int)pid);
    str *path = path_in_dir(name->buf);
    str_free(name);
    return path;
}

static str *temp_incr_name(void) { return str_fmt("temp-%s.incr", cfg.appendfilename); }

/* Write a base synchronously (start-up with no AOF yet) under 'name'. */
static int rewrite_now(const char *name) {
    str *tmp = temp_base_path(getpid());
    str *path = path_in_dir(name);
    int rc = write_base(tmp->buf, cfg.aof_use_rdb_preamble);
    if (rc != 0) {
        log_msg(LOG_WARNING, "Write error writing append only file on disk: %s", strerror(errno));
    } else if (rename(tmp->buf, path->buf) == -1) {
        log_msg(LOG_WARNING, "Error moving temp append only file on the final destination: %s",
                strerror(errno));
        unlink(tmp->buf);
        rc = -1;
    }
    str_free(tmp);
    str_free(path);
    return rc;
}

/* ---- Background rewrite ---- */

/* Open the file that takes appends while the child writes the new base:
 * a new incr file listed in the manifest (AOF on), or a temp incr file
 * (the AOF is being switched on and has no base yet). 0 or -1. */
static int open_new_incr(void) {
    if (state == AOF_OFF) return 0;
    aof_manifest *m = NULL;
    str *name;
    if (state == AOF_WAIT_REWRITE) {
        name = temp_incr_name();
    } else {
        m = aoffile_manifest_dup(manifest);
        name = str_from(aoffile_new_incr(m, cfg.appendfilename));
    }
    str *path = path_in_dir(name->buf);
    /* O_APPEND: after ftruncate() of a short write, appends go to the end. */
    int fd = open(path->buf, O_WRONLY | O_TRUNC | O_CREAT | O_APPEND, 0644);
    str_free(path);
    if (fd == -1) {
        log_msg(LOG_WARNING, "Can't open the append-only file %s: %s", name->buf, strerror(errno));
        goto fail;
    }
    if (m && persist_manifest(m) == -1) goto fail;
    log_msg(LOG_NOTICE, "Creating AOF incr file %s on background rewrite", name->buf);
    str_free(name);
    if (aof_fd != -1) {
        /* Everything in it is written; under always also synced. */
        bio_submit(aof_fd, true);
        fsync_offset = current_size;
        last_fsync = now_sec();
    }
    aof_fd = fd;
    last_incr_size = 0;
    if (m) {
        aoffile_manifest_free(manifest);
        manifest = m;
    }
    return 0;
fail:
    if (fd != -1) close(fd);
    str_free(name);
    aoffile_manifest_free(m);
    return -1;
}

static void child_rewrite(void) {
    str *tmp = temp_base_path(getpid());
    child_set_temp_file(tmp->buf);
    if (write_base(tmp->buf, rewrite_rdb) == 0) {
        log_msg(LOG_NOTICE, "Successfully created the temporary AOF base file %s", tmp->buf);
        child_exit(0);
    }
    log_msg(LOG_WARNING, "Write error writing append only file on disk: %s", strerror(errno));
    child_exit(1);
}

static void rewrite_done(int exitcode, int bysignal);

/* Start a background rewrite now if none runs; 0 or -1 (logged). */
static int aof_rewrite_background(void) {
    if (child_active()) return -1;
    if (manifest == NULL) manifest = aoffile_manifest_new();
    if (make_dir() == -1) {
        log_msg(LOG_WARNING, "Can't open or create append-only dir %s: %s", cfg.appenddirname,
                strerror(errno));
        last_rewrite_ok = false;
        return -1;
    }
    /* The new incr file starts with a SELECT. */
    selected_db = -1;
    flush_aof(true);
    if (open_new_incr() == -1) {
        last_rewrite_ok = false;
        return -1;
    }
    rewrites++;
    rewrite_rdb = cfg.aof_use_rdb_preamble;
    pid_t pid = child_fork(CHILD_AOF, rewrite_done);
    if (pid == 0) child_rewrite();
    if (pid == -1) {
        last_rewrite_ok = false;
        log_msg(LOG_WARNING, "Can't rewrite append only file in background: fork: %s",
                strerror(errno));
        return -1;
    }
    log_msg(LOG_NOTICE, "Background append only file rewriting started by pid %ld", (long)pid);
    rewrite_pid = pid;
    scheduled = false;
    rewrite_start = now_sec();
    return 0;
}

/* The child wrote the new base: install it (Redis's
 * backgroundRewriteDoneHandler). On any failure the old files stay. */
static void install_rewrite(void) {
    str *tmp = temp_base_path(rewrite_pid);
    aof_manifest *m = aoffile_manifest_dup(manifest);
    const char *base = aoffile_new_base(m, cfg.appendfilename, rewrite_rdb);
    str *base_path = path_in_dir(base), *incr_path = NULL;
    if (rename(tmp->buf, base_path->buf) == -1) {
        log_msg(LOG_WARNING, "Error trying to rename the temporary AOF base file %s into %s: %s",
                tmp->buf, base_path->buf, strerror(errno));
        goto fail;
    }
    log_msg(LOG_NOTICE, "Successfully renamed the temporary AOF base file %s into %s", tmp->buf,
            base);
    if (state == AOF_WAIT_REWRITE) {
        str *tname = temp_incr_name();
        str *tpath = path_in_dir(tname->buf);
        const char *incr = aoffile_new_incr(m, cfg.appendfilename);
        incr_path = path_in_dir(incr);
        int rc = rename(tpath->buf, incr_path->buf);
        if (rc == -1)
            log_msg(LOG_WARNING,
                    "Error trying to rename the temporary AOF incr file %s into %s: %s", tpath->buf,
                    incr_path->buf, strerror(errno));
        else
            log_msg(LOG_NOTICE, "Successfully renamed the temporary AOF incr file %s into %s",
                    tname->buf, incr);
        str_free(tname);
        str_free(tpath);
        if (rc == -1) {
            unlink(base_path->buf);
            goto fail;
        }
    }
    /* Incr files written before the fork are in the new base now. */
    aoffile_incr_to_history(m, aof_fd != -1 ? 1 : 0);
    if (persist_manifest(m) == -1) {
        unlink(base_path->buf);
        if (incr_path) unlink(incr_path->buf);
        goto fail;
    }
    aoffile_manifest_free(manifest);
    manifest = m;
    if (state == AOF_WAIT_REWRITE) state = AOF_ON;
    current_size = file_size(base) + last_incr_size;
    rewrite_base_size = current_size;
    fsync_offset = current_size;
    delete_history();
    log_msg(LOG_NOTICE, "Background AOF rewrite finished successfully");
    last_rewrite_ok = true;
    consecutive_failures = 0;
    str_free(tmp);
    str_free(base_path);
    str_free(incr_path);
    return;
fail:
    aoffile_manifest_free(m);
    last_rewrite_ok = false;
    consecutive_failures++;
    str_free(tmp);
    str_free(base_path);
    str_free(incr_path);
}

static void remove_temp_files(void) {
    if (rewrite_pid != -1) {
        str *tmp = temp_base_path(rewrite_pid);
        unlink(tmp->buf);
        str_free(tmp);
    }
}

static void drop_temp_incr(void) {
    str_setlen(abuf, 0);
    str *name = temp_incr_name();
    str *path = path_in_dir(name->buf);
    log_msg(LOG_NOTICE, "Removing the temp incr aof file %s in the background", name->buf);
    unlink(path->buf);
    str_free(name);
    str_free(path);
}

static void rewrite_done(int exitcode, int bysignal) {
    if (!bysignal && exitcode == 0) {
        log_msg(LOG_NOTICE, "Background AOF rewrite terminated with success");
        install_rewrite();
    } else if (!bysignal) {
        last_rewrite_ok = false;
        consecutive_failures++;
        log_msg(LOG_WARNING, "Background AOF rewrite terminated with error");
    } else {
        /* SIGUSR1 is how we stop a child on purpose: not an error. */
        if (bysignal != SIGUSR1) {
            last_rewrite_ok = false;
            consecutive_failures++;
        }
        log_msg(LOG_WARNING, "Background AOF rewrite terminated by signal %d", bysignal);
    }
    remove_temp_files();
    if (state == AOF_WAIT_REWRITE) drop_temp_incr();
    rewrite_pid = -1;
    last_rewrite_secs = now_sec() - rewrite_start;
    rewrite_start = -1;
    /* Still switching the AOF on: try again. */
    if (state == AOF_WAIT_REWRITE) scheduled = true;
}

static void kill_rewrite_child(void) {
    if (child_type() != CHILD_AOF) return;
    log_msg(LOG_NOTICE, "Killing running AOF rewrite child: %ld", (long)child_pid());
    child_kill(CHILD_AOF);
    remove_temp_files();
    rewrite_pid = -1;
    rewrite_start = -1;
}

/* After repeated failures, automatic rewrites wait 1, 2, 4 ... 60 minutes
 * (BGREWRITEAOF still runs at once). */
static bool rewrite_limited(void) {
    static int delay_minutes;
    static time_t next_time;
    if (consecutive_failures < 3) {
        delay_minutes = 0;
        next_time = 0;
        return false;
    }
    if (next_time != 0) {
        if (now_sec() < next_time) return true;
        next_time = 0;
        return false;
    }
    delay_minutes = delay_minutes == 0 ? 1 : delay_minutes * 2;
    if (delay_minutes > 60) delay_minutes = 60;
    next_time = now_sec() + delay_minutes * 60;
    log_msg(
        LOG_WARNING,
        "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in %d minutes",
        delay_minutes);
    return true;
}

static void cmd_bgrewriteaof(client *c) {
    if (child_type() == CHILD_AOF) {
        reply_error(c, ERR_AOF_REWRITE_RUNNING);
    } else if (child_active() || cmdtable_call_depth() > 1) {
        scheduled = true;
        /* A manual request runs even after repeated failures. */
        consecutive_failures = 0;
        reply_simple(c, "Background append only file rewriting scheduled");
    } else if (aof_rewrite_background() == 0) {
        reply_simple(c, "Background append only file rewriting started");
    } else {
        reply_error(c, ERR_AOF_REWRITE_FAILED);
    }
}

/* ---- Loading ---- */

/* Run one command of an AOF in the fake client. -1 (logged) if the AOF
 * holds something this server can't run. */
static int replay(client *fc, int argc, slice *argv, const char *file) {
    fc->argc = argc;
    fc->argv = argv;
    command *cmd = cmdtable_lookup(fc);
    if (cmd == NULL || (cmd->subcmds && !cmd->proc)) {
        log_msg(LOG_WARNING, "Unknown command '%s' reading the append only file %s", argv[0].ptr,
                file);
        return -1;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || (cmd->arity < 0 && argc < -cmd->arity)) {
        log_msg(LOG_WARNING, "Wrong number of arguments for '%s' reading the append only file %s",
                cmd->fullname, file);
        return -1;
    }
    fc->cmd = fc->lastcmd = cmd;
    if ((fc->flags & CLIENT_MULTI) && multi_maybe_queue(fc, cmd, cmd->flags)) return 0;
    cmdtable_call(fc);
    return 0;
}

/* Load one file of the AOF (Redis's loadSingleAppendOnlyFile). */
/* Set while the AOF loads at start-up: clients are served meanwhile. */
static bool serve_while_loading;

static int load_one(const char *name) {
    str *path = path_in_dir(name);
    FILE *fp = fopen(path->buf, "r");
    if (fp == NULL) {
        int en = errno;
        struct stat st;
        int ret;
        if (stat(path->buf, &st) == 0 || errno != ENOENT) {
            log_msg(LOG_WARNING, "Fatal error: can't open the append log file %s for reading: %s",
                    name, strerror(en));
            ret = LOAD_OPEN_ERR;
        } else {
            log_msg(LOG_WARNING, "The append log file %s doesn't exist: %s", name, strerror(errno));
            ret = LOAD_NOT_EXIST;
        }
        str_free(path);
        return ret;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && st.st_size == 0) {
        fclose(fp);
        str_free(path);
        return LOAD_EMPTY;
    }
    int ret = LOAD_OK;
    client *fc = client_new(-1, false);
    fc->flags |= CLIENT_FAKE;
    off_t tail = 0;
    if (aoffile_is_rdb(fp)) {
        bool old_style = strcmp(name, cfg.appendfilename) == 0;
        log_msg(LOG_NOTICE, old_style ? "Reading RDB preamble from AOF file..."
                                      : "Reading RDB base file on AOF loading...");
        rio r;
        rio_init_file(&r, fp);
        if (serve_while_loading)
            rdb_rio_every(&r, server_serve_while_loading,
                          (size_t)cfg.loading_process_events_interval_bytes);
        rdb_info info;
        rdb_info_init(&info);
        str *err = NULL;
        int rc = rdb_load_rio(&r, &info, &err);
        srv.loading = true;
        if (rc != 0) {
            if (err) log_msg(LOG_WARNING, "%s", err->buf);
            str_free(err);
            log_msg(LOG_WARNING,
                    old_style
                        ? "Error reading the RDB preamble of the AOF file %s, AOF loading aborted"
                        : "Error reading the RDB base file %s, AOF loading aborted",
                    name);
            ret = LOAD_FAILED;
            goto cleanup;
        }
        tail = ftello(fp);
        if (old_style) log_msg(LOG_NOTICE, "Reading the remaining AOF tail...");
    }
    aof_reader rd;
    aofread_init(&rd, fp, tail);
    off_t valid_up_to = tail, valid_before_multi = tail, counted = tail, served = tail;
    for (;;) {
        int argc;
        slice *argv;
        aofread_status rs = aofread_next(&rd, &argc, &argv);
        if (rs == AOFREAD_EOF) break;
        if (rs == AOFREAD_TRUNCATED) goto uxeof;
        if (rs == AOFREAD_FORMAT) goto fmterr;
        if (rs == AOFREAD_IOERR) {
            log_msg(LOG_WARNING, "Unrecoverable error reading the append only file %s: %s", name,
                    strerror(errno));
            ret = LOAD_FAILED;
            goto done_reading;
        }
        bool is_multi = util_strcaseeq(argv[0].ptr, argv[0].len, "multi");
        if (is_multi) valid_before_multi = valid_up_to;
        if (replay(fc, argc, argv, name) == -1) {
            ret = LOAD_FAILED;
            goto done_reading;
        }
        valid_up_to = aofread_offset(&rd);
        if (serve_while_loading) {
            srv.loading_loaded_bytes += valid_up_to - counted;
            counted = valid_up_to;
            if (valid_up_to - served >= cfg.loading_process_events_interval_bytes) {
                served = valid_up_to;
                server_serve_while_loading();
            }
        }
    }
    /* A transaction without its EXEC at the end is a short read too. */
    if (fc->flags & CLIENT_MULTI) {
        log_msg(LOG_WARNING, "Revert incomplete MULTI/EXEC transaction in AOF file %s", name);
        goto uxeof;
    }
    goto done_reading;
uxeof:
    /* Never keep half a transaction: cut before its MULTI. */
    if (fc->flags & CLIENT_MULTI) valid_up_to = valid_before_multi;
    if (cfg.aof_load_truncated) {
        log_msg(LOG_WARNING, "!!! Warning: short read while loading the AOF file %s!!!", name);
        log_msg(LOG_WARNING, "!!! Truncating the AOF %s at offset %llu !!!", name,
                (unsigned long long)valid_up_to);
        if (truncate(path->buf, valid_up_to) == -1) {
            log_msg(LOG_WARNING, "Error truncating the AOF file %s: %s", name, strerror(errno));
        } else {
            log_msg(LOG_WARNING, "AOF %s loaded anyway because aof-load-truncated is enabled",
                    name);
            ret = LOAD_TRUNCATED;
            goto done_reading;
        }
    }
    log_msg(
        LOG_WARNING,
        "Unexpected end of file reading the append only file %s. You can: 1) Make a backup of your AOF file, then use ./castor-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
        name);
    ret = LOAD_FAILED;
    goto done_reading;
fmterr:
    log_msg(
        LOG_WARNING,
        "Bad file format reading the append only file %s: make a backup of your AOF file, then use ./castor-check-aof --fix <filename.manifest>",
        name);
    ret = LOAD_FAILED;
done_reading:
    aofread_clear(&rd);
cleanup:
    fc->argv = NULL; /* borrowed from the reader */
    fc->argc = 0;
    client_free(fc);
    fclose(fp);
    str_free(path);
    return ret;
}

/* Load every file the manifest lists (Redis's loadAppendOnlyFiles). */
static int load_all(const aof_manifest *m) {
    if (m->base == NULL && m->incr_len == 0) return LOAD_NOT_EXIST;
    size_t total = (m->base ? 1 : 0) + m->incr_len, num = 0;
    long long total_size = 0;
    for (size_t i = 0; i < total; i++) {
        const char *name =
            m->base ? (i == 0 ? m->base->name : m->incr[i - 1].name) : m->incr[i].name;
        str *path = path_in_dir(name);
        struct stat st;
        int rc = stat(path->buf, &st);
        str_free(path);
        if (rc == -1) {
            log_msg(LOG_WARNING, "Unable to obtain the AOF file %s length. stat: %s", name,
                    strerror(errno));
            return LOAD_FAILED;
        }
        total_size += st.st_size;
    }
    if (total_size == 0) return LOAD_EMPTY;
    srv.loading = true;
    srv.loading_start_time = (long long)time(NULL);
    srv.loading_total_bytes = total_size;
    srv.loading_loaded_bytes = 0;
    /* What is replayed must not be appended again (DEBUG LOADAOF). */
    int saved_state = state;
    state = AOF_OFF;
    int ret = LOAD_OK;
    for (size_t i = 0; i < total; i++) {
        bool is_base = m->base && i == 0;
        const char *name = is_base ? m->base->name : m->incr[m->base ? i - 1 : i].name;
        bool last = ++num == total;
        long long start = util_ustime();
        ret = load_one(name);
        if (ret == LOAD_OK || (ret == LOAD_TRUNCATED && last))
            log_msg(LOG_NOTICE, "DB loaded from %s file %s: %.3f seconds",
                    is_base ? "base" : "incr", name, (double)(util_ustime() - start) / 1000000);
        /* An empty incr file is fine once some file had data. */
        if (ret == LOAD_EMPTY) ret = LOAD_OK;
        if (ret == LOAD_TRUNCATED && !last) {
            ret = LOAD_FAILED;
            log_msg(LOG_WARNING, "Fatal error: the truncated file is not the last file");
        }
        if (ret == LOAD_OPEN_ERR || ret == LOAD_FAILED) break;
    }
    srv.loading = false;
    state = saved_state;
    return ret;
}

/* An AOF of Redis < 7.0 (one file in 'dir'): move it into the folder as
 * the base of a new manifest (Redis's aofUpgradePrepare). */
static void upgrade_old_aof(void) {
    if (!file_exists(cfg.appendfilename)) return;
    bool empty = manifest->base == NULL && manifest->incr_len == 0;
    str *inside = path_in_dir(cfg.appendfilename);
    bool only_old_base = manifest->base && manifest->incr_len == 0 &&
                         !strcmp(manifest->base->name, cfg.appendfilename) &&
                         !file_exists(inside->buf);
    if (dir_exists(cfg.appenddirname) && !empty && !only_old_base) {
        str_free(inside);
        return;
    }
    if (make_dir() == -1) {
        log_msg(LOG_WARNING, "Can't open or create append-only dir %s: %s", cfg.appenddirname,
                strerror(errno));
        exit(1);
    }
    aoffile_add(manifest, cfg.appendfilename, 1, AOF_TYPE_BASE);
    if (persist_manifest(manifest) == -1) exit(1);
    if (rename(cfg.appendfilename, inside->buf) == -1) {
        log_msg(LOG_WARNING, "Error trying to move the old AOF file %s into dir %s: %s",
                cfg.appendfilename, cfg.appenddirname, strerror(errno));
        exit(1);
    }
    str_free(inside);
    log_msg(LOG_NOTICE,
            "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).",
            cfg.appendfilename, cfg.appenddirname);
}

/* Open the last incr file for appending, creating a base first when the
 * AOF is new (Redis's aofOpenIfNeededOnServerStart). Exits on failure. */
static void open_at_start(void) {
    if (make_dir() == -1) {
        log_msg(LOG_WARNING, "Can't open or create append-only dir %s: %s", cfg.appenddirname,
                strerror(errno));
        exit(1);
    }
    size_t incr_len = manifest->incr_len;
    if (manifest->base == NULL && incr_len == 0) {
        const char *base = aoffile_new_base(manifest, cfg.appendfilename, cfg.aof_use_rdb_preamble);
        if (rewrite_now(base) == -1) exit(1);
        log_msg(LOG_NOTICE, "Creating AOF base file %s on server start", base);
    }
    const char *name = incr_len ? manifest->incr[incr_len - 1].name
                                : aoffile_new_incr(manifest, cfg.appendfilename);
    str *path = path_in_dir(name);
    aof_fd = open(path->buf, O_WRONLY | O_APPEND | O_CREAT, 0644);
    str_free(path);
    if (aof_fd == -1) {
        log_msg(LOG_WARNING, "Can't open the append-only file %s: %s", name, strerror(errno));
        exit(1);
    }
    if (persist_manifest(manifest) == -1) exit(1);
    last_incr_size = file_size(name);
    log_msg(LOG_NOTICE, "%s AOF incr file %s on server start", incr_len ? "Opening" : "Creating",
            name);
}

bool aof_load_at_start(void) {
    if (abuf == NULL) abuf = str_new(NULL, 0);
    manifest = load_manifest();
    if (!cfg.appendonly) {
        delete_history();
        return false;
    }
    upgrade_old_aof();
    long long start = util_ustime();
    serve_while_loading = true;
    int ret = load_all(manifest);
    serve_while_loading = false;
    if (ret == LOAD_FAILED || ret == LOAD_OPEN_ERR) exit(1);
    if (ret != LOAD_NOT_EXIST)
        log_msg(LOG_NOTICE, "DB loaded from append only file: %.3f seconds",
                (double)(util_ustime() - start) / 1000000);
    else if (cfg.dbfilename && file_exists(cfg.dbfilename))
        /* Redis 7.0 starts empty here too; say so, since data is at stake. */
        log_msg(
            LOG_WARNING,
            "appendonly is yes but there is no AOF yet: %s is not loaded and the AOF starts from an empty dataset. To convert an RDB dataset, start with appendonly no and run CONFIG SET appendonly yes.",
            cfg.dbfilename);
    /* As in Redis, loading is not command traffic. */
    cmdtable_reset_stats();
    state = AOF_ON;
    open_at_start();
    current_size = last_incr_size + (manifest->base ? file_size(manifest->base->name) : 0);
    for (size_t i = 0; i + 1 < manifest->incr_len; i++)
        current_size += file_size(manifest->incr[i].name);
    rewrite_base_size = manifest->base ? file_size(manifest->base->name) : 0;
    fsync_offset = current_size;
    last_fsync = now_sec();
    delete_history();
    propagate_set_reader(PROPAGATE_AOF, true);
    return true;
}

void aof_debug_loadaof(client *c) {
    if (state == AOF_ON) flush_aof(true);
    db_signal_flushed(-1, -1);
    db_empty_all();
    function_flush();
    aoffile_manifest_free(manifest);
    manifest = load_manifest();
    delete_history();
    int ret = load_all(manifest);
    /* As Redis: a damaged AOF leaves no dataset worth serving. */
    if (ret == LOAD_FAILED || ret == LOAD_OPEN_ERR || ret == LOAD_TRUNCATED) exit(1);
    srv.dirty = 0; /* as Redis: what was loaded is no change to save */
    log_msg(LOG_NOTICE, "Append Only File loaded by DEBUG LOADAOF");
    reply_ok(c);
}

/* ---- Switching on and off ---- */

static int start_aof(void) {
    if (manifest == NULL) manifest = aoffile_manifest_new();
    state = AOF_WAIT_REWRITE;
    propagate_set_reader(PROPAGATE_AOF, true);
    if (child_active() && child_type() != CHILD_AOF) {
        scheduled = true;
        log_msg(
            LOG_WARNING,
            "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
    } else if (cmdtable_call_depth() > 1) {
        scheduled = true;
        log_msg(
            LOG_WARNING,
            "AOF was enabled during a transaction. An AOF background was scheduled to start when possible.");
    } else {
        if (child_type() == CHILD_AOF) {
            log_msg(
                LOG_WARNING,
                "AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.");
            kill_rewrite_child();
        }
        if (aof_rewrite_background() == -1) {
            state = AOF_OFF;
            propagate_set_reader(PROPAGATE_AOF, false);
            log_msg(
                LOG_WARNING,
                "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
            return -1;
        }
    }
    last_fsync = now_sec();
    if (bio_last_errno()) {
        log_msg(LOG_WARNING, "AOF reopen, just ignore the AOF fsync error in bio job");
        bio_clear_errno();
    }
    if (!write_ok) {
        log_msg(LOG_WARNING, "AOF reopen, just ignore the last error.");
        write_ok = true;
    }
    return 0;
}

static void stop_aof(void) {
    flush_aof(true);
    if (aof_fd != -1) {
        if (fsync(aof_fd) == -1) {
            log_msg(LOG_WARNING, "Fail to fsync the AOF file: %s", strerror(errno));
        } else {
            fsync_offset = current_size;
            last_fsync = now_sec();
        }
        close(aof_fd);
    }
    aof_fd = -1;
    selected_db = -1;
    state = AOF_OFF;
    scheduled = false;
    last_incr_size = 0;
    kill_rewrite_child();
    str_setlen(abuf, 0);
    propagate_set_reader(PROPAGATE_AOF, false);
}

/* A replica replaces its dataset: the AOF stops first (so it never holds
 * half of both) and starts again with a rewrite of the new dataset. */
void aof_suspend(void) {
    if (state != AOF_OFF) stop_aof();
}

void aof_resume(void) {
    if (!cfg.appendonly || state != AOF_OFF) return;
    for (int tries = 0; tries < 10; tries++) {
        if (start_aof() == 0) return;
        log_msg(
            LOG_WARNING,
            "Failed enabling the AOF after successful master synchronization! Trying it again in one second.");
        sleep(1);
    }
    log_msg(
        LOG_WARNING,
        "FATAL: this replica instance finished the synchronization with its master, but the AOF can't be turned on. Exiting now.");
    exit(1);
}

const char *aof_config_changed(void) {
    if (abuf == NULL) abuf = str_new(NULL, 0);
    if (cfg.appendonly && state == AOF_OFF) {
        if (start_aof() == -1) return "Unable to turn on AOF. Check server logs.";
    } else if (!cfg.appendonly && state != AOF_OFF) {
        stop_aof();
    }
    return NULL;
}

int aof_prepare_shutdown(bool force) {
    if (child_type() == CHILD_AOF) {
        /* Switching on and no base yet: the AOF would miss the dataset. */
        if (state == AOF_WAIT_REWRITE) {
            if (!force) {
                log_msg(LOG_WARNING, "Writing initial AOF, can't exit.");
                return -1;
            }
            log_msg(LOG_WARNING, "Writing initial AOF. Exit anyway.");
        }
        log_msg(LOG_WARNING, "There is a child rewriting the AOF. Killing it!");
        kill_rewrite_child();
    }
    if (state != AOF_OFF) {
        log_msg(LOG_NOTICE, "Calling fsync() on the AOF file.");
        flush_aof(true);
        if (aof_fd != -1 && fsync(aof_fd) == -1)
            log_msg(LOG_WARNING, "Fail to fsync the AOF file: %s.", strerror(errno));
    }
    return 0;
}

/* ---- Cron, state, INFO ---- */

void aof_cron(void) {
    if (!child_active() && scheduled && !rewrite_limited()) aof_rewrite_background();
    if (state == AOF_ON && !child_active() && cfg.auto_aof_rewrite_percentage &&
        current_size > cfg.auto_aof_rewrite_min_size) {
        long long base = rewrite_base_size ? rewrite_base_size : 1;
        long long growth = current_size * 100 / base - 100;
        if (growth >= cfg.auto_aof_rewrite_percentage && !rewrite_limited()) {
            log_msg(LOG_NOTICE, "Starting automatic rewriting of AOF on %lld%% growth", growth);
            aof_rewrite_background();
        }
    }
    /* A postponed everysec write, and once a second a failed one, retry. */
    static time_t last_retry;
    if (state == AOF_ON && flush_postponed_start) flush_aof(false);
    if (state == AOF_ON && !write_ok && now_sec() != last_retry) {
        last_retry = now_sec();
        flush_aof(false);
    }
}

bool aof_is_on(void) { return state != AOF_OFF; }

const char *aof_write_error(void) {
    if (state == AOF_OFF) return NULL;
    if (!write_ok) return strerror(write_errno);
    int e = bio_last_errno();
    return e ? strerror(e) : NULL;
}

str *aof_info_fields(str *s) {
    long long cur = rewrite_start == -1 ? -1 : (long long)(now_sec() - rewrite_start);
    bool ok = write_ok && bio_last_errno() == 0;
    return str_catfmt(s,
                      "aof_enabled:%d\r\n"
                      "aof_rewrite_in_progress:%d\r\n"
                      "aof_rewrite_scheduled:%d\r\n"
                      "aof_last_rewrite_time_sec:%lld\r\n"
                      "aof_current_rewrite_time_sec:%lld\r\n"
                      "aof_last_bgrewrite_status:%s\r\n"
                      "aof_rewrites:%lld\r\n"
                      "aof_rewrites_consecutive_failures:%lld\r\n"
                      "aof_last_write_status:%s\r\n"
                      "aof_last_cow_size:%zu\r\n",
                      state != AOF_OFF, child_type() == CHILD_AOF, scheduled,
                      (long long)last_rewrite_secs, cur, last_rewrite_ok ? "ok" : "err", rewrites,
                      consecutive_failures, ok ? "ok" : "err", child_last_cow_size(CHILD_AOF));
}

void aof_reset_stats(void) {
    rewrites = 0;
    consecutive_failures = 0;
    delayed_fsync = 0;
}

str *aof_info_sizes(str *s) {
    if (state == AOF_OFF) return s;
    return str_catfmt(s,
                      "aof_current_size:%lld\r\n"
                      "aof_base_size:%lld\r\n"
                      "aof_pending_rewrite:%d\r\n"
                      "aof_buffer_length:%zu\r\n"
                      "aof_pending_bio_fsync:%d\r\n"
                      "aof_delayed_fsync:%lld\r\n",
                      current_size, rewrite_base_size, scheduled, abuf->len, bio_pending_fsyncs(),
                      delayed_fsync);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command aof_commands[] = {
    {.name = "bgrewriteaof", .proc = cmd_bgrewriteaof, .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};
/* clang-format on */
