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
#define ERR_FUNCTION_UNKNOWN_OPTION "ERR Unknown option given: %s"
#define ERR_LIBRARY_NOT_FOUND "ERR Library not found"
#define ERR_FUNCTION_FLUSH_OPTION "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
#define ERR_LIBRARY_NAME_MISSING "ERR library name argument was not given"
#define ERR_UNKNOWN_ARGUMENT "ERR Unknown argument %s"
#define ERR_FUNCTION_RESTORE_POLICY                                                                \
    "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."

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
#define ERR_NAN_SCORE "ERR resulting score is not a number (NaN)"
#define ERR_MINMAX_FLOAT "ERR min or max is not a float"
#define ERR_MINMAX_LEX "ERR min or max not valid string range item"

/* Hashes (t_hash.c) */
#define ERR_HASH_NOT_INT "ERR hash value is not an integer"
#define ERR_VALUE_NAN_INF "ERR value is NaN or Infinity"
#define ERR_HASH_NOT_FLOAT "ERR hash value is not a float"

/* Keys (keys.c) */
#define ERR_CLUSTER_SELECT "ERR SELECT is not allowed in cluster mode"
#define ERR_CLUSTER_SWAPDB "ERR SWAPDB is not allowed in cluster mode"
#define ERR_CLUSTER_MOVE "ERR MOVE is not allowed in cluster mode"
#define ERR_CLUSTER_COPY_DB "ERR Copying to another database is not allowed in cluster mode"
#define ERR_SWAPDB_FIRST "ERR invalid first DB index"
#define ERR_SWAPDB_SECOND "ERR invalid second DB index"
#define ERR_OBJECT_IDLETIME_LFU                                                                    \
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
#define ERR_OBJECT_FREQ_NOT_LFU                                                                    \
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."

/* Arguments (arg.c) */
#define ERR_RANGE_LONG "ERR value is out of range, value must between %ld and %ld"
#define ERR_VALUE_RANGE "ERR value is out of range"
#define ERR_RANGE_LLONG "ERR value is out of range, must be between %lld and %lld"
#define ERR_COUNT_ZERO "ERR count should be greater than 0"

/* COMMAND (cmdinfo.c) */
#define ERR_GETKEYS_INVALID_CMD "ERR Invalid command specified"
#define ERR_GETKEYS_NO_KEYS "ERR The command has no key arguments"
#define ERR_GETKEYS_ARITY "ERR Invalid number of arguments specified for command"
#define ERR_GETKEYS_ARGS "ERR Invalid arguments specified for command"

/* MEMORY (memory.c) */
#define ERR_MEMORY_PURGE "ERR Error purging dirty pages"
#define ERR_MALLCTL_NO_JEMALLOC "ERR mallctl not supported without jemalloc"
#define ERR_MALLCTL_NO_SUCH "ERR No such file or directory"

/* Several families */
#define ERR_NUMKEYS_ZERO "ERR numkeys should be greater than 0"
#define ERR_NOT_POSITIVE "ERR value is out of range, must be positive"
#define ERR_MISCONF_AOF "MISCONF Errors writing to the AOF file: %s"
#define ERR_COUNT_NOT_POSITIVE "ERR COUNT must be > 0"

/* The dispatcher and replies (cmdtable.c, reply.c) */
#define ERR_UNKNOWN_SUBCOMMAND "ERR unknown subcommand '%.128s'. Try %s HELP."
#define ERR_UNKNOWN_COMMAND "ERR unknown command '%.128s', with args beginning with: %s"
#define ERR_ARITY "ERR wrong number of arguments for '%s' command"
/* printf format: argv[1], then the command's name in capitals (reply_error_subcommand()) */
#define ERR_SUBCOMMAND_SYNTAX                                                                      \
    "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP."

