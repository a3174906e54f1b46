/* srvcmd.h -- connection and server commands: PING, ECHO, HELLO, AUTH, SHUTDOWN, MONITOR, .... */
#ifndef CASTOR_SRVCMD_H
#define CASTOR_SRVCMD_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command srvcmd_commands[];

#endif
