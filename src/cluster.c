/* cluster.c -- this node's view of a Redis Cluster 7.0: the known nodes and
 * who serves each of the 16384 slots, the CLUSTER command, READONLY,
 * READWRITE and ASKING, the redirection of requests (-MOVED, -ASK,
 * -TRYAGAIN, -CROSSSLOT, -CLUSTERDOWN), and nodes.conf in Redis's format.
 * The bus that keeps the view in step with the other nodes is
 * cluster_bus.c; the two share cluster_int.h.
 *
 * Spec: Redis 7.0 cluster.c (the node table, clusterGenNodeDescription,
 * getNodeByQuery, clusterCommand). Keys per slot are counted by db.c.
 * Not here: MIGRATE (another family), the wire format (cluster_bus.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* renameat2 */
#include "cluster.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "arg.h"
#include "blocking.h"
#include "cluster_int.h"
#include "config.h"
#include "crc16.h"
#include "db.h"
#include "errors.h"
#include "log.h"
#include "mem.h"
#include "multi.h"
#include "propagate.h"
#include "pubsub.h"
#include "repl.h"
#include "reply.h"
#include "script.h"
#include "server.h"
#include "util.h"

cluster_state *cs;

bool cluster_is_enabled(void) { return cs != NULL; }

/* ---- Nodes ---- */

cnode *cluster_node_new(const char *name, int flags) {
    cnode *n = mem_calloc(sizeof(cnode));
    char fresh[CLUSTER_NAMELEN + 1]; /* util_random_hex ends it with a NUL */
    if (name == NULL) {
        util_random_hex(fresh, CLUSTER_NAMELEN);
        name = fresh;
    }
    memcpy(n->name, name, CLUSTER_NAMELEN);
    n->ctime = srv.mstime;
    n->flags = flags;
    n->repl_offset = 0;
    n->fail_time = 0;
    return n;
}

cnode *cluster_node_find(const char *name, size_t len) {
    if (len != CLUSTER_NAMELEN) return NULL;
    for (int i = 0; i < cs->nnodes; i++)
        if (memcmp(cs->nodes[i]->name, name, CLUSTER_NAMELEN) == 0) return cs->nodes[i];
    return NULL;
}

void cluster_node_add(cnode *n) {
    cs->nodes = mem_realloc(cs->nodes, sizeof(cnode *) * (size_t)(cs->nnodes + 1));
    cs->nodes[cs->nnodes++] = n;
}

void cluster_node_add_replica(cnode *master, cnode *r) {
    for (int i = 0; i < master->nreplicas; i++)
        if (master->replicas[i] == r) return;
    master->replicas =
        mem_realloc(master->replicas, sizeof(cnode *) * (size_t)(master->nreplicas + 1));
    /* Kept in name order, as Redis does, so every node lists a master's
     * replicas alike (CLUSTER SLOTS, SHARDS). */
    int at = master->nreplicas;
    while (at > 0 && strncasecmp(master->replicas[at - 1]->name, r->name, CLUSTER_NAMELEN) > 0) {
        master->replicas[at] = master->replicas[at - 1];
        at--;
    }
    master->replicas[at] = r;
    master->nreplicas++;
    master->flags |= CN_MIGRATE_TO;
}

void cluster_node_remove_replica(cnode *master, cnode *r) {
    for (int i = 0; i < master->nreplicas; i++) {
        if (master->replicas[i] != r) continue;
        memmove(master->replicas + i, master->replicas + i + 1,
                sizeof(cnode *) * (size_t)(master->nreplicas - i - 1));
        master->nreplicas--;
        if (master->nreplicas == 0) master->flags &= ~CN_MIGRATE_TO;
        return;
    }
}

static void free_node(cnode *n) {
    for (int i = 0; i < n->nreplicas; i++) n->replicas[i]->master = NULL;
    if ((n->flags & CN_SLAVE) && n->master) cluster_node_remove_replica(n->master, n);
    if (n->link) bus_free_link(n->link);
    if (n->inbound_link) bus_free_link(n->inbound_link);
    str_free(n->hostname);
    mem_free(n->replicas);
    mem_free(n->reports);
    mem_free(n);
}

void cluster_node_del(cnode *n) {
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (cs->importing_from[j] == n) cs->importing_from[j] = NULL;
        if (cs->migrating_to[j] == n) cs->migrating_to[j] = NULL;
        if (cs->slots[j] == n) cluster_del_slot(j);
    }
    for (int i = 0; i < cs->nnodes; i++) {
        cluster_del_failure_report(cs->nodes[i], n);
        if (cs->nodes[i] == n) {
            cs->nodes[i] = cs->nodes[--cs->nnodes];
            i--;
        }
    }
    if (cs->mf_replica == n) cs->mf_replica = NULL;
    free_node(n);
}

void cluster_node_rename(cnode *n, const char *newname) {
    log_msg(LOG_DEBUG, "Renaming node %.40s into %.40s", n->name, newname);
    memcpy(n->name, newname, CLUSTER_NAMELEN);
}

static void blacklist_cleanup(void) {
    for (int i = 0; i < cs->nblacklist; i++) {
        if (cs->blacklist[i].until > srv.mstime) continue;
        cs->blacklist[i] = cs->blacklist[--cs->nblacklist];
        i--;
    }
}

static void blacklist_add(const char *name) {
    blacklist_cleanup();
    long long until = srv.mstime + 60000; /* Redis's CLUSTER_BLACKLIST_TTL */
    for (int i = 0; i < cs->nblacklist; i++)
        if (memcmp(cs->blacklist[i].name, name, CLUSTER_NAMELEN) == 0) {
            cs->blacklist[i].until = until;
            return;
        }
    cs->blacklist =
        mem_realloc(cs->blacklist, sizeof(*cs->blacklist) * (size_t)(cs->nblacklist + 1));
    memcpy(cs->blacklist[cs->nblacklist].name, name, CLUSTER_NAMELEN);
    cs->blacklist[cs->nblacklist++].until = until;
}

bool cluster_blacklisted(const char *name) {
    blacklist_cleanup();
    for (int i = 0; i < cs->nblacklist; i++)
        if (memcmp(cs->blacklist[i].name, name, CLUSTER_NAMELEN) == 0) return true;
    return false;
}

/* ---- Failure reports ---- */

static void expire_reports(cnode *n) {
    long long maxtime = cfg.cluster_node_timeout * 2; /* FAIL_REPORT_VALIDITY_MULT */
    for (int i = 0; i < n->nreports; i++) {
        if (srv.mstime - n->reports[i].time <= maxtime) continue;
        n->reports[i] = n->reports[--n->nreports];
        i--;
    }
}

bool cluster_add_failure_report(cnode *failing, cnode *sender) {
    for (int i = 0; i < failing->nreports; i++)
        if (failing->reports[i].node == sender) {
            failing->reports[i].time = srv.mstime;
            return false;
        }
    failing->reports =
        mem_realloc(failing->reports, sizeof(fail_report) * (size_t)(failing->nreports + 1));
    failing->reports[failing->nreports++] = (fail_report){sender, srv.mstime};
    return true;
}

void cluster_del_failure_report(cnode *failing, cnode *sender) {
    for (int i = 0; i < failing->nreports; i++)
        if (failing->reports[i].node == sender) {
            failing->reports[i] = failing->reports[--failing->nreports];
            return;
        }
}

int cluster_count_failure_reports(cnode *n) {
    expire_reports(n);
    return n->nreports;
}

/* ---- Slots ---- */

bool cluster_node_has_slot(const cnode *n, int slot) {
    return (n->slots[slot >> 3] >> (slot & 7)) & 1;
}

static void bit_set(uint8_t *b, int slot) { b[slot >> 3] |= (uint8_t)(1 << (slot & 7)); }
static void bit_clear(uint8_t *b, int slot) { b[slot >> 3] &= (uint8_t) ~(1 << (slot & 7)); }

static bool masters_have_replicas(void) {
    for (int i = 0; i < cs->nnodes; i++)
        if ((cs->nodes[i]->flags & CN_MASTER) && cs->nodes[i]->nreplicas) return true;
    return false;
}

int cluster_add_slot(cnode *n, int slot) {
    if (cs->slots[slot]) return -1;
    if (!cluster_node_has_slot(n, slot)) {
        bit_set(n->slots, slot);
        n->numslots++;
        /* A master getting its first slot is a target for replica
         * migration if other masters have replicas to spare (as Redis
         * since its issue 3043); otherwise only once it has had one. */
        if (n->numslots == 1 && masters_have_replicas()) n->flags |= CN_MIGRATE_TO;
    }
    cs->slots[slot] = n;
    return 0;
}

static bool channel_in_slot(bool pattern, const char *name, size_t len, void *priv) {
    (void)pattern;
    return (int)crc16_key_slot(name, len) == *(const int *)priv;
}

int cluster_del_slot(int slot) {
    cnode *n = cs->slots[slot];
    if (n == NULL) return -1;
    /* The shard channels of a slot we (or our master) served go with it:
     * their subscribers hear sunsubscribe, as Redis's clusterDelSlot. */
    if ((n == cs->myself || n == cs->myself->master) && pubsub_shard_count())
        pubsub_drop_shard_channels(channel_in_slot, &slot);
    if (cluster_node_has_slot(n, slot)) {
        bit_clear(n->slots, slot);
        n->numslots--;
    }
    cs->slots[slot] = NULL;
    return 0;
}

int cluster_del_node_slots(cnode *n) {
    int deleted = 0;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (cluster_node_has_slot(n, j)) {
            cluster_del_slot(j);
            deleted++;
        }
    }
    return deleted;
}

