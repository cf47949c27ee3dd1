#include "CSwiftCNNSupport.h"
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
void swiftcnn_enable_flush_to_zero(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }
unsigned swiftcnn_enter_flush_to_zero(void) {
    unsigned previous = _mm_getcsr();
    _mm_setcsr(previous | 0x8040);
    return previous & 0x8040;
}
void swiftcnn_restore_flush_to_zero(unsigned previous) { _mm_setcsr((_mm_getcsr() & ~0x8040u) | (previous & 0x8040u)); }
#else
void swiftcnn_enable_flush_to_zero(void) {}
unsigned swiftcnn_enter_flush_to_zero(void) { return 0; }
void swiftcnn_restore_flush_to_zero(unsigned previous) { (void)previous; }
#endif

const char *swiftcnn_kernel_isa(void) {
#if defined(__x86_64__) && defined(__linux__)
#if !defined(SWIFTCNN_MAX_ISA_AVX2)
    if (__builtin_cpu_supports("avx512f")) return "avx512f";
#endif
    if (__builtin_cpu_supports("x86-64-v3")) return "x86-64-v3";
    return "x86-64";
#else
    return "generic";
#endif
}
