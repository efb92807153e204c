/* cpu/x86/mem.c: segmented memory and port access, and the exits they make.
 *
 * Linear address = segment base + offset (SDM Vol. 3, 3.4), then the MMU
 * (guest-virtual = guest-physical until paging lands).  Non-RAM becomes an
 * MMIO exit; ports become PIO exits.  Reads of an instruction that exited
 * are answered, in order, from the read cache when it is executed again.
 */
#include "cpu/x86/x86.h"

#include <string.h>

static uint64_t linear(const struct x86_cpu *cpu, int seg, uint64_t off)
{
    uint64_t a = cpu->seg[seg].base + off;
    if (cpu->mode != X86_MODE_LONG64)
        a &= 0xffffffffULL;
    else if (seg != SEG_FS && seg != SEG_GS)
        a = off; /* SDM 3.4.4: CS/DS/ES/SS bases are treated as zero */
    return a;
}

/* A fresh exit record of `kind` for the current instruction. */
static struct squib_exit *new_exit(struct x86_cpu *cpu, enum squib_exit_kind kind)
{
    struct squib_exit *e = cpu->exit;
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->pc = cpu->rip;
    return e;
}

/* A pending read answered from the cache, or an exit. */
static bool cached_read(struct x86_cpu *cpu, uint64_t *val)
{
    if (cpu->rcache_pos < cpu->rcache_count) {
        *val = cpu->rcache[cpu->rcache_pos++];
        return true;
    }
    return false;
}

/* A read exit is impossible once the instruction made a write exit (the
 * record holds it) or when the cache is full. */
static bool read_exit_impossible(struct x86_cpu *cpu)
{
    if (cpu->write_exit) {
        cpu->write_exit = false;
        squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                                  "x86: device read after a device write in one instruction");
        return true;
    }
    if (cpu->rcache_count < sizeof cpu->rcache / sizeof cpu->rcache[0])
        return false;
    squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                              "x86: more than 4 device reads in one instruction");
    return true;
}

bool x86_mem_read(struct x86_cpu *cpu, const struct x86_insn *i, int seg, uint64_t off,
                  unsigned size, uint64_t *val)
{
    uint64_t a = linear(cpu, seg, off);
    uint64_t v = 0;
    if ((a & (MMU_PAGE_SIZE - 1)) + size <= MMU_PAGE_SIZE) {
        const uint8_t *p = mmu_ptr(cpu->mmu, a, false);
        if (p) {
            memcpy(&v, p, size);
            *val = v;
            return true;
        }
    } else if (mmu_read(cpu->mmu, a, &v, size)) {
        *val = v;
        return true;
    }
    if (cached_read(cpu, val))
        return true;
    if (read_exit_impossible(cpu))
        return false;
    struct squib_exit *e = new_exit(cpu, SQUIB_EXIT_MMIO);
    e->mmio.addr = a;
    e->mmio.size = (uint8_t)size;
    e->mmio.write = false;
    cpu->pending = CPU_PENDING_MMIO_READ;
    return false;
}

bool x86_mem_write(struct x86_cpu *cpu, const struct x86_insn *i, int seg, uint64_t off,
                   unsigned size, uint64_t val)
{
    uint64_t a = linear(cpu, seg, off);
    if ((a & (MMU_PAGE_SIZE - 1)) + size <= MMU_PAGE_SIZE) {
        uint8_t *p = mmu_ptr(cpu->mmu, a, true);
        if (p) {
            memcpy(p, &val, size);
            return true;
        }
    } else if (mmu_write(cpu->mmu, a, &val, size)) {
        return true;
    }
    if (cpu->write_exit) {
        squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                                  "x86: two device writes in one instruction (0x%llx)",
                                  (unsigned long long)a);
        return false;
    }
    struct squib_exit *e = new_exit(cpu, SQUIB_EXIT_MMIO);
    e->mmio.addr = a;
    e->mmio.size = (uint8_t)size;
    e->mmio.write = true;
    e->mmio.data = val & x86_size_mask(size);
    cpu->write_exit = true;
    return true;
}

bool x86_port_in(struct x86_cpu *cpu, const struct x86_insn *i, uint16_t port, unsigned size,
                 uint32_t *val)
{
    uint64_t v;
    if (cached_read(cpu, &v)) {
        *val = (uint32_t)v;
        return true;
    }
    if (read_exit_impossible(cpu))
        return false;
    struct squib_exit *e = new_exit(cpu, SQUIB_EXIT_PIO);
    e->pio.port = port;
    e->pio.size = (uint8_t)size;
    e->pio.write = false;
    cpu->pending = CPU_PENDING_PIO_READ;
    return false;
}

void x86_port_out(struct x86_cpu *cpu, const struct x86_insn *i, uint16_t port, unsigned size,
                  uint32_t val)
{
    struct squib_exit *e = new_exit(cpu, SQUIB_EXIT_PIO);
    e->pio.port = port;
    e->pio.size = (uint8_t)size;
    e->pio.write = true;
    e->pio.data = (uint32_t)(val & x86_size_mask(size));
    cpu->write_exit = true;
}

uint64_t x86_ea(const struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t a = (uint64_t)i->disp;
    if (i->rip_rel)
        a += cpu->next_rip;
    if (i->base != 0xff)
        a += cpu->r[i->base];
    if (i->index != 0xff)
        a += cpu->r[i->index] << i->scale;
    return a & x86_size_mask(i->adsize);
}
