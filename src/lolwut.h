/* lolwut.h -- LOLWUT. */
#ifndef CASTOR_LOLWUT_H
#define CASTOR_LOLWUT_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command lolwut_commands[];

#endif
