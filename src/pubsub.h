/* pubsub.h -- channels, patterns, shard channels and keyspace events. */
#ifndef CASTOR_PUBSUB_H
#define CASTOR_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "db.h"
#include "cmdtable.h"
#include "str.h"

/* "KEA" <-> flags; returns -1 on an unknown class character. */
int pubsub_notify_parse(const char *classes);
str *pubsub_notify_string(int flags) MUST_USE;

/* Announce a keyspace event of class 'type' (a NOTIFY_* bit of db.h) if
 * notify-keyspace-events enables it. */
void pubsub_notify(int type, const char *event, const char *key, size_t klen, int dbid);

/* Drop every subscription of c (on free or RESET), without replies. */
void pubsub_client_free(client *c);
/* Bytes c's subscriptions use (client memory accounting). O(1). */
size_t pubsub_client_mem(const client *c);
/* Does fn say true of one of c's channels, shard channels (pattern false)
 * or patterns (pattern true)? For ACL's revoked channels. */
typedef bool pubsub_topic_fn(bool pattern, const char *name, size_t len, void *priv);
bool pubsub_client_any_topic(client *c, pubsub_topic_fn *fn, void *priv);
/* A message of another cluster node's PUBLISH (shard: SPUBLISH) for our
 * subscribers; returns how many got it. */
long long pubsub_publish_local(bool shard, const char *ch, size_t chlen, const char *msg,
                               size_t msglen);
/* Every shard channel fn says true of loses its subscribers, each told
 * with a sunsubscribe push (its slot moved away: Redis's
 * pubsubUnsubscribeShardChannels). */
void pubsub_drop_shard_channels(pubsub_topic_fn *fn, void *priv);
/* Totals for INFO. */
size_t pubsub_channel_count(void);
size_t pubsub_pattern_count(void);
size_t pubsub_shard_count(void);

/* The command table, registered by server.c. */
extern command pubsub_commands[];

#endif
