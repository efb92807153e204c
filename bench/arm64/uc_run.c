/* bench/arm64/uc_run.c: runs a bench/arm64 ROM on Unicorn, as the third
 * backend of bench/run-arm64.sh (benchmark-only; never part of libsquib).
 *
 *   uc_run [-c] [-v] ROM [ADDR]
 *
 * The `virt` pieces the workloads use: 256 MiB of RAM at 0x40000000 with the
 * ROM at ADDR (default 0x40200000), the PL011 data register (a 4 KiB MMIO
 * page at 0x09000000: writes to offset 0 go to stdout, reads give 0, i.e.
 * the transmit FIFO is never full), and PSCI SYSTEM_OFF over HVC, which
 * stops the run.  The vCPU (Unicorn's default AArch64 model, cortex-a72)
 * starts at ADDR at EL1h with DAIF masked and the MMU off, as on squib and
 * QEMU's -device loader,cpu-num=0.  -c counts the instructions executed
 * (UC_HOOK_CODE) and prints "instructions N" on stderr; -v prints the
 * initial PSTATE and the time spent in uc_emu_start on stderr.  Exit status
 * 0 after SYSTEM_OFF, 1 on anything else (an exception, an unmapped access,
 * an error from Unicorn).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicorn/unicorn.h>

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (256ull << 20)
#define UART_BASE 0x09000000ull
#define PSCI_SYSTEM_OFF 0x84000008ull
#define PSTATE_EL1H_DAIF 0x3c5ull /* M = EL1h (0b0101), D A I F set */

static bool powered_off;
static bool verbose;
static bool failed;
static uint64_t icount;

static uint64_t uart_read(uc_engine *uc, uint64_t offset, unsigned size, void *opaque)
{
    (void)uc, (void)offset, (void)size, (void)opaque;
    return 0; /* UARTFR: TXFF clear */
}

static void uart_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *opaque)
{
    (void)uc, (void)size, (void)opaque;
    if (offset == 0) /* UARTDR */
        putchar((int)(value & 0xff));
}

static void on_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
    (void)opaque;
    uint64_t x0 = 0, pc = 0;
    uc_reg_read(uc, UC_ARM64_REG_X0, &x0);
    uc_reg_read(uc, UC_ARM64_REG_PC, &pc);
    /* HVC is EXCP_HVC (11) with EL2 present; Unicorn's cortex-a72 has no EL2,
     * so HVC is an undefined instruction there (EXCP_UDEF, 1): take either as
     * the PSCI call when x0 asks for SYSTEM_OFF */
    if ((intno == 11 || intno == 1) && (uint32_t)x0 == PSCI_SYSTEM_OFF) {
        powered_off = true;
        if (verbose)
            fprintf(stderr, "uc_run: SYSTEM_OFF (exception %u) at pc 0x%" PRIx64 "\n", intno, pc);
    } else {
        fprintf(stderr, "uc_run: unexpected exception %u at pc 0x%" PRIx64 " (x0 0x%" PRIx64 ")\n",
                intno, pc, x0);
        failed = true;
    }
    uc_emu_stop(uc);
}

static void on_code(uc_engine *uc, uint64_t address, uint32_t size, void *opaque)
{
    (void)uc, (void)address, (void)size, (void)opaque;
    icount++;
}

static bool on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                        void *opaque)
{
    (void)uc, (void)opaque;
    fprintf(stderr, "uc_run: unmapped access (type %d) at 0x%" PRIx64 ", size %d, value 0x%" PRIx64 "\n",
            (int)type, address, size, (uint64_t)value);
    failed = true;
    return false;
}

static int check(uc_err err, const char *what)
{
    if (err != UC_ERR_OK) {
        fprintf(stderr, "uc_run: %s: %s\n", what, uc_strerror(err));
        exit(1);
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool count = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-c") == 0)
            count = true;
        else if (strcmp(argv[i], "-v") == 0)
            verbose = true;
        else
            break;
    }
    if (i >= argc || argc - i > 2) {
        fprintf(stderr, "usage: %s [-c] [-v] ROM [ADDR]\n", argv[0]);
        return 2;
    }
    const char *path = argv[i];
    uint64_t addr = argc - i == 2 ? strtoull(argv[i + 1], NULL, 0) : 0x40200000ull;

    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    static uint8_t image[1 << 20];
    size_t len = fread(image, 1, sizeof image, f);
    fclose(f);
    if (len == 0 || addr < RAM_BASE || addr + len > RAM_BASE + RAM_SIZE) {
        fprintf(stderr, "uc_run: %s: empty, too big or outside RAM\n", path);
        return 1;
    }

    uc_engine *uc;
    check(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc), "uc_open");
    check(uc_mem_map(uc, RAM_BASE, RAM_SIZE, UC_PROT_ALL), "map RAM");
    check(uc_mmio_map(uc, UART_BASE, 0x1000, uart_read, NULL, uart_write, NULL), "map the UART");
    check(uc_mem_write(uc, addr, image, len), "load the ROM");

    uint64_t pstate = 0;
    uc_reg_read(uc, UC_ARM64_REG_PSTATE, &pstate);
    if (verbose)
        fprintf(stderr, "uc_run: initial PSTATE 0x%" PRIx64 " (EL%" PRIu64 ")\n", pstate, (pstate >> 2) & 3);
    pstate = PSTATE_EL1H_DAIF;
    check(uc_reg_write(uc, UC_ARM64_REG_PSTATE, &pstate), "set PSTATE");
    uc_reg_read(uc, UC_ARM64_REG_PSTATE, &pstate);
    if (((pstate >> 2) & 3) != 1) {
        fprintf(stderr, "uc_run: could not start at EL1 (PSTATE 0x%" PRIx64 ")\n", pstate);
        return 1;
    }
    uint64_t sp = addr;
    uc_reg_write(uc, UC_ARM64_REG_SP, &sp);

    uc_hook h_intr, h_code, h_bad;
    check(uc_hook_add(uc, &h_intr, UC_HOOK_INTR, (void *)on_intr, NULL, 1, 0), "hook interrupts");
    check(uc_hook_add(uc, &h_bad, UC_HOOK_MEM_INVALID, (void *)on_unmapped, NULL, 1, 0), "hook unmapped");
    if (count)
        check(uc_hook_add(uc, &h_code, UC_HOOK_CODE, (void *)on_code, NULL, 1, 0), "hook code");

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uc_err err = uc_emu_start(uc, addr, 0, 0, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fflush(stdout);
    if (err != UC_ERR_OK && !powered_off) {
        uint64_t pc = 0;
        uc_reg_read(uc, UC_ARM64_REG_PC, &pc);
        fprintf(stderr, "uc_run: uc_emu_start: %s at pc 0x%" PRIx64 "\n", uc_strerror(err), pc);
        failed = true;
    }
    if (verbose)
        fprintf(stderr, "uc_run: %.3f s in uc_emu_start\n",
                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (count)
        fprintf(stderr, "instructions %" PRIu64 "\n", icount);
    uc_close(uc);
    if (!powered_off && !failed)
        fprintf(stderr, "uc_run: the guest stopped without SYSTEM_OFF\n");
    return powered_off && !failed ? 0 : 1;
}