/* Connections (client.c) */
#define ERR_MAX_CLIENTS "ERR max number of clients reached"
/* Redis's own words, its typo ("Setup a an") included: clients match them. */
#define ERR_DENIED                                                                                 \
    "DENIED Redis is running in protected mode because protected mode is enabled and no "          \
    "password is set for the default user. In this mode connections are only accepted "            \
    "from the loopback interface. If you want to connect from external computers to Redis "        \
    "you may adopt one of the following solutions: 1) Just disable protected mode sending "        \
    "the command 'CONFIG SET protected-mode no' from the loopback interface by connecting "        \
    "to Redis from the same host the server is running, however MAKE SURE Redis is not "           \
    "publicly accessible from internet if you do so. Use CONFIG REWRITE to make this "             \
    "change permanent. 2) Alternatively you can just disable the protected mode by "               \
    "editing the Redis configuration file, and setting the protected mode option to 'no', "        \
    "and then restarting the server. 3) If you started the server manually just for "              \
    "testing, restart it with the '--protected-mode no' option. 4) Setup a an "                    \
    "authentication password for the default user. NOTE: You only need to do one of the "          \
    "above things in order for the server to start accepting connections from the "                \
    "outside."

/* CLIENT and client tracking (clientcmd.c, tracking.c) */
#define ERR_CLIENT_TYPE "ERR Unknown client type '%s'"
#define ERR_CLIENT_ID "ERR Invalid client ID"
#define ERR_CLIENT_ID_ZERO "ERR client-id should be greater than 0"
#define ERR_CLIENT_NO_USER "ERR No such user '%s'"
#define ERR_CLIENT_NONE "ERR No such client"
#define ERR_CLIENT_PAUSE_MODE "ERR CLIENT PAUSE mode must be WRITE or ALL"
#define ERR_TRACKING_REDIRECT_ONE "ERR A client can only redirect to a single other client"
#define ERR_TRACKING_REDIRECT_NONE "ERR The client ID you want redirect to does not exist"
#define ERR_TRACKING_PREFIX_BCAST "ERR PREFIX option requires BCAST mode to be enabled"
#define ERR_TRACKING_BCAST_SWITCH                                                                  \
    "ERR You can't switch BCAST mode on/off before disabling tracking for this "                   \
    "client, and then re-enabling it with a different mode."
#define ERR_TRACKING_OPT_BCAST "ERR OPTIN and OPTOUT are not compatible with BCAST"
#define ERR_TRACKING_OPTIN_OPTOUT "ERR You can't specify both OPTIN mode and OPTOUT mode"
#define ERR_TRACKING_OPT_SWITCH                                                                    \
    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "                   \
    "client, and then re-enabling it with a different mode."
#define ERR_CACHING_NOT_TRACKING                                                                   \
    "ERR CLIENT CACHING can be called only when the client is in tracking "                        \
    "mode with OPTIN or OPTOUT mode enabled"
#define ERR_CACHING_YES                                                                            \
    "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
#define ERR_CACHING_NO                                                                             \
    "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
#define ERR_CLIENT_UNBLOCK_REASON "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
#define ERR_TRACKING_PREFIX_OVERLAP                                                                \
    "ERR Prefix '%.*s' overlaps with an existing prefix '%.*s'. "                                  \
    "Prefixes for a single client must not overlap."
#define ERR_TRACKING_PREFIX_OVERLAP_ARGS                                                           \
    "ERR Prefix '%.*s' overlaps with another provided prefix '%.*s'. "                             \
    "Prefixes for a single client must not overlap."

/* HELLO, SHUTDOWN (srvcmd.c, server.c) */
#define ERR_HELLO_PROTOCOL "ERR Protocol version is not an integer or out of range"
#define ERR_HELLO_OPTION "ERR Syntax error in HELLO option '%s'"
#define ERR_HELLO_NOAUTH                                                                           \
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
#define ERR_SHUTDOWN_NONE "ERR No shutdown in progress."
#define ERR_SHUTDOWN_DENY_BLOCKING                                                                 \
    "ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client"
#define ERR_SHUTDOWN_FAILED "ERR Errors trying to SHUTDOWN. Check logs."

/* ACL (acl.c) */
#define ERR_NOPERM_COMMAND "NOPERM this user has no permissions to run the '%s' command"
#define ERR_NOPERM_KEY                                                                             \
    "NOPERM this user has no permissions to access one of the keys used as arguments"
#define ERR_NOPERM_CHANNEL                                                                         \
    "NOPERM this user has no permissions to access one of the channels used as arguments"
#define ERR_SCRIPT_ACL_COMMAND                                                                     \
    "ERR The user executing the script can't run this command or subcommand"
