/* pubsub.h -- channels, patterns, shard channels and keyspace events. */
#ifndef CASTOR_PUBSUB_H
#define CASTOR_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "cmdtable.h"
#include "str.h"

/* Keyspace event classes (notify-keyspace-events), Redis's bit values. */
#define NOTIFY_KEYSPACE (1 << 0)   /* K */
#define NOTIFY_KEYEVENT (1 << 1)   /* E */
#define NOTIFY_GENERIC (1 << 2)    /* g */
#define NOTIFY_STRING (1 << 3)     /* $ */
#define NOTIFY_LIST (1 << 4)       /* l */
#define NOTIFY_SET (1 << 5)        /* s */
#define NOTIFY_HASH (1 << 6)       /* h */
#define NOTIFY_ZSET (1 << 7)       /* z */
#define NOTIFY_EXPIRED (1 << 8)    /* x */
#define NOTIFY_EVICTED (1 << 9)    /* e */
#define NOTIFY_STREAM (1 << 10)    /* t */
#define NOTIFY_KEY_MISS (1 << 11)  /* m */
#define NOTIFY_LOADED (1 << 12)    /* module only */
#define NOTIFY_MODULE (1 << 13)    /* d */
#define NOTIFY_NEW (1 << 14)       /* n */
#define NOTIFY_ALL (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | \
                    NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM |       \
                    NOTIFY_MODULE)

/* "KEA" <-> flags; returns -1 on an unknown class character. */
int pubsub_notify_parse(const char *classes);
str *pubsub_notify_string(int flags) MUST_USE;

/* Announce a keyspace event; 'class_char' is the class letter ('g', '$',
 * 'l', 's', 'h', 'z', 'x', 'e', 'm', 'n'). Cheap when disabled. */
void pubsub_notify(int class_char, const char *event, const char *key, size_t klen, int dbid);

/* Send a message to a channel's subscribers and matching patterns;
 * returns how many clients received it. */
long long pubsub_publish(const char *channel, size_t clen, const char *msg, size_t mlen);

/* Drop every subscription of c (on free or RESET), without replies. */
void pubsub_client_free(client *c);
/* Totals for INFO. */
size_t pubsub_channel_count(void);
size_t pubsub_pattern_count(void);
size_t pubsub_shard_count(void);

/* The command table, registered by server.c. */
extern command pubsub_commands[];

#endif
