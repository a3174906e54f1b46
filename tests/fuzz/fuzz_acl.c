/* fuzz_acl.c -- libFuzzer target for the ACL rule parser (acl.c): the
 * rules of ACL SETUSER, selectors in parentheses, and ACL files.
 *
 * The first input byte picks the mode:
 *   bit 0 clear  rules: the rest, cut at 0xff bytes, are the words of an
 *                ACL SETUSER (the first is the user name). Whatever is
 *                accepted must read back (ACL LIST's line) as rules that,
 *                applied to a fresh user, read back the same; what is
 *                refused must leave the user as it was.
 *   bit 0 set    file: the rest is an ACL file loaded by ACL LOAD; when it
 *                loads, every user's line must load again as one file.
 * In rules mode, requests naming keys made of the words (the pattern's
 * text, longer, shorter) must get the same answer from the dispatcher's
 * shortcut as from the full check (acl_shortcut_agrees()).
 * Nothing may crash, leak or trip describe's own check that the rules it
 * writes give the same command bitmap. Users are dropped after each input
 * (an empty ACL file loaded).
 * The server is linked whole (server.c's main renamed); see run-tests.sh. */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "clientcmd.h"
#include "cmdinfo.h"
#include "cmdtable.h"
#include "config.h"
#include "config_int.h"
#include "log.h"
#include "pubsub.h"
#include "srvcmd.h"
#include "str.h"
#include "t_hash.h"
#include "t_string.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_acl: check failed at line %d: %s\n", __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static char path[64];

static void init_once(void) {
    static bool done;
    if (done) return;
    done = true;
    config_init();
    log_set_level(LOG_WARNING + 1); /* the deprecation warning of +cmd|arg */
    /* A few families, containers among them, give the rules commands. */
    cmdtable_register(t_string_commands);
    cmdtable_register(t_hash_commands);
    cmdtable_register(config_commands);
    cmdtable_register(clientcmd_commands);
    cmdtable_register(cmdinfo_commands);
    cmdtable_register(pubsub_commands);
    cmdtable_register(srvcmd_commands);
    cmdtable_register(acl_commands);
    acl_init();
    snprintf(path, sizeof(path), "/dev/shm/fuzz_acl.%d", (int)getpid());
}

static void write_file(const char *p, const void *data, size_t len) {
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static void drop_users(void) {
    write_file(path, "", 0);
    str *err = acl_load_path(path);
    CHECK(err == NULL);
}

#define AGAIN "fuzz-again"

/* A line "user <name> <rules...>" applied to a new user AGAIN. */
static str *reapply(const str *line) {
    str **words;
    int n = str_split_args(line->buf, &words);
    CHECK(n >= 2);
    str *err = acl_setuser_words(AGAIN, strlen(AGAIN), words + 2, n - 2);
    CHECK(err == NULL);
    str_free_args(words, n);
    str *out = acl_user_line(AGAIN, strlen(AGAIN));
    CHECK(out != NULL);
    return out;
}

/* Can the line be read back word for word? Not when a pattern holds a
 * quote or a parenthesis (Redis writes them unescaped too). */
static bool reads_back(const str *line) {
    if (strlen(line->buf) != line->len || strpbrk(line->buf, "\"'") != NULL) return false;
    int depth = 0; /* each '(' opens a selector at a word's start, ')' ends it */
    for (size_t i = 0; i < line->len; i++) {
        char c = line->buf[i];
        bool start = i == 0 || line->buf[i - 1] == ' ';
        bool end = i + 1 == line->len || line->buf[i + 1] == ' ';
        if (c == '(' && (!start || depth++ != 0)) return false;
        if (c == ')' && (!end || depth-- != 1)) return false;
    }
    if (depth != 0) return false;
    /* Redis's own quirks: "%RW~*" lists as "~*", a key pattern after "~*"
     * is refused when the line is applied again, and "~*" applied again
     * drops the patterns before it (redis-server 7.0.15 does the same):
     * "~*" beside other key patterns does not read back. */
    int keys = 0;
    bool all = false;
    for (const char *p = line->buf; p; p = strchr(p, ' ')) {
        p += *p == ' ';
        p += *p == '('; /* a selector's first rule */
        size_t n = strcspn(p, " )");
        all |= n == 2 && memcmp(p, "~*", 2) == 0;
        keys += *p == '~' || *p == '%';
    }
    if (all && keys > 1) return false;
    return true;
}

/* A rule holding white space (a pattern or a first argument: Redis takes
 * "+select|a b" too) is written into the line as it is, so the line splits
 * it in two when read back: such rules do not read back. */
static bool words_unsplit(str *const *words, int n) {
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < words[i]->len; j++)
            if (isspace((unsigned char)words[i]->buf[j])) return false;
    return true;
}

