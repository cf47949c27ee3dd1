// The machine's single-precision FMA peak, the ceiling the per-convolution GFLOP/s of
// `swiftcnn bench --profile` are compared with (issue 16).
//
// Each thread runs 12 independent chains of vfmadd on 256-bit (AVX2) or 512-bit (AVX-512)
// vectors: enough chains to cover the FMA latency (4 cycles) times the FMA ports (2), so
// the loop is bound by throughput alone. GFLOP/s = 2 × lanes × FMAs / seconds.
//
//   gcc -O2 -pthread -o /tmp/fma_peak Tools/peak/fma_peak.c && /tmp/fma_peak
//   (or Tools/peak/run.sh, which builds and runs it)
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { CHAINS = 12, ITERATIONS = 20 * 1000 * 1000 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

__attribute__((target("avx2,fma"))) static float run256(void) {
    // Twelve named accumulators, not an array: an array stays in memory at -O2.
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    __m256 a0 = _mm256_set1_ps((float)0), a1 = _mm256_set1_ps((float)1), a2 = _mm256_set1_ps((float)2), a3 = _mm256_set1_ps((float)3), a4 = _mm256_set1_ps((float)4), a5 = _mm256_set1_ps((float)5), a6 = _mm256_set1_ps((float)6), a7 = _mm256_set1_ps((float)7), a8 = _mm256_set1_ps((float)8), a9 = _mm256_set1_ps((float)9), a10 = _mm256_set1_ps((float)10), a11 = _mm256_set1_ps((float)11);
    for (long n = 0; n < ITERATIONS; n++) {
        a0 = _mm256_fmadd_ps(a0, a, b); a1 = _mm256_fmadd_ps(a1, a, b); a2 = _mm256_fmadd_ps(a2, a, b); a3 = _mm256_fmadd_ps(a3, a, b); a4 = _mm256_fmadd_ps(a4, a, b); a5 = _mm256_fmadd_ps(a5, a, b); a6 = _mm256_fmadd_ps(a6, a, b); a7 = _mm256_fmadd_ps(a7, a, b); a8 = _mm256_fmadd_ps(a8, a, b); a9 = _mm256_fmadd_ps(a9, a, b); a10 = _mm256_fmadd_ps(a10, a, b); a11 = _mm256_fmadd_ps(a11, a, b);
        // Keeps the compiler from folding the chains out of the loop.
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
    }
    __m256 sum = _mm256_add_ps(_mm256_add_ps(a0, a5), a11);
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    return lanes[0];
}

__attribute__((target("avx512f"))) static float run512(void) {
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    __m512 a0 = _mm512_set1_ps((float)0), a1 = _mm512_set1_ps((float)1), a2 = _mm512_set1_ps((float)2), a3 = _mm512_set1_ps((float)3), a4 = _mm512_set1_ps((float)4), a5 = _mm512_set1_ps((float)5), a6 = _mm512_set1_ps((float)6), a7 = _mm512_set1_ps((float)7), a8 = _mm512_set1_ps((float)8), a9 = _mm512_set1_ps((float)9), a10 = _mm512_set1_ps((float)10), a11 = _mm512_set1_ps((float)11);
    for (long n = 0; n < ITERATIONS; n++) {
        a0 = _mm512_fmadd_ps(a0, a, b); a1 = _mm512_fmadd_ps(a1, a, b); a2 = _mm512_fmadd_ps(a2, a, b); a3 = _mm512_fmadd_ps(a3, a, b); a4 = _mm512_fmadd_ps(a4, a, b); a5 = _mm512_fmadd_ps(a5, a, b); a6 = _mm512_fmadd_ps(a6, a, b); a7 = _mm512_fmadd_ps(a7, a, b); a8 = _mm512_fmadd_ps(a8, a, b); a9 = _mm512_fmadd_ps(a9, a, b); a10 = _mm512_fmadd_ps(a10, a, b); a11 = _mm512_fmadd_ps(a11, a, b);
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a5), a11));
}

struct job { int width; double seconds; float sink; };

static void *worker(void *p) {
    struct job *j = p;
    double t = now();
    j->sink = j->width == 512 ? run512() : run256();
    j->seconds = now() - t;
    return NULL;
}

// GFLOP/s of `threads` threads running at once, each timed on its own.
static double measure(int width, int threads) {
    pthread_t ids[256];
    struct job jobs[256];
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct job){ .width = width };
        pthread_create(&ids[i], NULL, worker, &jobs[i]);
    }
    double total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        total += 2.0 * (width / 32) * CHAINS * (double)ITERATIONS / jobs[i].seconds / 1e9;
    }
    return total;
}

int main(int argc, char **argv) {
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (argc > 1) cores = atoi(argv[1]);
    if (cores < 1 || cores > 256) { fprintf(stderr, "fma_peak: threads must be 1..256\n"); return 1; }
    __builtin_cpu_init();
    int widths[2] = { 256, 512 };
    int json = getenv("JSON") != NULL;
    for (int w = 0; w < 2; w++) {
        int width = widths[w];
        if (width == 256 && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) continue;
        if (width == 512 && !__builtin_cpu_supports("avx512f")) continue;
        // Best of three, as the clock settles.
        double one = 0, all = 0;
        for (int r = 0; r < 3; r++) {
            double a = measure(width, 1), b = measure(width, cores);
            if (a > one) one = a;
            if (b > all) all = b;
        }
        if (json)
            printf("{\"vector_bits\": %d, \"gflops_one_core\": %.1f, \"gflops_all\": %.1f, \"threads\": %d}\n", width, one, all, cores);
        else
            printf("%d-bit FMA peak: %.1f GFLOP/s on one core, %.1f on %d threads\n", width, one, all, cores);
    }
    return 0;
}
