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

/* dump.c */
void cmd_dump(client *c);
void cmd_restore(client *c);

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

/* snapshot.c */
void cmd_save(client *c);
void cmd_bgsave(client *c);
void cmd_lastsave(client *c);
/* repl.c */
void cmd_replicaof(client *c);
void cmd_slaveof(client *c);
void cmd_role(client *c);
void cmd_wait(client *c);
void cmd_replconf(client *c);
void cmd_psync(client *c);
void cmd_sync(client *c);
void cmd_failover(client *c);
/* module.c */
void cmd_module_list(client *c);
void cmd_module_load(client *c);
void cmd_module_unload(client *c);
void cmd_module_help(client *c);

/* script.c */
void cmd_eval(client *c);
void cmd_evalsha(client *c);
void cmd_eval_ro(client *c);
void cmd_evalsha_ro(client *c);
void cmd_script_kill(client *c);
/* function.c */
void cmd_fcall(client *c);
void cmd_fcall_ro(client *c);
void cmd_function_load(client *c);
void cmd_function_delete(client *c);
void cmd_function_flush(client *c);
void cmd_function_kill(client *c);
void cmd_function_list(client *c);
void cmd_function_dump(client *c);
void cmd_function_restore(client *c);
void cmd_function_stats(client *c);
void cmd_function_help(client *c);
void cmd_script_exists(client *c);
void cmd_script_flush(client *c);
void cmd_script_load(client *c);
void cmd_script_debug(client *c);
void cmd_script_help(client *c);

/* aof.c */
void cmd_bgrewriteaof(client *c);

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

/* multi.c */
void cmd_multi(client *c);
void cmd_exec(client *c);
void cmd_discard(client *c);
void cmd_watch(client *c);
void cmd_unwatch(client *c);

/* pubsub.c */
void cmd_subscribe(client *c);
void cmd_unsubscribe(client *c);
void cmd_psubscribe(client *c);
void cmd_punsubscribe(client *c);
void cmd_ssubscribe(client *c);
void cmd_sunsubscribe(client *c);
void cmd_publish(client *c);
void cmd_spublish(client *c);
void cmd_pubsub_channels(client *c);
void cmd_pubsub_numsub(client *c);
void cmd_pubsub_numpat(client *c);
void cmd_pubsub_shardchannels(client *c);
void cmd_pubsub_shardnumsub(client *c);
void cmd_pubsub_help(client *c);

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

/* t_hash.c */
void cmd_hset(client *c);
void cmd_hsetnx(client *c);
void cmd_hget(client *c);
void cmd_hmget(client *c);
void cmd_hmset(client *c);
void cmd_hdel(client *c);
void cmd_hlen(client *c);
void cmd_hstrlen(client *c);
void cmd_hexists(client *c);
void cmd_hkeys(client *c);
void cmd_hvals(client *c);
void cmd_hgetall(client *c);
void cmd_hincrby(client *c);
void cmd_hincrbyfloat(client *c);
void cmd_hrandfield(client *c);
void cmd_hscan(client *c);

/* t_set.c */
void cmd_sadd(client *c);
void cmd_srem(client *c);
void cmd_scard(client *c);
void cmd_sismember(client *c);
void cmd_smismember(client *c);
void cmd_smembers(client *c);
void cmd_srandmember(client *c);
void cmd_spop(client *c);
void cmd_smove(client *c);
void cmd_sinter(client *c);
void cmd_sintercard(client *c);
void cmd_sinterstore(client *c);
void cmd_sunion(client *c);
void cmd_sunionstore(client *c);
void cmd_sdiff(client *c);
void cmd_sdiffstore(client *c);
void cmd_sscan(client *c);
/* COMMAND GETKEYS for SINTERCARD (numkeys at argv[1]). */
int cmd_sintercard_keys(int argc, slice *argv, int *keys, int cap);