void cluster_set_as_master(cnode *n) {
    if (n->flags & CN_MASTER) return;
    if (n->master) {
        cluster_node_remove_replica(n->master, n);
        if (n != cs->myself) n->flags |= CN_MIGRATE_TO;
    }
    n->flags &= ~CN_SLAVE;
    n->flags |= CN_MASTER;
    n->master = NULL;
    cluster_todo(true, true);
}

unsigned cluster_del_keys_in_slot(unsigned slot) {
    db *d = db_get(0);
    unsigned deleted = 0;
    kv *batch[64];
    size_t n;
    while ((n = db_slot_keys(d, slot, batch, 64)) > 0) {
        for (size_t i = 0; i < n; i++) {
            size_t klen;
            const char *k = kv_key(batch[i], &klen);
            char small[128];
            char *key = klen <= sizeof(small) ? small : mem_alloc(klen);
            memcpy(key, k, klen);
            propagate_begin();
            db_delete_propagate(d, key, klen);
            propagate_end();
            if (key != small) mem_free(key);
            deleted++;
        }
    }
    return deleted;
}

/* ---- Endpoints and replication ---- */

/* The port a client should use to reach n: its TLS port in a tls-cluster
 * (nodes announce it as their port), but its plaintext port to a client
 * on a plain socket, if n has one (Redis's use_pport). Without a client
 * (nodes.conf) or for a script's, the announced port. */
int cluster_client_port(const client *c, const cnode *n) {
    bool plain = cfg.tls_cluster && c && c->fd != -1 && c->tls == NULL;
    return plain && n->pport ? n->pport : n->port;
}

const char *cluster_node_endpoint(const cnode *n) {
    switch (cfg.cluster_preferred_endpoint_type) {
    case ENDPOINT_HOSTNAME: return n->hostname && n->hostname->len ? n->hostname->buf : "?";
    case ENDPOINT_UNKNOWN: return "";
    default: return n->ip;
    }
}

long long cluster_my_repl_offset(void) { return repl_cluster_offset(); }

void cluster_replicate_master_addr(cnode *n) { repl_cluster_follow(n->ip, n->port); }

void cluster_become_master(void) { repl_cluster_follow(NULL, 0); }

void cluster_set_my_master(cnode *n) {
    cnode *me = cs->myself;
    if (me->flags & CN_MASTER) {
        me->flags &= ~(CN_MASTER | CN_MIGRATE_TO);
        me->flags |= CN_SLAVE;
        /* The slots go; migrations and imports with them. */
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            cs->migrating_to[j] = NULL;
            cs->importing_from[j] = NULL;
        }
        cluster_del_node_slots(me);
    } else if (me->master) {
        cluster_node_remove_replica(me->master, me);
    }
    me->master = n;
    cluster_node_add_replica(n, me);
    cluster_replicate_master_addr(n);
    bus_reset_manual_failover();
    cluster_todo(true, true);
}

/* ---- State ---- */

void cluster_todo(bool save, bool update_state) {
    if (save) cs->todo_save = true;
    if (update_state) cs->todo_update_state = true;
}

void cluster_todo_fsync(void) { cs->todo_save = cs->todo_fsync = true; }

#define CLUSTER_WRITABLE_DELAY 2000
#define CLUSTER_MAX_REJOIN_DELAY 5000
#define CLUSTER_MIN_REJOIN_DELAY 500

/* Redis's clusterUpdateState: OK when every slot is served by a node not
 * failing (or coverage is not required) and, for a master, a majority of
 * the masters is reachable. A master that was in the minority waits a bit
 * before accepting writes again. */
void cluster_update_state(void) {
    cs->todo_update_state = false;
    cnode *me = cs->myself;
    if (cs->first_call_time == 0) cs->first_call_time = srv.mstime;
    if ((me->flags & CN_MASTER) && cs->state == CLUSTER_FAIL &&
        srv.mstime - cs->first_call_time < CLUSTER_WRITABLE_DELAY)
        return;
    int new_state = CLUSTER_OK;
    if (cfg.cluster_require_full_coverage) {
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            if (cs->slots[j] == NULL || (cs->slots[j]->flags & CN_FAIL)) {
                new_state = CLUSTER_FAIL;
                break;
            }
        }
    }
    int reachable = 0;
    cs->size = 0;
    for (int i = 0; i < cs->nnodes; i++) {
        cnode *n = cs->nodes[i];
        if ((n->flags & CN_MASTER) && n->numslots) {
            cs->size++;
            if (!(n->flags & (CN_FAIL | CN_PFAIL))) reachable++;
        }
    }
    int quorum = cs->size / 2 + 1;
    if (reachable < quorum) {
        new_state = CLUSTER_FAIL;
        cs->among_minority_time = srv.mstime;
    }
    if (new_state == cs->state) return;
    long long rejoin = cfg.cluster_node_timeout;
    if (rejoin > CLUSTER_MAX_REJOIN_DELAY) rejoin = CLUSTER_MAX_REJOIN_DELAY;
    if (rejoin < CLUSTER_MIN_REJOIN_DELAY) rejoin = CLUSTER_MIN_REJOIN_DELAY;
    if (new_state == CLUSTER_OK && (me->flags & CN_MASTER) &&
        srv.mstime - cs->among_minority_time < rejoin)
        return;
    log_msg(LOG_WARNING, "Cluster state changed: %s", new_state == CLUSTER_OK ? "ok" : "fail");
    cs->state = new_state;
}

/* ---- Node descriptions (CLUSTER NODES, nodes.conf) ---- */

static str *cat_flags(str *s, const cnode *n) {
    static const struct {
        int flag;
        const char *name;
    } names[] = {{CN_MYSELF, "myself"}, {CN_MASTER, "master"},
                 {CN_SLAVE, "slave"},   {CN_PFAIL, "fail?"},
                 {CN_FAIL, "fail"},     {CN_HANDSHAKE, "handshake"},
                 {CN_NOADDR, "noaddr"}, {CN_NOFAILOVER, "nofailover"}};
    size_t before = s->len;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(n->flags & names[i].flag)) continue;
        if (s->len != before) s = str_catc(s, ",");
        s = str_catc(s, names[i].name);
    }
    if (s->len == before) s = str_catc(s, "noflags");
    return s;
}

/* One line of CLUSTER NODES for client c (ports as c reaches them), or of
 * nodes.conf if c is NULL. */
static str *cat_node(str *s, const cnode *n, const client *c) {
    s = str_catfmt(s, "%.40s %s:%d@%d", n->name, n->ip, cluster_client_port(c, n), n->cport);
    if (n->hostname && n->hostname->len) s = str_catfmt(s, ",%s", n->hostname->buf);
    s = str_catc(s, " ");
    s = cat_flags(s, n);
    if (n->master) s = str_catfmt(s, " %.40s", n->master->name);
    else s = str_catc(s, " -");
    bool me = n->flags & CN_MYSELF;
    uint64_t epoch = n->master ? n->master->config_epoch : n->config_epoch;
    s = str_catfmt(s, " %lld %lld %llu %s", n->ping_sent, n->pong_received,
                   (unsigned long long)epoch, (n->link || me) ? "connected" : "disconnected");
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!cluster_node_has_slot(n, j)) continue;
        int start = j;
        while (j + 1 < CLUSTER_SLOTS && cluster_node_has_slot(n, j + 1)) j++;
        if (start == j) s = str_catfmt(s, " %d", start);
        else s = str_catfmt(s, " %d-%d", start, j);
    }
    if (me) {
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            if (cs->migrating_to[j])
                s = str_catfmt(s, " [%d->-%.40s]", j, cs->migrating_to[j]->name);
            else if (cs->importing_from[j])
                s = str_catfmt(s, " [%d-<-%.40s]", j, cs->importing_from[j]->name);
        }
    }
    return str_catc(s, "\n");
}

/* Every node, one line each: CLUSTER NODES for client c, or nodes.conf if
 * c is NULL, which leaves out the nodes still in a handshake (as Redis). */
static str *nodes_description(const client *c) {
    str *s = str_new_cap(256);
    for (int i = 0; i < cs->nnodes; i++) {
        if ((cs->nodes[i]->flags & CN_HANDSHAKE) && c == NULL) continue;
        s = cat_node(s, cs->nodes[i], c);
    }
    return s;
}

/* ---- nodes.conf ---- */

/* nodes.conf is replaced whole, so a crash leaves the old or the new one,
 * never a mix. The new text goes into a spare file ("<file>.spare")
 * that is then exchanged with nodes.conf by renameat2(RENAME_EXCHANGE): the
 * spare keeps the previous version and is overwritten by the next save.
 * Creating a new file per save, as a plain rename needs, costs milliseconds
 * on a busy ext4 (inode allocation waits for the journal, and a rename over
 * a file flushes the new one's data), and a resharding saves several times
 * per slot on every node: this is what kept redis-cli --cluster reshard at
 * a quarter of Redis's speed (Redis 7.0 overwrites nodes.conf in place).
 * Where the file system cannot exchange (or nodes.conf does not exist yet)
 * the spare is renamed over it instead. The spare is removed at exit; one
 * that a crash left behind is taken over by the next start (nodes.conf's
 * lock makes its node the only one using that name), not piled up. */
static char spare_path[4096];
static pid_t spare_owner;
/* The spare's open fd while it is nodes.conf's last inode (after an
 * exchange), still holding the lock it took as nodes.conf: we keep both
 * inodes locked for as long as we run, so no save ever has to lock again
 * (a forked child's inherited copy of a description would refuse it). */
static int spare_fd = -1;

static void remove_spare(void) {
    if (spare_owner == getpid()) unlink(spare_path); /* not from a forked child */
}