#define ERR_SCRIPT_ACL_KEY                                                                         \
    "ERR The user executing the script can't access at least one of the keys "                     \
    "mentioned in the command arguments"
#define ERR_SCRIPT_ACL_CHANNEL                                                                     \
    "ERR The user executing the script can't publish to the channel mentioned in the command"
#define ERR_NOPERM_EXEC_CHANGED                                                                    \
    "NOPERM ACLs rules changed between the moment the transaction was accumulated and "            \
    "the EXEC call. This command is no longer allowed for the following reason: %s"
#define ERR_ACL_USERNAME "ERR Usernames can't contain spaces or null characters"
#define ERR_ACL_UNMATCHED_PAREN "ERR Unmatched parenthesis in acl selector starting at '%s'."
#define ERR_ACL_SETUSER_MODIFIER "ERR Error in ACL SETUSER modifier '%s': %s"
#define ERR_ACL_DELUSER_DEFAULT "ERR The 'default' user cannot be removed"
#define ERR_ACL_NO_FILE                                                                            \
    "ERR This Redis instance is not configured to use an ACL file. You may want to "               \
    "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "                   \
    "(assuming you have a Redis configuration file set) in order to store users in "               \
    "the Redis configuration."
#define ERR_ACL_SAVE                                                                               \
    "ERR There was an error trying to save the ACLs. Please check the server "                     \
    "logs for more information"
#define ERR_ACL_CATEGORY "ERR Unknown category '%.128s'"
#define ERR_ACL_GENPASS                                                                            \
    "ERR ACL GENPASS argument must be the number of bits for the output "                          \
    "password, a positive number up to 4096"
#define ERR_ACL_NO_USER "ERR User '%s' not found"
#define ERR_ACL_NO_COMMAND "ERR Command '%s' not found"

/* Scripts (script.c, script_lua.c) */
#define ERR_BUSY_EVAL                                                                              \
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
#define ERR_BUSY_FUNCTION                                                                          \
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
#define ERR_SHEBANG "ERR Invalid script shebang"
#define ERR_SHEBANG_ENGINE "ERR Unexpected engine in script shebang: %.*s"
#define ERR_SHEBANG_OPTION "ERR Unknown lua shebang option: %.*s"
#define ERR_SHEBANG_FLAG "ERR Unexpected flag in script shebang: %.*s"
#define ERR_SHEBANG_FLAG_EMPTY "ERR Unexpected flag in script shebang: "
#define ERR_SCRIPT_NO_CLUSTER "ERR Can not run script on cluster, 'no-cluster' flag is set."
#define ERR_SCRIPT_OOM                                                                             \
    "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
#define ERR_SCRIPT_MASTERDOWN                                                                      \
    "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script."
#define ERR_SCRIPT_WRITE_REPLICA "ERR Can not run script with write flag on readonly replica"
#define ERR_SCRIPT_MISCONF_RDB                                                                     \
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts."
#define ERR_SCRIPT_MISCONF_AOF                                                                     \
    "MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: %s"
#define ERR_SCRIPT_WRITE_RO "ERR Can not execute a script with write flag using *_ro command."
#define ERR_NOTBUSY "NOTBUSY No scripts in execution right now."
#define ERR_UNKILLABLE_MASTER                                                                      \
    "UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed."
#define ERR_UNKILLABLE_WRITES                                                                      \
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
#define ERR_SCRIPT_STALE "ERR Can not execute the command on a stale replica"
#define ERR_SCRIPT_WRITE_FROM_RO "ERR Write commands are not allowed from read-only scripts."
#define ERR_SCRIPT_UNKNOWN_COMMAND "ERR Unknown Redis command called from script"
#define ERR_SCRIPT_ARITY "ERR Wrong number of args calling Redis command from script"
#define ERR_SCRIPT_NOSCRIPT_COMMAND "ERR This Redis command is not allowed from script"
#define ERR_SCRIPT_COMPILE "ERR Error compiling script (new function): %s"
#define ERR_NOSCRIPT "NOSCRIPT No matching script. Please use EVAL."
#define ERR_SCRIPT_FLUSH_OPTION "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
#define ERR_SCRIPT_DEBUG_OPTION "ERR Use SCRIPT DEBUG YES/SYNC/NO"
#define ERR_SCRIPT_DEBUG_PIPELINE "ERR SCRIPT DEBUG must be called outside a pipeline"
#define ERR_SCRIPT_DEBUG_EVALSHA "ERR Please use EVAL instead of EVALSHA for debugging"
#define ERR_UNKNOWN_ERROR "ERR unknown error"
#define ERR_LUA_STACK "ERR reached lua stack limit"
#define ERR_LUA_RUNNING "ERR Error running script %s, %.100s"

