/* The command line end to end: the bundled ROMs through build/squib, the
 * QEMU-style options, errors for bad input (never a crash), and the exit
 * stream of the x86 ROM on the interpreter and on KVM compared line by line. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/cli_harness.h"

#include "squib/accel.h"


#define X86_ROM SQUIB_ROM_DIR "/x86-hello.bin"
#define A64_ROM SQUIB_ROM_DIR "/arm64-hello.bin"

Test(cli, x86_rom_in_the_interpreter)
{
    static struct result r;
    const char *a[] = {"-accel", "interp", "-bios", X86_ROM, "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                       "-debugcon", "stdio", "-display", "none", NULL};
    run_squib(&r, a);
    cr_assert_eq(r.status, 1, "isa-debug-exit with 0 ends with status 1; stderr: %s", r.err);
    cr_assert_str_eq(r.out, "squib x86 guest: hello from real mode\r\n");
}

Test(cli, x86_rom_powers_off_through_acpi_without_debug_exit)
{
    static struct result r;
    const char *a[] = {"-accel", "interp", "-bios", X86_ROM, "-nographic", NULL};
    run_squib(&r, a);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "squib x86 guest: hello from real mode\r\n");
}

Test(cli, arm64_rom_prints_on_pl011_and_ends_with_psci_off)
{
    static struct result r;
    const char *a[] = {"-M", "virt", "-cpu", "cortex-a72", "-m", "64", "-nodefaults", "-device",
                       "loader,file=" A64_ROM ",addr=0x40200000,cpu-num=0", "-nographic", "-d", "exits", NULL};
    run_squib(&r, a);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(strstr(r.out, "squib aarch64 guest"), "stdout: %s", r.out);
    cr_assert(strstr(r.err, "exit hypercall func=0x84000008"), "stderr: %s", r.err);
    cr_assert(strstr(r.err, "exit mmio write addr=0x9000000 size="), "stderr: %s", r.err);
}

/* -cpu on virt: cortex-a72 (the default) hides FEAT_LSE, whose
 * instructions are then UNDEFINED; max shows it (roms/arm64/features.S). */
Test(cli, arm64_cpu_model_decides_the_optional_features)
{
    static struct result r;
    const char *loader = "loader,file=" SQUIB_ROM_DIR "/arm64-features.bin,addr=0x40200000,cpu-num=0";
    const char *a72[] = {"-M", "virt", "-m", "64", "-nodefaults", "-device", loader,
                         "-nographic", NULL};
    run_squib(&r, a72);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "lse: not advertised\nldadd: undefined\n");
    const char *max[] = {"-M", "virt", "-cpu", "max", "-m", "64", "-nodefaults", "-device",
                         loader, "-nographic", NULL};
    run_squib(&r, max);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "lse: advertised\nldadd: ran\n");
}

/* Keeps the lines starting with "exit " (the trace). */
static void trace_lines(const char *err, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = err; *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) + 1 : strlen(p);
        if (strncmp(p, "exit ", 5) == 0 && strncmp(p, "exit statistics", 15) != 0 && n + l < len) {
            memcpy(out + n, p, l);
            n += l;
        }
        p += l;
    }
    out[n] = 0;
}

Test(cli, x86_exit_stream_is_identical_on_interp_and_kvm)
{
    struct squib_accel_info info[4];
    int n = squib_accel_list(SQUIB_ARCH_X86_64, info, 4);
    bool kvm = false;
    for (int k = 0; k < n; k++)
        if (!strcmp(info[k].name, "kvm"))
            kvm = info[k].available;
    if (!kvm) {
        for (int k = 0; k < n; k++)
            if (!strcmp(info[k].name, "kvm"))
                cr_skip_test("KVM is not usable here: %s", info[k].why);
        cr_skip_test("no KVM backend");
    }
    static struct result ri, rk;
    static char ti[65536], tk[65536];
    static const char *const roms[] = {X86_ROM, SQUIB_ROM_DIR "/x86-exits.bin",
                                       SQUIB_ROM_DIR "/x86-elf-kernel.bin"};
    static const int status[] = {1, 0x43, 0x21};
    for (int k = 0; k < 3; k++) {
        const char *a[] = {"-accel", "interp", k == 2 ? "-kernel" : "-bios", roms[k], "-device",
                           "isa-debug-exit,iobase=0xf4,iosize=4", "-debugcon", "stdio",
                           "-display", "none", "-d", "exits", NULL};
        run_squib(&ri, a);
        a[1] = "kvm";
        run_squib(&rk, a);
        cr_assert_eq(ri.status, status[k], "interp, %s: %s", roms[k], ri.err);
        cr_assert_eq(rk.status, status[k], "kvm, %s: %s", roms[k], rk.err);
        cr_assert_str_eq(ri.out, rk.out);
        trace_lines(ri.err, ti, sizeof ti);
        trace_lines(rk.err, tk, sizeof tk);
        cr_assert_gt(strlen(ti), 500, "the trace has the ROM's exits");
        cr_assert_str_eq(ti, tk, "exit streams differ for %s:\n--- interp\n%s\n--- kvm\n%s", roms[k], ti, tk);
    }
}

