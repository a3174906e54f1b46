/* cmdinfo.h -- COMMAND and its subcommands (INFO, DOCS, LIST, COUNT,
 * GETKEYS, GETKEYSANDFLAGS, HELP). */
#ifndef CASTOR_CMDINFO_H
#define CASTOR_CMDINFO_H

#include "cmdtable.h"
#include "keyspecs.h"

/* The key-spec flags (KS_*) of the key at argv[pos] of cmd's request, as
 * COMMAND GETKEYSANDFLAGS reports them; m is keyspecs_find(cmd->fullname)
 * (NULL for a command Redis lacks). For ACL's read/write checks. */
unsigned cmdinfo_key_flags_meta(const command *cmd, const cmd_meta *m, int argc, const slice *argv,
                                int pos);

/* The name of ACL category bit 'bit' (ACL_* is 1 << bit), in Redis's
 * order, which ACL CAT lists; NULL past the last. */
#define CMDINFO_NCATEGORIES 21
const char *cmdinfo_category_name(int bit);

extern command cmdinfo_commands[];

#endif
