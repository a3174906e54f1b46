/* debug.h -- DEBUG. */
#ifndef CASTOR_DEBUG_H
#define CASTOR_DEBUG_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command debug_commands[];

#endif
