#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>

#include "squib/accel.h"

static _Thread_local char errmsg[512];

int squib_fail(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return err;
}

void squib_clear_error(void)
{
    errmsg[0] = 0;
}

const char *squib_errmsg(void)
{
    return errmsg;
}
