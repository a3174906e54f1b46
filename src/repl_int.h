/* repl_int.h -- what repl.c (the master side: the backlog, the stream,
 * replicas, full syncs, WAIT, FAILOVER, REPLICAOF, INFO) and repl_link.c
 * (the replica side: the link to our master, the handshake, the transfer
 * and load of its snapshot, the client applying its stream) share. Not for
 * other modules: they use repl.h. */
#ifndef CASTOR_REPL_INT_H
#define CASTOR_REPL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backlog.h"
#include "client.h"
#include "net.h"
#include "rdb.h"
#include "str.h"

#define ZERO_REPLID "0000000000000000000000000000000000000000"

/* ---- Master side: state ---- */

typedef enum {
    RS_WAIT_BGSAVE_START,   /* full sync wanted, no snapshot started for it yet */
    RS_WAIT_BGSAVE_END,     /* the snapshot is being made; stream buffered */
    RS_SEND_BULK,           /* the snapshot is going out */
    RS_ONLINE,              /* streaming */
} rstate;

typedef struct replica_info {
    rstate state;
    bool capa_eof, capa_psync2;
    bool diskless;          /* this sync's snapshot comes from the pipe */
    bool online_on_ack;     /* diskless: hold the stream until the first ACK */
    bool is_replica;        /* PSYNC/SYNC happened (else only REPLCONF) */
    bool old_sync;          /* SYNC, not PSYNC: no +FULLRESYNC line, no EOF mark */
    long long init_offset;  /* offset announced in +FULLRESYNC */
    long long ack_off, ack_ms;
    long long wait_since_ms;
    int listening_port;
    char ip[NET_ADDR_SIZE];
    /* Disk transfer. */
    int bulk_fd;
    off_t bulk_off, bulk_size;
    char bulk_pre[64];   /* "$<len>\r\n" or "$EOF:<40 chars>\r\n" */
    size_t bulk_pre_len, bulk_pre_sent;
    /* Disk transfer while the file is still being written ($EOF: framing). */
    bool tailing;
    size_t mark_sent;
    /* Diskless transfer: bytes of the current pipe chunk already sent. */
    size_t pipe_sent;
    bool in_pipe;
    long long last_write_ms;   /* last progress of the transfer */
    /* Where this replica reads the stream in the shared replication
     * buffer (repl_ms.bl); attached from the moment its stream starts. */
    backlog_reader rd;
} replica_info;

typedef struct waiter {
    client *c;
    long long off;
    long numreplicas;
    long long deadline_ms;   /* 0: forever */
} waiter;

struct repl_master_state {
    client **replicas;
    size_t nreplicas, cap;
    backlog *bl;
    long long offset;          /* master_repl_offset */
    char replid2[41];
    long long second_offset;   /* -1: none */
    int seldb;                 /* db of the last SELECT fed, -1: none yet */
    long long no_replicas_since_ms;
    str *enc;                  /* scratch encoding buffer */
    long long last_ping_ms;
    bool getack_pending;
    int good_replicas;
    /* Disk sync: the snapshot file, sent while the child still writes it. */
    int tail_fd;
    pid_t tail_child;
    bool tail_done;
    off_t tail_size;
    char tail_mark[41];
    long long tail_timer;
    /* Diskless relay. */
    int pipe_rfd;
    char *pipe_buf;
    size_t pipe_len;
    bool pipe_eof;
    /* WAIT. */
    waiter *waiters;
    size_t nwaiters, waiters_cap;
    client **resume;
    size_t nresume, resume_cap;
    /* Stats and the visible sync state. */
    long long sync_full, sync_partial_ok, sync_partial_err;
    const char *phase;         /* none, waiting, bgsave, transfer */
    long long sent_bytes, total_bytes;
    const char *last_reason;
};
extern struct repl_master_state repl_ms;

/* ---- Replica side: state ---- */

typedef enum {
    L_NONE,          /* not a replica */
    L_CONNECT,       /* must (re)connect */
    L_CONNECTING,    /* TCP connect in progress */
    L_PONG,          /* waiting for the PING reply */
    L_HANDSHAKE,     /* waiting for AUTH / REPLCONF replies */
    L_PSYNC,         /* waiting for the PSYNC reply */
    L_BULK_HDR,      /* waiting for "$len" or "$EOF:mark" */
    L_TRANSFER,      /* receiving the payload */
    L_CONNECTED,     /* the master client applies the stream */
} lstate;

struct repl_link_state {
    char *host;
    int port;
    lstate state;
    int fd;
    str *rbuf;
    int pending;               /* handshake replies still expected */
    bool auth_pending;         /* the first of them answers AUTH */
    client *master;
    long long last_io_ms;
    long long link_down_since; /* s, 0: never up or up */
    long long connect_after_ms;
    /* What PSYNC asks for. */
    bool have_cached;
    int cached_db;
    /* The transfer. */
    char new_replid[41];
    long long new_offset;
    int tmp_fd;
    char tmp_name[512];
    long long size;            /* -1: EOF-marked */
    long long received;
    char mark[41];
    char tail[40];             /* last bytes received (EOF-marked) */
    size_t tail_len;
    /* CRC64 of the payload as it arrives, lagging by the footer (and the
     * EOF mark): it is checked before anything is replaced. */
    uint64_t crc;
    char lag[48];
    size_t lag_len;
    int tee_fd;                /* parsing from the socket: copy to this file */
    long long sync_start_ms;
    const char *asked;         /* what the last PSYNC asked: first_sync or a partial */
    const char *last_full_reason;
    /* A MULTI block applied but not yet fed (until its EXEC). */
    str *multi_buf;
    /* The empty-master guard. */
    bool guard_armed;
    bool refused;
    char refused_reason[160];
};
extern struct repl_link_state repl_ls;

/* FAILOVER (Redis 6.2+): pause writes, wait for a replica to have every
 * byte, then become its replica with "PSYNC <replid> <offset> FAILOVER",
 * which makes it promote itself and continue our history. */
typedef enum { FO_NONE, FO_WAIT_FOR_SYNC, FO_IN_PROGRESS } fostate;
struct repl_failover {
    fostate state;
    char host[256];    /* target, "" for any */
    int port;
    bool force;
    long long end_ms;  /* 0: no timeout */
};
extern struct repl_failover repl_fo;

/* repl.c, for repl_link.c */
long long repl_total_keys(void);
void repl_clear_replid2(void);
void repl_backlog_create(void);
void repl_backlog_drop(void);
void repl_disconnect_replicas(void);
void repl_write_all_nb(int fd, const char *p, size_t len);
void repl_failover_abort(const char *why);
void repl_failover_link_up(void);

/* repl_link.c, for repl.c */
void repl_link_connect(void);
void repl_link_cancel(const char *why);
void repl_link_close(void);
void repl_link_cron(void);
void repl_send_ack(void);

#endif