/* CONFIG (config.c) */
#define ERR_CONFIG_SET_UNKNOWN "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
#define ERR_CONFIG_SET_FAILED "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
#define ERR_CONFIG_NO_FILE "ERR The server is running without a config file"
#define ERR_CONFIG_REWRITE "ERR Rewriting config file: %s"

/* DEBUG (debug.c) */
#define ERR_DEBUG_DB_RANGE "ERR Out of range database"
#define ERR_DEBUG_NOT_HT                                                                           \
    "ERR The value stored at the specified key is not represented using an hash table"
#define ERR_DEBUG_PROTOCOL                                                                         \
    "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
#define ERR_DEBUG_MEMORY_VALUE                                                                     \
    "ERR argument must be a memory value bigger than 1 and smaller than 4gb"
#define ERR_DEBUG_NOT_LISTPACK "ERR Not a listpack encoded object."
#define ERR_DEBUG_REWRITE_ALL "ERR CONFIG-REWRITE-FORCE-ALL failed: %s"

/* AOF (aof.c) */
#define ERR_AOF_REWRITE_RUNNING "ERR Background append only file rewriting already in progress"
#define ERR_AOF_REWRITE_FAILED                                                                     \
    "ERR Can't execute an AOF background rewriting. Please check the server logs for more information."

/* DUMP, RESTORE, MIGRATE (dump.c, migrate.c) */
#define ERR_BUSYKEY "BUSYKEY Target key name already exists."
#define ERR_BAD_PAYLOAD "ERR DUMP payload version or checksum are wrong"
#define ERR_BAD_FORMAT "ERR Bad data format"
#define ERR_MIGRATE_CONNECT "IOERR error or timeout connecting to the client"
#define ERR_MIGRATE_KEYS                                                                           \
    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
#define ERR_MIGRATE_TARGET "ERR Target instance replied with error: %s"
#define ERR_MIGRATE_IO "IOERR error or timeout %s to target instance"
#define ERR_RESTORE_IDLETIME "ERR Invalid IDLETIME value, must be >= 0"
#define ERR_RESTORE_FREQ "ERR Invalid FREQ value, must be >= 0 and <= 255"
#define ERR_RESTORE_TTL "ERR Invalid TTL value, must be >= 0"

/* Expiry (expire.c) */
#define ERR_EXPIRE_OPTION "ERR Unsupported option %s"
#define ERR_EXPIRE_NX_XX "ERR NX and XX, GT or LT options at the same time are not compatible"
#define ERR_EXPIRE_GT_LT "ERR GT and LT options at the same time are not compatible"

/* Strings and bits (t_string.c, bitops.c) */
#define ERR_DECR_OVERFLOW "ERR decrement would overflow"
#define ERR_BIT_ARG "ERR The bit argument must be 1 or 0."
#define ERR_BITOP_NOT "ERR BITOP NOT must be called with a single source key."
#define ERR_BITFIELD_TYPE                                                                          \
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 "                         \
    "is not supported but i64 is."
#define ERR_BITFIELD_OVERFLOW "ERR Invalid OVERFLOW type specified"
#define ERR_BITFIELD_RO "ERR BITFIELD_RO only supports the GET subcommand"
#define ERR_LCS_TYPE "ERR The specified keys must contain string values"
#define ERR_LCS_BOTH "ERR If you want both the length and indexes, please just use IDX."
#define ERR_LCS_TOO_LONG "ERR String too long for LCS"
#define ERR_LCS_MEM_LIMIT                                                                          \
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
#define ERR_LCS_MEM_FAIL "ERR Insufficient memory, failed allocating transient memory for LCS"

/* Lists (t_list.c) */
#define ERR_LPOS_RANK                                                                              \
    "ERR RANK can't be zero: use 1 to start from the first match, "                                \
    "2 from the second ... or use negative to start from the end of "                              \
    "the list"
