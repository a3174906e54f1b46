/* check_rdb.c -- castor-check-rdb: load an RDB file with the server's own
 * loader and report, in redis-check-rdb's words, whether it is sound.
 *
 * The file goes through exactly the code a start-up load runs (rdb.c), into
 * databases of the default configuration, so whatever castor would refuse
 * to load is reported here with the byte offset and the key being read.
 * Built from the core, the RDB format and the value types alone, with the
 * seam that has nothing above the core (seam_none.c): no server.
 * Output: "[offset 0] Checking RDB file <name>", then either
 * "\o/ RDB looks OK! \o/" (exit 0) or "--- RDB ERROR DETECTED ---" with the
 * error (exit 1), and "[info]" counts of keys, expires, expired keys.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "rdb.h"
#include "server.h"
#include "stream.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "t_zset.h"

static void print_counts(const rdb_info *info) {
    long long expires = info->keys_expired_skipped;
    for (int i = 0; i < srv.ndbs; i++) expires += (long long)db_volatile_count(db_get(i));
    printf("[info] %lld keys read\n", info->keys_loaded + info->keys_expired_skipped);
    printf("[info] %lld expires\n", expires);
    printf("[info] %lld already expired\n", info->keys_expired_skipped);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
        return 1;
    }
    const char *path = argv[1];
    server_update_time();
    config_loading_defaults();
    log_open("", LOG_WARNING);
    db_init(cfg.databases, false);
    zset_init();
    stream_init();
    hash_init();
    list_init();
    t_set_init();

    printf("[offset 0] Checking RDB file %s\n", path);
    fflush(stdout);
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        printf("Fatal error: can't open the RDB file %s for reading: %s\n", path, strerror(errno));
        return 1;
    }
    rio r;
    rio_init_file(&r, fp);
    rdb_info info;
    rdb_info_init(&info);
    str *err = NULL;
    int rc = rdb_load_rio(&r, &info, &err);
    fclose(fp);
    if (rc == -1) {
        printf("--- RDB ERROR DETECTED ---\n");
        printf("[offset %llu] %s\n", (unsigned long long)r.processed, err->buf);
        print_counts(&info);
        printf("--- RDB ERROR DETECTED ---\n");
        str_free(err);
        return 1;
    }
    if (info.repl_id[0])
        printf("[info] replication id %s, offset %lld\n", info.repl_id, info.repl_offset);
    printf("[offset %llu] \\o/ RDB looks OK! \\o/\n", (unsigned long long)r.processed);
    print_counts(&info);
    return 0;
}
