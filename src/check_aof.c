/* check_aof.c -- castor-check-aof, Redis's redis-check-aof for castor.
 *
 *   castor-check-aof [--fix] <appendonlydir | file.manifest | file.aof>
 *
 * Checks a multi-part AOF (a folder or its manifest: the base, then every
 * incremental file in order) or a single file, and prints where the last
 * whole command ends. With --fix it truncates the last file there, without
 * asking (a half-written command or transaction at the end is what a crash
 * leaves). Only the last file may be cut: damage anywhere else is reported.
 * A base in RDB form is checked by its header, EOF opcode and CRC64 footer.
 * Built from the pure libraries and aoffile.c alone: no server state.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aoffile.h"
#include "crc64.h"
#include "mem.h"
#include "str.h"

/* An RDB file alone: "REDIS" + 4 version digits ... 0xFF + CRC64 (LE, 0 if
 * the writer had rdbchecksum off). Sets *why on failure. */
static bool rdb_file_ok(FILE *fp, off_t size, const char **why) {
    if (size < 9 + 1 + 8) {
        *why = "RDB file too short";
        return false;
    }
    rewind(fp);
    unsigned char head[9];
    if (fread(head, 1, 9, fp) != 9 || memcmp(head, "REDIS", 5) != 0) {
        *why = "Wrong RDB signature";
        return false;
    }
    rewind(fp);
    uint64_t crc = 0;
    unsigned char buf[65536];
    off_t left = size - 8;
    unsigned char last = 0;
    while (left > 0) {
        size_t want = left > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)left;
        if (fread(buf, 1, want, fp) != want) {
            *why = "Read error";
            return false;
        }
        crc = crc64(crc, buf, want);
        last = buf[want - 1];
        left -= (off_t)want;
    }
    unsigned char foot[8];
    if (fread(foot, 1, 8, fp) != 8) {
        *why = "Read error";
        return false;
    }
    uint64_t stored = 0;
    for (int i = 7; i >= 0; i--) stored = (stored << 8) | foot[i];
    if (last != 0xFF) {
        *why =
            "RDB file does not end with the EOF opcode (truncated, or an RDB preamble with an AOF tail)";
        return false;
    }
    if (stored != 0 && stored != crc) {
        *why = "RDB checksum mismatch";
        return false;
    }
    return true;
}

static long long lines_before(FILE *fp, off_t off) {
    rewind(fp);
    long long lines = 0;
    char buf[65536];
    while (off > 0) {
        size_t want = off > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)off;
        size_t n = fread(buf, 1, want, fp);
        if (n == 0) break;
        for (size_t i = 0; i < n; i++) lines += buf[i] == '\n';
        off -= (off_t)n;
    }
    return lines;
}

/* Scan commands; returns the offset after the last whole command that is
 * not inside an unfinished MULTI. *why describes the first problem. */
static off_t scan_commands(FILE *fp, const char **why, off_t *where) {
    aof_reader r;
    aofread_init(&r, fp, 0);
    off_t valid = 0;
    int multi = 0;
    *why = NULL;
    for (;;) {
        int argc;
        slice *argv;
        aofread_status st = aofread_next(&r, &argc, &argv);
        if (st == AOFREAD_EOF) {
            if (multi) *why = "Reached EOF before reading EXEC for MULTI";
            break;
        }
        if (st != AOFREAD_CMD) {
            *why = st == AOFREAD_TRUNCATED ? "Truncated command at the end of the file"
                   : st == AOFREAD_FORMAT  ? "Bad file format (not a RESP command)"
                                           : strerror(errno);
            break;
        }
        if (!strcasecmp(argv[0].ptr, "multi")) {
            if (multi++) {
                *why = "Unexpected MULTI";
                break;
            }
        } else if (!strcasecmp(argv[0].ptr, "exec")) {
            if (--multi) {
                *why = "Unexpected EXEC";
                break;
            }
        }
        if (!multi) valid = aofread_offset(&r);
    }
    *where = aofread_offset(&r);
    aofread_clear(&r);
    return valid;
}

