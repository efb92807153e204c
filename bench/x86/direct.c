/* bench/x86/direct.c: bench_direct ACCEL ROM runs a bench ROM through the
 * libsquib API with the vCPU already in the state bench.inc's frame reaches:
 * long mode, 4-level paging identity-mapping the first 1 GiB with 2 MiB
 * pages, CPL3, IOPL 3, at the image's direct entry (offset 0xffe0, a JMP to
 * `workload`).  So it measures the workloads on a backend whose system
 * instructions (LGDT, MOV CR, WRMSR, LTR, IRETQ...) cannot run the frame
 * yet; the hot loops are the same code.  No IDT: an exception ends the run
 * as a triple fault (shutdown exit).  Port 0xe9 writes go to stdout; a write
 * of v to port 0xf4 ends with status (v << 1) | 1, as isa-debug-exit does.
 * The image is copied into RAM at 0xf0000 (the frame runs it from there too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"

#define RAM_SIZE (128u << 20)
#define IMAGE_SIZE 0x10000u
#define IMAGE_BASE 0xf0000u
#define GDT 0x1000u
#define TSS 0x3000u
#define PML4 0x10000u
#define USTACK 0x9c000u
#define DIRECT_ENTRY (IMAGE_BASE + 0xffe0u)

static void put64(uint8_t *ram, uint64_t gpa, uint64_t v)
{
    memcpy(ram + gpa, &v, 8);
}

static int fail(const char *what)
{
    fprintf(stderr, "bench_direct: %s: %s\n", what, squib_errmsg());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s interp|kvm ROM\n", argv[0]);
        return 2;
    }
    uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f || fread(ram + IMAGE_BASE, 1, IMAGE_SIZE, f) != IMAGE_SIZE) {
        fprintf(stderr, "bench_direct: %s: not a 64 KiB image\n", argv[2]);
        return 1;
    }
    fclose(f);

    /* the GDT of bench.inc (accessed bits preset), a zeroed TSS, page tables */
    static const uint64_t gdt[] = {
        0, 0x00cf9b000000ffff, 0x00cf93000000ffff, 0x00af9b000000ffff, 0x00cf93000000ffff,
        0x00cffb000000ffff, 0x00cff3000000ffff, 0x00affb000000ffff, 0x0000890030000067, 0,
    };
    memcpy(ram + GDT, gdt, sizeof gdt);
    put64(ram, PML4, PML4 + 0x1000 + 7);
    put64(ram, PML4 + 0x1000, PML4 + 0x2000 + 7);
    for (uint64_t i = 0; i < 512; i++)
        put64(ram, PML4 + 0x2000 + i * 8, (i << 21) | 0x87);

    struct squib_vm *vm;
    struct squib_vcpu *vcpu;
    if (squib_vm_create(argv[1], SQUIB_ARCH_X86_64, &vm) < 0)
        return fail("vm_create");
    if (squib_vm_map_ram(vm, 0, RAM_SIZE, ram, 0) < 0)
        return fail("map_ram");
    if (squib_vcpu_create(vm, 0, &vcpu) < 0)
        return fail("vcpu_create");

    struct squib_x86_sregs s;
    if (squib_vcpu_get_regs(vcpu, SQUIB_REGSET_X86_SYS, &s, sizeof s) < 0)
        return fail("get sregs");
    struct squib_x86_segment code = {.base = 0, .limit = 0xffffffff, .selector = 0x3b,
                                     .type = 0xb, .present = 1, .dpl = 3, .s = 1, .l = 1, .g = 1};
    struct squib_x86_segment data = {.base = 0, .limit = 0xffffffff, .selector = 0x33,
                                     .type = 0x3, .present = 1, .dpl = 3, .db = 1, .s = 1, .g = 1};
    s.cs = code;
    s.ss = s.ds = s.es = s.fs = s.gs = data;
    s.tr = (struct squib_x86_segment){.base = TSS, .limit = 0x67, .selector = 0x40, .type = 0xb,
                                      .present = 1};
    s.ldt = (struct squib_x86_segment){.type = 2, .unusable = 1};
    s.gdt.base = GDT;
    s.gdt.limit = sizeof gdt - 1;
    s.idt.base = 0x2000;
    s.idt.limit = 0;
    s.cr0 = 0x80010033; /* PG WP NE ET MP PE */
    s.cr3 = PML4;
    s.cr4 = 0x20; /* PAE */
    s.efer = 0x500; /* LMA LME */
    if (squib_vcpu_set_regs(vcpu, SQUIB_REGSET_X86_SYS, &s, sizeof s) < 0)
        return fail("set sregs");
    struct squib_x86_regs r = {.rip = DIRECT_ENTRY, .rsp = USTACK, .rflags = 0x3002};
    if (squib_vcpu_set_regs(vcpu, SQUIB_REGSET_X86_GPR, &r, sizeof r) < 0)
        return fail("set regs");

    for (;;) {
        struct squib_exit e;
        if (squib_vcpu_run(vcpu, &e) < 0)
            return fail("vcpu_run");
        if (e.kind == SQUIB_EXIT_PIO && e.pio.write && e.pio.port == 0xe9) {
            putchar((int)(e.pio.data & 0xff));
            continue;
        }
        if (e.kind == SQUIB_EXIT_PIO && e.pio.write && e.pio.port == 0xf4) {
            fflush(stdout);
            return (int)((e.pio.data << 1) | 1) & 0xff;
        }
        if (e.kind == SQUIB_EXIT_INTERRUPTED)
            continue;
        char line[512];
        squib_exit_format(&e, line, sizeof line);
        fflush(stdout);
        fprintf(stderr, "bench_direct: unexpected exit: %s\n", line);
        return 1;
    }
}