/* Write s into the spare (fsynced if asked), locked as nodes.conf is
 * (see lock_config): its open fd, or -1 on error. */
static int write_spare(const str *s, bool fsync_it) {
    int fd = spare_fd;
    spare_fd = -1;
    if (fd == -1) {
        fd = open(spare_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd == -1) return -1;
        if (srv.cluster_lock_fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == -1)
            log_msg(LOG_WARNING, "Impossible to lock %s: %s", spare_path, strerror(errno));
    }
    if (pwrite(fd, s->buf, s->len, 0) != (ssize_t)s->len || ftruncate(fd, (off_t)s->len) == -1 ||
        (fsync_it && fsync(fd) == -1)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Redis's clusterLockConfig: an exclusive flock() on nodes.conf, held while
 * we run, so that a second node (castor or redis-server) given the same
 * file refuses to start instead of sharing it. nodes.conf is replaced by
 * another inode at each save: the spare is locked before it takes
 * nodes.conf's name, and the lock on the inode it replaced is let go. */
static int lock_config(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644); /* created: no race to create it */
    if (fd == -1) {
        log_msg(LOG_WARNING, "Can't open %s in order to acquire a lock: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        if (errno == EWOULDBLOCK)
            log_msg(
                LOG_WARNING,
                "Sorry, the cluster configuration file %s is already used by a different Redis Cluster node. Please make sure that different nodes use different cluster configuration files.",
                path);
        else log_msg(LOG_WARNING, "Impossible to lock %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    srv.cluster_lock_fd = fd;
    return 0;
}

int cluster_save_config(bool fsync_it) {
    cs->todo_save = cs->todo_fsync = false;
    str *s = nodes_description(NULL);
    s = str_catfmt(s, "vars currentEpoch %llu lastVoteEpoch %llu\n",
                   (unsigned long long)cs->current_epoch, (unsigned long long)cs->last_vote_epoch);
    if (spare_owner != getpid()) {
        snprintf(spare_path, sizeof(spare_path), "%s.spare", cfg.cluster_config_file);
        if (spare_owner == 0) atexit(remove_spare);
        spare_owner = getpid();
    }
    int rc = -1;
    int fd = write_spare(s, fsync_it);
    if (fd != -1) {
        bool exchanged = renameat2(AT_FDCWD, spare_path, AT_FDCWD, cfg.cluster_config_file,
                                   RENAME_EXCHANGE) == 0;
        if (exchanged || rename(spare_path, cfg.cluster_config_file) == 0) rc = 0;
        if (rc == 0 && srv.cluster_lock_fd != -1) {
            /* The replaced inode is now the spare (kept, locked) or gone. */
            if (exchanged) spare_fd = srv.cluster_lock_fd;
            else close(srv.cluster_lock_fd);
            srv.cluster_lock_fd = fd;
        } else {
            close(fd);
        }
    }
    if (rc == -1)
        log_msg(LOG_WARNING, "Could not save the cluster config file %s: %s",
                cfg.cluster_config_file, strerror(errno));
    str_free(s);
    return rc;
}

/* "ip:port@cport[,hostname]" (without "@cport": port + 10000, as written by
 * Redis before 4.0). */
static bool parse_address(cnode *n, char *addr) {
    char *comma = strchr(addr, ',');
    if (comma) {
        *comma = '\0';
        if (comma[1]) n->hostname = str_from(comma + 1);
    }
    char *at = strchr(addr, '@');
    if (at) *at = '\0';
    char *colon = strrchr(addr, ':');
    if (colon == NULL) return false;
    *colon = '\0';
    snprintf(n->ip, sizeof(n->ip), "%s", addr);
    n->port = atoi(colon + 1);
    n->cport = at ? atoi(at + 1) : n->port + CLUSTER_PORT_INCR;
    return true;
}

static cnode *find_or_add(const char *name) {
    cnode *n = cluster_node_find(name, strlen(name));
    if (n == NULL) {
        n = cluster_node_new(name, 0);
        cluster_node_add(n);
    }
    return n;
}

static int load_line(char **argv, int argc) {
    if (argc < 8 || strlen(argv[0]) != CLUSTER_NAMELEN) return -1;
    cnode *n = find_or_add(argv[0]);
    if (!parse_address(n, argv[1])) return -1;
    for (char *save = NULL, *f = strtok_r(argv[2], ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (!strcmp(f, "myself")) {
            n->flags |= CN_MYSELF;
            cs->myself = n;
        } else if (!strcmp(f, "master")) n->flags |= CN_MASTER;
        else if (!strcmp(f, "slave")) n->flags |= CN_SLAVE;
        else if (!strcmp(f, "fail?")) n->flags |= CN_PFAIL;
        else if (!strcmp(f, "fail")) {
            n->flags |= CN_FAIL;
            n->fail_time = srv.mstime;
        } else if (!strcmp(f, "handshake")) n->flags |= CN_HANDSHAKE;
        else if (!strcmp(f, "noaddr")) n->flags |= CN_NOADDR;
        else if (!strcmp(f, "nofailover")) n->flags |= CN_NOFAILOVER;
        else if (strcmp(f, "noflags")) return -1;
    }
    if (strcmp(argv[3], "-")) {
        if (strlen(argv[3]) != CLUSTER_NAMELEN) return -1;
        cnode *m = find_or_add(argv[3]);
        n->master = m;
        cluster_node_add_replica(m, n);
    }
    if (atoll(argv[4])) n->ping_sent = srv.mstime;
    if (atoll(argv[5])) n->pong_received = srv.mstime;
    n->config_epoch = strtoull(argv[6], NULL, 10);
    for (int i = 8; i < argc; i++) {
        char *a = argv[i];
        if (a[0] == '[') {
            /* [slot->-node] migrating, [slot-<-node] importing. */
            char *dash = strchr(a, '-');
            if (dash == NULL || strlen(dash) < 3 + CLUSTER_NAMELEN) return -1;
            int slot = atoi(a + 1);
            bool importing = dash[1] == '<';
            cnode *peer = find_or_add(dash + 3);
            if (slot < 0 || slot >= CLUSTER_SLOTS) return -1;
            if (importing) cs->importing_from[slot] = peer;
            else cs->migrating_to[slot] = peer;
            continue;
        }
        char *dash = strchr(a, '-');
        int start = atoi(a), stop = dash ? atoi(dash + 1) : start;
        if (start < 0 || stop >= CLUSTER_SLOTS || start > stop) return -1;
        for (int j = start; j <= stop; j++) cluster_add_slot(n, j);
    }
    return 0;
}

/* 0 loaded, 1 no file (a new node), -1 a file that does not parse. */
static int load_config(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT) return 1;
        log_msg(LOG_WARNING, "Loading the cluster node config from %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0, lines = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) != -1) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            line[--len] = '\0';
        if (len == 0) continue;
        lines++;
        char *argv[CLUSTER_SLOTS + 16];
        int argc = 0;
        for (char *save = NULL, *t = strtok_r(line, " ", &save);
             t && argc < (int)(sizeof(argv) / sizeof(argv[0])); t = strtok_r(NULL, " ", &save))
            argv[argc++] = t;
        if (argc && !strcmp(argv[0], "vars")) {
            for (int i = 1; i + 1 < argc; i += 2) {
                if (!strcmp(argv[i], "currentEpoch"))
                    cs->current_epoch = strtoull(argv[i + 1], NULL, 10);
                else if (!strcmp(argv[i], "lastVoteEpoch"))
                    cs->last_vote_epoch = strtoull(argv[i + 1], NULL, 10);
                else log_msg(LOG_WARNING, "Skipping unknown cluster config variable '%s'", argv[i]);
            }
            continue;
        }
        rc = load_line(argv, argc);
    }
    free(line);
    fclose(f);
    if (rc == -1) {
        log_msg(LOG_WARNING, "Unrecoverable error: corrupted cluster config file \"%s\".", path);
        return -1;
    }
    if (lines == 0) return 1; /* an empty file: a new node, as Redis */
    if (cs->myself == NULL) {
        log_msg(LOG_WARNING, "Unrecoverable error: corrupted cluster config file \"%s\".", path);
        return -1;
    }
    /* Something is wrong if a config epoch is above currentEpoch. */
    for (int i = 0; i < cs->nnodes; i++)
        if (cs->nodes[i]->config_epoch > cs->current_epoch)
            cs->current_epoch = cs->nodes[i]->config_epoch;
    log_msg(LOG_NOTICE, "Node configuration loaded, I'm %.40s", cs->myself->name);
    return 0;
}

/* ---- Redirection (Redis's getNodeByQuery) ---- */

enum {
    REDIR_NONE,
    REDIR_CROSS_SLOT,
    REDIR_UNSTABLE,
    REDIR_ASK,
    REDIR_MOVED,
    REDIR_DOWN_STATE,
    REDIR_DOWN_UNBOUND,
    REDIR_DOWN_RO_STATE
};

typedef struct query {
    cnode *n;
    int slot;
    bool migrating, importing, multiple_keys;
    int missing, existing;
    bool shard_pubsub;
    int code;
} query;

static bool is_shard_pubsub(const command *cmd) {
    return !strcmp(cmd->name, "spublish") || !strcmp(cmd->name, "ssubscribe") ||
           !strcmp(cmd->name, "sunsubscribe");
}

/* One command's keys into q; false with q->code set when it can't be
 * served whatever else the request holds. */
static bool query_command(query *q, command *cmd, int argc, slice *argv) {
    int small[32];
    int cap = argc < 32 ? 32 : argc;
    int *keys = cap == 32 ? small : mem_alloc(sizeof(int) * (size_t)cap);
    int nkeys = cmdtable_get_keys(cmd, argc, argv, keys, cap);
    if (is_shard_pubsub(cmd)) q->shard_pubsub = true;
    bool ok = true;
    for (int i = 0; i < nkeys && ok; i++) {
        const slice *k = &argv[keys[i]];
        int slot = (int)crc16_key_slot(k->ptr, k->len);
        if (q->n == NULL && q->slot == -1) {
            q->slot = slot;
            q->n = cs->slots[slot];
            if (q->n == NULL) {
                q->code = REDIR_DOWN_UNBOUND;
                ok = false;
                break;
            }
            if (q->n == cs->myself && cs->migrating_to[slot]) q->migrating = true;
            else if (cs->importing_from[slot]) q->importing = true;
        } else if (slot != q->slot) {
            q->code = REDIR_CROSS_SLOT;
            ok = false;
            break;
        } else {
            q->multiple_keys = true;
        }
        /* Missing keys matter while the slot moves: ASK / TRYAGAIN. */
        if ((q->migrating || q->importing) && !is_shard_pubsub(cmd)) {
            /* A key whose TTL passed is missing: it would ASK. */
            kv *e = db_find_raw(db_get(0), k->ptr, k->len);
            if (e && !db_key_is_expired(e)) q->existing++;
            else q->missing++;
        }
    }
    if (keys != small) mem_free(keys);
    return ok;
}

typedef struct exec_walk {
    query *q;
    bool ok;
    bool write;
} exec_walk;

static void walk_queued(void *priv, command *cmd, int argc, slice *argv) {
    exec_walk *w = priv;
    if (cmd->flags & CMD_WRITE) w->write = true;
    if (w->ok && !query_command(w->q, cmd, argc, argv)) w->ok = false;
}

/* The node to serve the request (myself, or another with q->code MOVED or
 * ASK), or NULL with q->code set. */
static cnode *node_by_query(client *c, command *cmd, int argc, slice *argv, query *q) {
    memset(q, 0, sizeof(*q));
    q->slot = -1;
    /* EVAL and FCALL write as their script says (a shebang without
     * no-writes writes: a replica redirects it, as Redis). */
    uint32_t flags = cmd->flags;
    if ((flags & CMD_SCRIPT_FLAGS) && c->cmd == cmd) flags = script_cmd_flags(c, flags);
    bool write = flags & CMD_WRITE;
    bool exec = (cmd->flags & CMD_QUEUED_FLAGS) && (c->flags & CLIENT_MULTI);
    if (exec) {
        exec_walk w = {q, true, false};
        multi_foreach_queued(c, walk_queued, &w);
        if (!w.ok) return NULL;
        write = w.write;
    } else if (!query_command(q, cmd, argc, argv)) {
        return NULL;
    }
    if (q->n == NULL) return cs->myself; /* no keys: served anywhere, any time */
    /* Asking for keys of an unhealthy cluster. */
    if (cs->state != CLUSTER_OK) {
        if (q->shard_pubsub) {
            if (!cfg.cluster_allow_pubsubshard_when_down) {
                q->code = REDIR_DOWN_STATE;
                return NULL;
            }
        } else if (!cfg.cluster_allow_reads_when_down) {
            q->code = REDIR_DOWN_STATE;
            return NULL;
        } else if (write) {
            q->code = REDIR_DOWN_RO_STATE;
            return NULL;
        }
    }
    if ((q->migrating || q->importing) && !strcmp(cmd->name, "migrate")) return cs->myself;
    /* Moving out: keys already gone are asked for at the target; a
     * request with some keys here and some gone must wait. */
    if (q->migrating && q->missing) {
        if (q->existing) {
            q->code = REDIR_UNSTABLE;
            return NULL;
        }
        q->code = REDIR_ASK;
        return cs->migrating_to[q->slot];
    }
    if (q->importing && ((c->flags & CLIENT_ASKING) || (cmd->flags & CMD_ASKING))) {
        if (q->multiple_keys && q->missing) {
            q->code = REDIR_UNSTABLE;
            return NULL;
        }
        return cs->myself;
    }
    /* Replicas serve their master's slots to READONLY clients, and shard
     * channels to anyone. */
    if (((c->flags & CLIENT_READONLY) || q->shard_pubsub) && !write &&
        (cs->myself->flags & CN_SLAVE) && cs->myself->master == q->n)
        return cs->myself;
    if (q->n != cs->myself) q->code = REDIR_MOVED;
    return q->n;
}

static const char *redirect_text(const client *c, const query *q, const cnode *n, char *buf,
                                 size_t size) {
    switch (q->code) {
    case REDIR_CROSS_SLOT: return ERR_CLUSTER_CROSSSLOT;
    case REDIR_UNSTABLE: return ERR_CLUSTER_TRYAGAIN;
    case REDIR_DOWN_STATE: return ERR_CLUSTER_DOWN;
    case REDIR_DOWN_RO_STATE: return ERR_CLUSTER_DOWN_RO;
    case REDIR_DOWN_UNBOUND: return ERR_CLUSTER_UNBOUND;
    default:
        snprintf(buf, size, q->code == REDIR_ASK ? ERR_CLUSTER_ASK : ERR_CLUSTER_MOVED, q->slot,
                 cluster_node_endpoint(n), cluster_client_port(c, n));
        return buf;
    }
}

const char *cluster_redirect(client *c, command *cmd, char *buf, size_t size) {
    bool asking = c->flags & CLIENT_ASKING;
    /* ASKING lasts one command (or a whole transaction, up to its EXEC). */
    if (!(c->flags & CLIENT_MULTI) && strcmp(cmd->name, "asking")) c->flags &= ~CLIENT_ASKING;
    bool exec = (cmd->flags & CMD_QUEUED_FLAGS) && (c->flags & CLIENT_MULTI);
    if (cmd->keys.first == 0 && cmd->getkeys == NULL && !exec) return NULL;
    uint32_t saved = c->flags;
    if (asking) c->flags |= CLIENT_ASKING;
    query q;
    cnode *n = node_by_query(c, cmd, c->argc, c->argv, &q);
    c->flags = (c->flags & ~CLIENT_ASKING) | (saved & CLIENT_ASKING);
    if (n == cs->myself) return NULL; /* an ASK to ourselves is served here too */
    return redirect_text(c, &q, n, buf, size);
}

const char *cluster_script_check(client *caller, client *fc, command *cmd, bool allow_cross_slot,
                                 int *slot, char *buf, size_t size) {
    if (cs == NULL || (caller->flags & (CLIENT_MASTER | CLIENT_FAKE))) return NULL;
    uint32_t saved = fc->flags;
    fc->flags = (fc->flags & ~(CLIENT_READONLY | CLIENT_ASKING)) |
                (caller->flags & (CLIENT_READONLY | CLIENT_ASKING));
    query q;
    cnode *n = node_by_query(fc, cmd, fc->argc, fc->argv, &q);
    fc->flags = saved;
    if (n != cs->myself) {
        if (q.code == REDIR_DOWN_RO_STATE) return ERR_CLUSTER_SCRIPT_DOWN_RO;
        if (q.code == REDIR_DOWN_STATE) return ERR_CLUSTER_SCRIPT_DOWN;
        snprintf(buf, size, ERR_CLUSTER_SCRIPT_NON_LOCAL);
        return buf;
    }
    /* A script with a shebang keeps to one slot (its declared keys' if
     * any) unless it allows cross-slot keys; old-style EVAL may roam. */
    if (q.slot != -1 && !allow_cross_slot) {
        if (*slot == -1) *slot = q.slot;
        else if (*slot != q.slot) return ERR_CLUSTER_SCRIPT_CROSSSLOT;
    }
    return NULL;
}

int cluster_request_slot(client *c) {
    command *cmd = c->cmd;
    int keys[1];
    if (cmd == NULL || cmdtable_get_keys(cmd, c->argc, c->argv, keys, 1) < 1) return -1;
    const slice *k = &c->argv[keys[0]];
    return (int)crc16_key_slot(k->ptr, k->len);
}

/* Redis's clusterRedirectBlockedClientIfNeeded: a client blocked on keys
 * of a slot that is no longer ours (or while the cluster is down) gets the
 * redirection now, not when a write that may never come wakes it. */
static void redirect_blocked_clients(void) {
    if (srv.blocked_clients == 0) return;
    for (client *c = srv.clients; c; c = c->next) {
        slice key;
        if (!(c->flags & CLIENT_BLOCKED) || !blocking_first_key(c, &key)) continue;
        if (cs->state == CLUSTER_FAIL) {
            blocking_unblock_with_error(c, ERR_CLUSTER_DOWN);
            continue;
        }
        int slot = (int)crc16_key_slot(key.ptr, key.len);
        cnode *n = cs->slots[slot];
        if ((c->flags & CLIENT_READONLY) && c->lastcmd && !(c->lastcmd->flags & CMD_WRITE) &&
            (cs->myself->flags & CN_SLAVE) && cs->myself->master == n)
            n = cs->myself;
        if (n == cs->myself || cs->importing_from[slot]) continue;
        if (n == NULL) {
            blocking_unblock_with_error(c, ERR_CLUSTER_UNBOUND);
            continue;
        }
        char buf[128 + CLUSTER_IPLEN];
        snprintf(buf, sizeof(buf), ERR_CLUSTER_MOVED, slot, cluster_node_endpoint(n),
                 cluster_client_port(c, n));
        blocking_unblock_with_error(c, buf);
    }
}

/* ---- Publish ---- */

void cluster_publish(bool shard, const char *ch, size_t chlen, const char *msg, size_t msglen) {
    if (cs) bus_publish(shard, ch, chlen, msg, msglen);
}

/* ---- INFO ---- */

str *cluster_info_fields(str *s) { return str_catfmt(s, "cluster_enabled:%d\r\n", cs ? 1 : 0); }

size_t cluster_links_memory(void) { return cs ? bus_links_memory() : 0; }

unsigned long cluster_connections(void) { return cs ? bus_connections() : 0; }

/* ---- Start-up and cron ---- */

/* What we announce: cluster-announce-port/bus-port, else our ports (CONFIG
 * SET may change them at any time). */
static void update_my_ports(void) {
    cnode *me = cs->myself;
    /* Redis's deriveAnnouncedPorts: with tls-cluster, port is the TLS port
     * and pport the plain one, cluster-announce-tls-port and
     * cluster-announce-port overriding them. */
    int port = cfg.tls_cluster ? cfg.tls_port : cfg.port;
    int pport = cfg.tls_cluster ? cfg.port : 0;
    if (cfg.tls_cluster && cfg.cluster_announce_tls_port) {
        port = cfg.cluster_announce_tls_port;
        pport = cfg.cluster_announce_port;
    } else if (cfg.cluster_announce_port) {
        port = cfg.cluster_announce_port;
    }
    int cport = cfg.cluster_announce_bus_port ? cfg.cluster_announce_bus_port : bus_port();
    if (port != me->port || pport != me->pport || cport != me->cport) {
        me->port = port;
        me->pport = pport;
        me->cport = cport;
        cluster_todo(true, false);
    }
}

int cluster_init(void) {
    if (!cfg.cluster_enabled) return 0;
    cs = mem_calloc(sizeof(cluster_state));
    cs->state = CLUSTER_FAIL;
    cs->mf_master_offset = -1;
    if (lock_config(cfg.cluster_config_file) == -1) return -1;
    int rc = load_config(cfg.cluster_config_file);
    if (rc == -1) return -1;
    if (rc == 1) {
        cs->myself = cluster_node_new(NULL, CN_MYSELF | CN_MASTER);
        cluster_node_add(cs->myself);
        log_msg(LOG_NOTICE, "No cluster configuration found, I'm %.40s", cs->myself->name);
        if (cluster_save_config(true) == -1) {
            log_msg(LOG_WARNING, "Fatal: can't update cluster config file.");
            return -1;
        }
    }
    cnode *me = cs->myself;
    if (bus_init() == -1) return -1;
    update_my_ports();
    if (cfg.cluster_announce_ip && cfg.cluster_announce_ip[0])
        snprintf(me->ip, sizeof(me->ip), "%s", cfg.cluster_announce_ip);
    str_free(me->hostname);
    me->hostname = cfg.cluster_announce_hostname && cfg.cluster_announce_hostname[0]
                       ? str_from(cfg.cluster_announce_hostname)
                       : NULL;
    if (cfg.cluster_replica_no_failover) me->flags |= CN_NOFAILOVER;
    else me->flags &= ~CN_NOFAILOVER;
    /* A replica in nodes.conf replicates its master again. */
    if ((me->flags & CN_SLAVE) && me->master && me->master->ip[0])
        cluster_replicate_master_addr(me->master);
    cluster_update_state();
    return 0;
}

static long long last_cron_ms;

/* What CONFIG SET may have changed about myself: the announced hostname
 * and ports, the failover opt-out. Before each cron and CLUSTER reply. */
static void refresh_myself(void) {
    cnode *me = cs->myself;
    const char *hn = cfg.cluster_announce_hostname;
    bool want = hn && hn[0];
    if (want != (me->hostname != NULL) || (want && strcmp(me->hostname->buf, hn))) {
        str_free(me->hostname);
        me->hostname = want ? str_from(hn) : NULL;
        cluster_todo(true, false);
    }
    if (cfg.cluster_replica_no_failover) me->flags |= CN_NOFAILOVER;
    else me->flags &= ~CN_NOFAILOVER;
    update_my_ports();
}

void cluster_cron(void) {
    if (cs == NULL) return;
    if (srv.mstime - last_cron_ms < 100) return; /* Redis's clusterCron runs ten times a second */
    last_cron_ms = srv.mstime;
    refresh_myself();
    bus_cron();
    redirect_blocked_clients();
}

void cluster_before_sleep(void) {
    if (cs == NULL) return;
    bus_before_sleep();
    if (cs->todo_update_state) cluster_update_state();
    if (cs->todo_save) cluster_save_config(cs->todo_fsync);
}

/* ---- CLUSTER ---- */

static bool need_cluster(client *c) {
    if (cs) {
        refresh_myself();
        return true;
    }
    reply_error(c, ERR_CLUSTER_DISABLED);
    return false;
}

/* A slot argument; replies Redis's error when it is not one. */
static int slot_arg(client *c, const slice *a) {
    long long v;
    if (!util_str2ll(a->ptr, a->len, &v) || v < 0 || v >= CLUSTER_SLOTS) {
        reply_error(c, ERR_CLUSTER_BAD_SLOT);
        return -1;
    }
    return (int)v;
}

static void cmd_cluster_keyslot(client *c) {
    if (!need_cluster(c)) return;
    reply_int(c, crc16_key_slot(c->argv[2].ptr, c->argv[2].len));
}

static void cmd_cluster_myid(client *c) {
    if (!need_cluster(c)) return;
    reply_bulk(c, cs->myself->name, CLUSTER_NAMELEN);
}

static void cmd_cluster_nodes(client *c) {
    if (!need_cluster(c)) return;
    str *s = nodes_description(c);
    reply_verbatim(c, s->buf, s->len, "txt");
    str_free(s);
}

static void cmd_cluster_info(client *c) {
    if (!need_cluster(c)) return;
    int assigned = 0, ok = 0, pfail = 0, fail = 0;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        cnode *n = cs->slots[j];
        if (n == NULL) continue;
        assigned++;
        if (n->flags & CN_FAIL) fail++;
        else if (n->flags & CN_PFAIL) pfail++;
        else ok++;
    }
    cnode *me = cs->myself;
    uint64_t my_epoch = me->master ? me->master->config_epoch : me->config_epoch;
    str *s = str_fmt("cluster_state:%s\r\n"
                     "cluster_slots_assigned:%d\r\n"
                     "cluster_slots_ok:%d\r\n"
                     "cluster_slots_pfail:%d\r\n"
                     "cluster_slots_fail:%d\r\n"
                     "cluster_known_nodes:%d\r\n"
                     "cluster_size:%d\r\n"
                     "cluster_current_epoch:%llu\r\n"
                     "cluster_my_epoch:%llu\r\n",
                     cs->state == CLUSTER_OK ? "ok" : "fail", assigned, ok, pfail, fail, cs->nnodes,
                     cs->size, (unsigned long long)cs->current_epoch, (unsigned long long)my_epoch);
    long long sent = 0, received = 0;
    for (int t = 0; t < MSG_TYPES; t++) {
        if (cs->stats_sent[t] == 0) continue;
        sent += cs->stats_sent[t];
        s = str_catfmt(s, "cluster_stats_messages_%s_sent:%lld\r\n", bus_msg_type_name(t),
                       cs->stats_sent[t]);
    }
    s = str_catfmt(s, "cluster_stats_messages_sent:%lld\r\n", sent);
    for (int t = 0; t < MSG_TYPES; t++) {
        if (cs->stats_received[t] == 0) continue;
        received += cs->stats_received[t];
        s = str_catfmt(s, "cluster_stats_messages_%s_received:%lld\r\n", bus_msg_type_name(t),
                       cs->stats_received[t]);
    }
    s = str_catfmt(s, "cluster_stats_messages_received:%lld\r\n", received);
    s = str_catfmt(s, "total_cluster_links_buffer_limit_exceeded:%llu\r\n",
                   cs->links_limit_exceeded);
    reply_verbatim(c, s->buf, s->len, "txt");
    str_free(s);
}

/* A node's replication offset: ours now, or the last another announced. */
static long long node_offset(const cnode *n) {
    return n == cs->myself ? cluster_my_repl_offset() : n->repl_offset;
}

/* A replica with no offset is in its full sync, or has taken nothing from
 * its master's stream yet: SLOTS hides it, SHARDS calls it "loading"
 * (Redis's isReplicaAvailable). Not "unless its master has no offset
 * either": a replica synced at offset 0 would then look in a full sync as
 * soon as its master's offset moved, before it even reconnected. */
static bool replica_in_full_sync(const cnode *n) {
    return (n->flags & CN_SLAVE) && node_offset(n) == 0;
}

/* One node of CLUSTER SLOTS: endpoint, port, id, then the networking
 * metadata that is not the preferred endpoint. */
static void reply_slots_node(client *c, const cnode *n) {
    int type = cfg.cluster_preferred_endpoint_type;
    bool has_host = n->hostname && n->hostname->len;
    reply_array(c, 4);
    if (type == ENDPOINT_UNKNOWN) reply_null(c);
    else reply_bulk_cstr(c, cluster_node_endpoint(n));
    reply_int(c, cluster_client_port(c, n));
    reply_bulk(c, n->name, CLUSTER_NAMELEN);
    int extra = (type != ENDPOINT_IP) + (type != ENDPOINT_HOSTNAME && has_host);
    reply_map(c, extra);
    if (type != ENDPOINT_IP) {
        reply_bulk_cstr(c, "ip");
        reply_bulk_cstr(c, n->ip);
    }
    if (type != ENDPOINT_HOSTNAME && has_host) {
        reply_bulk_cstr(c, "hostname");
        reply_bulk(c, n->hostname->buf, n->hostname->len);
    }
}

/* CLUSTER SLOTS lists the replicas that can serve (Redis's
 * isReplicaAvailable): not failed, not in a full sync. */
static bool slots_lists(const cnode *r) {
    return !(r->flags & CN_FAIL) && !replica_in_full_sync(r);
}

static void cmd_cluster_slots(client *c) {
    if (!need_cluster(c)) return;
    void *node = reply_defer(c);
    long long ranges = 0;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        cnode *n = cs->slots[j];
        if (n == NULL) continue;
        int start = j;
        while (j + 1 < CLUSTER_SLOTS && cs->slots[j + 1] == n) j++;
        int healthy = 0;
        for (int r = 0; r < n->nreplicas; r++)
            if (slots_lists(n->replicas[r])) healthy++;
        reply_array(c, 3 + healthy);
        reply_int(c, start);
        reply_int(c, j);
        reply_slots_node(c, n);
        for (int r = 0; r < n->nreplicas; r++)
            if (slots_lists(n->replicas[r])) reply_slots_node(c, n->replicas[r]);
        ranges++;
    }
    reply_set_deferred_array(c, node, ranges);
}

static void reply_shard_node(client *c, const cnode *n) {
    bool has_host = n->hostname && n->hostname->len;
    /* In a tls-cluster a node's port is its TLS port, pport the plain one. */
    int port = cfg.tls_cluster ? n->pport : n->port;
    int tls_port = cfg.tls_cluster ? n->port : 0;
    reply_map(c, 6 + (port != 0) + (tls_port != 0) + has_host);
    reply_bulk_cstr(c, "id");
    reply_bulk(c, n->name, CLUSTER_NAMELEN);
    if (port) {
        reply_bulk_cstr(c, "port");
        reply_int(c, port);
    }
    if (tls_port) {
        reply_bulk_cstr(c, "tls-port");
        reply_int(c, tls_port);
    }
    reply_bulk_cstr(c, "ip");
    reply_bulk_cstr(c, n->ip);
    reply_bulk_cstr(c, "endpoint");
    reply_bulk_cstr(c, cluster_node_endpoint(n));
    if (has_host) {
        reply_bulk_cstr(c, "hostname");
        reply_bulk(c, n->hostname->buf, n->hostname->len);
    }
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, (n->flags & CN_SLAVE) ? "replica" : "master");
    reply_bulk_cstr(c, "replication-offset");
    reply_int(c, node_offset(n));
    reply_bulk_cstr(c, "health");
    const char *health = "online";
    if (n->flags & CN_FAIL) health = "fail";
    else if ((n == cs->myself && srv.loading) || replica_in_full_sync(n)) health = "loading";
    reply_bulk_cstr(c, health);
}

/* CLUSTER SHARDS: one entry per master (with its replicas), and for each
 * its slot ranges as a flat list of bounds. */
static void cmd_cluster_shards(client *c) {
    if (!need_cluster(c)) return;
    long long shards = 0;
    void *node = reply_defer(c);
    for (int i = 0; i < cs->nnodes; i++) {
        cnode *m = cs->nodes[i];
        if (!(m->flags & CN_MASTER)) continue;
        shards++;
        reply_map(c, 2);
        reply_bulk_cstr(c, "slots");
        void *sn = reply_defer(c);
        long long bounds = 0;
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            if (!cluster_node_has_slot(m, j)) continue;
            int start = j;
            while (j + 1 < CLUSTER_SLOTS && cluster_node_has_slot(m, j + 1)) j++;
            reply_int(c, start);
            reply_int(c, j);
            bounds += 2;
        }
        reply_set_deferred_array(c, sn, bounds);
        reply_bulk_cstr(c, "nodes");
        reply_array(c, 1 + m->nreplicas);
        reply_shard_node(c, m);
        for (int r = 0; r < m->nreplicas; r++) reply_shard_node(c, m->replicas[r]);
    }
    /* Replicas of a master we don't know form a shard of their own. */
    for (int i = 0; i < cs->nnodes; i++) {
        cnode *r = cs->nodes[i];
        if (!(r->flags & CN_SLAVE) || r->master) continue;
        shards++;
        reply_map(c, 2);
        reply_bulk_cstr(c, "slots");
        reply_array(c, 0);
        reply_bulk_cstr(c, "nodes");
        reply_array(c, 1);
        reply_shard_node(c, r);
    }
    reply_set_deferred_array(c, node, shards);
}

