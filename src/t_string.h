/* t_string.h -- what t_string.c shares with the other commands on string
 * values (bitops.c). */
#ifndef CASTOR_T_STRING_H
#define CASTOR_T_STRING_H

#include "client.h"
#include "cmdtable.h"
#include "kv.h"

/* Make the value of the string entry 'e' (of c's db) RAW so its bytes can
 * be changed in place; keeps the TTL. Returns the entry now in the db,
 * which may be a new allocation ('e' is then freed). */
kv *t_string_make_raw(client *c, kv *e);

/* The command table, registered by server.c. */
extern command t_string_commands[];

#endif
