import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// Open MPI, loaded at run time. SwiftCNN builds and runs without MPI; only a process that
// `mpirun` (or another launcher of Open MPI) started opens `libmpi.so.40`, so a user who
// never trains on several machines needs neither the library nor its headers. The
// handles below are Open MPI's ABI (every major version since 3.0 names its library
// libmpi.so.40): MPI_Comm, MPI_Datatype, MPI_Op and MPI_Request are pointers, and the
// predefined objects are the exported symbols `ompi_mpi_comm_world`, `ompi_mpi_float`, ….
// MPICH and its derivatives use integer handles and are not supported.

/// The functions and predefined handles of Open MPI that data-parallel training uses.
final class OpenMPI: @unchecked Sendable {
    typealias Handle = UnsafeMutableRawPointer

    let world: Handle
    let float: Handle
    let double: Handle
    let sum: Handle
    let max: Handle

    let initThread: @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?, Int32, UnsafeMutablePointer<Int32>) -> Int32
    let finalize: @convention(c) () -> Int32
    let commRank: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    let commSize: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    let allreduce: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
    let iallreduce: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle, UnsafeMutablePointer<Handle?>) -> Int32
    let ibcast: @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle, UnsafeMutablePointer<Handle?>) -> Int32
    let test: @convention(c) (UnsafeMutablePointer<Handle?>, UnsafeMutablePointer<Int32>, UnsafeMutableRawPointer?) -> Int32
    let abort: @convention(c) (Handle, Int32) -> Int32

    /// MPI_IN_PLACE in Open MPI.
    static var inPlace: UnsafeRawPointer? { UnsafeRawPointer(bitPattern: 1) }
    /// MPI_THREAD_FUNNELED: only the thread that initialised MPI calls it (the training
    /// thread; the compute pool never does).
    static let threadFunneled: Int32 = 1

    /// The library's name, as `dlopen` finds it.
    static let libraryName = "libmpi.so.40"

    /// Opens Open MPI, or says in one line why it cannot.
    init() throws {
        guard let library = dlopen(Self.libraryName, RTLD_NOW | RTLD_GLOBAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "not found"
            throw SwiftCNNError(
                "this process was started by an MPI launcher, but Open MPI's \(Self.libraryName) cannot be loaded (\(why)); install Debian's openmpi-bin and libopenmpi-dev")
        }
        func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
            guard let address = dlsym(library, name) else {
                throw SwiftCNNError("\(Self.libraryName) has no symbol \(name): not Open MPI 3 or newer")
            }
            return address
        }
        func function<T>(_ name: String, as type: T.Type) throws -> T { unsafeBitCast(try symbol(name), to: type) }
        world = try symbol("ompi_mpi_comm_world")
        float = try symbol("ompi_mpi_float")
        double = try symbol("ompi_mpi_double")
        sum = try symbol("ompi_mpi_op_sum")
        max = try symbol("ompi_mpi_op_max")
        initThread = try function("MPI_Init_thread", as: type(of: initThread))
        finalize = try function("MPI_Finalize", as: type(of: finalize))
        commRank = try function("MPI_Comm_rank", as: type(of: commRank))
        commSize = try function("MPI_Comm_size", as: type(of: commSize))
        allreduce = try function("MPI_Allreduce", as: type(of: allreduce))
        iallreduce = try function("MPI_Iallreduce", as: type(of: iallreduce))
        ibcast = try function("MPI_Ibcast", as: type(of: ibcast))
        test = try function("MPI_Test", as: type(of: test))
        abort = try function("MPI_Abort", as: type(of: abort))
    }

    /// Whether an MPI launcher started this process as one of several: Open MPI's
    /// `mpirun` sets OMPI_COMM_WORLD_SIZE, PMIx launchers PMIX_RANK with a size.
    static var launchedWithSeveralRanks: Bool {
        let environment = ProcessInfo.processInfo.environment
        for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
            if let text = environment[key], let size = Int(text), size > 1 { return true }
        }
        return false
    }

    /// Whether every rank of this job runs on this machine (Open MPI says how many do).
    static var allRanksOnThisMachine: Bool {
        let environment = ProcessInfo.processInfo.environment
        guard let local = localRanks, let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap({ Int($0) }) else { return false }
        return local == size
    }

    /// How many ranks of this job run on this machine (to share its cores), or nil.
    static var localRanks: Int? {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) }.flatMap {
            $0 > 0 ? $0 : nil
        }
    }
}
