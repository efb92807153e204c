/* bench/x86/ref.c: the expected result of each x86 workload, computed in C
 * from the same algorithm as bench/x86/NAME.asm (with the same 64-bit
 * wrap-around), so the guest's answer is checked against an independent
 * computation and never against a number typed by hand.
 *
 *   bench_ref NAME REPS [OUT]   prints (or writes to OUT) "%define EXPECT 0x..."
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t ref_alu(uint64_t reps)
{
    uint64_t a = 1, b = 2, c = 3, d = 4, s = 5, di = 6, bp = 0;
    for (uint64_t r = 0; r < reps; r++) {
        for (int i = 0; i < 100000; i++) {
            a += b;
            b ^= c;
            c = c + d * 2 + 7;
            d -= a;
            s ^= a >> 7;
            uint64_t t = s * 0x9e37;
            di += t;
            t &= b;
            bp ^= t;
        }
    }
    return a + b + c + d + s + di + bp;
}

/* copy and copyoff compute the same value: only the distance differs */
static uint64_t ref_copy(uint64_t reps)
{
    const uint64_t n = 2 * 1024 * 1024 / 8;
    uint64_t *src = malloc(n * 8), *dst = malloc(n * 8), total = 0;
    if (!src || !dst)
        abort();
    for (uint64_t i = 0, v = 0; i < n; i++, v += 0x9e3779b97f4a7c15ull)
        src[i] = v;
    for (uint64_t r = 0; r < reps; r++) {
        for (uint64_t i = 0; i < n; i++)
            dst[i] = src[i] + r;
        for (uint64_t i = 0; i < n; i++)
            total += dst[i] ^ i;
    }
    free(src);
    free(dst);
    return total;
}

static uint64_t ref_sieve(uint64_t reps)
{
    const uint64_t n = 1024 * 1024;
    uint8_t *a = malloc(n);
    uint64_t total = 0;
    if (!a)
        abort();
    for (uint64_t r = 0; r < reps; r++) {
        memset(a, 0, n);
        for (uint64_t i = 2; i * i < n; i++)
            if (!a[i])
                for (uint64_t j = i * i; j < n; j += i)
                    a[j] = 1;
        for (uint64_t i = 2; i < n; i++)
            total += a[i] ^ 1;
    }
    free(a);
    return total;
}

static uint64_t ref_fib1(uint64_t n)
{
    return n < 2 ? n : ref_fib1(n - 1) + ref_fib1(n - 2);
}

static uint64_t ref_fib(uint64_t reps)
{
    uint64_t f = ref_fib1(25), total = 0;
    for (uint64_t r = 0; r < reps; r++)
        total += f + r;
    return total;
}

static uint64_t ref_vm(uint64_t reps)
{
    uint64_t total = 0;
    for (uint64_t r = 0; r < reps; r++) {
        uint64_t x = r + 1, acc = 0;
        for (int i = 0; i < 100000; i++) {
            x = x * 0x2545f491 + 12345;
            acc ^= x >> 17;
            acc += x;
        }
        total += acc;
    }
    return total;
}

static uint64_t ref_crc32(uint64_t reps)
{
    static uint32_t table[256];
    static uint8_t data[65536];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        table[i] = c;
    }
    uint32_t x = 1;
    for (int i = 0; i < 65536; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t)(x >> 16);
    }
    uint64_t total = 0;
    for (uint64_t r = 0; r < reps; r++) {
        uint32_t crc = 0xffffffffu ^ (uint32_t)r;
        for (int i = 0; i < 65536; i++)
            crc = (crc >> 8) ^ table[(crc ^ data[i]) & 0xff];
        total += crc ^ 0xffffffffu;
    }
    return total;
}

static uint64_t ref_null(uint64_t reps)
{
    return reps;
}

static const struct {
    const char *name;
    uint64_t (*fn)(uint64_t reps);
} refs[] = {
    {"alu", ref_alu},     {"copy", ref_copy}, {"copyoff", ref_copy}, {"sieve", ref_sieve},
    {"vm", ref_vm},       {"fib", ref_fib},   {"crc32", ref_crc32}, {"null", ref_null},
};

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s NAME REPS [OUT]\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        if (strcmp(argv[1], refs[i].name) != 0)
            continue;
        uint64_t v = refs[i].fn(strtoull(argv[2], NULL, 0));
        FILE *f = argc == 4 ? fopen(argv[3], "w") : stdout;
        if (!f) {
            perror(argv[3]);
            return 1;
        }
        fprintf(f, "%%define EXPECT 0x%016" PRIx64 "\n", v);
        return f == stdout ? 0 : fclose(f) != 0;
    }
    fprintf(stderr, "%s: unknown workload %s\n", argv[0], argv[1]);
    return 2;
}
