// copyoff: the copy of copy.S with the buffers 8 MiB + 20 KiB apart.
#define NAME "copyoff"
#define COPY_DST 0x805000
#ifndef REPS
#define REPS 320
#endif
#include "copy.inc"
