/* cpu/arm64/a64_platform.h: what the interpreter backend (accel/interp)
 * calls on an A64 core besides struct cpu_core_ops: the platform's side of
 * the generic timers and the IRQ/FIQ inputs (a64_timer.c), and the SMC
 * conduit.  `cpu` is the pointer a64_core_ops.create returned.  Call
 * between runs on the vCPU's thread, except a64_set_line (any thread: the
 * caller then wakes the vCPU through its attention word).
 */
#ifndef CPU_ARM64_A64_PLATFORM_H
#define CPU_ARM64_A64_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

/* SQUIB_DEV_IRQ_* bits as the last exit left them (squib/accel.h). */
uint32_t a64_device_irq_level(void *cpu);
/* When (CLOCK_MONOTONIC ns) a timer output line will next differ from
 * a64_device_irq_level; -ENOENT if no enabled, unmasked timer can change. */
int a64_timer_deadline(void *cpu, uint64_t *monotonic_ns);
/* Drives input line SQUIB_LINE_IRQ or SQUIB_LINE_FIQ (level-sensitive). */
int a64_set_line(void *cpu, unsigned line, bool level);
/* Any input line high (a WFI would complete at once)? */
bool a64_line_pending(void *cpu);
/* SMC #0: a HYPERCALL exit (true) or UNDEFINED (false, the default). */
void a64_set_smc_hypercall(void *cpu, bool on);

#endif
