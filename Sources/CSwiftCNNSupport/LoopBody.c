#include "CSwiftCNNSupport.h"

// Swift passes a non-escaping closure as two words, its function and its context (a
// pointer to the caller's stack), and calls the function with the context in the Swift
// self register (docs/ABI/CallingConvention.rst in the Swift repository). Clang's
// `swiftcall` and `swift_context` speak that convention, so the pool can hand the two
// words to its workers without `withoutActuallyEscaping`, which boxes them on the heap.

/// Declared to Swift with `@_silgen_name` as taking `(Int, Int) -> Void`: Swift hands in
/// the closure's two words, which are copied out as they are.
__attribute__((swiftcall)) void swiftcnn_loop_body_capture(const void *function, void *context,
                                                           swiftcnn_loop_body *out) {
    out->function = function;
    out->context = context;
}

typedef void (*swiftcnn_loop_function)(long, long, void *__attribute__((swift_context)))
    __attribute__((swiftcall));

void swiftcnn_loop_body_call(swiftcnn_loop_body body, long thread, long chunk) {
    ((swiftcnn_loop_function)body.function)(thread, chunk, body.context);
}
