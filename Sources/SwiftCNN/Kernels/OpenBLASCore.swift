import COpenBLAS

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
