import ArgumentParser
import Foundation
import SwiftCNN

/// `--threads N`: compute threads per process, so that `mpirun -np 2 --bind-to core …
/// --threads 1` gives each rank its own core. Applied before any model is made.
struct ThreadOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: "Compute threads in this process (default: the cores, shared among the MPI ranks on this machine).")
    var threads: Int?

    func apply() throws {
        guard let threads else { return }
        try requirePositive(threads, "--threads")
        setenv("SWIFTCNN_THREADS", String(threads), 1)
    }
}
