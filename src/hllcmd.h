/* hllcmd.h -- the HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG,
 * PFSELFTEST (the value format is hll.c). */
#ifndef CASTOR_HLLCMD_H
#define CASTOR_HLLCMD_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command hllcmd_commands[];

#endif
