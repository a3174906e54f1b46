/* stubs_tmp.c -- placeholders replaced by bitops.c, clientcmd.c, slowlog.c,
 * memory.c, info.c and debug.c as they land. */
#include "commands.h"
#include "reply.h"
#include "slowlog.h"
#define STUB(name) void name(client *c) { reply_error(c, "ERR not implemented yet"); }
STUB(cmd_client_id) STUB(cmd_client_setname) STUB(cmd_client_getname) STUB(cmd_client_list)
STUB(cmd_client_info) STUB(cmd_client_kill) STUB(cmd_client_pause) STUB(cmd_client_unpause)
STUB(cmd_client_reply) STUB(cmd_client_no_evict) STUB(cmd_client_help)
STUB(cmd_slowlog_get) STUB(cmd_slowlog_len) STUB(cmd_slowlog_reset) STUB(cmd_slowlog_help)
STUB(cmd_latency_latest) STUB(cmd_latency_history) STUB(cmd_latency_reset) STUB(cmd_latency_help)
STUB(cmd_memory_usage) STUB(cmd_memory_stats) STUB(cmd_memory_doctor) STUB(cmd_memory_malloc_stats)
STUB(cmd_memory_purge) STUB(cmd_memory_help) STUB(cmd_info) STUB(cmd_debug)
STUB(cmd_save) STUB(cmd_bgsave)
void slowlog_maybe_add(client *c, long long d) { (void)c; (void)d; }
void info_reset_stats(void) {}
void info_cron(void) {}
