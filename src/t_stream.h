/* t_stream.h -- the stream commands (XADD ... XINFO), in t_stream.c. The
 * value itself is stream.h's. */
#ifndef CASTOR_T_STREAM_H
#define CASTOR_T_STREAM_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command t_stream_commands[];

#endif