/* Check (and with 'fix' truncate) one file. 0 valid or fixed, 1 not. */
static int check_file(const char *path, const char *name, bool fix, bool last) {
    FILE *fp = fopen(path, fix ? "r+" : "r");
    if (fp == NULL) {
        printf("Cannot open file %s: %s\n", name, strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == -1) {
        printf("Cannot stat file: %s\n", name);
        fclose(fp);
        return 1;
    }
    off_t size = st.st_size;
    if (size == 0) {
        printf("AOF %s is empty\n", name);
        fclose(fp);
        return 0;
    }
    int rc = 0;
    if (aoffile_is_rdb(fp)) {
        const char *why = NULL;
        if (rdb_file_ok(fp, size, &why)) {
            printf("RDB %s is valid (size=%lld)\n", name, (long long)size);
        } else {
            printf("RDB %s is not valid: %s\n", name, why);
            rc = 1;
        }
        fclose(fp);
        return rc;
    }
    const char *why;
    off_t where;
    off_t ok = scan_commands(fp, &why, &where);
    off_t diff = size - ok;
    if (why) printf("0x%16llx: %s\n", (long long)where, why);
    printf("AOF analyzed: filename=%s, size=%lld, ok_up_to=%lld, ok_up_to_line=%lld, diff=%lld\n",
           name, (long long)size, (long long)ok, lines_before(fp, ok) + 1, (long long)diff);
    if (diff > 0) {
        if (!fix) {
            printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name);
            rc = 1;
        } else if (!last) {
            printf("Failed to truncate AOF %s because it is not the last file\n", name);
            rc = 1;
        } else {
            printf("This will shrink the AOF %s from %lld bytes, with %lld bytes, to %lld bytes\n",
                   name, (long long)size, (long long)diff, (long long)ok);
            if (ftruncate(fileno(fp), ok) == -1 || fsync(fileno(fp)) == -1) {
                printf("Failed to truncate AOF %s: %s\n", name, strerror(errno));
                rc = 1;
            } else {
                printf("Successfully truncated AOF %s\n", name);
            }
        }
    } else {
        printf("AOF %s is valid\n", name);
    }
    fclose(fp);
    return rc;
}

static str *read_all(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return NULL;
    str *s = str_new(NULL, 0);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) s = str_cat(s, buf, n);
    fclose(f);
    return s;
}

static int check_manifest(const char *mpath, bool fix) {
    str *text = read_all(mpath);
    if (text == NULL) {
        printf("Cannot open file %s: %s\n", mpath, strerror(errno));
        return 1;
    }
    str *err = NULL, *line = NULL;
    int lineno;
    aof_manifest *m = aoffile_manifest_parse(text->buf, text->len, &err, &lineno, &line);
    str_free(text);
    if (m == NULL) {
        printf("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
        if (line) printf("Reading the manifest file, at line %d\n>>> '%s'\n", lineno, line->buf);
        printf("%s\n", err->buf);
        str_free(err);
        str_free(line);
        return 1;
    }
    /* Files are named relative to the manifest's folder. */
    const char *slash = strrchr(mpath, '/');
    str *dir = slash ? str_new(mpath, (size_t)(slash - mpath)) : str_from(".");
    printf("Start checking Multi Part AOF\n");
    size_t total = (m->base ? 1 : 0) + m->incr_len, num = 0;
    int rc = 0;
    if (m->base) {
        str *p = str_fmt("%s/%s", dir->buf, m->base->name);
        FILE *probe = fopen(p->buf, "r");
        bool rdb = probe && aoffile_is_rdb(probe);
        if (probe) fclose(probe);
        printf("Start to check BASE AOF (%s format).\n", rdb ? "RDB" : "RESP");
        rc = check_file(p->buf, m->base->name, fix, ++num == total);
        str_free(p);
    }
    if (rc == 0 && m->incr_len) printf("Start to check INCR files.\n");
    for (size_t i = 0; rc == 0 && i < m->incr_len; i++) {
        str *p = str_fmt("%s/%s", dir->buf, m->incr[i].name);
        rc = check_file(p->buf, m->incr[i].name, fix, ++num == total);
        str_free(p);
    }
    if (rc == 0) printf("All AOF files and manifest are valid\n");
    str_free(dir);
    aoffile_manifest_free(m);
    return rc;
}

/* The manifest inside an appendonlydir (the one file named *.manifest). */
static str *find_manifest(const char *dir) {
    DIR *d = opendir(dir);
    if (d == NULL) return NULL;
    str *found = NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n > 9 && !strcmp(de->d_name + n - 9, ".manifest") && strncmp(de->d_name, "temp-", 5)) {
            str_free(found);
            found = str_fmt("%s/%s", dir, de->d_name);
        }
    }
    closedir(d);
    return found;
}

int main(int argc, char **argv) {
    bool fix = false;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fix")) fix = true;
        else if (path == NULL) path = argv[i];
        else path = "";
    }
    if (path == NULL || path[0] == '\0') {
        printf("Usage: %s [--fix] <appendonlydir|file.manifest|file.aof>\n", argv[0]);
        return 1;
    }
    struct stat st;
    if (stat(path, &st) == -1) {
        printf("Cannot open file %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode)) {
        str *m = find_manifest(path);
        if (m == NULL) {
            printf("No AOF manifest found in %s\n", path);
            return 1;
        }
        int rc = check_manifest(m->buf, fix);
        str_free(m);
        return rc;
    }
    size_t n = strlen(path);
    if (n > 9 && !strcmp(path + n - 9, ".manifest")) return check_manifest(path, fix);
    const char *slash = strrchr(path, '/');
    return check_file(path, slash ? slash + 1 : path, fix, true);
}
