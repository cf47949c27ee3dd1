#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"
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

_Thread_local int swiftcnn_thread_isa_cap = 2;

int swiftcnn_limit_isa(int level) {
    int previous = swiftcnn_thread_isa_cap;
    swiftcnn_thread_isa_cap = level < 0 ? 0 : level > 2 ? 2 : level;
    return previous;
}

const char *swiftcnn_kernel_isa(void) {
#if defined(__x86_64__) && defined(__linux__)
    static const char *names[] = {"x86-64", "x86-64-v3", "avx512f"};
    int saved = swiftcnn_limit_isa(2);
    const char *name = names[swiftcnn_isa_level()];
    swiftcnn_limit_isa(saved);
    return name;
#else
    return "generic";
#endif
}
