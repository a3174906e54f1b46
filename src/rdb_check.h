/* rdb_check.h -- castor-check-rdb, the RDB checker (the castor-server
 * binary run under that name, as redis-check-rdb is redis-server). */
#ifndef CASTOR_RDB_CHECK_H
#define CASTOR_RDB_CHECK_H

/* Check the file named in argv[1]; prints a report and returns the exit
 * status: 0 if the file loads, 1 if not. */
int rdb_check_main(int argc, char **argv);

#endif
