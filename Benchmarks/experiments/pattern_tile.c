// The inner loop of PatternConvolution's 4-filter blocks, in C: per kept tap (a 32-bit offset and
// the block's 4 weights), V vectors of 16 consecutive positions times the 4 broadcast weights.
// Shape: 128 -> 128 channels at 28x28, 4 of 9 taps kept per kernel, slices of 32 channels.
// For the next session's work on the kernel (see the issue note of 2026-11-22); nothing here is
// in the runtime.
//
//   gcc -O3 -march=native -DV=3 pattern_tile.c -o tile && taskset -c 1 ./tile
//   -DV=6: 24 accumulators instead of 12
//   -DALIGNED: every tap's offset rounded down to 16 floats, so no 64-byte load splits two cache
//              lines (the results are then wrong; it measures the loads only)
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef V
#define V 3
#endif

typedef struct { int offset; float w[4]; } Tap;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    const int C = 128, H = 28, gridWidth = 32, O = 128, slice = 32;
    const int planeFloats = (H + 2) * gridWidth + 64, gridCount = H * gridWidth;
    float *input = aligned_alloc(64, sizeof(float) * C * planeFloats + 4096);
    for (long i = 0; i < (long)C * planeFloats; i++) input[i] = (i % 7) * 0.1f;
    const int blocks = O / 4, pattern[4][2] = {{0, 0}, {0, 1}, {1, 1}, {2, 2}};
    Tap *taps = aligned_alloc(64, sizeof(Tap) * blocks * C * 4);
    for (int b = 0; b < blocks; b++)
        for (int c = 0; c < C; c++)
            for (int j = 0; j < 4; j++) {
                Tap *t = &taps[(b * C + c) * 4 + j];
                t->offset = c * planeFloats + pattern[(j + b) % 4][0] * gridWidth + pattern[(j + b) % 4][1];
#ifdef ALIGNED
                t->offset &= ~15;
#endif
                for (int f = 0; f < 4; f++) t->w[f] = 0.01f * f;
            }
    float *grid = aligned_alloc(64, sizeof(float) * O * gridCount + 4096);
    const int tileFloats = V * 16, tiles = (gridCount + tileFloats - 1) / tileFloats;
    for (int rep = 0; rep < 8; rep++) {
        double start = now();
        for (int chunk = 0; chunk < tiles; chunk += 8)
            for (int t = chunk; t < chunk + 8 && t < tiles; t++)
                for (int s0 = 0; s0 < C; s0 += slice)
                    for (int b = 0; b < blocks; b++) {
                        const float *origin = input + t * tileFloats;
                        float *out = grid + b * 4 * gridCount + t * tileFloats;
                        __m512 acc[4][V];
                        for (int f = 0; f < 4; f++)
                            for (int v = 0; v < V; v++)
                                acc[f][v] = s0 ? _mm512_loadu_ps(out + f * gridCount + v * 16) : _mm512_setzero_ps();
                        for (Tap *tap = &taps[(b * C + s0) * 4], *end = tap + slice * 4; tap < end; tap++) {
                            const float *p = origin + tap->offset;
                            __m512 x[V];
                            for (int v = 0; v < V; v++) x[v] = _mm512_loadu_ps(p + 16 * v);
                            for (int f = 0; f < 4; f++) {
                                __m512 w = _mm512_set1_ps(tap->w[f]);
                                for (int v = 0; v < V; v++) acc[f][v] = _mm512_fmadd_ps(w, x[v], acc[f][v]);
                            }
                        }
                        for (int f = 0; f < 4; f++)
                            for (int v = 0; v < V; v++) _mm512_storeu_ps(out + f * gridCount + v * 16, acc[f][v]);
                    }
        double seconds = now() - start;
        if (rep >= 4) printf("V=%d  %.3f ms  %.1f GMAC/s of kept taps\n", V, seconds * 1e3,
                             (double)O * C * 4 * tiles * tileFloats / seconds / 1e9);
    }
    return 0;
}
