/* t_set.h -- what other modules need of set values: registration of the
 * value callbacks and a read-only walk over the members. */
#ifndef CASTOR_T_SET_H
#define CASTOR_T_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdtable.h"
#include "kv.h"

/* Register the free/dup/size callbacks for KV_SET values. */
void t_set_init(void);

/* Call fn for every member of the set entry 'e' (any encoding), in the
 * set's own order; intset members arrive as their decimal digits. fn must
 * not change the set. */
typedef void t_set_member_fn(void *priv, const char *p, size_t len);
void t_set_foreach(const kv *e, t_set_member_fn *fn, void *priv);

/* Number of members of the set entry 'e'. */
size_t t_set_len(const kv *e);

/* Building a set outside the commands (RDB loading, RESTORE). */
/* Add a member to the set entry 'e', converting the encoding exactly as
 * SADD does; false if it was already there (the set is unchanged). */
bool t_set_add(kv *e, const char *p, size_t len);
/* Make an intset entry a hashtable with room for 'hint' members (the
 * loader's "too many members for an intset" case); no-op otherwise. */
void t_set_convert_ht(kv *e, size_t hint);

/* The command table, registered by server.c. */
extern command t_set_commands[];

#endif
