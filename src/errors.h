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

#endif
