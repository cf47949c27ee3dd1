import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The MPI job a training process belongs to: its rank, the number of ranks, and the
/// collectives `fit` uses to train data-parallel (gradients averaged at every step, as
/// PyTorch's DistributedDataParallel and Horovod do).
///
/// There is nothing to call: a process started by `mpirun` (Open MPI) with more than one
/// rank joins the job the first time it trains, and ``Model/fit(x:y:batchSize:epochs:validationData:validationFreq:shuffle:initialEpoch:callbacks:verbose:augmentation:)``
/// then splits every global batch across the ranks. A process started any other way
/// never loads MPI.
///
/// Every collective waits at most ``timeout`` seconds. A rank that died or hangs thus
/// makes the others stop with one line and `MPI_Abort` instead of waiting forever.
public final class DataParallel: @unchecked Sendable {
    /// This process's rank, from 0.
    public let rank: Int
    /// How many processes train together.
    public let size: Int
    /// Seconds any collective may wait for the other ranks (`SWIFTCNN_MPI_TIMEOUT`,
    /// default 120).
    public let timeout: Double
    /// Whether gradients are summed with the blocking, tuned `MPI_Allreduce` as each bucket
    /// fills (`SWIFTCNN_ALLREDUCE=blocking`) rather than with `MPI_Iallreduce` driven while
    /// backward continues (`overlapped`). The default is blocking when every rank runs on
    /// this machine: their all-reduce is memory copies by the same cores that run backward,
    /// so nothing hides behind it, and Open MPI's blocking algorithms took a half to a
    /// sixth of the time of its non-blocking ones here (800 KB 0.14 against 0.25 ms,
    /// 44 MB 9 against 20–60 ms, 2-core Zen 4). Across machines the network's time hides.
    public let blockingGradientSums: Bool
    let mpi: OpenMPI
    /// When the blocking collective in progress must have ended (uptime nanoseconds; 0
    /// when none runs), and what it is: a blocking MPI call cannot time out, so a watchdog
    /// thread enforces ``timeout`` for it.
    private let blockingDeadline = Atomic<UInt64>(0)
    private let blockingWhat = Mutex("")
    private let watchdogStarted = Atomic<Bool>(false)

    /// Whether this rank writes files (checkpoints, curves) and prints progress: rank 0.
    public var isPrimary: Bool { rank == 0 }

    private init(mpi: OpenMPI) throws {
        self.mpi = mpi
        var provided: Int32 = 0
        try Self.check(mpi.initThread(nil, nil, OpenMPI.threadFunneled, &provided), "MPI_Init_thread")
        var rank: Int32 = 0
        var size: Int32 = 0
        try Self.check(mpi.commRank(mpi.world, &rank), "MPI_Comm_rank")
        try Self.check(mpi.commSize(mpi.world, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
        let configured = ProcessInfo.processInfo.environment["SWIFTCNN_MPI_TIMEOUT"].flatMap(Double.init)
        timeout = configured.flatMap { $0 > 0 ? $0 : nil } ?? 120
        switch ProcessInfo.processInfo.environment["SWIFTCNN_ALLREDUCE"] {
        case "blocking": blockingGradientSums = true
        case "overlapped": blockingGradientSums = false
        case nil, "": blockingGradientSums = OpenMPI.allRanksOnThisMachine
        case let other?:
            throw SwiftCNNError("SWIFTCNN_ALLREDUCE must be blocking or overlapped, got \(other)")
        }
        atexit { DataParallel.finalizeAtExit() }
    }

    /// The job this process belongs to, or nil when it was not launched as one of several
    /// MPI ranks. MPI is initialised on the first call.
    public static func current() throws -> DataParallel? { try shared.get() }

    private static let shared: Result<DataParallel?, SwiftCNNError> = {
        guard OpenMPI.launchedWithSeveralRanks else { return .success(nil) }
        do {
            return .success(try DataParallel(mpi: OpenMPI()))
        } catch let error as SwiftCNNError {
            return .failure(error)
        } catch {
            return .failure(SwiftCNNError("MPI: \(error)"))
        }
    }()

    private static func finalizeAtExit() {
        if case .success(let job?) = shared { _ = job.mpi.finalize() }
    }

    private static func check(_ code: Int32, _ call: String) throws {
        guard code == 0 else { throw SwiftCNNError("MPI: \(call) failed with error code \(code)") }
    }

    // MARK: Collectives

    /// An all-reduce or broadcast in flight.
    struct Request {
        var handle: OpenMPI.Handle?
        let what: String
    }

    /// Starts summing `count` floats at `buffer` over all ranks, in place.
    func startSum(_ buffer: UnsafeMutablePointer<Float>, count: Int, what: String) throws -> Request {
        var request = Request(handle: nil, what: what)
        try Self.check(
            mpi.iallreduce(OpenMPI.inPlace, buffer, Int32(count), mpi.float, mpi.sum, mpi.world, &request.handle),
            "MPI_Iallreduce (\(what))")
        return request
    }

    /// Whether `request` has completed; lets MPI make progress on it.
    func poll(_ request: inout Request) throws -> Bool {
        guard request.handle != nil else { return true }
        var done: Int32 = 0
        try Self.check(mpi.test(&request.handle, &done, nil), "MPI_Test (\(request.what))")
        return done != 0
    }

    /// Waits for `request`, at most ``timeout`` seconds; past that, this rank reports the
    /// stall and aborts the job.
    func wait(_ request: inout Request) throws {
        // Open MPI moves a non-blocking collective only inside MPI calls, so the wait
        // polls without sleeping for its first 20 ms (each sleep would add its latency to
        // every step), then checks 1,000 times a second until the deadline.
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(timeout * 1e9)
        var spins = 0
        while try !poll(&request) {
            spins += 1
            guard spins % 256 == 0 else { continue }
            let now = DispatchTime.now().uptimeNanoseconds
            if now > deadline { abortJob(stalledIn: request.what) }
            if now - start > 20_000_000 { usleep(1_000) }
        }
    }

    /// Floats a blocking gradient sum passes to `MPI_Allreduce` at once (4 MB): 44 MB in
    /// one call ran 3× slower than in these pieces here, its buffers far outside the cache.
    static let blockingPiece = 1 << 20

    /// Sums `count` floats at `buffer` over all ranks with the blocking `MPI_Allreduce`,
    /// in pieces of ``blockingPiece``, within ``timeout``.
    func sumBlocking(_ buffer: UnsafeMutablePointer<Float>, count: Int, what: String) throws {
        startWatchdog()
        blockingWhat.withLock { $0 = what }
        blockingDeadline.store(DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9), ordering: .releasing)
        defer { blockingDeadline.store(0, ordering: .releasing) }
        var offset = 0
        while offset < count {
            let piece = min(Self.blockingPiece, count - offset)
            try Self.check(
                mpi.allreduce(OpenMPI.inPlace, buffer + offset, Int32(piece), mpi.float, mpi.sum, mpi.world),
                "MPI_Allreduce (\(what))")
            offset += piece
        }
    }

    /// The thread that stops the job when a blocking collective outlives its deadline
    /// (a rank died or hangs). It wakes four times a second and calls nothing else.
    private func startWatchdog() {
        guard !watchdogStarted.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            while true {
                usleep(250_000)
                let deadline = blockingDeadline.load(ordering: .acquiring)
                if deadline != 0, DispatchTime.now().uptimeNanoseconds > deadline {
                    abortJob(stalledIn: blockingWhat.withLock { $0 })
                }
            }
        }
        thread.name = "SwiftCNN MPI watchdog"
        thread.start()
    }

