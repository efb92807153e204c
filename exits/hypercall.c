/* exits/hypercall.c: the hypercall handler table and PSCI.
 *
 * PSCI function ids: Arm DEN 0022 (PSCI 1.1), table 5.  SMCCC return codes:
 * Arm DEN 0028, NOT_SUPPORTED = -1.
 */
#include "squib/machine.h"

#include <errno.h>

#include "util/err.h"

int squib_hc_register(struct squib_hc_table *t, uint64_t first, uint64_t last, const char *name,
                      squib_hc_fn fn, void *opaque)
{
    if (first > last || !fn)
        return squib_fail(-EINVAL, "hypercall %s: bad range or no handler", name);
    for (unsigned i = 0; i < t->n; i++)
        if (first <= t->e[i].last && t->e[i].first <= last)
            return squib_fail(-EEXIST, "hypercall %s: ids 0x%llx-0x%llx overlap %s", name,
                              (unsigned long long)first, (unsigned long long)last,
                              t->e[i].name);
    if (t->n == SQUIB_HC_MAX)
        return squib_fail(-ENOSPC, "hypercall %s: table full", name);
    t->e[t->n++] = (struct squib_hc_entry){first, last, name, fn, opaque};
    return 0;
}

enum {
    PSCI_VERSION = 0x84000000,
    PSCI_CPU_SUSPEND_32 = 0x84000001,
    PSCI_CPU_OFF = 0x84000002,
    PSCI_CPU_ON_32 = 0x84000003,
    PSCI_AFFINITY_INFO_32 = 0x84000004,
    PSCI_MIGRATE_INFO_TYPE = 0x84000006,
    PSCI_SYSTEM_OFF = 0x84000008,
    PSCI_SYSTEM_RESET = 0x84000009,
    PSCI_FEATURES = 0x8400000A,
    PSCI_CPU_SUSPEND_64 = 0xC4000001,
    PSCI_CPU_ON_64 = 0xC4000003,
    PSCI_AFFINITY_INFO_64 = 0xC4000004,
};

#define PSCI_RET_SUCCESS 0ULL
#define PSCI_RET_NOT_SUPPORTED ((uint64_t)-1)
#define PSCI_RET_INVALID_PARAMS ((uint64_t)-2)
#define PSCI_RET_DENIED ((uint64_t)-3)
#define PSCI_TOS_NOT_PRESENT_MP 2 /* MIGRATE_INFO_TYPE: no trusted OS */

static bool psci_implemented(uint32_t fn)
{
    switch (fn) {
    case PSCI_VERSION:
    case PSCI_CPU_OFF:
    case PSCI_AFFINITY_INFO_32:
    case PSCI_AFFINITY_INFO_64:
    case PSCI_MIGRATE_INFO_TYPE:
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
    case PSCI_FEATURES:
        return true;
    default:
        return false;
    }
}

static enum squib_hc_action psci_call(void *opaque, struct squib_exit *e)
{
    (void)opaque;
    uint32_t fn = (uint32_t)e->hypercall.func;
    uint64_t *ret = e->hypercall.ret;
    switch (fn) {
    case PSCI_VERSION:
        ret[0] = (1u << 16) | 0; /* 1.0 */
        return SQUIB_HC_CONTINUE;
    case PSCI_SYSTEM_OFF:
        return SQUIB_HC_SHUTDOWN;
    case PSCI_SYSTEM_RESET:
        return SQUIB_HC_RESET;
    case PSCI_CPU_OFF:
        /* With one vCPU, turning it off powers the machine down. */
        return SQUIB_HC_SHUTDOWN;
    case PSCI_AFFINITY_INFO_32:
    case PSCI_AFFINITY_INFO_64:
        /* Only vCPU 0 (MPIDR affinity 0) exists and it is on. */
        ret[0] = (e->hypercall.args[0] & 0xff00ffffffULL) == 0 ? 0 : PSCI_RET_INVALID_PARAMS;
        return SQUIB_HC_CONTINUE;
    case PSCI_MIGRATE_INFO_TYPE:
        ret[0] = PSCI_TOS_NOT_PRESENT_MP;
        return SQUIB_HC_CONTINUE;
    case PSCI_FEATURES:
        ret[0] = psci_implemented((uint32_t)e->hypercall.args[0]) ? PSCI_RET_SUCCESS
                                                                   : PSCI_RET_NOT_SUPPORTED;
        return SQUIB_HC_CONTINUE;
    default:
        ret[0] = PSCI_RET_NOT_SUPPORTED;
        return SQUIB_HC_CONTINUE;
    }
}

int squib_psci_register(struct squib_hc_table *t)
{
    t->unknown_result = PSCI_RET_NOT_SUPPORTED;
    int rc = squib_hc_register(t, 0x84000000, 0x8400001F, "psci", psci_call, NULL);
    if (!rc)
        rc = squib_hc_register(t, 0xC4000000, 0xC400001F, "psci64", psci_call, NULL);
    return rc;
}
