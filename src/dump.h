/* dump.h -- DUMP and RESTORE. */
#ifndef CASTOR_DUMP_H
#define CASTOR_DUMP_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command dump_commands[];

#endif