/* t_list.c */
void cmd_lpush(client *c);
void cmd_rpush(client *c);
void cmd_lpushx(client *c);
void cmd_rpushx(client *c);
void cmd_lpop(client *c);
void cmd_rpop(client *c);
void cmd_llen(client *c);
void cmd_lrange(client *c);
void cmd_lindex(client *c);
void cmd_lset(client *c);
void cmd_linsert(client *c);
void cmd_lrem(client *c);
void cmd_ltrim(client *c);
void cmd_lpos(client *c);
void cmd_lmove(client *c);
void cmd_rpoplpush(client *c);
void cmd_lmpop(client *c);
void cmd_blpop(client *c);
void cmd_brpop(client *c);
void cmd_blmove(client *c);
void cmd_brpoplpush(client *c);
void cmd_blmpop(client *c);
/* COMMAND GETKEYS for LMPOP (numkeys at argv[1]) and BLMPOP, BZMPOP (at argv[2]). */
int list_lmpop_getkeys(int argc, slice *argv, int *keys, int cap);
int list_blmpop_getkeys(int argc, slice *argv, int *keys, int cap);

/* blocking.c */
void cmd_client_unblock(client *c);
void cmd_bzpopmin(client *c);
void cmd_bzpopmax(client *c);
void cmd_bzmpop(client *c);

/* t_zset.c */
void cmd_zadd(client *c);
void cmd_zincrby(client *c);
void cmd_zrem(client *c);
void cmd_zcard(client *c);
void cmd_zcount(client *c);
void cmd_zlexcount(client *c);
void cmd_zscore(client *c);
void cmd_zmscore(client *c);
void cmd_zrank(client *c);
void cmd_zrevrank(client *c);
void cmd_zrange(client *c);
void cmd_zrangestore(client *c);
void cmd_zrangebyscore(client *c);
void cmd_zrevrangebyscore(client *c);
void cmd_zrangebylex(client *c);
void cmd_zrevrangebylex(client *c);
void cmd_zrevrange(client *c);
void cmd_zremrangebyrank(client *c);
void cmd_zremrangebyscore(client *c);
void cmd_zremrangebylex(client *c);
void cmd_zpopmin(client *c);
void cmd_zpopmax(client *c);
void cmd_zmpop(client *c);
void cmd_zrandmember(client *c);
void cmd_zunion(client *c);
void cmd_zinter(client *c);
void cmd_zdiff(client *c);
void cmd_zunionstore(client *c);
void cmd_zinterstore(client *c);
void cmd_zdiffstore(client *c);
void cmd_zintercard(client *c);
void cmd_zscan(client *c);
/* COMMAND GETKEYS for Z*STORE (destination, numkeys at argv[2]) and for
 * ZUNION/ZINTER/ZDIFF/ZINTERCARD/ZMPOP (numkeys at argv[1]). */
int zset_getkeys_store(int argc, slice *argv, int *keys, int cap);
int zset_getkeys_numkeys(int argc, slice *argv, int *keys, int cap);

/* sort.c */
void cmd_sort(client *c);
void cmd_sort_ro(client *c);
/* COMMAND GETKEYS for SORT: the sorted key and the last STORE's argument. */
int sort_getkeys(int argc, slice *argv, int *keys, int cap);

/* hllcmd.c */
void cmd_pfadd(client *c);
void cmd_pfcount(client *c);
void cmd_pfmerge(client *c);
void cmd_pfdebug(client *c);
void cmd_pfselftest(client *c);
/* COMMAND GETKEYS for PFMERGE (a destination alone is invalid, as in Redis). */
int hllcmd_pfmerge_getkeys(int argc, slice *argv, int *keys, int cap);

/* geo.c */
void cmd_geoadd(client *c);
void cmd_geodist(client *c);
void cmd_geohash(client *c);
void cmd_geopos(client *c);
void cmd_georadius(client *c);
void cmd_georadius_ro(client *c);
void cmd_georadiusbymember(client *c);
void cmd_georadiusbymember_ro(client *c);
void cmd_geosearch(client *c);
void cmd_geosearchstore(client *c);
/* COMMAND GETKEYS for GEORADIUS and GEORADIUSBYMEMBER (the STORE keys). */
int geo_georadius_getkeys(int argc, slice *argv, int *keys, int cap);
int geo_georadiusbymember_getkeys(int argc, slice *argv, int *keys, int cap);

#endif
