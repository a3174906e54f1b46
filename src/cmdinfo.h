/* cmdinfo.h -- COMMAND and its subcommands (INFO, DOCS, LIST, COUNT,
 * GETKEYS, GETKEYSANDFLAGS, HELP). */
#ifndef CASTOR_CMDINFO_H
#define CASTOR_CMDINFO_H

#include "cmdtable.h"

extern command cmdinfo_commands[];

#endif