    /// Sums `values` over all ranks, in place.
    func sum(_ values: inout [Double], what: String) throws {
        guard !values.isEmpty else { return }
        try values.withUnsafeMutableBufferPointer { buffer in
            var request = Request(handle: nil, what: what)
            try Self.check(
                mpi.iallreduce(
                    OpenMPI.inPlace, buffer.baseAddress, Int32(buffer.count), mpi.double, mpi.sum, mpi.world,
                    &request.handle),
                "MPI_Iallreduce (\(what))")
            try wait(&request)
        }
    }

    /// Sums `count` floats at `buffer` over all ranks and waits.
    func sum(_ buffer: UnsafeMutablePointer<Float>, count: Int, what: String) throws {
        var request = try startSum(buffer, count: count, what: what)
        try wait(&request)
    }

    /// Returns once every rank has called it (a barrier with the timeout).
    func synchronize(what: String) throws {
        var token = [0.0]
        try sum(&token, what: what)
    }

    /// Rank 0's `count` floats at `buffer`, on every rank.
    func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, what: String) throws {
        var request = Request(handle: nil, what: what)
        try Self.check(
            mpi.ibcast(buffer, Int32(count), mpi.float, 0, mpi.world, &request.handle), "MPI_Ibcast (\(what))")
        try wait(&request)
    }

    /// Rank 0's values of `parameters` on every rank (the initial weights).
    func broadcast(_ parameters: [Parameter]) throws {
        for parameter in parameters {
            var value = parameter.value.detached
            try value.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                try broadcast(base, count: buffer.count, what: "the initial value of \(parameter.name)")
            }
            parameter.value = value
        }
    }

    /// The mean of `parameters` over the ranks (batch norm's moving statistics, which
    /// each rank updates from its own samples).
    func average(_ parameters: [Parameter]) throws {
        let scale = 1 / Float(size)
        for parameter in parameters {
            var value = parameter.value.detached
            try value.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                try sum(base, count: buffer.count, what: "the moving statistics of \(parameter.name)")
                for i in buffer.indices { buffer[i] *= scale }
            }
            parameter.value = value
        }
    }

    /// Stops every rank: this one says why, in one line, and MPI kills the others.
    func abortJob(stalledIn what: String) -> Never {
        FileHandle.standardError.write(
            Data(
                "Error: rank \(rank) of \(size): no answer from the other ranks for \(Int(timeout)) s while waiting for \(what) (a rank died or hangs); stopping the job\n"
                    .utf8))
        _ = mpi.abort(mpi.world, 1)
        exit(1)
    }

    /// Stops every rank after this one failed with `message` (already printed), so the
    /// others do not wait for it until the timeout.
    public func abort(exitCode: Int32) -> Never {
        _ = mpi.abort(mpi.world, exitCode)
        exit(exitCode)
    }

    /// This rank's part of `count` samples: a contiguous range, the first `count % size`
    /// ranks' one longer (how `fit` splits each global batch).
    public func share(of count: Int) -> Range<Int> { Self.share(of: count, rank: rank, size: size) }

    /// Rank `rank`'s part of `count` samples split over `size` ranks.
    static func share(of count: Int, rank: Int, size: Int) -> Range<Int> {
        let base = count / size
        let extra = count % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }
}
