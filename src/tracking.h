/* tracking.h -- client-side caching (CLIENT TRACKING): which clients may
 * hold which keys, and the invalidation messages they get. */
#ifndef CASTOR_TRACKING_H
#define CASTOR_TRACKING_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "cmdtable.h"

/* Hooks server.c calls (through the seam and the loop) */
/* cmd, a read-only command, ran for c: remember the keys it read for
 * the client that tracks them (a script's caller for its commands). */
void tracking_after_read(client *c, command *cmd);
/* A key changed. 'by_client': by a command (its client is srv.current),
 * not by expiry or eviction (then NOLOOP of BCAST clients does not hide it). */
void tracking_key_modified(const char *key, size_t klen, bool by_client);
/* A database or all of them is being emptied: every tracking client is
 * told "all keys" (a null), and the table is forgotten. */
void tracking_flushed(void);
/* After the outermost command of c and before sleeping: invalidations
 * held back while their own client's command ran, now after its reply. */
void tracking_send_pending(void);
/* After c's outermost command: CLIENT CACHING holds for one command only. */
void tracking_command_done(client *c, command *cmd);
/* Keep the table within tracking-table-max-keys (before each command and
 * in the cron). */
void tracking_limit_keys(void);
/* Before sleeping: send the keys changed this turn to BCAST clients. */
void tracking_broadcast(void);
/* Turn tracking off for c (CLIENT TRACKING OFF, RESET, freeing c). */
void tracking_disable(client *c);

/* INFO */
unsigned long long tracking_total_keys(void);
unsigned long long tracking_total_items(void);
unsigned long long tracking_total_prefixes(void);

/* CLIENT TRACKING ON (clientcmd.c, which checked the options): turn
 * tracking on with the TRACKING_BCAST/OPTIN/OPTOUT/NOLOOP bits of 'opts',
 * invalidations going to client 'redir' (0: c itself), and in BCAST mode
 * add 'prefixes' (none: every key). Replies an error and returns false if
 * a prefix overlaps another of c's. Replies nothing on success. */
bool tracking_enable(client *c, uint64_t redir, unsigned opts, const slice *prefixes, size_t n);
/* CLIENT TRACKINGINFO's "prefixes": c's BCAST prefixes, as an array. */
void tracking_reply_prefixes(client *c);
/* Bytes c's BCAST prefixes use (client memory accounting). O(1). */
size_t tracking_client_mem(const client *c);

#endif
