import Foundation
import Testing

@testable import SwiftCNN

/// The C sigmoid and tanh (a polynomial exp) against libm over a wide range, extremes included.
@Suite struct ActivationAccuracyTests {
    @Test func sigmoidAndTanhMatchLibm() throws {
        let values = stride(from: -120.0 as Float, through: 120, by: 0.37).map { $0 } + [0, -0, 1e-8, -1e-8, 88.5, -88.5]
        let x = try Tensor(shape: [values.count], scalars: values)
        let sigmoid = ActivationFunction.sigmoid.apply(x).scalars
        let tanh = ActivationFunction.tanh.apply(x).scalars
        for (i, v) in values.enumerated() {
            #expect(abs(sigmoid[i] - 1 / (1 + expf(-v))) <= 2e-7, "sigmoid(\(v))")
            #expect(abs(tanh[i] - tanhf(v)) <= 3e-7, "tanh(\(v))")
            #expect(sigmoid[i].isFinite && tanh[i].isFinite)
        }
    }
}