#define ERR_LPOS_COUNT "ERR COUNT can't be negative"
#define ERR_LPOS_MAXLEN "ERR MAXLEN can't be negative"

/* SORT (sort.c) */
#define ERR_SORT_BY_ACL "ERR BY option of SORT denied due to insufficient ACL permissions."
#define ERR_SORT_GET_ACL "ERR GET option of SORT denied due to insufficient ACL permissions."
#define ERR_SORT_SCORE "ERR One or more scores can't be converted into double"

/* SCAN (scan.c) */
#define ERR_CURSOR "ERR invalid cursor"

/* Geo (geo.c) */
#define ERR_GEO_MEMBER "ERR could not decode requested zset member"
#define ERR_GEO_LONLAT "ERR invalid longitude,latitude pair %f,%f"
#define ERR_GEO_UNIT "ERR unsupported unit provided. please use M, KM, FT, MI"
#define ERR_GEO_RADIUS "ERR need numeric radius"
#define ERR_GEO_RADIUS_NEG "ERR radius cannot be negative"
#define ERR_GEO_WIDTH "ERR need numeric width"
#define ERR_GEO_HEIGHT "ERR need numeric height"
#define ERR_GEO_BOX_NEG "ERR height or width cannot be negative"
#define ERR_COUNT_NOT_POSITIVE "ERR COUNT must be > 0"
#define ERR_GEO_STORE_WITH "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
#define ERR_GEO_FROM "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s"
#define ERR_GEO_BY "ERR exactly one of BYRADIUS and BYBOX can be specified for %.*s"
#define ERR_GEO_ANY_COUNT "ERR the ANY argument requires COUNT argument"

/* HyperLogLog (hllcmd.c) */
#define ERR_PFDEBUG_NO_KEY "ERR The specified key does not exist"
#define ERR_PFDEBUG_NOT_SPARSE "ERR HLL encoding is not sparse"
#define ERR_PFDEBUG_SUBCOMMAND "ERR Unknown PFDEBUG subcommand '%.*s'"

/* LATENCY, SLOWLOG (latency.c, slowlog.c) */
#define ERR_LATENCY_NO_SAMPLES "ERR No samples available for event '%.*s'"
#define ERR_SLOWLOG_COUNT "ERR count should be greater than or equal to -1"

/* MODULE (module.c) */
#define ERR_MODULE_LOAD "ERR Error loading the extension. Please check the server logs."
#define ERR_MODULE_UNLOAD "ERR Error unloading module: no such module with that name"

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
/* REPLICAOF while a FAILOVER runs (Redis 7.0): two commands deciding who
 * the master is could disagree; FAILOVER ABORT is the way out. */
#define ERR_REPLICAOF_FAILING_OVER "ERR REPLICAOF not allowed while failing over."
#define ERR_NOGROUP_XREADGROUP                                                                     \
    "NOGROUP No such key '%.*s' or consumer group '%.*s' in XREADGROUP with GROUP option"
#define ERR_NOGROUP_FOR_KEY "NOGROUP No such consumer group '%.*s' for key name '%.*s'"
#define ERR_NOGROUP_KEY "NOGROUP No such key '%.*s' or consumer group '%.*s'"
#define ERR_XCLAIM_OPTION "ERR Unrecognized XCLAIM option '%.*s'"

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

/* Cluster (cluster.c) */
#define ERR_CLUSTER_CROSSSLOT "CROSSSLOT Keys in request don't hash to the same slot"
#define ERR_CLUSTER_TRYAGAIN "TRYAGAIN Multiple keys request during rehashing of slot"
#define ERR_CLUSTER_DOWN "CLUSTERDOWN The cluster is down"
#define ERR_CLUSTER_DOWN_RO "CLUSTERDOWN The cluster is down and only accepts read commands"
#define ERR_CLUSTER_UNBOUND "CLUSTERDOWN Hash slot not served"
#define ERR_CLUSTER_SCRIPT_DOWN                                                                    \
    "ERR Script attempted to execute a command while the cluster is down"
#define ERR_CLUSTER_SCRIPT_NON_LOCAL                                                               \
    "ERR Script attempted to access a non local key in a cluster node script"
#define ERR_CLUSTER_SCRIPT_CROSSSLOT                                                               \
    "ERR Script attempted to access keys that do not hash to the same slot"
