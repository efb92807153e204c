// null: the frame alone (start, print, check, SYSTEM_OFF), no work: the
// runner subtracts its median time on each backend (start-up) from the
// other workloads'.  Not one of the workloads in the table.
#define NAME "null"
#ifndef REPS
#define REPS 1
#endif
#include "bench.inc"

workload:
        mov     x0, #REPS
        b       done
