// The attributes every kernel file uses, in one place.
#ifndef SWIFTCNN_KERNEL_ATTRIBUTES_H
#define SWIFTCNN_KERNEL_ATTRIBUTES_H

// One copy of a function per instruction set, chosen at load time by the CPU (the package
// passes no -march flags, so this is how AVX2 and AVX-512 code gets in).
#if defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
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