/* ADDSLOTS / DELSLOTS and their RANGE forms: every slot is checked before
 * any changes. */
static void change_slots(client *c, bool add, bool range) {
    if (!need_cluster(c)) return;
    if (range && (c->argc - 2) % 2) {
        reply_error_arity(c);
        return;
    }
    uint8_t *seen = mem_calloc(CLUSTER_SLOTS);
    bool ok = true;
    for (int i = 2; i < c->argc && ok; i += range ? 2 : 1) {
        int start = slot_arg(c, &c->argv[i]);
        int stop = start;
        if (start == -1) {
            ok = false;
            break;
        }
        if (range) {
            stop = slot_arg(c, &c->argv[i + 1]);
            if (stop == -1) {
                ok = false;
                break;
            }
            if (start > stop) {
                reply_errorf(c, ERR_CLUSTER_SLOT_RANGE, start, stop);
                ok = false;
                break;
            }
        }
        for (int j = start; j <= stop; j++) {
            if (add && cs->slots[j]) {
                reply_errorf(c, ERR_CLUSTER_SLOT_BUSY, j);
                ok = false;
                break;
            }
            if (!add && cs->slots[j] == NULL) {
                reply_errorf(c, ERR_CLUSTER_SLOT_UNASSIGNED, j);
                ok = false;
                break;
            }
            if (seen[j]++) {
                reply_errorf(c, ERR_CLUSTER_SLOT_TWICE, j);
                ok = false;
                break;
            }
        }
    }
    if (ok) {
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            if (!seen[j]) continue;
            if (add) {
                /* An import of this slot ends with it being ours. */
                if (cs->importing_from[j]) cs->importing_from[j] = NULL;
                cluster_add_slot(cs->myself, j);
            } else {
                cluster_del_slot(j);
            }
        }
        cluster_todo(true, true);
        reply_ok(c);
    }
    mem_free(seen);
}

