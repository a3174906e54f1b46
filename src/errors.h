/* errors.h -- every error text a client can receive, in Redis 7.0's words.
 * Texts are without the leading '-'; reply_error() adds it. */
#ifndef CASTOR_ERRORS_H
#define CASTOR_ERRORS_H

#define ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define ERR_SYNTAX "ERR syntax error"
#define ERR_NOT_INT "ERR value is not an integer or out of range"
#define ERR_NOT_FLOAT "ERR value is not a valid float"
#define ERR_OVERFLOW "ERR increment or decrement would overflow"
#define ERR_NO_KEY "ERR no such key"
#define ERR_OUT_OF_RANGE "ERR index out of range"
#define ERR_DB_INDEX "ERR DB index is out of range"
#define ERR_INVALID_DB "ERR invalid DB index"
#define ERR_SAME_OBJECT "ERR source and destination objects are the same"
#define ERR_NOAUTH "NOAUTH Authentication required."
#define ERR_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define ERR_AUTH_NOPASS                                                                            \
    "ERR AUTH <password> called without any password configured for the default user. "            \
    "Are you sure your configuration is correct?"
#define ERR_EXPIRE_TIME "ERR invalid expire time in '%s' command"
#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_BIT_VALUE "ERR bit is not an integer or out of range"
#define ERR_STRING_TOO_LONG "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
#define ERR_OFFSET_RANGE "ERR offset is out of range"
#define ERR_TIMEOUT_NEG "ERR timeout is negative"
#define ERR_TIMEOUT_INVALID "ERR timeout is not a float or out of range"
#define ERR_TIMEOUT_NOT_INT "ERR timeout is not an integer or out of range"
#define ERR_NAN_OR_INF "ERR increment would produce NaN or Infinity"
#define ERR_CLIENT_NAME "ERR Client names cannot contain spaces, newlines or special characters."
#define ERR_UNBLOCKED_CLIENT "UNBLOCKED client unblocked via CLIENT UNBLOCK"
#define ERR_UNBLOCKED_ROLE                                                                         \
    "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"
#define ERR_MISCONF                                                                                \
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
#define ERR_OOM "OOM command not allowed when used memory > 'maxmemory'."
#define ERR_NOPROTO "NOPROTO unsupported protocol version"
#define ERR_LOADING "LOADING Redis is loading the dataset in memory"
#define ERR_REPLICA_KEYSPACE "ERR Replica can't interact with the keyspace"
#define ERR_MULTI_FORBIDDEN "ERR Command not allowed inside a transaction"
/* printf format: the command's full name */
#define ERR_SUBSCRIBER_CONTEXT                                                                     \
    "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
#define ERR_HLL_CORRUPT "INVALIDOBJ Corrupted HLL object detected"
#define ERR_HLL_WRONGTYPE "WRONGTYPE Key is not a valid HyperLogLog string value."
#define ERR_DEBUG_NOT_ALLOWED                                                                      \
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "      \
    "you can run it from a local connection, otherwise you need to set this option in the "        \
    "configuration file, and then restart the server."
#define ERR_MODULE_NOT_ALLOWED                                                                     \
    "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", "    \
    "you can run it from a local connection, otherwise you need to set this option in the "        \
    "configuration file, and then restart the server."

/* Transactions (multi.c) */
#define ERR_MULTI_NESTED "ERR MULTI calls can not be nested"
#define ERR_DISCARD_NO_MULTI "ERR DISCARD without MULTI"
#define ERR_WATCH_IN_MULTI "ERR WATCH inside MULTI is not allowed"
#define ERR_EXEC_NO_MULTI "ERR EXEC without MULTI"
#define ERR_EXECABORT_PREV "EXECABORT Transaction discarded because of previous errors."
#define ERR_EXECABORT_FMT "EXECABORT Transaction discarded because of: %s"

/* Functions (function.c) */
#define ERR_FUNCTION_NOT_FOUND "ERR Function not found"
#define ERR_NUMKEYS_BAD "ERR Bad number of keys provided"
#define ERR_NUMKEYS_TOO_MANY "ERR Number of keys can't be greater than number of args"
#define ERR_NUMKEYS_NEG "ERR Number of keys can't be negative"
#define ERR_FUNCTION_UNKNOWN_OPTION "ERR Unknown option given: %.128s"
#define ERR_LIBRARY_NOT_FOUND "ERR Library not found"
#define ERR_FUNCTION_FLUSH_OPTION "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
#define ERR_LIBRARY_NAME_MISSING "ERR library name argument was not given"
#define ERR_UNKNOWN_ARGUMENT "ERR Unknown argument %.128s"

