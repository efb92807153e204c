; copyoff: the copy of copy.asm with the buffers 8 MiB + 20 KiB apart.
%define NAME "copyoff"
COPY_DST equ 0x805000
%ifndef REPS
%define REPS 320
%endif
%ifndef EXPECT
%include "copyoff.expect.inc"
%endif
%include "copy.inc"