static void cmd_cluster_addslots(client *c) { change_slots(c, true, false); }
static void cmd_cluster_addslotsrange(client *c) { change_slots(c, true, true); }
static void cmd_cluster_delslots(client *c) { change_slots(c, false, false); }
static void cmd_cluster_delslotsrange(client *c) { change_slots(c, false, true); }

static void cmd_cluster_flushslots(client *c) {
    if (!need_cluster(c)) return;
    if (db_size(db_get(0)) != 0) {
        reply_error(c, ERR_CLUSTER_FLUSHSLOTS);
        return;
    }
    cluster_del_node_slots(cs->myself);
    cluster_todo(true, true);
    reply_ok(c);
}

static void cmd_cluster_countkeysinslot(client *c) {
    if (!need_cluster(c)) return;
    long long slot;
    if (!arg_ll(c, &c->argv[2], &slot)) return;
    if (slot < 0 || slot >= CLUSTER_SLOTS) {
        reply_error(c, ERR_CLUSTER_INVALID_SLOT);
        return;
    }
    reply_int(c, (long long)db_slot_count(db_get(0), (unsigned)slot));
}

static void cmd_cluster_getkeysinslot(client *c) {
    if (!need_cluster(c)) return;
    long long slot, max;
    if (!arg_ll(c, &c->argv[2], &slot) || !arg_ll(c, &c->argv[3], &max)) return;
    if (slot < 0 || slot >= CLUSTER_SLOTS || max < 0) {
        reply_error(c, ERR_CLUSTER_SLOT_OR_COUNT);
        return;
    }
    db *d = db_get(0);
    size_t count = db_slot_count(d, (unsigned)slot);
    if ((size_t)max < count) count = (size_t)max;
    kv **keys = mem_alloc(sizeof(kv *) * (count ? count : 1));
    size_t n = db_slot_keys(d, (unsigned)slot, keys, count);
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++) {
        size_t klen;
        const char *k = kv_key(keys[i], &klen);
        reply_bulk(c, k, klen);
    }
    mem_free(keys);
}