/* Sorted sets (t_zset.c) */
#define ERR_ZADD_XX_NX "ERR XX and NX options at the same time are not compatible"
#define ERR_ZADD_GT_LT_NX "ERR GT, LT, and/or NX options at the same time are not compatible"
#define ERR_ZADD_INCR_PAIR "ERR INCR option supports a single increment-element pair"
#define ERR_ZRANGE_LIMIT_RANK                                                                      \
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
#define ERR_ZRANGE_WITHSCORES_BYLEX                                                                \
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
#define ERR_WEIGHT_NOT_FLOAT "ERR weight value is not a float"
#define ERR_LIMIT_NEG "ERR LIMIT can't be negative"
#define ERR_NEED_INPUT_KEY "ERR at least 1 input key is needed for '%s' command"

/* Hashes (t_hash.c) */
#define ERR_HASH_NOT_INT "ERR hash value is not an integer"
#define ERR_VALUE_NAN_INF "ERR value is NaN or Infinity"
#define ERR_HASH_NOT_FLOAT "ERR hash value is not a float"

/* Keys (keys.c) */
#define ERR_CLUSTER_SELECT "ERR SELECT is not allowed in cluster mode"
#define ERR_CLUSTER_SWAPDB "ERR SWAPDB is not allowed in cluster mode"
#define ERR_CLUSTER_MOVE "ERR MOVE is not allowed in cluster mode"
#define ERR_CLUSTER_COPY_DB "ERR Copying to another database is not allowed in cluster mode"

/* Arguments (arg.c) */
#define ERR_RANGE_LONG "ERR value is out of range, value must between %ld and %ld"
#define ERR_VALUE_RANGE "ERR value is out of range"
#define ERR_RANGE_LLONG "ERR value is out of range, must be between %lld and %lld"

/* COMMAND (cmdinfo.c) */
#define ERR_COMMAND_UNKNOWN_SUB "ERR unknown subcommand '%.128s'. Try COMMAND HELP."
#define ERR_GETKEYS_INVALID_CMD "ERR Invalid command specified"
#define ERR_GETKEYS_NO_KEYS "ERR The command has no key arguments"
#define ERR_GETKEYS_ARITY "ERR Invalid number of arguments specified for command"
#define ERR_GETKEYS_ARGS "ERR Invalid arguments specified for command"

/* MEMORY (memory.c) */
#define ERR_MEMORY_PURGE "ERR Error purging dirty pages"
#define ERR_MALLCTL_NO_JEMALLOC "ERR mallctl not supported without jemalloc"
#define ERR_MALLCTL_NO_SUCH "ERR No such file or directory"

/* Streams (t_stream.c) */
#define ERR_STREAM_ID "ERR Invalid stream ID specified as stream command argument"
#define ERR_STREAM_START_ID "ERR invalid start ID for the interval"
#define ERR_STREAM_END_ID "ERR invalid end ID for the interval"
#define ERR_XADD_ZERO "ERR The ID specified in XADD must be greater than 0-0"
#define ERR_XADD_SMALL                                                                             \
    "ERR The ID specified in XADD is equal or smaller than the target stream top item"
#define ERR_XADD_BIG "ERR Elements are too large to be stored"
#define ERR_STREAM_EXHAUSTED                                                                       \
    "ERR The stream has exhausted the last possible ID, unable to add more items"
#define ERR_XTRIM_MAXLEN_NEG "ERR The MAXLEN argument must be >= 0."
#define ERR_XTRIM_LIMIT_NEG "ERR The LIMIT argument must be >= 0."
#define ERR_XTRIM_BOTH                                                                             \
    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
#define ERR_XTRIM_LIMIT_NOSTRATEGY                                                                 \
    "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
#define ERR_XTRIM_LIMIT_NOAPPROX                                                                   \
    "ERR syntax error, LIMIT cannot be used without the special ~ option"
#define ERR_XTRIM_NOSTRATEGY "ERR syntax error, XTRIM must be called with a trimming strategy"
#define ERR_XREAD_UNBALANCED                                                                       \
    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
#define ERR_XREAD_GROUP_ONLY                                                                       \
    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
#define ERR_XREAD_NOACK_ONLY                                                                       \
    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
#define ERR_XREAD_BLOCK_SCRIPT "ERR %s command is not allowed with BLOCK option from scripts"
#define ERR_XREADGROUP_NOGROUP "ERR Missing GROUP option for XREADGROUP"
#define ERR_XREADGROUP_DOLLAR                                                                       \
    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of "    \
    "this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would " \
    "just return an empty result set."
#define ERR_XREAD_GT                                                                               \
    "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "          \
    "<consumer> option."
#define ERR_XREADGROUP_GONE "UNBLOCKED the stream key no longer exists"
#define ERR_XREADGROUP_GROUP_GONE                                                                  \
    "NOGROUP the consumer group this client was blocked on no longer exists"
#define ERR_XGROUP_NOKEY                                                                           \
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "   \
    "use the MKSTREAM option to create an empty stream automatically."