/* Requests on keys like 'w' (a rule word: its text after the last '~'
 * or '&', that plus bytes, that less its last byte) as user 'name'. */
static void probe_requests(const str *name, const str *w) {
    const char *t = w->buf, *end = w->buf + w->len;
    for (const char *p = w->buf; p < end; p++)
        if (*p == '~' || *p == '&') t = p + 1;
    char key[96];
    size_t tl = (size_t)(end - t) < 64 ? (size_t)(end - t) : 64;
    static const char *const cmds[][3] = {{"get", NULL}, {"set", "v"},     {"strlen", NULL},
                                          {"hget", "f"}, {"publish", "m"}, {"ping", NULL},
                                          {"mget", "k"}, {"getdel", NULL}, {"config", NULL}};
    for (int variant = 0; variant < 4; variant++) {
        memcpy(key, t, tl);
        size_t kl = tl;
        if (variant == 1 && kl) kl--;                     /* one byte short */
        if (variant == 2) memcpy(key + kl, "x", 1), kl++; /* one more */
        if (variant == 3) memcpy(key + kl, "0123456789abcdefXY", 18), kl += 18;
        key[kl] = '\0'; /* as a request's arguments are */
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
            slice argv[3] = {{(char *)cmds[i][0], strlen(cmds[i][0])}, {key, kl}, {NULL, 0}};
            int argc = 2;
            if (cmds[i][1]) argv[argc++] = (slice){(char *)cmds[i][1], strlen(cmds[i][1])};
            if (strcmp(cmds[i][0], "config") == 0)
                argv[1] = (slice){"get", 3}, argv[2] = (slice){key, kl}, argc = 3;
            CHECK(acl_shortcut_agrees(name->buf, name->len, argc, argv));
        }
    }
}

static void rules_mode(const uint8_t *data, size_t size) {
    str **words = NULL;
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != 0xff) continue;
        words = realloc(words, sizeof(*words) * (size_t)(n + 1));
        words[n++] = str_new(data + start, i - start);
        start = i + 1;
    }
    if (n < 1) return;
    const str *name = words[0];
    str *before = acl_user_line(name->buf, name->len);
    str *err = acl_setuser_words(name->buf, name->len, words + 1, n - 1);
    str *after = acl_user_line(name->buf, name->len);
    if (err) {
        /* Refused: nothing changed. */
        CHECK((before == NULL) == (after == NULL));
        CHECK(before == NULL ||
              (before->len == after->len && memcmp(before->buf, after->buf, after->len) == 0));
    } else {
        CHECK(after != NULL);
        for (int i = 1; i < n && i <= 8; i++) probe_requests(name, words[i]);
        /* ACL LIST's rules, applied again, read back the same (names
         * with no space only: a name is not quoted in the line). */
        if (name->len && strlen(name->buf) == name->len && strcmp(name->buf, AGAIN) != 0 &&
            words_unsplit(words + 1, n - 1) && reads_back(after)) {
            str *again = reapply(after);
            if (getenv("FUZZ_ACL_DEBUG")) fprintf(stderr, "%s\n%s\n", after->buf, again->buf);
            size_t skip1 = 5 + name->len, skip2 = 5 + strlen(AGAIN); /* "user <name>" */
            CHECK(again->len - skip2 == after->len - skip1);
            CHECK(memcmp(again->buf + skip2, after->buf + skip1, after->len - skip1) == 0);
            str_free(again);
        }
    }
    str_free(err);
    str_free(before);
    str_free(after);
    for (int i = 0; i < n; i++) str_free(words[i]);
    free(words);
}

static void file_mode(const uint8_t *data, size_t size) {
    write_file(path, data, size);
    str *err = acl_load_path(path);
    if (err == NULL) {
        /* What loaded saves as lines that load again. */
        str *all = str_new(NULL, 0);
        str *d = acl_user_line("default", 7);
        CHECK(d != NULL);
        all = str_cat(all, d->buf, d->len);
        all = str_catc(all, "\n");
        str_free(d);
        write_file(path, all->buf, all->len);
        str_free(all);
        str *err2 = acl_load_path(path);
        CHECK(err2 == NULL);
    }
    str_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init_once();
    if (size < 1) return 0;
    if (data[0] & 1) file_mode(data + 1, size - 1);
    else rules_mode(data + 1, size - 1);
    drop_users();
    /* The default user may have been changed by either mode. */
    str *w[] = {str_from("reset"), str_from("on"), str_from("nopass"),
                str_from("~*"),    str_from("&*"), str_from("+@all")};
    str *err = acl_setuser_words("default", 7, w, 6);
    CHECK(err == NULL);
    for (int i = 0; i < 6; i++) str_free(w[i]);
    unlink(path);
    return 0;
}
