/* expire.h -- the active expiry cycle. */
#ifndef CASTOR_EXPIRE_H
#define CASTOR_EXPIRE_H

#include "cmdtable.h"

/* From the cron: sample volatile keys in every db, bounded CPU. */
void expire_cycle_slow(void);
/* From before-sleep: a short cycle when the last one hit its time cap. */
void expire_cycle_fast(void);
/* Parse an expire argument shared by SET/GETEX/EXPIRE family; see expire.c. */

/* The command table, registered by server.c. */
extern command expire_commands[];

#endif