Test(cli, help_and_lists)
{
    static struct result r;
    const char *h[] = {"--help", NULL};
    run_squib(&r, h);
    cr_assert_eq(r.status, 0);
    for (const char *opt = "-M\0-cpu\0-m\0-smp\0-accel\0-bios\0-kernel\0-device loader\0isa-debug-exit\0"
                           "-serial\0-debugcon\0-nographic\0-display none\0-nodefaults\0-no-reboot\0"
                           "-d exits\0-D FILE\0--stats\0";
         *opt; opt += strlen(opt) + 1)
        cr_assert(strstr(r.out, opt), "--help does not document %s", opt);
    const char *ah[] = {"-accel", "help", NULL};
    run_squib(&r, ah);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "interp") && strstr(r.out, "kvm"), "%s", r.out);
    const char *da[] = {"-d", "accel", "-bios", X86_ROM, "-nographic", NULL};
    run_squib(&r, da);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.err, "squib: accelerator auto: chose "), "%s", r.err);
    const char *mh[] = {"-M", "help", NULL};
    run_squib(&r, mh);
    cr_assert(strstr(r.out, "pc") && strstr(r.out, "virt"));
}

static void expect_error(const char *const *args, const char *needle)
{
    static struct result r;
    run_squib(&r, args);
    cr_assert_neq(r.status, 0, "%s: should fail", args[0]);
    cr_assert_lt(r.status, 128, "%s: crashed with signal %d; stderr: %s", args[0], r.status - 128, r.err);
    cr_assert(strstr(r.err, needle), "stderr for %s lacks '%s': %s", args[0], needle, r.err);
}

Test(cli, unsupported_and_bad_options_are_clear_errors)
{
    const char *a1[] = {"-hda", "disk.img", NULL};
    expect_error(a1, "-hda: option not supported yet");
    const char *a2[] = {"-M", "q35", NULL};
    expect_error(a2, "unknown machine");
    const char *a3[] = {"-m", "lots", NULL};
    expect_error(a3, "not a RAM size");
    const char *a4[] = {"-bios", X86_ROM, "-smp", "2", NULL};
    expect_error(a4, "only one vCPU");
    const char *a5[] = {"-accel", "hvf", NULL};
    expect_error(a5, "unknown accelerator");
    const char *a6[] = {"-device", "virtio-net", NULL};
    expect_error(a6, "device not supported yet");
    const char *a7[] = {"-serial", "tcp::4444", NULL};
    expect_error(a7, "-serial tcp::4444: not supported yet");
    const char *a8[] = {"-bios", "/nonexistent/rom.bin", NULL};
    expect_error(a8, "/nonexistent/rom.bin");
    const char *a9[] = {"-bios", SQUIB_SOURCE_DIR "/README.md", NULL};
    expect_error(a9, "64 KiB");
    const char *a10[] = {"-M", "pc", NULL};
    expect_error(a10, "no firmware");
    const char *a11[] = {"-device", "loader,file=" SQUIB_SOURCE_DIR "/README.md", NULL};
    expect_error(a11, "needs addr");
    const char *a11b[] = {"-device", "loader,file=/nonexistent,addr=0", NULL};
    expect_error(a11b, "cannot open /nonexistent");
    const char *a12[] = {"-cpu", "pentium", "-bios", X86_ROM, NULL};
    expect_error(a12, "-cpu pentium");
    /* Models the cores do not model are refused, not accepted and ignored. */
    const char *a12b[] = {"-M", "virt", "-cpu", "cortex-a53", NULL};
    expect_error(a12b, "-cpu cortex-a53: not a CPU model of machine virt");
    const char *a12c[] = {"-cpu", "qemu64", "-bios", X86_ROM, NULL};
    expect_error(a12c, "-cpu qemu64: not a CPU model of machine pc");
    const char *a13[] = {"-d", "in_asm", NULL};
    expect_error(a13, "log item not supported yet");
    const char *a14[] = {"-M", "virt", "-kernel", X86_ROM, NULL};
    expect_error(a14, "not an arm64 Image");
    const char *a15[] = {"-M", "virt", "-device", "loader,file=" A64_ROM ",addr=0x1000,cpu-num=0", NULL};
    expect_error(a15, "0x1000");
}

