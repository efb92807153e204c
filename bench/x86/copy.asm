; copy: memory copy + checksum, buffers exactly 8 MiB apart (see copy.inc).
%define NAME "copy"
COPY_DST equ 0x800000
%ifndef REPS
%define REPS 320
%endif
%ifndef EXPECT
%include "copy.expect.inc"
%endif
%include "copy.inc"
