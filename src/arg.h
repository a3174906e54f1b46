/* arg.h -- what the command procs of several types share to read their
 * arguments: longs in a range, a choice of two words, the MPOP tail, the
 * RANDFIELD/RANDMEMBER count, and the typed lookup of a key argument, each
 * replying Redis 7.0's exact error. */
#ifndef CASTOR_ARG_H
#define CASTOR_ARG_H

#include <stdbool.h>

#include "client.h"
#include "kv.h"

/* Words and numbers */
bool arg_is(const slice *a, const char *word);          /* case-insensitive */
bool arg_ll(client *c, const slice *a, long long *out); /* replies on error */
bool arg_ll_msg(client *c, const slice *a, long long *out, const char *err);
bool arg_ll_range(client *c, const slice *a, long long min, long long max, long long *out,
                  const char *err);
bool arg_double(client *c, const slice *a, double *out); /* replies on error */
/* As arg_double, replying 'err' (NULL: ERR_NOT_FLOAT) for a non-number. */
bool arg_double_msg(client *c, const slice *a, double *out, const char *err);
bool arg_long_double(client *c, const slice *a, long double *out);

/* Redis's getLongFromObjectOrReply: a long, else ERR_NOT_INT. */
bool arg_long(client *c, const slice *a, long *out);
/* Redis's getRangeLongFromObjectOrReply: a long in [min, max]. With 'err',
 * a non-number and an out-of-range value both reply 'err'; without, they
 * reply ERR_NOT_INT and "ERR value is out of range, value must between
 * <min> and <max>". */
bool arg_long_range(client *c, const slice *a, long min, long max, long *out, const char *err);

/* Words */
/* One of two words, case-insensitive: *second tells which. Replies a
 * syntax error and returns false for anything else. */
bool arg_choice(client *c, const slice *a, const char *first, const char *second_word,
                bool *second);

/* The tail of LMPOP, BLMPOP, ZMPOP and BZMPOP from argv[idx]:
 * "numkeys key [key ...] <first|second> [COUNT count]". */
typedef struct arg_mpop {
    long numkeys; /* >= 1; the keys start at argv[idx + 1] */
    bool second;  /* the second word was given (RIGHT, MAX) */
    long count;   /* COUNT, 1 by default */
} arg_mpop;
bool arg_parse_mpop(client *c, int idx, const char *first, const char *second, arg_mpop *out);

/* HRANDFIELD and ZRANDMEMBER with a count (argc >= 3): "key count [word]".
 * The count lies in [-LONG_MAX, LONG_MAX], and within half of that with
 * 'word' (WITHVALUES, WITHSCORES), whose replies are twice as long. */
bool arg_rand_count(client *c, const char *word, long *count, bool *with);

/* A negative count of SRANDMEMBER, HRANDFIELD or ZRANDMEMBER asks for
 * 'count' picks with repetition (pairs: with their values or scores). With
 * an output-buffer hard limit on the client the reply runs until the limit
 * closes it, as in Redis; without one, a reply that could not fit
 * proto-max-bulk-len even with the smallest elements is refused with
 * Redis's "value is out of range" (Redis 7.0.15 would grow it until memory
 * runs out); see also reply_repeat_stop(). */
bool arg_rand_repeat_ok(client *c, unsigned long count, bool pairs);

/* Keys */
/* Look up the key argument 'key' of a command on values of 'type' (for
 * writing if 'write': see db_find_write). Replies WRONGTYPE and returns
 * false if the key holds another type; *out is NULL when it is missing. */
bool arg_lookup(client *c, const slice *key, enum kv_type type, bool write, kv **out);

#endif
