import SwiftCNN
import Testing

/// The op layer as a user outside the module sees it (plain `import SwiftCNN`, no
/// `@testable`): a custom training loop written by hand with `GradientTape`, `Parameter`,
/// the arithmetic ops and plain SGD.
@Suite struct OpsExternalUseTests {
    @Test func fitsALineWithAHandWrittenLoop() throws {
        // y = 3x + 1 on eight points of [-1, 1].
        let xs: [Float] = (0..<8).map { Float($0) / 3.5 - 1 }
        let x = try Tensor(shape: [8, 1], scalars: xs)
        let y = try Tensor(shape: [8, 1], scalars: xs.map { 3 * $0 + 1 })
        let w = Parameter(name: "w", value: Tensor(shape: [1], repeating: 0))
        let b = Parameter(name: "b", value: Tensor(shape: [1], repeating: 0))

        var losses: [Float] = []
        for _ in 0..<300 {
            let tape = GradientTape()
            let loss = try tape.record {
                let pred = try x * w + b
                return try mean(square(pred - y))
            }
            losses.append(loss.scalar)
            let grads = try tape.gradient(loss, [w, b])
            guard grads.count == 2, let gw = grads[0], let gb = grads[1] else {
                Issue.record("missing gradients: \(grads)")
                return
            }
            #expect(gw.shape == [1] && gb.shape == [1], "gradient shapes \(gw.shape) \(gb.shape)")
            w.value = try w.value - gw * 0.1
            b.value = try b.value - gb * 0.1
        }
        #expect(losses[0] > 1, "initial loss \(losses[0])")
        #expect(losses.last! < 1e-5, "final loss \(losses.last!)")
        #expect(abs(w.value.scalar - 3) < 1e-2, "w = \(w.value.scalar)")
        #expect(abs(b.value.scalar - 1) < 1e-2, "b = \(b.value.scalar)")
        // Plain gradient descent on a convex quadratic: the loss never goes up.
        for (before, after) in zip(losses, losses.dropFirst()) where after > before * (1 + 1e-4) + 1e-7 {
            Issue.record("loss went up: \(before) → \(after)")
            break
        }
    }

    @Test func firstStepMatchesTheClosedFormGradient() throws {
        // L = mean((w·x + b − y)²): dL/dw = 2·mean((w·x + b − y)·x), dL/db = 2·mean(w·x + b − y).
        let xs: [Float] = [-1, 0.5, 2]
        let ys: [Float] = [1, 2, -1]
        let x = try Tensor(shape: [3], scalars: xs), y = try Tensor(shape: [3], scalars: ys)
        let w = Parameter(name: "w", value: try Tensor(shape: [], scalars: [0.5]))
        let b = Parameter(name: "b", value: try Tensor(shape: [], scalars: [-0.25]))
        let tape = GradientTape()
        let loss = try tape.record { try mean(square(x * w + b - y)) }
        let grads = try tape.gradient(loss, [w, b])
        let residuals = zip(xs, ys).map { 0.5 * $0 - 0.25 - $1 }
        let dw = 2 * zip(residuals, xs).map { $0 * $1 }.reduce(0, +) / 3
        let db = 2 * residuals.reduce(0, +) / 3
        let l = residuals.map { $0 * $0 }.reduce(0, +) / 3
        #expect(abs(loss.scalar - l) < 1e-5, "loss \(loss.scalar) vs \(l)")
        #expect(grads[0].map { abs($0.scalar - dw) < 1e-5 } == true, "dw \(String(describing: grads[0])) vs \(dw)")
        #expect(grads[1].map { abs($0.scalar - db) < 1e-5 } == true, "db \(String(describing: grads[1])) vs \(db)")
        #expect(grads[0]?.shape == [] && grads[1]?.shape == [], "scalar parameters get scalar gradients")
    }

    @Test func unconnectedGradientsAreNil() throws {
        let used = Parameter(name: "used", value: try Tensor(shape: [2], scalars: [1, 2]))
        let unused = Parameter(name: "unused", value: try Tensor(shape: [2], scalars: [3, 4]))
        let tape = GradientTape()
        let loss = try tape.record { try sum(used * used, axes: nil, keepDims: false) }
        let grads = try tape.gradient(loss, [used, unused])
        #expect(grads.count == 2)
        #expect(grads.first??.scalars == [2, 4], "d(Σ used²)/d used = 2·used: \(String(describing: grads.first))")
        #expect(grads.count == 2 && grads[1] == nil, "an unconnected parameter's gradient is nil")
    }

    @Test func watchedTensors() throws {
        let plain = try Tensor(shape: [2, 2], scalars: [1, -2, 3, 0.5])
        let other = try Tensor(shape: [2, 2], scalars: [1, 1, 1, 1])
        let tape = GradientTape()
        var x = plain, z = other
        let y = try tape.record { () throws -> Tensor in
            x = tape.watch(plain)
            z = tape.watch(other)
            return try sum(exp(x) * 2, axes: nil, keepDims: false)
        }
        let grads = try tape.gradient(y, [x, z])
        // 2·e^x for x = 1, −2, 3, 0.5 (this file imports only SwiftCNN and Testing)
        let expected: [Float] = [2 * 2.7182817, 2 * 0.13533528, 2 * 20.085537, 2 * 1.6487213]
        #expect(grads.count == 2)
        if let g = grads.first ?? nil {
            #expect(zip(g.scalars, expected).allSatisfy { abs($0 - $1) <= 1e-5 * (1 + abs($1)) }, "\(g.scalars) vs \(expected)")
        } else {
            Issue.record("no gradient for the watched tensor")
        }
        #expect(grads.count == 2 && grads[1] == nil, "a watched tensor the result does not read has no gradient")
    }

    @Test func parametersMixWithTensorsAndFloats() throws {
        let gamma = Parameter(name: "gamma", value: try Tensor(shape: [3], scalars: [1, 2, 3]))
        let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let tape = GradientTape()
        let loss = try tape.record { try sum(1 - x * gamma / 2, axes: nil, keepDims: false) }
        // Σ (1 − x·γ/2) = 6 − (1 + 4 + 9 + 4 + 10 + 18)/2 = 6 − 23 = −17
        #expect(abs(loss.scalar + 17) < 1e-5, "loss \(loss.scalar)")
        let grads = try tape.gradient(loss, [gamma])
        // d/dγ_j = −Σ_i x_ij / 2 = −[5, 7, 9]/2
        #expect(grads.first??.scalars == [-2.5, -3.5, -4.5], "\(String(describing: grads.first))")
    }

    @Test func aSecondGradientCallThrows() throws {
        let w = Parameter(name: "w", value: try Tensor(shape: [1], scalars: [2]))
        let tape = GradientTape()
        let loss = try tape.record { try sum(square(w), axes: nil, keepDims: false) }
        _ = try tape.gradient(loss, [w])
        #expect(throws: (any Error).self, "a non-persistent tape serves one gradient call") {
            _ = try tape.gradient(loss, [w])
        }
    }
}
