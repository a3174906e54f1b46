/* clientcmd.h -- CLIENT and its subcommands. */
#ifndef CASTOR_CLIENTCMD_H
#define CASTOR_CLIENTCMD_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command clientcmd_commands[];

#endif
