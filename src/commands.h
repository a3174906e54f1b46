/* commands.h -- every command proc, grouped by the file that defines it.
 * cmdtable.c is the only user; grep cmd_ to list them all. */
#ifndef CASTOR_COMMANDS_H
#define CASTOR_COMMANDS_H

#include "client.h"

/* t_string.c */
void cmd_get(client *c);
void cmd_set(client *c);
void cmd_setnx(client *c);
void cmd_setex(client *c);
void cmd_psetex(client *c);
void cmd_mget(client *c);
void cmd_mset(client *c);
void cmd_msetnx(client *c);
void cmd_getset(client *c);
void cmd_getdel(client *c);
void cmd_getex(client *c);
void cmd_append(client *c);
void cmd_strlen(client *c);
void cmd_incr(client *c);
void cmd_decr(client *c);
void cmd_incrby(client *c);
void cmd_decrby(client *c);
void cmd_incrbyfloat(client *c);
void cmd_getrange(client *c);
void cmd_setrange(client *c);

/* bitops.c (bit commands and LCS) */
void cmd_lcs(client *c);
void cmd_setbit(client *c);
void cmd_getbit(client *c);
void cmd_bitcount(client *c);
void cmd_bitpos(client *c);
void cmd_bitop(client *c);
void cmd_bitfield(client *c);
void cmd_bitfield_ro(client *c);

/* keys.c */
void cmd_select(client *c);
void cmd_swapdb(client *c);
void cmd_move(client *c);
void cmd_copy(client *c);
void cmd_del(client *c);
void cmd_unlink(client *c);
void cmd_exists(client *c);
void cmd_type(client *c);
void cmd_keys(client *c);
void cmd_scan(client *c);
void cmd_randomkey(client *c);
void cmd_rename(client *c);
void cmd_renamenx(client *c);
void cmd_dbsize(client *c);
void cmd_flushdb(client *c);
void cmd_flushall(client *c);
void cmd_touch(client *c);
void cmd_object_encoding(client *c);
void cmd_object_refcount(client *c);
void cmd_object_idletime(client *c);
void cmd_object_freq(client *c);
void cmd_object_help(client *c);

/* expire.c */
void cmd_expire(client *c);
void cmd_pexpire(client *c);
void cmd_expireat(client *c);
void cmd_pexpireat(client *c);
void cmd_ttl(client *c);
void cmd_pttl(client *c);
void cmd_expiretime(client *c);
void cmd_pexpiretime(client *c);
void cmd_persist(client *c);

/* srvcmd.c: connection and server commands */
void cmd_ping(client *c);
void cmd_echo(client *c);
void cmd_quit(client *c);
void cmd_reset(client *c);
void cmd_time(client *c);
void cmd_hello(client *c);
void cmd_auth(client *c);
void cmd_shutdown(client *c);
void cmd_monitor(client *c);
void cmd_debug(client *c);
void cmd_lastsave(client *c);

/* clientcmd.c */
void cmd_client_id(client *c);
void cmd_client_setname(client *c);
void cmd_client_getname(client *c);
void cmd_client_list(client *c);
void cmd_client_info(client *c);
void cmd_client_kill(client *c);
void cmd_client_pause(client *c);
void cmd_client_unpause(client *c);
void cmd_client_reply(client *c);
void cmd_client_no_evict(client *c);
void cmd_client_help(client *c);

/* info.c */
void cmd_info(client *c);

/* config.c */
void cmd_config_get(client *c);
void cmd_config_set(client *c);
void cmd_config_resetstat(client *c);
void cmd_config_rewrite(client *c);
void cmd_config_help(client *c);

/* cmdtable.c */
void cmd_command(client *c);
void cmd_command_count(client *c);
void cmd_command_info(client *c);
void cmd_command_list(client *c);
void cmd_command_getkeys(client *c);
void cmd_command_getkeysandflags(client *c);
void cmd_command_docs(client *c);
void cmd_command_help(client *c);

/* slowlog.c */
void cmd_slowlog_get(client *c);
void cmd_slowlog_len(client *c);
void cmd_slowlog_reset(client *c);
void cmd_slowlog_help(client *c);
void cmd_latency_latest(client *c);
void cmd_latency_history(client *c);
void cmd_latency_reset(client *c);
void cmd_latency_help(client *c);

/* memory.c */
void cmd_memory_usage(client *c);
void cmd_memory_stats(client *c);
void cmd_memory_doctor(client *c);
void cmd_memory_malloc_stats(client *c);
void cmd_memory_purge(client *c);
void cmd_memory_help(client *c);

#endif
