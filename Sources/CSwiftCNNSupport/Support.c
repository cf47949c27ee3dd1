#include "CSwiftCNNSupport.h"
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
void swiftcnn_enable_flush_to_zero(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }
#else
void swiftcnn_enable_flush_to_zero(void) {}
#endif
