/* sort.h -- SORT and SORT_RO. */
#ifndef CASTOR_SORT_H
#define CASTOR_SORT_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command sort_commands[];

#endif
