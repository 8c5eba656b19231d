/* The RNG: reproducible from the seed, distinct seeds differ, uniform and normal laws. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "tap_main.h"

START_TEST(test_same_seed_same_stream)
{
    lstmsent__rng a, b, c;
    lstmsent__rng_seed(&a, 42);
    lstmsent__rng_seed(&b, 42);
    lstmsent__rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = lstmsent__rng_u64(&a);
        ck_assert_uint_eq(x, lstmsent__rng_u64(&b));
        differ += x != lstmsent__rng_u64(&c);
    }
    ck_assert_int_gt(differ, 990);
}
END_TEST

START_TEST(test_below_is_uniform_and_in_range)
{
    /* 7 buckets, 70,000 draws: each count is 10,000 +- 5 sigma (sigma ~ 93). */
    lstmsent__rng r;
    lstmsent__rng_seed(&r, 1);
    int counts[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint64_t v = lstmsent__rng_below(&r, 7);
        ck_assert_uint_lt(v, 7);
        counts[v]++;
    }
    for (int k = 0; k < 7; k++)
        ck_assert_int_lt(abs(counts[k] - 10000), 465);
    ck_assert_uint_eq(lstmsent__rng_below(&r, 1), 0);
}
END_TEST

START_TEST(test_float_and_double_in_unit_interval)
{
    lstmsent__rng r;
    lstmsent__rng_seed(&r, 2);
    double sum = 0.0;
    for (int i = 0; i < 100000; i++) {
        float f = lstmsent__rng_float(&r);
        double d = lstmsent__rng_double(&r);
        ck_assert(f >= 0.0f && f < 1.0f);
        ck_assert(d >= 0.0 && d < 1.0);
        sum += d;
    }
    ck_assert_double_lt(fabs(sum / 100000 - 0.5), 0.005);
}
END_TEST

START_TEST(test_normal_moments)
{
    lstmsent__rng r;
    lstmsent__rng_seed(&r, 3);
    const int n = 200000;
    double s1 = 0.0, s2 = 0.0;
    for (int i = 0; i < n; i++) {
        double x = lstmsent__rng_normal(&r);
        ck_assert(isfinite(x));
        s1 += x;
        s2 += x * x;
    }
    double mean = s1 / n, var = s2 / n - mean * mean;
    ck_assert_double_lt(fabs(mean), 0.012);     /* 5 sigma of the mean: 5 / sqrt(n) */
    ck_assert_double_lt(fabs(var - 1.0), 0.016); /* 5 sigma of the variance: 5 sqrt(2 / n) */
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_same_seed_same_stream);
    tcase_add_test(tc, test_below_is_uniform_and_in_range);
    tcase_add_test(tc, test_float_and_double_in_unit_interval);
    tcase_add_test(tc, test_normal_moments);
    suite_add_tcase(s, tc);
    return s;
}
