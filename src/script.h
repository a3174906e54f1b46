/* script.h -- SCRIPT (no script engine yet: KILL answers -NOTBUSY). */
#ifndef CASTOR_SCRIPT_H
#define CASTOR_SCRIPT_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command script_commands[];

#endif
