import COpenBLAS
import CSwiftCNNSupport

/// The kernel family OpenBLAS runs.
///
/// OpenBLAS picks it once, when it loads, from the CPU, unless `OPENBLAS_CORETYPE` names
/// one. Some machines set that variable to `Haswell` (AVX2) because older OpenBLAS builds
/// misbehave on their processors; on a CPU with full-width 512-bit FMA (AMD Zen 5) the AVX-512
/// families are about 1.5× faster for the big networks, so benchmarks report which ran.
public enum OpenBLASCore {
    /// "Haswell", "SkylakeX", "Cooperlake", …; nil when OpenBLAS does not say.
    public static var current: String? { openblas_get_corename().map { String(cString: $0) } }
}

/// The instruction set SwiftCNN's own kernels run: "avx512f", "x86-64-v3" (AVX2 and FMA),
/// "x86-64" (SSE2) or "generic"; benchmarks report it beside `OpenBLASCore.current`.
public enum KernelISA {
    public static var current: String { String(cString: swiftcnn_kernel_isa()) }
}
