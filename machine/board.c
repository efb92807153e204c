/* machine/board.c: the board list and what every board shares. */
#include "machine/board.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "util/err.h"

/* Each core models one CPU, so far: the x86 interpreter's CPUID describes
 * exactly what it implements (the KVM backend passes what KVM supports), and
 * the A64 core has Cortex-A72 ID registers with CRC32, LSE and LRCPC.  So
 * "max" is that CPU (and "cortex-a72" on virt); other models are refused
 * rather than accepted and ignored. */
static const char *const pc_cpus[] = {"max", NULL};
static const char *const virt_cpus[] = {"cortex-a72", "max", NULL};

static const struct board_info boards[] = {
    {"pc", SQUIB_ARCH_X86_64, "x86-64 PC (QEMU pc-compatible memory map, firmware at the reset vector)",
     "max", pc_cpus, 128ULL << 20},
    {"virt", SQUIB_ARCH_ARM64, "AArch64 virtual machine (QEMU virt-compatible memory map, PSCI over HVC)",
     "cortex-a72", virt_cpus, 128ULL << 20},
};

const struct board_info *board_list(unsigned *count)
{
    *count = sizeof boards / sizeof boards[0];
    return boards;
}

const struct board_info *board_find(const char *name)
{
    for (unsigned i = 0; i < sizeof boards / sizeof boards[0]; i++)
        if (strcmp(boards[i].name, name) == 0)
            return &boards[i];
    /* QEMU's versioned pc names all mean the same map here. */
    if (strncmp(name, "pc-i440fx", 9) == 0 || strcmp(name, "pc-i440fx") == 0)
        return &boards[0];
    return NULL;
}

int board_create(struct board *b, const struct board_config *cfg)
{
    memset(b, 0, sizeof *b);
    const struct board_info *info = board_find(cfg->machine);
    if (!info)
        return squib_fail(-EINVAL, "-M %s: unknown machine (try -M help)", cfg->machine);
    if (cfg->cpu) {
        /* The model, then (pc) ",feature" items: board_x86_cpu_features. */
        size_t n = strcspn(cfg->cpu, ",");
        bool ok = false;
        for (const char *const *c = info->cpus; *c; c++)
            ok = ok || (strlen(*c) == n && strncmp(*c, cfg->cpu, n) == 0);
        if (!ok)
            return squib_fail(-EINVAL, "-cpu %.*s: not a CPU model of machine %s (try -cpu help)",
                              (int)n, cfg->cpu, info->name);
        if (cfg->cpu[n] && info->arch != SQUIB_ARCH_X86_64)
            return squib_fail(-EINVAL, "-cpu %s: feature flags are for the pc machine's x86 CPU "
                              "only", cfg->cpu);
    }
    if (cfg->smp > 1)
        return squib_fail(-ENOSYS, "-smp %u: only one vCPU is supported until SMP lands", cfg->smp);
    b->arch = info->arch;
    int rc = squib_machine_init(&b->m, cfg->accel, info->arch);
    if (rc)
        return rc;
    if (cfg->dumpdtb && info->arch != SQUIB_ARCH_ARM64)
        return squib_fail(-EINVAL, "-M %s,dumpdtb: machine %s has no device tree", info->name,
                          info->name);
    rc = info->arch == SQUIB_ARCH_X86_64 ? board_pc_build(b, cfg) : board_virt_build(b, cfg);
    if (rc)
        return rc;
    return squib_machine_map_memory(&b->m);
}

void board_destroy(struct board *b)
{
    squib_machine_destroy(&b->m);
}

int board_run_loaders(struct board *b, const struct board_config *cfg, uint64_t *entry,
                      bool *have_entry)
{
    for (unsigned k = 0; k < cfg->n_loaders; k++) {
        const struct board_loader *l = &cfg->loaders[k];
        int rc;
        if (l->file) {
            if (!l->has_addr) {
                /* QEMU's loader takes ELF files without addr=; raw needs it. */
                uint8_t *data;
                size_t size;
                rc = boot_read_file(l->file, 1ULL << 30, &data, &size);
                if (rc)
                    return rc;
                uint64_t e;
                if (!boot_is_elf(data, size)) {
                    free(data);
                    return squib_fail(-EINVAL, "-device loader,file=%s: a raw file needs addr=",
                                      l->file);
                }
                rc = boot_load_elf64(&b->m.mem, l->file, data, size, b->arch, &e);
                free(data);
                if (rc)
                    return rc;
                if (l->cpu_num == 0) {
                    *entry = e;
                    *have_entry = true;
                }
                continue;
            }
            rc = boot_load_raw(&b->m.mem, l->file, l->addr);
        } else {
            rc = squib_physmap_write(&b->m.mem, l->addr, &l->data, l->data_len);
            if (rc)
                rc = squib_fail(rc, "-device loader,addr=0x%llx,data-len=%u: %s",
                                (unsigned long long)l->addr, l->data_len, squib_errmsg());
        }
        if (rc)
            return rc;
        if (l->cpu_num == 0) {
            *entry = l->addr;
            *have_entry = true;
        }
    }
    return 0;
}
