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

#endif