static void cmd_cluster_meet(client *c) {
    if (!need_cluster(c)) return;
    if (c->argc > 5) {
        reply_error_arity(c);
        return;
    }
    long long port, cport;
    if (!util_str2ll(c->argv[3].ptr, c->argv[3].len, &port)) {
        reply_errorf(c, ERR_CLUSTER_MEET_PORT, c->argv[3].ptr);
        return;
    }
    if (c->argc == 5) {
        if (!util_str2ll(c->argv[4].ptr, c->argv[4].len, &cport)) {
            reply_errorf(c, ERR_CLUSTER_MEET_BUS_PORT, c->argv[4].ptr);
            return;
        }
    } else {
        cport = port + CLUSTER_PORT_INCR;
    }
    if (port < 0 || port > 65535 || cport < 0 || cport > 65535 ||
        !bus_start_handshake(c->argv[2].ptr, (int)port, (int)cport)) {
        reply_errorf(c, ERR_CLUSTER_MEET_ADDR, c->argv[2].ptr, c->argv[3].ptr);
        return;
    }
    reply_ok(c);
}

static cnode *node_arg(client *c, const slice *a) {
    cnode *n = cluster_node_find(a->ptr, a->len);
    if (n == NULL) reply_errorf(c, ERR_CLUSTER_UNKNOWN_NODE_LEN, (int)a->len, a->ptr);
    return n;
}