Test(cli, arm64_image_and_elf_kernels_get_the_boot_protocol_state)
{
    static struct result r;
    const char *img[] = {"-M", "virt", "-kernel", SQUIB_ROM_DIR "/arm64-kernel.bin", "-nographic", NULL};
    run_squib(&r, img);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "arm64 kernel: x0 = 0x0000000040000000, FDT magic ok, x1-x3 zero\n");
    const char *elf[] = {"-M", "virt", "-m", "256M", "-kernel", SQUIB_ROM_DIR "/arm64-kernel.elf", "-nographic", NULL};
    run_squib(&r, elf);
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* An ELF kernel may sit at the start of RAM: the DTB goes 2 MiB below the top. */
    cr_assert_str_eq(r.out, "arm64 kernel: x0 = 0x000000004fe00000, FDT magic ok, x1-x3 zero\n");
}

Test(cli, x86_elf_kernel_enters_flat_protected_mode)
{
    static struct result r;
    const char *a[] = {"-kernel", SQUIB_ROM_DIR "/x86-elf-kernel.bin", "-accel", "interp", "-debugcon", "stdio",
                       "-display", "none", "-device", "isa-debug-exit,iobase=0xf4", NULL};
    run_squib(&r, a);
    cr_assert_eq(r.status, 0x21, "status %d: %s", r.status, r.err);
    cr_assert_str_eq(r.out, "x86 ELF kernel: running in 32-bit protected mode\n");
}

#include <libfdt.h>

/* Device-tree cells are only 4-byte aligned: read 64-bit values bytewise. */
static uint64_t prop64(const void *p, int index)
{
    fdt64_t v;
    memcpy(&v, (const char *)p + 8 * index, sizeof v);
    return fdt64_to_cpu(v);
}

Test(cli, dumpdtb_holds_bootargs_initrd_and_memory)
{
    static struct result r;
    char dtb[] = "/tmp/squib-dtb-XXXXXX";
    int fd = mkstemp(dtb);
    cr_assert(fd >= 0);
    close(fd);
    char opt[64];
    snprintf(opt, sizeof opt, "virt,dumpdtb=%s", dtb);
    const char *a[] = {"-M", opt, "-m", "64", "-kernel", SQUIB_ROM_DIR "/arm64-kernel.bin", "-append",
                       "console=ttyAMA0 rdinit=/bin/sh", "-initrd", SQUIB_SOURCE_DIR "/README.md", NULL};
    run_squib(&r, a);
    cr_assert_eq(r.status, 0, "%s", r.err);
    static char blob[65536];
    FILE *f = fopen(dtb, "rb");
    cr_assert_not_null(f);
    size_t n = fread(blob, 1, sizeof blob, f);
    fclose(f);
    unlink(dtb);
    cr_assert_eq(fdt_check_header(blob), 0);
    cr_assert_eq(fdt_totalsize(blob), n);
    int chosen = fdt_path_offset(blob, "/chosen");
    cr_assert_geq(chosen, 0);
    cr_assert_str_eq(fdt_getprop(blob, chosen, "bootargs", NULL), "console=ttyAMA0 rdinit=/bin/sh");
    const void *start = fdt_getprop(blob, chosen, "linux,initrd-start", NULL);
    const void *end = fdt_getprop(blob, chosen, "linux,initrd-end", NULL);
    cr_assert(start && end);
    struct stat st;
    stat(SQUIB_SOURCE_DIR "/README.md", &st);
    cr_assert_eq(prop64(start, 0), 0x40000000 + 32 * 1024 * 1024, "min(RAM/2, 128 MiB) above RAM base");
    cr_assert_eq(prop64(end, 0) - prop64(start, 0), (uint64_t)st.st_size);
    int mem = fdt_path_offset(blob, "/memory@40000000");
    const void *reg = fdt_getprop(blob, mem, "reg", NULL);
    cr_assert_eq(prop64(reg, 0), 0x40000000);
    cr_assert_eq(prop64(reg, 1), 64 << 20);
    int psci = fdt_path_offset(blob, "/psci");
    cr_assert_str_eq(fdt_getprop(blob, psci, "method", NULL), "hvc");
}

