/* fuzz_aof.c -- libFuzzer target for aoffile.c: the AOF manifest parser
 * and the command stream reader, the two parsers of AOF bytes.
 *
 * The first input byte picks the mode. Even: the rest is a manifest; if it
 * parses, its formatted text must parse again to the same text, and the
 * naming helpers must keep it valid. Odd: the rest is an AOF file read
 * command by command; offsets never go back or past the end, every
 * argument lies inside the data, and the prefix up to the last offset must
 * read again to the same commands and a clean end (what --fix and
 * aof-load-truncated rely on). Build and run: see README.md beside this file. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aoffile.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_aof: check failed at line %d: %s\n", __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void fuzz_manifest(const char *p, size_t len) {
    str *err = NULL, *line = NULL;
    int lineno;
    aof_manifest *m = aoffile_manifest_parse(p, len, &err, &lineno, &line);
    str_free(line);
    if (m == NULL) {
        CHECK(err != NULL && err->len > 0);
        str_free(err);
        return;
    }
    str *text = aoffile_manifest_format(m);
    str *err2 = NULL, *line2 = NULL;
    aof_manifest *again = aoffile_manifest_parse(text->buf, text->len, &err2, &lineno, &line2);
    /* An empty manifest formats to nothing, which is "empty" on reading;
     * a name quoted past Redis's 1024-byte line limit can't be read back
     * (as in Redis; real names come from appendfilename). */
    size_t longest = 0, cur = 0;
    for (size_t i = 0; i < text->len; i++) {
        cur = text->buf[i] == '\n' ? 0 : cur + 1;
        if (cur > longest) longest = cur;
    }
    if ((m->base || m->incr_len || m->hist_len) && longest < 1024) {
        CHECK(again != NULL);
        str *text2 = aoffile_manifest_format(again);
        CHECK(text2->len == text->len && memcmp(text2->buf, text->buf, text->len) == 0);
        str_free(text2);
    }
    aoffile_manifest_free(again);
    str_free(err2);
    str_free(line2);
    err2 = line2 = NULL;
    aoffile_new_base(m, "appendonly.aof", len & 1);
    aoffile_new_incr(m, "appendonly.aof");
    aoffile_incr_to_history(m, 1);
    str *text3 = aoffile_manifest_format(m);
    aof_manifest *third = aoffile_manifest_parse(text3->buf, text3->len, &err2, &lineno, &line2);
    CHECK(third != NULL || longest >= 1024);
    aoffile_manifest_free(third);
    str_free(err2);
    str_free(line2);
    str_free(text3);
    str_free(text);
    aoffile_manifest_free(m);
}

/* Read all commands of data[0..len); returns the final status, the number
 * of commands and a checksum of their arguments. */
static aofread_status read_stream(const char *data, size_t len, int *n, uint64_t *sum, off_t *end) {
    FILE *fp = fmemopen((void *)data, len ? len : 1, "r");
    CHECK(fp != NULL);
    if (len == 0) fgetc(fp); /* fmemopen can't take 0 bytes: consume the one */
    aof_reader r;
    aofread_init(&r, fp, 0);
    aofread_status st;
    int argc;
    slice *argv;
    off_t last = 0;
    *n = 0;
    *sum = 0;
    while ((st = aofread_next(&r, &argc, &argv)) == AOFREAD_CMD) {
        (*n)++;
        CHECK(argc >= 1);
        off_t off = aofread_offset(&r);
        CHECK(off > last && off <= (off_t)len);
        last = off;
        for (int i = 0; i < argc; i++) {
            CHECK(argv[i].ptr[argv[i].len] == '\0');
            for (size_t j = 0; j < argv[i].len; j++)
                *sum = *sum * 31 + (unsigned char)argv[i].ptr[j];
            *sum = *sum * 131 + argv[i].len;
        }
    }
    CHECK(st == AOFREAD_EOF || st == AOFREAD_TRUNCATED || st == AOFREAD_FORMAT);
    *end = aofread_offset(&r);
    CHECK(*end >= last && *end <= (off_t)len);
    if (st == AOFREAD_EOF) CHECK(*end == (off_t)len);
    aofread_clear(&r);
    fclose(fp);
    return st;
}

static void fuzz_stream(const char *p, size_t len) {
    int n;
    uint64_t sum;
    off_t end;
    aofread_status st = read_stream(p, len, &n, &sum, &end);
    if (st == AOFREAD_TRUNCATED) {
        /* The whole prefix reads cleanly to the same commands. */
        char *copy = malloc(end ? (size_t)end : 1);
        memcpy(copy, p, (size_t)end);
        int n2;
        uint64_t sum2;
        off_t end2;
        CHECK(read_stream(copy, (size_t)end, &n2, &sum2, &end2) == AOFREAD_EOF);
        CHECK(n2 == n && sum2 == sum);
        free(copy);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const char *p = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1) fuzz_stream(p, len);
    else fuzz_manifest(p, len);
    return 0;
}
