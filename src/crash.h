/* crash.h -- the crash report (fatal signals) and the software watchdog. */
#ifndef CASTOR_CRASH_H
#define CASTOR_CRASH_H

/* Install the handlers of the fatal signals and of the watchdog's SIGALRM
 * (start-up). */
void crash_setup(void);
/* Each cron tick and CONFIG SET watchdog-period: re-arm the watchdog
 * (watchdog-period ms), or disarm it. Nothing before crash_setup(). */
void crash_watchdog_cron(void);

#endif
