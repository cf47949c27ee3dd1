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

// Fully unroll the fixed-count loop that follows (clang only).
#if defined(__clang__)
#define UNROLL _Pragma("unroll")
#else
#define UNROLL
#endif

#endif
