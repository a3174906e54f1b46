/* module.h -- MODULE, for a server that loads no modules. */
#ifndef CASTOR_MODULE_H
#define CASTOR_MODULE_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command module_commands[];

#endif
