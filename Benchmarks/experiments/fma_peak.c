// The core's multiply-add peak with nothing from memory: 12 independent AVX-512 accumulators.
// docs/benchmarks.md compares the convolution loops against it (a busy host slows caches and
// memory, not this).
//
//   gcc -O3 -march=native fma_peak.c -o fma_peak && taskset -c 1 ./fma_peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    const long iterations = 200000000;
    for (int rep = 0; rep < 5; rep++) {
        __m512 acc[12];
        for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps(i * 1e-9f);
        __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-9f);
        double start = now();
        for (long n = 0; n < iterations; n++)
            for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], b, c);
        double seconds = now() - start;
        float sum = 0;
        for (int i = 0; i < 12; i++) sum += _mm512_reduce_add_ps(acc[i]);
        printf("%.1f GMAC/s (checksum %g)\n", iterations * 12 * 16 / seconds / 1e9, sum);
    }
    return 0;
}
