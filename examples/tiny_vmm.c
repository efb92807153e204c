/* examples/tiny_vmm.c: a VMM in a page of C on squib's public API.
 *
 * Runs a 64 KiB x86 firmware image (e.g. build/roms/x86-hello.bin) from the
 * reset vector on any backend ("auto", "interp", "kvm") and serves its exits
 * itself: port 0xe9 and COM1 output to stdout, COM1's line status, power-off
 * at port 0x604, and HLT.  Every other port reads as all ones.
 *
 *   cc tiny_vmm.c $(pkg-config --cflags --libs squib) -o tiny_vmm
 *   ./tiny_vmm build/roms/x86-hello.bin [accel]
 */
#include <squib/accel.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ROM.bin [auto|interp|kvm]\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    uint8_t *rom = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *ram = mmap(NULL, 0xA0000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!f || fread(rom, 1, 0x10000, f) != 0x10000) {
        fprintf(stderr, "%s: need a 64 KiB image\n", argv[1]);
        return 1;
    }
    fclose(f);

    struct squib_vm *vm;
    struct squib_vcpu *cpu;
    if (squib_vm_create(argc > 2 ? argv[2] : "auto", SQUIB_ARCH_X86_64, &vm) ||
        squib_vm_map_ram(vm, 0, 0xA0000, ram, 0) ||
        squib_vm_map_ram(vm, 0xF0000, 0x10000, rom, SQUIB_MEM_READONLY) ||     /* below 1 MiB */
        squib_vm_map_ram(vm, 0xFFFF0000, 0x10000, rom, SQUIB_MEM_READONLY) || /* reset vector */
        squib_vcpu_create(vm, 0, &cpu)) {
        fprintf(stderr, "squib: %s\n", squib_errmsg());
        return 1;
    }
    fprintf(stderr, "[%s]\n", squib_vm_accel_reason(vm));

    struct squib_exit e = {0};
    for (unsigned long n = 0;; n++) {
        if (squib_vcpu_run(cpu, &e)) {
            fprintf(stderr, "run: %s\n", squib_errmsg());
            return 1;
        }
        switch (e.kind) {
        case SQUIB_EXIT_PIO:
            if (e.pio.write && (e.pio.port == 0xe9))
                putchar((int)e.pio.data);
            else if (e.pio.write && e.pio.port == 0x604 && (e.pio.data & 0x2000)) {
                printf("[powered off after %lu exits]\n", n);
                return 0;
            } else if (!e.pio.write)
                e.pio.data = e.pio.port == 0x3fd ? 0x60 : 0xffffffff; /* LSR: THR empty */
            break;
        case SQUIB_EXIT_MMIO:
            if (!e.mmio.write)
                e.mmio.data = 0;
            break;
        case SQUIB_EXIT_INTERRUPTED:
            break;
        default: {
            char line[300];
            squib_exit_format(&e, line, sizeof line);
            printf("[stopped: %s]\n", line);
            return e.kind == SQUIB_EXIT_HLT ? 0 : 1;
        }
        }
    }
}
