/* test_aoffile.c -- the multi-part AOF formats: manifest parsing with
 * Redis's rules and error texts, formatting, file naming across rewrites,
 * and the command reader's four outcomes (command, end, truncated, bad). */
#include "aoffile.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

static aof_manifest *parse(const char *text, str **err, int *line) {
    str *l = NULL;
    aof_manifest *m = aoffile_manifest_parse(text, strlen(text), err, line, &l);
    str_free(l);
    return m;
}

static void test_manifest_round_trip(void) {
    const char *text = "file appendonly.aof.2.base.rdb seq 2 type b\n"
                       "file appendonly.aof.1.incr.aof seq 1 type h\n"
                       "file appendonly.aof.3.incr.aof seq 3 type i\n"
                       "file appendonly.aof.4.incr.aof seq 4 type i\n";
    str *err = NULL;
    int line;
    aof_manifest *m = parse(text, &err, &line);
    ASSERT(m != NULL);
    ASSERT_STREQ(m->base->name, "appendonly.aof.2.base.rdb");
    ASSERT_EQ(m->base_seq, 2);
    ASSERT_EQ(m->incr_len, 2);
    ASSERT_EQ(m->hist_len, 1);
    ASSERT_EQ(m->incr_seq, 4);
    str *out = aoffile_manifest_format(m);
    ASSERT_STREQ(out->buf, text);
    str_free(out);
    aoffile_manifest_free(m);
}

static void test_manifest_accepts_comments_quotes_and_extra_keys(void) {
    const char *text = "# a comment\n"
                       "file \"my file.base.rdb\" seq 1 type b future x\n";
    str *err = NULL;
    int line;
    aof_manifest *m = parse(text, &err, &line);
    ASSERT(m != NULL);
    ASSERT_STREQ(m->base->name, "my file.base.rdb");
    str *out = aoffile_manifest_format(m);
    ASSERT_STREQ(out->buf, "file \"my file.base.rdb\" seq 1 type b\n");
    str_free(out);
    aoffile_manifest_free(m);
}

static void expect_error(const char *text, const char *want) {
    str *err = NULL;
    int line;
    aof_manifest *m = parse(text, &err, &line);
    ASSERT(m == NULL);
    ASSERT_STREQ(err->buf, want);
    str_free(err);
}

static void test_manifest_errors_use_redis_texts(void) {
    expect_error("", "Found an empty AOF manifest");
    expect_error("file a seq 1 type b", "The AOF manifest file contains too long line");
    expect_error("file a seq 1\n", "Invalid AOF manifest file format");
    expect_error("   \n", "Invalid AOF manifest file format");
    expect_error("file dir/a seq 1 type b\n", "File can't be a path, just a filename");
    expect_error("file a seq 1 type b\nfile b seq 2 type b\n",
                 "Found duplicate base file information");
    expect_error("file a seq 2 type i\nfile b seq 2 type i\n",
                 "Found a non-monotonic sequence number");
    expect_error("file a seq 1 type z\n", "Unknown AOF file type");
    expect_error("file a seq 0 type i\n", "Invalid AOF manifest file format");
}

static void test_rewrite_naming_and_history(void) {
    aof_manifest *m = aoffile_manifest_new();
    ASSERT_STREQ(aoffile_new_base(m, "appendonly.aof", true), "appendonly.aof.1.base.rdb");
    ASSERT_STREQ(aoffile_new_incr(m, "appendonly.aof"), "appendonly.aof.1.incr.aof");
    ASSERT_STREQ(aoffile_new_incr(m, "appendonly.aof"), "appendonly.aof.2.incr.aof");
    ASSERT_STREQ(aoffile_new_base(m, "appendonly.aof", false), "appendonly.aof.2.base.aof");
    aoffile_incr_to_history(m, 1);
    str *out = aoffile_manifest_format(m);
    /* Newest history first, as Redis (each file is added at the head). */
    ASSERT_STREQ(out->buf, "file appendonly.aof.2.base.aof seq 2 type b\n"
                           "file appendonly.aof.1.incr.aof seq 1 type h\n"
                           "file appendonly.aof.1.base.rdb seq 1 type h\n"
                           "file appendonly.aof.2.incr.aof seq 2 type i\n");
    str_free(out);
    aof_manifest *d = aoffile_manifest_dup(m);
    aoffile_clear_history(d);
    out = aoffile_manifest_format(d);
    ASSERT_STREQ(out->buf, "file appendonly.aof.2.base.aof seq 2 type b\n"
                           "file appendonly.aof.2.incr.aof seq 2 type i\n");
    str_free(out);
    aoffile_manifest_free(d);
    aoffile_manifest_free(m);
}

