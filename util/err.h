/* util/err.h: the thread's last error message behind squib_errmsg(). */
#ifndef UTIL_ERR_H
#define UTIL_ERR_H

/* Sets the thread's squib_errmsg() and returns `err` (a negative errno). */
int squib_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Clears it. */
void squib_clear_error(void);

#endif
