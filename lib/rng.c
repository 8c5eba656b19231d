/*
 * The random numbers of initialisation, dropout and sampling: xoshiro256** (Blackman and
 * Vigna), its state seeded from one 64-bit seed through splitmix64. Each handle owns its
 * generator, so results depend only on the seed and the calls made on that handle.
 */
#include <math.h>

#include "internal.h"

/* A 64x64 -> 128-bit product; __extension__ keeps -Wpedantic quiet about the type. */
__extension__ typedef unsigned __int128 u128;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void lstmsent__rng_seed(lstmsent__rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

uint64_t lstmsent__rng_u64(lstmsent__rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t lstmsent__rng_below(lstmsent__rng *rng, uint64_t n)
{
    /* Lemire, "Fast Random Integer Generation in an Interval" (2019), with 128-bit
     * products: rejection makes every value in [0, n) equally likely. */
    u128 m = (u128)lstmsent__rng_u64(rng) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (u128)lstmsent__rng_u64(rng) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double lstmsent__rng_double(lstmsent__rng *rng)
{
    return (double)(lstmsent__rng_u64(rng) >> 11) * 0x1.0p-53;
}

float lstmsent__rng_float(lstmsent__rng *rng)
{
    return (float)(lstmsent__rng_u64(rng) >> 40) * 0x1.0p-24f;
}

double lstmsent__rng_normal(lstmsent__rng *rng)
{
    /* Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]. */
    double u1 = 1.0 - lstmsent__rng_double(rng);
    double u2 = lstmsent__rng_double(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}
