// The register tile of DirectConvolution's inner loop, in C, on the 64-channel 56x56 3x3 layer of
// ResNet-18 (channel-blocked input, 16 channels per block): F vectors of 16 filters x P pixels.
// For every filter tap, each pixel's input is broadcast and multiplied into the F vectors.
// Measured on 2026-11-22 (docs/benchmarks.md, "The dense kernel on AVX-512") to choose the tile
// for AVX-512; kept to repeat that measurement on another CPU.
//
//   gcc -O3 -march=native -DF=4 -DP=6 direct_tile.c -o tile && taskset -c 1 ./tile 8 8
//   arguments: input channels per depth slice, tiles per chunk (a chunk meets every slice in turn)
//   -DSAME_ADDRESS: every pixel reads the first pixel's input (the loads then always hit in L1)
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef F
#define F 4
#endif
#ifndef P
#define P 6
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int sliceChannels = argc > 1 ? atoi(argv[1]) : 8, chunk = argc > 2 ? atoi(argv[2]) : 8;
    const int C = 64, H = 56, W = 56, pw = W + 2, ph = H + 2, O = 64, depth = C * 9;
    float *image = aligned_alloc(64, sizeof(float) * C * ph * pw);
    for (long i = 0; i < (long)C * ph * pw; i++) image[i] = (i % 7) * 0.1f;
    float *weights = aligned_alloc(64, sizeof(float) * depth * O);
    for (int i = 0; i < depth * O; i++) weights[i] = 0.01f * (i % 5);
    long *taps = malloc(sizeof(long) * depth);
    for (int c = 0; c < C; c++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) taps[c * 9 + ky * 3 + kx] = (c / 16) * ph * pw * 16 + c % 16 + (ky * pw + kx) * 16;
    float *out = aligned_alloc(64, sizeof(float) * O * H * W);
    float *partial = aligned_alloc(64, sizeof(float) * P * 16 * F * chunk);
    long *pixel = malloc(sizeof(long) * H * W);
    for (int p = 0; p < H * W; p++) pixel[p] = ((p / W) * pw + p % W) * 16;
    int tiles = (H * W + P - 1) / P, slice = sliceChannels * 9;
    for (int rep = 0; rep < 8; rep++) {
        double start = now();
        for (int block = 0; block < O / (16 * F); block++) {
            const float *blockWeights = weights + block * depth * 16 * F;
            for (int first = 0; first < tiles; first += chunk) {
                for (int k0 = 0; k0 < depth; k0 += slice) {
                    int k1 = k0 + slice < depth ? k0 + slice : depth;
                    for (int t = first; t < first + chunk && t < tiles; t++) {
                        const float *origin[P];
                        for (int i = 0; i < P; i++) {
                            int q = t * P + i < H * W ? t * P + i : H * W - 1;
#ifdef SAME_ADDRESS
                            q = 0;
#endif
                            origin[i] = image + pixel[q];
                        }
                        __m512 acc[P][F];
                        float *sums = partial + (t - first) * P * 16 * F;
                        for (int i = 0; i < P; i++)
                            for (int f = 0; f < F; f++) acc[i][f] = k0 ? _mm512_load_ps(sums + (i * F + f) * 16) : _mm512_setzero_ps();
                        const float *w = blockWeights + k0 * 16 * F;
                        for (int k = k0; k < k1; k++, w += 16 * F) {
                            long offset = taps[k];
                            __m512 wv[F];
                            for (int f = 0; f < F; f++) wv[f] = _mm512_load_ps(w + 16 * f);
#pragma GCC unroll 16
                            for (int i = 0; i < P; i++) {
                                __m512 x = _mm512_set1_ps(origin[i][offset]);
                                for (int f = 0; f < F; f++) acc[i][f] = _mm512_fmadd_ps(x, wv[f], acc[i][f]);
                            }
                        }
                        for (int i = 0; i < P; i++) {
                            int q = t * P + i;
                            for (int f = 0; f < F; f++) {
                                if (k1 < depth) _mm512_store_ps(sums + (i * F + f) * 16, acc[i][f]);
                                else if (q < H * W) _mm512_storeu_ps(out + ((block * F + f) * H * W + q) * 16, acc[i][f]);
                            }
                        }
                    }
                }
            }
        }
        double seconds = now() - start;
        if (rep >= 4) printf("F=%d P=%d slice=%d chunk=%d  %.3f ms  %.1f GMAC/s\n", F, P, sliceChannels, chunk,
                             seconds * 1e3, (double)O * C * 9 * H * W / seconds / 1e9);
    }
    return 0;
}
