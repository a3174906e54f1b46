/* bitops.h -- the bit commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD) and LCS. */
#ifndef CASTOR_BITOPS_H
#define CASTOR_BITOPS_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command bitops_commands[];

#endif
