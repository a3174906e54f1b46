/* fuzz_config.c -- libFuzzer target for the config parser (config.c,
 * config_file.c): redis.conf text as read from a file, and the quoting that
 * CONFIG REWRITE relies on to never write a line a value did not come from.
 *
 * The first input byte picks the mode:
 *   bit 0   words: the rest, cut at 0xff bytes, are values of any bytes.
 *           Each value written with str_catrepr() must split back into
 *           exactly that one word, alone and inside a directive line; and
 *           the rest read as a line must split the same way after its words
 *           are written back quoted.
 *   else    a config file: the rest is loaded from defaults. Nothing may
 *           crash or leak. When it loads, CONFIG REWRITE's output (to a temp
 *           file) must load again, with every directive's value the same.
 * Inputs with an "include" or "rename-command" line are skipped: they read other
 * files and change the command table, which a fuzzer must not do; the
 * working directory (dir) is put back after each input.
 * The server is linked whole (server.c's main renamed); see run-tests.sh.
 * Build and run: see README.md beside this file. */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "log.h"
#include "server.h"
#include "str.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_config: check failed at line %d: %s\n", __LINE__, #cond);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int home_fd = -1;
static char tmp_path[64];

static void init_once(void) {
    if (home_fd != -1) return;
    home_fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(home_fd != -1);
    /* tmpfs when there is one: CONFIG REWRITE fsyncs. */
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(tmp_path, sizeof(tmp_path), "%s/fuzz_config.%d.conf", dir, (int)getpid());
    server_update_time();
    log_open("/dev/null", LOG_WARNING);
}

/* Does a line of the text start with this directive? Read as the loader
 * reads lines: cut at '\n', a NUL ends one, words split by its quoting. */
static bool has_directive(const uint8_t *p, size_t n, const char *name) {
    size_t pos = 0;
    while (pos < n) {
        const uint8_t *nl = memchr(p + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - p) : n;
        str *line = str_new(p + pos, end - pos);
        pos = nl ? end + 1 : n;
        str **argv;
        int argc = str_split_args(line->buf, &argv);
        bool hit = argc > 0 && strcasecmp(argv[0]->buf, name) == 0;
        if (argc > 0) str_free_args(argv, argc);
        str_free(line);
        if (hit) return true;
    }
    return false;
}

/* v written quoted must read back as the one word v, also after a name. */
static void check_one_value(const char *v, size_t len) {
    str *line = str_catrepr(str_new(NULL, 0), v, len);
    CHECK(strlen(line->buf) == line->len); /* no NUL survives the escaping */
    CHECK(memchr(line->buf, '\n', line->len) == NULL && memchr(line->buf, '\r', line->len) == NULL);
    str **argv;
    int argc = str_split_args(line->buf, &argv);
    CHECK(argc == 1 && argv[0]->len == len && memcmp(argv[0]->buf, v, len) == 0);
    str_free_args(argv, argc);
    str *named = str_catrepr(str_from("masterauth "), v, len);
    argc = str_split_args(named->buf, &argv);
    CHECK(argc == 2 && argv[1]->len == len && memcmp(argv[1]->buf, v, len) == 0);
    str_free_args(argv, argc);
    str_free(named);
    str_free(line);
}

static void words_mode(const uint8_t *data, size_t size) {
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == 0xff) {
            check_one_value((const char *)data + start, i - start);
            start = i + 1;
        }
    }
    /* The whole input as one line: whatever splits must split the same
     * way once its words are written back quoted. */
    str *line = str_new(data, size);
    str **argv;
    int argc = str_split_args(line->buf, &argv);
    if (argc > 0) {
        str *again = str_new(NULL, 0);
        for (int i = 0; i < argc; i++) {
            if (i) again = str_cat(again, " ", 1);
            again = str_catrepr(again, argv[i]->buf, argv[i]->len);
        }
        str **argv2;
        int argc2 = str_split_args(again->buf, &argv2);
        CHECK(argc2 == argc);
        for (int i = 0; i < argc; i++)
            CHECK(argv2[i]->len == argv[i]->len &&
                  !memcmp(argv2[i]->buf, argv[i]->buf, argv[i]->len));
        str_free_args(argv2, argc2);
        str_free(again);
        str_free_args(argv, argc);
    }
    str_free(line);
}

/* Every directive's value, as CONFIG GET shows it (caller frees). */
static str **snapshot(int *n) {
    directive *t = config_directives();
    int count = 0;
    while (t[count].name) count++;
    str **v = mem_alloc(sizeof(str *) * (size_t)count);
    for (int i = 0; i < count; i++) v[i] = config_get_text(&t[i]);
    *n = count;
    return v;
}

static void free_snapshot(str **v, int n) {
    for (int i = 0; i < n; i++) str_free(v[i]);
    mem_free(v);
}

static void file_mode(const uint8_t *data, size_t size) {
    config_init();
    str *err = NULL;
    int rc = config_load_text((const char *)data, size, "fuzz", &err);
    if (rc != 0) {
        CHECK(err != NULL);
        str_free(err);
        return;
    }
    /* What REWRITE writes must read back to the same configuration. */
    unlink(tmp_path);
    CHECK(config_rewrite_file(tmp_path, false) == 0);
    int n1, n2;
    str **before = snapshot(&n1);
    FILE *f = fopen(tmp_path, "r");
    CHECK(f != NULL);
    str *text = str_new(NULL, 0);
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0) text = str_cat(text, buf, got);
    fclose(f);
    unlink(tmp_path);
    config_init();
    rc = config_load_text(text->buf, text->len, tmp_path, &err);
    if (rc != 0) fprintf(stderr, "rewritten config does not load:\n%s\n%s\n", text->buf, err->buf);
    CHECK(rc == 0);
    str **after = snapshot(&n2);
    directive *t = config_directives();
    for (int i = 0; i < n1; i++) {
        /* replicaof shows the live role, which a config file doesn't set. */
        if (!strcmp(t[i].name, "replicaof")) continue;
        if (before[i]->len != after[i]->len ||
            memcmp(before[i]->buf, after[i]->buf, before[i]->len))
            fprintf(stderr, "%s: '%s' became '%s'\n", t[i].name, before[i]->buf, after[i]->buf);
        CHECK(before[i]->len == after[i]->len &&
              !memcmp(before[i]->buf, after[i]->buf, before[i]->len));
    }
    free_snapshot(before, n1);
    free_snapshot(after, n2);
    str_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init_once();
    if (size < 1) return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    if (mode & 1) {
        words_mode(data, size);
        return 0;
    }
    if (has_directive(data, size, "include") || has_directive(data, size, "rename-command"))
        return 0;
    file_mode(data, size);
    /* Back to defaults now: an input that ends with values still allocated
     * looks like a leak to libFuzzer, which then runs LSan after it. */
    config_init();
    CHECK(fchdir(home_fd) == 0);
    return 0;
}