Test(cli, malformed_kernels_are_errors_not_crashes)
{
    char dir[] = "/tmp/squib-bad-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    /* An ELF header claiming 0xffff program headers at a huge offset, a
     * truncated one, random bytes with ELF magic, an Image header whose
     * image_size exceeds RAM. */
    static const struct { const char *name; unsigned char bytes[80]; size_t len; const char *machine, *needle; } bad[] = {
        {"phnum", {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, [16] = 2, 0, 62, 0, 1, 0, 0, 0, [32] = 0xff, 0xff, 0xff, 0xff,
                   [52] = 64, 0, 56, 0, 0xff, 0xff}, 64, "pc", "program header"},
        {"trunc", {0x7f, 'E', 'L', 'F', 2, 1, 1}, 7, "pc", "ELF"},
        {"arm-on-pc", {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, [16] = 2, 0, 183, 0, 1}, 64, "pc", "EM_AARCH64"},
        /* text_offset 0x80000, image_size 1 GiB; the magic is added below */
        {"huge-image", {[10] = 8, [19] = 0x40}, 64, "virt", "RAM"},
    };
    for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, bad[k].name);
        FILE *f = fopen(path, "wb");
        unsigned char b[80];
        memcpy(b, bad[k].bytes, sizeof b);
        if (!strcmp(bad[k].name, "huge-image"))
            memcpy(b + 0x38, "ARM\x64", 4);
        fwrite(b, 1, bad[k].len, f);
        fclose(f);
        const char *a[] = {"-M", bad[k].machine, "-kernel", path, "-nographic", NULL};
        expect_error(a, bad[k].needle);
        unlink(path);
    }
    rmdir(dir);
}

Test(cli, data_loaders_and_no_reboot_on_psci_reset)
{
    /* movz w0, #0x8400, lsl #16; movk w0, #9; hvc #0: PSCI SYSTEM_RESET,
     * written word by word with -device loader,data=. */
    static struct result r;
    const char *a[] = {"-M", "virt", "-no-reboot", "-nographic", "-d", "exits",
                       "-device", "loader,addr=0x40000000,data=0x52b08000,data-len=4,cpu-num=0",
                       "-device", "loader,addr=0x40000004,data=0x72800120,data-len=4",
                       "-device", "loader,addr=0x40000008,data=0xd4000002,data-len=4", NULL};
    run_squib(&r, a);
    cr_assert_eq(r.status, 0, "-no-reboot ends the run on a reset with status 0: %s", r.err);
    cr_assert(strstr(r.err, "exit hypercall func=0x84000009"), "%s", r.err);
    const char *bad[] = {"-M", "virt", "-device", "loader,addr=0x40000000,data=1,data-len=3", NULL};
    expect_error(bad, "data-len=3");
}

/* Runs the self-checking x86 ROM roms/x86/NAME.asm on the interpreter
 * with -cpu `cpu`, the debug console on stdout and isa-debug-exit at 0xf4,
 * and expects it to pass (status 0x21) printing `out`. */
static void expect_x86_rom(const char *name, const char *cpu, const char *out)
{
    static struct result r;
    char rom[512];
    snprintf(rom, sizeof rom, "%s/x86-%s.bin", SQUIB_ROM_DIR, name);
    const char *a[] = {"-accel", "interp", "-cpu", cpu, "-bios", rom, "-debugcon", "stdio",
                       "-display", "none", "-device", "isa-debug-exit,iobase=0xf4", NULL};
    run_squib(&r, a);
    cr_assert_eq(r.status, 0x21, "%s: status 0x%x means check %d failed; stdout: %s; stderr: %s",
                 name, r.status, r.status >> 1, r.out, r.err);
    cr_assert_str_eq(r.out, out, "%s", name);
}