/* Read every command of 'data'; returns the final status and fills the
 * count of commands and the offset after the last one. */
static aofread_status read_all(const char *data, size_t len, int *ncmds, long *last_ok) {
    FILE *fp = fmemopen((void *)data, len, "r");
    aof_reader r;
    aofread_init(&r, fp, 0);
    aofread_status st;
    int argc;
    slice *argv;
    *ncmds = 0;
    while ((st = aofread_next(&r, &argc, &argv)) == AOFREAD_CMD) {
        (*ncmds)++;
        ASSERT(argc >= 1);
    }
    *last_ok = (long)aofread_offset(&r);
    aofread_clear(&r);
    fclose(fp);
    return st;
}

static void test_reader_outcomes(void) {
    const char *good =
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n#TS:1234\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    int n;
    long off;
    ASSERT_EQ(read_all(good, strlen(good), &n, &off), AOFREAD_EOF);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(off, (long)strlen(good));
    /* Cut inside the annotation (23..33) or the last command (33..): the
     * first command stands; the offset is past whatever was whole. */
    for (size_t cut = 24; cut < strlen(good); cut++) {
        if (cut == 33) {
            ASSERT_EQ(read_all(good, cut, &n, &off), AOFREAD_EOF);
            continue;
        }
        ASSERT_EQ(read_all(good, cut, &n, &off), AOFREAD_TRUNCATED);
        ASSERT_EQ(n, 1);
        ASSERT_EQ(off, cut < 33 ? 23 : 33);
    }
    const char *bad = "*1\r\n$4\r\nPING\r\nGARBAGE\r\n";
    ASSERT_EQ(read_all(bad, strlen(bad), &n, &off), AOFREAD_FORMAT);
    ASSERT_EQ(n, 1);
    const char *zero = "*0\r\n";
    ASSERT_EQ(read_all(zero, strlen(zero), &n, &off), AOFREAD_FORMAT);
}

static void test_reader_handles_a_value_larger_than_its_buffer(void) {
    size_t vlen = 300 * 1000;
    str *s = str_fmt("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%zu\r\n", vlen);
    str *v = str_new_cap(vlen);
    memset(v->buf, 'x', vlen);
    str_setlen(v, vlen);
    s = str_cat(s, v->buf, v->len);
    s = str_cat(s, "\r\n", 2);
    FILE *fp = fmemopen(s->buf, s->len, "r");
    aof_reader r;
    aofread_init(&r, fp, 0);
    int argc;
    slice *argv;
    ASSERT_EQ(aofread_next(&r, &argc, &argv), AOFREAD_CMD);
    ASSERT_EQ(argc, 3);
    ASSERT_EQ(argv[2].len, vlen);
    ASSERT_EQ(aofread_next(&r, &argc, &argv), AOFREAD_EOF);
    aofread_clear(&r);
    fclose(fp);
    str_free(s);
    str_free(v);
}

int main(void) {
    RUN(test_manifest_round_trip);
    RUN(test_manifest_accepts_comments_quotes_and_extra_keys);
    RUN(test_manifest_errors_use_redis_texts);
    RUN(test_rewrite_naming_and_history);
    RUN(test_reader_outcomes);
    RUN(test_reader_handles_a_value_larger_than_its_buffer);
    return unit_report();
}
