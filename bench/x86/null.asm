; null: the frame alone (reset vector to CPL3 and the check), no work: the
; runner times it on each backend and subtracts its median from the other
; workloads' times, so start-up (process, firmware map, mode switches) is
; not counted as guest work.  Not one of the workloads in the table.
%define NAME "null"
%ifndef REPS
%define REPS 1
%endif
%ifndef EXPECT
%include "null.expect.inc"
%endif
%include "bench.inc"

workload:
        mov rax, REPS
        jmp done

%include "bench_end.inc"
