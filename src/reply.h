/* reply.h -- building replies: RESP2/RESP3 encoding into a client's output
 * buffers. Every command proc replies only through these. */
#ifndef CASTOR_REPLY_H
#define CASTOR_REPLY_H

#include <stddef.h>
#include <sys/uio.h>

#include "client.h"

void reply_raw(client *c, const char *p, size_t len);
void reply_ok(client *c);
void reply_simple(client *c, const char *s); /* +s */
/* -err; 'err' starts with its code ("ERR ...", "WRONGTYPE ..."). */
void reply_error(client *c, const char *err);
void reply_errorf(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_error_arity(client *c);
/* Redis's addReplySubcommandSyntaxError: argv[1] is not a subcommand of
 * 'cmd' (its name in capitals) or has the wrong number of arguments. */
void reply_error_subcommand(client *c, const char *cmd);
/* An error already counted in INFO errorstats (a script passing on the
 * error of a command it called). */
void reply_error_nostats(client *c, const char *err);
void reply_int(client *c, long long v);
void reply_bulk(client *c, const char *p, size_t len);
void reply_bulk_cstr(client *c, const char *s);
void reply_bulk_ll(client *c, long long v);
/* [head, [items...]]: a two-element array of a bulk and an array of n
 * bulks (a stream entry: its ID, then fields and values), encoded with
 * one copy into the output for small items. */
void reply_bulk_and_bulks(client *c, const slice *head, const slice *items, size_t n);
void reply_null(client *c);       /* RESP2 $-1, RESP3 _ */
void reply_null_array(client *c); /* RESP2 *-1, RESP3 _ */
void reply_array(client *c, long long n);
void reply_map(client *c, long long n);  /* RESP2: array of 2n */
void reply_set(client *c, long long n);  /* RESP2: array */
void reply_push(client *c, long long n); /* RESP2: array */
void reply_double(client *c, double d);  /* RESP2: bulk, RESP3: , */
/* Redis's addReplyHumanLongDouble: "%.17Lf" without trailing zeros, as a
 * bulk in RESP2 and a double in RESP3 (GEOPOS, WITHCOORD). */
void reply_human_double(client *c, long double d);
void reply_bool(client *c, int b);                           /* RESP2: :1/:0 */
void reply_big_number(client *c, const char *p, size_t len); /* RESP2: bulk */
/* ext: the format, its first three bytes up to a NUL, padded with spaces. */
void reply_verbatim(client *c, const char *p, size_t len, const char *ext);
void reply_empty_array(client *c);
void reply_help(client *c, const char *cmd, const char **lines);

/* Deferred lengths: reserve a header now, fill in the count later. */
void *reply_defer(client *c);
void reply_set_deferred_array(client *c, void *node, long long n);
void reply_set_deferred_map(client *c, void *node, long long n);
void reply_set_deferred_set(client *c, void *node, long long n);

/* Free everything queued for the client. */
void reply_discard(client *c);
/* Bytes queued, including the static buffer (and, for a replica not held
 * by its full sync, the stream it has yet to read from the shared
 * replication buffer). */
size_t reply_pending(const client *c);
/* Take back the last n bytes queued (none of them sent yet): a reply held
 * for replicas' acknowledgements that becomes an error (repl_ack.c). */
void reply_drop_tail(client *c, size_t n);
/* Replies whose size the client's count sets, not the data (random picks
 * with repetition): note reply_repeat_begin() before the first element and
 * ask reply_repeat_stop() after each. It is true when the rest would go
 * nowhere (closing, CLIENT REPLY OFF/SKIP, no socket) or when this reply
 * grew past proto-max-bulk-len bytes: then the client, its reply cut short,
 * is closed as for an output-buffer limit. Redis 7.0.15 has no such bound:
 * SRANDMEMBER s -9223372036854775807 grows it until the OOM killer comes. */
size_t reply_repeat_begin(const client *c);
bool reply_repeat_stop(client *c, size_t begin);
/* Write as much as the socket takes (a replica's stream after its own
 * replies): 0, or -1 on a dead connection. */
int reply_write(client *c);
/* A write in two halves, for a batch of clients' sends (uring.c): the
 * iovecs of up to max pieces of c's output (their bytes in *total; 0
 * pieces: nothing to send), then the result w of sending them (errno set
 * when -1). reply_write_done() goes on writing what lies past the pieces
 * if all of them went; 0, or -1 on a dead connection. */
int reply_gather(client *c, struct iovec *iov, int max, size_t *total);
int reply_write_done(client *c, ssize_t w, size_t total);
/* Count of errors by code, for INFO errorstats. */
typedef void reply_errstat_fn(void *priv, const char *code, unsigned long long n);
void reply_errorstats(reply_errstat_fn *fn, void *priv);
void reply_errorstats_reset(void);
unsigned long long reply_total_errors(void);

#endif
