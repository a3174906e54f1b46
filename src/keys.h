/* keys.h -- the keyspace commands: SELECT, DEL, EXISTS, RENAME, FLUSHALL, OBJECT, .... */
#ifndef CASTOR_KEYS_H
#define CASTOR_KEYS_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command keys_commands[];

#endif
