/* proctitle.h -- the process title ps(1) shows, as Redis's setproctitle:
 * the bytes of argv (and of the environment after it, which is moved to
 * the heap first) are overwritten with the new title. */
#ifndef CASTOR_PROCTITLE_H
#define CASTOR_PROCTITLE_H

/* Remember where argv lives. Call once from main() before anything keeps
 * pointers into argv's strings (copy them first: they get overwritten). */
void proctitle_init(int argc, char **argv);
/* Show 'title' (cut to the space argv and the environment had). Does
 * nothing before proctitle_init(). */
void proctitle_set(const char *title);
/* argv[0] as the process was started (a copy). */
const char *proctitle_argv0(void);

#endif