static void cmd_cluster_forget(client *c) {
    if (!need_cluster(c)) return;
    cnode *n = node_arg(c, &c->argv[2]);
    if (n == NULL) return;
    if (n == cs->myself) {
        reply_error(c, ERR_CLUSTER_FORGET_MYSELF);
        return;
    }
    if ((cs->myself->flags & CN_SLAVE) && cs->myself->master == n) {
        reply_error(c, ERR_CLUSTER_FORGET_MASTER);
        return;
    }
    blacklist_add(n->name);
    cluster_node_del(n);
    cluster_todo(true, true);
    reply_ok(c);
}

static void cmd_cluster_replicate(client *c) {
    if (!need_cluster(c)) return;
    cnode *n = node_arg(c, &c->argv[2]);
    if (n == NULL) return;
    if (n == cs->myself) {
        reply_error(c, ERR_CLUSTER_REPLICATE_MYSELF);
        return;
    }
    if (n->flags & CN_SLAVE) {
        reply_error(c, ERR_CLUSTER_REPLICATE_REPLICA);
        return;
    }
    if ((cs->myself->flags & CN_MASTER) && (cs->myself->numslots != 0 || db_size(db_get(0)) != 0)) {
        reply_error(c, ERR_CLUSTER_REPLICATE_NOT_EMPTY);
        return;
    }
    cluster_set_my_master(n);
    reply_ok(c);
}

static void reply_node_lines(client *c, cnode *m) {
    reply_array(c, m->nreplicas);
    for (int i = 0; i < m->nreplicas; i++) {
        str *s = cat_node(str_new_cap(128), m->replicas[i], c);
        reply_bulk(c, s->buf, s->len - 1); /* without the newline */
        str_free(s);
    }
}

static void cmd_cluster_replicas(client *c) {
    if (!need_cluster(c)) return;
    cnode *n = node_arg(c, &c->argv[2]);
    if (n == NULL) return;
    if (n->flags & CN_SLAVE) {
        reply_error(c, ERR_CLUSTER_NOT_MASTER);
        return;
    }
    reply_node_lines(c, n);
}

static void cmd_cluster_count_failure_reports(client *c) {
    if (!need_cluster(c)) return;
    cnode *n = node_arg(c, &c->argv[2]);
    if (n) reply_int(c, cluster_count_failure_reports(n));
}

static void cmd_cluster_saveconfig(client *c) {
    if (!need_cluster(c)) return;
    if (cluster_save_config(true) == 0) reply_ok(c);
    else reply_errorf(c, ERR_CLUSTER_SAVECONFIG, strerror(errno));
}

/* Redis's clusterBumpConfigEpochWithoutConsensus: unless my config epoch is
 * non-zero and already the greatest of every node's config epoch and the
 * current epoch (which an election or a vote may have moved past them),
 * take a new one (saved with fsync). Returns true if it changed. */
static bool bump_epoch_without_consensus(void) {
    uint64_t max = cs->current_epoch;
    for (int i = 0; i < cs->nnodes; i++)
        if (cs->nodes[i]->config_epoch > max) max = cs->nodes[i]->config_epoch;
    cnode *me = cs->myself;
    if (me->config_epoch != 0 && me->config_epoch == max) return false;
    cs->current_epoch++;
    me->config_epoch = cs->current_epoch;
    cluster_todo_fsync();
    return true;
}

static void cmd_cluster_bumpepoch(client *c) {
    if (!need_cluster(c)) return;
    bool bumped = bump_epoch_without_consensus();
    if (bumped)
        log_msg(LOG_WARNING, "New configEpoch set to %llu",
                (unsigned long long)cs->myself->config_epoch);
    char buf[64];
    snprintf(buf, sizeof(buf), "%s %llu", bumped ? "BUMPED" : "STILL",
             (unsigned long long)cs->myself->config_epoch);
    reply_simple(c, buf);
}

static void cmd_cluster_set_config_epoch(client *c) {
    if (!need_cluster(c)) return;
    long long epoch;
    if (!arg_ll(c, &c->argv[2], &epoch)) return;
    if (epoch < 0) {
        reply_errorf(c, ERR_CLUSTER_EPOCH_INVALID, epoch);
        return;
    }
    if (cs->nnodes > 1) {
        reply_error(c, ERR_CLUSTER_EPOCH_NOT_ALONE);
        return;
    }
    if (cs->myself->config_epoch != 0) {
        reply_error(c, ERR_CLUSTER_EPOCH_NONZERO);
        return;
    }
    cs->myself->config_epoch = (uint64_t)epoch;
    log_msg(LOG_WARNING, "configEpoch set to %llu via CLUSTER SET-CONFIG-EPOCH",
            (unsigned long long)epoch);
    if (cs->current_epoch < (uint64_t)epoch) cs->current_epoch = (uint64_t)epoch;
    cluster_todo(true, true);
    reply_ok(c);
}

/* SETSLOT's node argument (argv[4]): a master we know, or NULL after
 * replying why not (NODE words an unknown node as Redis does there). */
static cnode *setslot_target(client *c, bool node_action) {
    cnode *n = cluster_node_find(c->argv[4].ptr, c->argv[4].len);
    if (n == NULL) {
        reply_errorf(c, node_action ? ERR_CLUSTER_UNKNOWN_NODE : ERR_CLUSTER_SETSLOT_UNKNOWN,
                     c->argv[4].ptr);
        return NULL;
    }
    if (n->flags & CN_SLAVE) {
        reply_error(c, ERR_CLUSTER_TARGET_NOT_MASTER);
        return NULL;
    }
    return n;
}

static void cmd_cluster_setslot(client *c) {
    if (!need_cluster(c)) return;
    cnode *me = cs->myself;
    if (me->flags & CN_SLAVE) {
        reply_error(c, ERR_CLUSTER_SETSLOT_REPLICA);
        return;
    }
    int slot = slot_arg(c, &c->argv[2]);
    if (slot == -1) return;
    const slice *action = &c->argv[3];
    if (arg_is(action, "migrating") && c->argc == 5) {
        if (cs->slots[slot] != me) {
            reply_errorf(c, ERR_CLUSTER_NOT_OWNER, slot);
            return;
        }
        cnode *n = setslot_target(c, false);
        if (n == NULL) return;
        cs->migrating_to[slot] = n;
    } else if (arg_is(action, "importing") && c->argc == 5) {
        if (cs->slots[slot] == me) {
            reply_errorf(c, ERR_CLUSTER_ALREADY_OWNER, slot);
            return;
        }
        cnode *n = setslot_target(c, false);
        if (n == NULL) return;
        cs->importing_from[slot] = n;
    } else if (arg_is(action, "stable") && c->argc == 4) {
        cs->importing_from[slot] = NULL;
        cs->migrating_to[slot] = NULL;
    } else if (arg_is(action, "node") && c->argc == 5) {
        cnode *n = setslot_target(c, true);
        if (n == NULL) return;
        if (cs->slots[slot] == me && n != me && db_slot_count(db_get(0), (unsigned)slot)) {
            reply_errorf(c, ERR_CLUSTER_SETSLOT_KEYS, slot);
            return;
        }
        /* The last key left: the migration is over. */
        if (db_slot_count(db_get(0), (unsigned)slot) == 0 && cs->migrating_to[slot])
            cs->migrating_to[slot] = NULL;
        bool was_mine = cs->slots[slot] == me;
        cluster_del_slot(slot);
        cluster_add_slot(n, slot);
        /* A master whose last slot just left follows the slot's new owner
         * (Redis: cluster-allow-replica-migration). */
        if (was_mine && n != me && me->numslots == 0 && cfg.cluster_allow_replica_migration) {
            log_msg(LOG_WARNING,
                    "Configuration change detected. Reconfiguring myself as a replica of %.40s",
                    n->name);
            cluster_set_my_master(n);
        }
        /* Importing into myself ends the import, and the node claims a new
         * config epoch without agreement so its claim wins (Redis). */
        if (n == me && cs->importing_from[slot]) {
            cs->importing_from[slot] = NULL;
            if (bump_epoch_without_consensus())
                log_msg(LOG_WARNING, "configEpoch updated after importing slot");
            bus_broadcast_pong(false);
        }
    } else {
        reply_error(c, ERR_CLUSTER_SETSLOT_SYNTAX);
        return;
    }
    cluster_todo(true, true);
    reply_ok(c);
}

/* Redis's addReplySubcommandSyntaxError. */
static void reply_subcommand_error(client *c) {
    reply_errorf(c, ERR_CLUSTER_SUBCOMMAND, c->argv[1].ptr);
}

static void cmd_cluster_reset(client *c) {
    if (!need_cluster(c)) return;
    bool hard = false;
    if (c->argc == 3) {
        if (arg_is(&c->argv[2], "hard")) hard = true;
        else if (!arg_is(&c->argv[2], "soft")) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    } else if (c->argc > 3) {
        reply_subcommand_error(c);
        return;
    }
    cnode *me = cs->myself;
    if ((me->flags & CN_MASTER) && db_size(db_get(0)) != 0) {
        reply_error(c, ERR_CLUSTER_RESET_KEYS);
        return;
    }
    /* A replica becomes an empty master. */
    if (me->flags & CN_SLAVE) {
        cluster_set_as_master(me);
        cluster_become_master();
        db_empty_all();
    }
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        cs->migrating_to[j] = NULL;
        cs->importing_from[j] = NULL;
    }
    cluster_del_node_slots(me);
    bus_reset_manual_failover();
    for (int i = 0; i < cs->nnodes; i++) {
        if (cs->nodes[i] == me) continue;
        cluster_node_del(cs->nodes[i]);
        i = -1; /* the array changed */
    }
    if (hard) {
        cs->current_epoch = 0;
        cs->last_vote_epoch = 0;
        me->config_epoch = 0;
        char fresh[CLUSTER_NAMELEN + 1]; /* util_random_hex ends it with a NUL */
        util_random_hex(fresh, CLUSTER_NAMELEN);
        cluster_node_rename(me, fresh);
        log_msg(LOG_NOTICE, "Node hard reset, now I'm %.40s", me->name);
    }
    cluster_todo(true, true);
    cluster_save_config(true);
    reply_ok(c);
}

