/* ev.h -- the event loop: epoll readiness, millisecond timers and a
 * before-sleep hook. One loop per process, driven by one thread. */
#ifndef CASTOR_EV_H
#define CASTOR_EV_H

#include <stdbool.h>

#include "coalesce.h"

#define EV_READ 1
#define EV_WRITE 2

typedef void ev_io_fn(int fd, void *data, int mask);
/* Returns the ms until it should run again, or -1 to be deleted. */
typedef long long ev_timer_fn(long long id, void *data);
typedef void ev_hook_fn(void);

/* Create the loop for up to 'setsize' file descriptors. 0 or -1 (errno). */
int ev_init(int setsize);
/* Grow the fd table (maxclients changes); 0 or -1 if fds above it are used. */
int ev_resize(int setsize);
int ev_setsize(void);
/* Watch fd for 'mask'; the callback gets the fd, data and the ready mask.
 * One callback pair per fd: rfn for reads, wfn for writes. 0 or -1. */
int ev_add(int fd, int mask, ev_io_fn *fn, void *data);
void ev_del(int fd, int mask);
int ev_mask(int fd);
long long ev_timer_add(long long ms, ev_timer_fn *fn, void *data);
void ev_timer_del(long long id);
void ev_set_before_sleep(ev_hook_fn *fn);
void ev_set_after_sleep(ev_hook_fn *fn);
/* Runs after each turn's ready callbacks, before its timers. */
void ev_set_after_events(ev_hook_fn *fn);
/* Run the loop; never returns (the process exits from a callback). */
void ev_run(void);
/* Poll without waiting and run only the ready fds' callbacks: no hooks,
 * no timers (a script serving clients while it is busy). Returns how many
 * fds were ready. */
int ev_poll_files(int ms);
/* Sleep up to 'us' on a timer before polling while that raises the rate of
 * served events (see coalesce.h); 0 turns it off. */
void ev_set_coalesce(long us);
const coalesce *ev_coalesce(void);
/* Loop turns run by ev_run() (INFO eventloop_cycles), and its reset
 * (CONFIG RESETSTAT). */
unsigned long long ev_turns(void);
void ev_reset_turns(void);

#endif