Test(cli, x86_gates_and_tasks_rom_passes_in_the_interpreter)
{
    /* roms/x86/gates.asm: call gates at the same and a higher privilege
     * (parameters copied, the stack from the TSS, RETF back, ES nulled),
     * #GP through a gate above CPL, JMP to a TSS and back, CALL through a
     * task gate and IRET back, #NP through a task gate in the IDT, a 16-bit
     * TSS, the T bit's #DB.  (Under kvm-pvm, KVM's instruction emulator,
     * which runs all CPL0 code there, stops at the first far CALL through a
     * gate with "instruction emulation failed": the ROM is run on the
     * interpreter only.) */
    expect_x86_rom("gates", "max",
                   "protected mode\ncall gate, same privilege\n"
                   "call gate, CPL3 to CPL0 with parameters, RETF back\n"
                   "call gate above CPL3: #GP\ntask switches\nJMP to a TSS and back\n"
                   "CALL through a task gate, IRET back\n#NP through a task gate\n"
                   "JMP to a 16-bit TSS and back\nT bit: #DB on entering the task\n");
}

Test(cli, x86_cpu_flags_remove_features)
{
    /* roms/x86/cpuid.asm reads CPUID.1:ECX.POPCNT and runs POPCNT. */
    expect_x86_rom("cpuid", "max", "popcnt\npopcnt ran\n");
    expect_x86_rom("cpuid", "max,-popcnt", "no popcnt\n#UD\n"); /* CPUID and POPCNT agree */
    expect_x86_rom("cpuid", "max,popcnt=off,pcid=off", "no popcnt\n#UD\n");

    const char *bad[] = {"-accel", "interp", "-cpu", "max,-avx512f", "-bios",
                         SQUIB_ROM_DIR "/x86-cpuid.bin", NULL};
    expect_error(bad, "unknown feature 'avx512f'");
    bad[3] = "max,pcid";
    expect_error(bad, "+feature, -feature or feature=on|off");
    bad[3] = "max,pcid=maybe";
    expect_error(bad, "on or off");
    const char *virt[] = {"-M", "virt", "-cpu", "max,-lse", NULL};
    expect_error(virt, "feature flags are for the pc machine");
}

Test(cli, x86_virtual_8086_rom_passes_in_the_interpreter)
{
    /* roms/x86/vm86.asm: a virtual-8086 monitor enters VM86 with IRETD;
     * paragraph segments and the I/O bitmap there; with IOPL 0 the
     * IOPL-sensitive instructions, a denied port and HLT are #GP(0) to the
     * monitor (VM and the real-mode segments in its frame), LAR is #UD;
     * with IOPL 3 INT goes through the IDT and IRET stays in VM86; a task
     * switch to a TSS with VM enters it too.  (Regression: IRET with VM in
     * the frame was an INTERNAL_ERROR.)  Interpreter only: kvm-pvm cannot
     * IRET in protected mode. */
    expect_x86_rom("vm86", "max",
                   "virtual-8086 mode: paragraph segments, I/O bitmap\n"
                   "IOPL 0: CLI STI PUSHF POPF INT IRET OUT #GP, LAR #UD\n"
                   "IOPL 3: INT through the IDT, IRET keeps VM and IOPL\n"
                   "HLT: #GP to the monitor\ntask switch into virtual-8086 mode\n");
}

Test(cli, x86_system_tour_rom_passes_in_the_interpreter)
{
    /* roms/x86/modes.asm: real -> protected -> long mode, #PF with CR2 and
     * error code, SYSCALL/SYSRET, IRETQ to CPL3, INT 0x80 onto RSP0, #GP on
     * IST1.  (Under kvm-pvm the same ROM stops at the SYSCALL step: PVM
     * takes SYSCALL for its own guest ABI, so it is run on the interpreter
     * only.) */
    expect_x86_rom("modes", "max",
                   "R\nprotected mode\nlong mode\npage fault handled\n"
                   "syscall, int 0x80 and #GP on IST1 from CPL3\n");
}