static void cmd_cluster_failover(client *c) {
    if (!need_cluster(c)) return;
    bool force = false, takeover = false;
    if (c->argc == 3) {
        if (arg_is(&c->argv[2], "force")) force = true;
        else if (arg_is(&c->argv[2], "takeover")) takeover = force = true;
        else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    } else if (c->argc > 3) {
        reply_subcommand_error(c);
        return;
    }
    cnode *me = cs->myself;
    if (me->flags & CN_MASTER) {
        reply_error(c, ERR_CLUSTER_FAILOVER_MASTER);
        return;
    }
    if (me->master == NULL) {
        reply_error(c, ERR_CLUSTER_FAILOVER_NO_MASTER);
        return;
    }
    if (!force && ((me->master->flags & CN_FAIL) || me->master->link == NULL)) {
        reply_error(c, ERR_CLUSTER_FAILOVER_DOWN);
        return;
    }
    bus_reset_manual_failover();
    cs->mf_end = srv.mstime + 5000; /* Redis's CLUSTER_MF_TIMEOUT */
    if (takeover) {
        /* No agreement: a new epoch of our own and the master's slots. */
        log_msg(LOG_WARNING, "Taking over the master (user request).");
        cs->current_epoch++;
        me->config_epoch = cs->current_epoch;
        cluster_todo(true, false);
        bus_replace_my_master();
    } else if (force) {
        log_msg(LOG_WARNING, "Forced failover user request accepted.");
        cs->mf_can_start = true;
    } else {
        log_msg(LOG_WARNING, "Manual failover user request accepted.");
        bus_send_mfstart(me->master);
    }
    reply_ok(c);
}

static void cmd_cluster_links(client *c) {
    if (!need_cluster(c)) return;
    bus_reply_links(c);
}

static void cmd_cluster_help(client *c) {
    if (!need_cluster(c)) return; /* Redis refuses even HELP without cluster mode */
    static const char *help[] = {
        "ADDSLOTS <slot> [<slot> ...]",
        "    Assign slots to current node.",
        "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Assign slots which are between <start-slot> and <end-slot> to current node.",
        "BUMPEPOCH",
        "    Advance the cluster config epoch.",
        "COUNT-FAILURE-REPORTS <node-id>",
        "    Return number of failure reports for <node-id>.",
        "COUNTKEYSINSLOT <slot>",
        "    Return the number of keys in <slot>.",
        "DELSLOTS <slot> [<slot> ...]",
        "    Delete slots information from current node.",
        "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Delete slots information which are between <start-slot> and <end-slot> from current "
        "node.",
        "FAILOVER [FORCE|TAKEOVER]",
        "    Promote current replica node to being a master.",
        "FORGET <node-id>",
        "    Remove a node from the cluster.",
        "GETKEYSINSLOT <slot> <count>",
        "    Return key names stored by current node in a slot.",
        "FLUSHSLOTS",
        "    Delete current node own slots information.",
        "INFO",
        "    Return information about the cluster.",
        "KEYSLOT <key>",
        "    Return the hash slot for <key>.",
        "MEET <ip> <port> [<bus-port>]",
        "    Connect nodes into a working cluster.",
        "MYID",
        "    Return the node id.",
        "NODES",
        "    Return cluster configuration seen by node. Output format:",
        "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
        "REPLICATE <node-id>",
        "    Configure current node as replica to <node-id>.",
        "RESET [HARD|SOFT]",
        "    Reset current node (default: soft).",
        "SET-CONFIG-EPOCH <epoch>",
        "    Set config epoch of current node.",
        "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
        "    Set slot state.",
        "REPLICAS <node-id>",
        "    Return <node-id> replicas.",
        "SAVECONFIG",
        "    Force saving cluster configuration on disk.",
        "SLOTS",
        "    Return information about slots range mappings. Each range is made of:",
        "    start, end, master and replicas IP addresses, ports and ids",
        "SHARDS",
        "    Return information about slot range mappings and the nodes associated with them.",
        "LINKS",
        "    Return information about all network links between this node and its peers.",
        "    Output format is an array where each array element is a map containing attributes "
        "of a link",
        NULL};
    reply_help(c, "CLUSTER", help);
}

void cluster_debug_kill_links(client *c) {
    if (!need_cluster(c)) return;
    cnode *n = cluster_node_find(c->argv[4].ptr, c->argv[4].len);
    if (n == NULL) {
        reply_errorf(c, ERR_CLUSTER_UNKNOWN_NODE, c->argv[4].ptr);
        return;
    }
    const slice *dir = &c->argv[3];
    bool to = arg_is(dir, "to"), from = arg_is(dir, "from"), all = arg_is(dir, "all");
    if (!to && !from && !all) {
        reply_errorf(c, ERR_CLUSTER_UNKNOWN_DIRECTION, dir->ptr);
        return;
    }
    if ((to || all) && n->link) bus_free_link(n->link);
    if ((from || all) && n->inbound_link) bus_free_link(n->inbound_link);
    reply_ok(c);
}

/* ---- READONLY, READWRITE, ASKING ---- */

static void cmd_readonly(client *c) {
    if (!need_cluster(c)) return;
    c->flags |= CLIENT_READONLY;
    reply_ok(c);
}

static void cmd_readwrite(client *c) {
    if (!need_cluster(c)) return;
    c->flags &= ~CLIENT_READONLY;
    reply_ok(c);
}

static void cmd_asking(client *c) {
    if (!need_cluster(c)) return;
    c->flags |= CLIENT_ASKING;
    reply_ok(c);
}

/* clang-format off */
#define CL_FLAGS (CMD_NO_ASYNC_LOADING | CMD_STALE)
static command cluster_subcommands[] = {
    {.name = "addslots", .proc = cmd_cluster_addslots, .arity = -3, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "addslotsrange", .proc = cmd_cluster_addslotsrange, .arity = -4, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "bumpepoch", .proc = cmd_cluster_bumpepoch, .arity = 2, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "count-failure-reports", .proc = cmd_cluster_count_failure_reports, .arity = 3, .flags = CMD_ADMIN | CMD_STALE, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "countkeysinslot", .proc = cmd_cluster_countkeysinslot, .arity = 3, .flags = CMD_STALE, .acl = ACL_SLOW},
    {.name = "delslots", .proc = cmd_cluster_delslots, .arity = -3, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "delslotsrange", .proc = cmd_cluster_delslotsrange, .arity = -4, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "failover", .proc = cmd_cluster_failover, .arity = -2, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "flushslots", .proc = cmd_cluster_flushslots, .arity = 2, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "forget", .proc = cmd_cluster_forget, .arity = 3, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "getkeysinslot", .proc = cmd_cluster_getkeysinslot, .arity = 4, .flags = CMD_STALE, .acl = ACL_SLOW},
    {.name = "help", .proc = cmd_cluster_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW},
    {.name = "info", .proc = cmd_cluster_info, .arity = 2, .flags = CMD_STALE, .acl = ACL_SLOW},
    {.name = "keyslot", .proc = cmd_cluster_keyslot, .arity = 3, .flags = CMD_STALE, .acl = ACL_SLOW},
    {.name = "links", .proc = cmd_cluster_links, .arity = 2, .flags = CMD_STALE, .acl = ACL_SLOW},
    {.name = "meet", .proc = cmd_cluster_meet, .arity = -4, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "myid", .proc = cmd_cluster_myid, .arity = 2, .flags = CMD_STALE, .acl = ACL_SLOW},
    {.name = "nodes", .proc = cmd_cluster_nodes, .arity = 2, .flags = CMD_STALE, .acl = ACL_SLOW},
    {.name = "replicas", .proc = cmd_cluster_replicas, .arity = 3, .flags = CMD_ADMIN | CMD_STALE, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "replicate", .proc = cmd_cluster_replicate, .arity = 3, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "reset", .proc = cmd_cluster_reset, .arity = -2, .flags = CMD_ADMIN | CMD_STALE | CMD_NOSCRIPT, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "saveconfig", .proc = cmd_cluster_saveconfig, .arity = 2, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "set-config-epoch", .proc = cmd_cluster_set_config_epoch, .arity = 3, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "setslot", .proc = cmd_cluster_setslot, .arity = -4, .flags = CMD_ADMIN | CL_FLAGS, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "shards", .proc = cmd_cluster_shards, .arity = 2, .flags = CMD_STALE, .acl = ACL_SLOW},
    {.name = "slaves", .proc = cmd_cluster_replicas, .arity = 3, .flags = CMD_ADMIN | CMD_STALE, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "slots", .proc = cmd_cluster_slots, .arity = 2, .flags = CMD_STALE, .acl = ACL_SLOW},
    {.name = NULL}};

command cluster_commands[] = {
    {.name = "cluster", .arity = -2, .acl = ACL_SLOW, .subcmds = cluster_subcommands},
    {.name = "readonly", .proc = cmd_readonly, .arity = 1, .flags = CMD_FAST | CMD_LOADING | CMD_STALE, .acl = ACL_CONNECTION | ACL_FAST},
    {.name = "readwrite", .proc = cmd_readwrite, .arity = 1, .flags = CMD_FAST | CMD_LOADING | CMD_STALE, .acl = ACL_CONNECTION | ACL_FAST},
    {.name = "asking", .proc = cmd_asking, .arity = 1, .flags = CMD_FAST, .acl = ACL_CONNECTION | ACL_FAST},
    {.name = NULL}};
/* clang-format on */