#define ERR_BUSYGROUP "BUSYGROUP Consumer Group name already exists"
#define ERR_ENTRIESREAD "ERR value for ENTRIESREAD must be positive or -1"
#define ERR_ENTRIES_ADDED "ERR entries_added must be positive"
#define ERR_XSETID_MAXDEL_ARG                                                                      \
    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
#define ERR_XSETID_SMALL "ERR The ID specified in XSETID is smaller than the target stream top item"
#define ERR_XSETID_ADDED                                                                           \
    "ERR The entries_added specified in XSETID is smaller than the target stream length"
#define ERR_XCLAIM_MINIDLE "ERR Invalid min-idle-time argument for XCLAIM"
#define ERR_XCLAIM_IDLE "ERR Invalid IDLE option argument for XCLAIM"
#define ERR_XCLAIM_TIME "ERR Invalid TIME option argument for XCLAIM"
#define ERR_XCLAIM_RETRY "ERR Invalid RETRYCOUNT option argument for XCLAIM"
#define ERR_XAUTOCLAIM_MINIDLE "ERR Invalid min-idle-time argument for XAUTOCLAIM"
#define ERR_XAUTOCLAIM_COUNT "ERR COUNT must be > 0"
/* REPLICAOF while a FAILOVER runs (Redis 7.0): two commands deciding who
 * the master is could disagree; FAILOVER ABORT is the way out. */
#define ERR_REPLICAOF_FAILING_OVER "ERR REPLICAOF not allowed while failing over."

/* Snapshots (snapshot.c) */
/* Redis's bare "-ERR" (its shared.err): a SAVE, BGSAVE or DEBUG RELOAD
 * that failed, the reason being in the log. */
#define ERR_FAILED "ERR"
#define ERR_BGSAVE_RUNNING "ERR Background save already in progress"
#define ERR_BGSAVE_CHILD_ACTIVE                                                                    \
    "ERR Another child process is active (AOF?): can't BGSAVE right now. "                         \
    "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
#define ERR_DEBUG_RELOAD_OPTION                                                                    \
    "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
#define ERR_DEBUG_RELOAD_LOAD "ERR Error trying to load the RDB dump"

/* Replication (repl*.c, and script.c's checks of the same states) */
#define ERR_READONLY "READONLY You can't write against a read only replica."
#define ERR_MASTERDOWN                                                                             \
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
#define ERR_NOREPLICAS "NOREPLICAS Not enough good replicas to write."
#define ERR_NOMASTERLINK "NOMASTERLINK Can't SYNC while not connected with my master"
#define ERR_SYNC_PENDING "ERR SYNC and PSYNC are invalid with pending output"
#define ERR_PSYNC_FAILOVER_MASTER "ERR PSYNC FAILOVER can't be sent to a master."
#define ERR_PSYNC_FAILOVER_REPLID "ERR PSYNC FAILOVER replid must match my replid."
#define ERR_REPLCONF_IP_LONG                                                                       \
    "ERR REPLCONF ip-address provided by replica instance is too long: 46 bytes maximum"
#define ERR_REPLCONF_OPTION "ERR Unrecognized REPLCONF option: %.*s"
#define ERR_RDB_FILTER_OPTION "ERR Unsupported rdb-filter-only option: %.*s"
#define ERR_WAIT_REPLICA                                                                           \
    "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "  \
    "replica is configured to be writable (which is not the default) writes to replicas are just " \
    "local and are not propagated."
#define ERR_FAILOVER_NONE "ERR No failover in progress."
#define ERR_FAILOVER_TIMEOUT "ERR FAILOVER timeout must be greater than 0"
#define ERR_FAILOVER_RUNNING "ERR FAILOVER already in progress."
#define ERR_FAILOVER_REPLICA "ERR FAILOVER is not valid when server is a replica."
#define ERR_FAILOVER_NO_REPLICAS "ERR FAILOVER requires connected replicas."
#define ERR_FAILOVER_FORCE                                                                         \
    "ERR FAILOVER with force option requires both a timeout and target HOST and IP."
#define ERR_FAILOVER_NOT_REPLICA "ERR FAILOVER target HOST and PORT is not a replica."
#define ERR_FAILOVER_NOT_ONLINE "ERR FAILOVER target replica is not online."
#define ERR_REPLICAOF_CLUSTER "ERR REPLICAOF not allowed in cluster mode."
#define ERR_REPLICAOF_REPLICA "ERR Command is not valid when client is a replica."
#define ERR_MASTER_PORT "ERR Invalid master port"
/* castor only (the split sync's stream link, the durability mode) */
#define ERR_STREAM_FOR_ID "ERR Invalid stream-for client id"
#define ERR_STREAM_LINK_NO_SYNC "ERR no full sync of this replica waits for a stream link"
#define ERR_NOT_ACKED                                                                              \
    "NOREPLICAS Not enough replicas acknowledged the write in time (it is applied here and may "   \
    "or may not survive a failover)."

#endif
