// The attributes every kernel file uses, in one place.
#ifndef SWIFTCNN_KERNEL_ATTRIBUTES_H
#define SWIFTCNN_KERNEL_ATTRIBUTES_H

// One copy of a function per instruction set, chosen at load time by the CPU (the package
// passes no -march flags, so this is how AVX2 and AVX-512 code gets in). The middle copy is
// x86-64-v3 (Haswell and later, Zen 1 and later), not "avx2": that feature alone leaves out
// FMA, and the copy would multiply and add separately at half the rate. avx512f brings FMA.
// SWIFTCNN_MAX_ISA_AVX2 (`-Xcc -DSWIFTCNN_MAX_ISA_AVX2`) leaves the AVX-512 copies out, so an
// AVX-512 machine can time the AVX2 code (Tools/bench/run.sh --isa avx2).
#if defined(__x86_64__) && defined(__linux__) && defined(SWIFTCNN_MAX_ISA_AVX2)
#define CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#elif defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

// The copy CLONES picks, for kernels with one copy per instruction set written out (their
// tiles differ by register file): 2 AVX-512, 1 AVX2 with FMA (x86-64-v3), 0 neither; at most
// the calling thread's cap (swiftcnn_limit_isa, for tests of every copy on one machine).
extern _Thread_local int swiftcnn_thread_isa_cap;
static inline int swiftcnn_isa_level(void) {
    int level = 0;
#if defined(__x86_64__)
#if !defined(SWIFTCNN_MAX_ISA_AVX2)
    if (__builtin_cpu_supports("avx512f")) level = 2;
    else
#endif
    if (__builtin_cpu_supports("x86-64-v3")) level = 1;
#endif
    return level < swiftcnn_thread_isa_cap ? level : swiftcnn_thread_isa_cap;
}

// Fully unroll the fixed-count loop that follows (clang only).
#if defined(__clang__)
#define UNROLL _Pragma("unroll")
#else
#define UNROLL
#endif

#endif
