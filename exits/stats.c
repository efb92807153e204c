/* exits/stats.c: exit counts by kind and by device (--stats, -d exits). */
#include "squib/machine.h"

#include <string.h>

void squib_stats_count(struct squib_exit_stats *s, enum squib_exit_kind kind, const char *device)
{
    if ((unsigned)kind < SQUIB_EXIT_KIND_COUNT)
        s->by_kind[kind]++;
    if (!device)
        return;
    for (unsigned i = 0; i < s->n_devices; i++) {
        if (strcmp(s->by_device[i].name, device) == 0) {
            s->by_device[i].count++;
            return;
        }
    }
    if (s->n_devices < SQUIB_STATS_MAX_DEVICES) {
        s->by_device[s->n_devices].name = device;
        s->by_device[s->n_devices].count = 1;
        s->n_devices++;
    }
}

void squib_stats_print(const struct squib_exit_stats *s, FILE *out)
{
    uint64_t total = 0;
    for (int k = 0; k < SQUIB_EXIT_KIND_COUNT; k++)
        total += s->by_kind[k];
    fprintf(out, "exit statistics: %llu exits\n", (unsigned long long)total);
    fprintf(out, "  %-16s %12s\n", "kind", "count");
    for (int k = 0; k < SQUIB_EXIT_KIND_COUNT; k++)
        if (s->by_kind[k])
            fprintf(out, "  %-16s %12llu\n", squib_exit_kind_name(k),
                    (unsigned long long)s->by_kind[k]);
    if (s->n_devices) {
        fprintf(out, "  %-16s %12s\n", "device", "count");
        for (unsigned i = 0; i < s->n_devices; i++)
            fprintf(out, "  %-16s %12llu\n", s->by_device[i].name,
                    (unsigned long long)s->by_device[i].count);
    }
}