#define ERR_CLUSTER_DISABLED "ERR This instance has cluster support disabled"
#define ERR_CLUSTER_BAD_SLOT "ERR Invalid or out of range slot"
#define ERR_CLUSTER_SLOT_RANGE "ERR start slot number %d is greater than end slot number %d"
#define ERR_CLUSTER_SLOT_BUSY "ERR Slot %d is already busy"
#define ERR_CLUSTER_SLOT_UNASSIGNED "ERR Slot %d is already unassigned"
#define ERR_CLUSTER_SLOT_TWICE "ERR Slot %d specified multiple times"
#define ERR_CLUSTER_FLUSHSLOTS "ERR DB must be empty to perform CLUSTER FLUSHSLOTS."
#define ERR_CLUSTER_INVALID_SLOT "ERR Invalid slot"
#define ERR_CLUSTER_SLOT_OR_COUNT "ERR Invalid slot or number of keys"
#define ERR_CLUSTER_MEET_PORT "ERR Invalid TCP base port specified: %s"
#define ERR_CLUSTER_MEET_BUS_PORT "ERR Invalid TCP bus port specified: %s"
#define ERR_CLUSTER_MEET_ADDR "ERR Invalid node address specified: %s:%s"
#define ERR_CLUSTER_FORGET_MYSELF "ERR I tried hard but I can't forget myself..."
#define ERR_CLUSTER_FORGET_MASTER "ERR Can't forget my master!"
#define ERR_CLUSTER_REPLICATE_MYSELF "ERR Can't replicate myself"
#define ERR_CLUSTER_REPLICATE_REPLICA "ERR I can only replicate a master, not a replica."
#define ERR_CLUSTER_REPLICATE_NOT_EMPTY                                                            \
    "ERR To set a master the node must be empty and without assigned slots."
#define ERR_CLUSTER_NOT_MASTER "ERR The specified node is not a master"
#define ERR_CLUSTER_SAVECONFIG "ERR error saving the cluster node config: %s"
#define ERR_CLUSTER_EPOCH_INVALID "ERR Invalid config epoch specified: %lld"
#define ERR_CLUSTER_EPOCH_NONZERO "ERR Node config epoch is already non-zero"
#define ERR_CLUSTER_SETSLOT_UNKNOWN "ERR I don't know about node %s"
#define ERR_CLUSTER_TARGET_NOT_MASTER "ERR Target node is not a master"
#define ERR_CLUSTER_SETSLOT_REPLICA "ERR Please use SETSLOT only with masters."
#define ERR_CLUSTER_NOT_OWNER "ERR I'm not the owner of hash slot %d"
#define ERR_CLUSTER_ALREADY_OWNER "ERR I'm already the owner of hash slot %d"
#define ERR_CLUSTER_RESET_KEYS "ERR CLUSTER RESET can't be called with master nodes containing keys"
#define ERR_CLUSTER_FAILOVER_MASTER "ERR You should send CLUSTER FAILOVER to a replica"
#define ERR_CLUSTER_FAILOVER_NO_MASTER "ERR I'm a replica but my master is unknown to me"
#define ERR_CLUSTER_FAILOVER_DOWN "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE"
#define ERR_CLUSTER_UNKNOWN_DIRECTION "ERR Unknown direction %s"
#define ERR_CLUSTER_SCRIPT_DOWN_RO                                                                 \
    "ERR Script attempted to execute a write command while the cluster is down and readonly"
#define ERR_CLUSTER_EPOCH_NOT_ALONE                                                                \
    "ERR The user can assign a config epoch only when the node does not know any other node."
#define ERR_CLUSTER_SETSLOT_KEYS                                                                   \
    "ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot."
#define ERR_CLUSTER_SETSLOT_SYNTAX                                                                 \
    "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"
#define ERR_CLUSTER_SUBCOMMAND                                                                     \
    "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try CLUSTER HELP."
#define ERR_CLUSTER_UNKNOWN_NODE "ERR Unknown node %s"
#define ERR_CLUSTER_UNKNOWN_NODE_LEN "ERR Unknown node %.*s"
#define ERR_CLUSTER_MOVED "MOVED %d %s:%d"
#define ERR_CLUSTER_ASK "ASK %d %s:%d"

#endif
