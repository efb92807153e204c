// copy: memory copy + checksum, buffers exactly 8 MiB apart (see copy.inc).
#define NAME "copy"
#define COPY_DST 0x800000
#ifndef REPS
#define REPS 320
#endif
#include "copy.inc"
