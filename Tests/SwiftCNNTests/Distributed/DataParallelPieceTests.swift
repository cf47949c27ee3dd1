import Foundation
import Testing

@testable import SwiftCNN

/// The parts of data-parallel training that need no MPI: how a batch is split, and the
/// backward pass telling when each parameter's gradient is final (what starts a bucket's
/// all-reduce). Tools/mpi/check.sh runs the whole of it under mpirun.
@Suite struct DataParallelPieceTests {
    @Test(arguments: [(32, 2), (33, 2), (7, 3), (1, 2), (0, 4), (1563, 8)])
    func ranksSplitABatchIntoContiguousParts(count: Int, size: Int) {
        let parts = (0..<size).map { DataParallel.share(of: count, rank: $0, size: size) }
        #expect(parts.first?.lowerBound == 0)
        #expect(parts.last?.upperBound == count)
        for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        #expect(parts.map(\.count).max()! - parts.map(\.count).min()! <= 1)
    }

    /// Every parameter is reported once, when its gradient already has its final value,
    /// and the last layer's parameters come first (the order buckets fill in).
    @Test func backwardReportsEachGradientOnceWhenFinal() throws {
        let model = Sequential {
            Conv2D(3, kernelSize: 3, padding: .same, activation: .relu)
            BatchNormalization()
            Flatten()
            Dense(4, activation: .relu)
            Dense(2, activation: .softmax)
        }
        try model.build(inputShape: [4, 4, 2])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        let x = try Tensor(shape: [3, 4, 4, 2], scalars: (0..<96).map { Float($0 % 7) / 7 - 0.4 })
        let y = try Tensor(shape: [3], scalars: [0, 1, 1])
        let parameters = model.trainingParameters
        let loss = try #require(model.loss)
        let value = try GradientTape.recording { try loss(y, try model(x, training: true)) }
        for parameter in parameters { parameter.zeroGradient() }
        var reported: [(Parameter, [Float])] = []
        try value.backward(seed: nil, onParameterReady: { reported.append(($0, $0.gradient?.scalars ?? [])) })
        #expect(reported.count == parameters.count)
        #expect(Set(reported.map { ObjectIdentifier($0.0) }) == Set(parameters.map { ObjectIdentifier($0) }))
        for (parameter, atReport) in reported {
            #expect(atReport == parameter.gradient?.scalars, "\(parameter.name) changed after it was reported")
        }
        // The output layer's kernel and bias come before the first convolution's.
        let order = reported.map { r in parameters.firstIndex { $0 === r.0 }! }
        #expect(order.first! > order.last!)
    }
}
