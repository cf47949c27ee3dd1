import Testing

@testable import SwiftCNN

@Suite struct ZooAnalysisTests {
    /// Course §5.2: two stacked 3×3 stride-1 convolutions see as far as one 5×5.
    @Test func twoThreeByThreeConvsSeeFiveByFive() throws {
        let model = Sequential {
            Conv2D(2, kernelSize: 3, padding: .same)
            Conv2D(2, kernelSize: 3, padding: .same)
        }
        try model.build(inputShape: [8, 8, 1])
        let rows = try model.analysis()
        #expect(rows.map(\.receptiveField) == [Size2D(3), Size2D(5)])
        #expect(rows.map(\.jump) == [Size2D(1), Size2D(1)])
        #expect(rows.map(\.path) == ["0", "1"])
        // 2 × (8·8·2 outputs × 3·3·C_in)
        #expect(rows.map(\.flops) == [2 * 128 * 9 * 1, 2 * 128 * 9 * 2])
    }

    @Test func stridesAndPoolingMultiplyTheJump() throws {
        let model = Sequential {
            Conv2D(1, kernelSize: 3, strides: 2)
            MaxPool2D(poolSize: 2, strides: 2)
            Conv2D(1, kernelSize: 3, padding: .same)
            Flatten()
        }
        try model.build(inputShape: [17, 17, 1])
        let rows = try model.analysis()
        // 3; 3 + 1·2 = 5 (jump 4); 5 + 2·4 = 13; Flatten sees everything.
        #expect(rows.map(\.receptiveField) == [Size2D(3), Size2D(5), Size2D(13), nil])
        #expect(rows.map(\.jump) == [Size2D(2), Size2D(4), Size2D(4), nil])
    }

    @Test func baselineFLOPsAndDetails() throws {
        let model = Baseline()
        try model.build(inputShape: [32, 32, 3])
        let rows = try model.analysis()
        #expect(rows.map(\.path) == ["c1", "b1", "a1", "p1", "d1", "flatten", "f1", "d2", "f2"])
        #expect(rows[0].receptiveField == Size2D(5))
        #expect(rows[3].receptiveField == Size2D(6))
        #expect(rows[3].jump == Size2D(2))
        let conv = 2 * 32 * 32 * 6 * (5 * 5 * 3)
        let dense = 2 * 1536 * 128 + 2 * 128 * 10
        #expect(try model.flopsPerImage() == conv + dense)
        let text = try model.detailedSummary()
        #expect(text.contains("Total params: 198506"))
        #expect(text.contains("Total FLOPs per image: 1,317,376"))
    }

    /// Inception's branches are followed separately: the 1×1 → 5×5 branch sets the field.
    @Test func inceptionBranchesTakeTheWidestField() throws {
        let model = Inception10()
        try model.build(inputShape: [32, 32, 3])
        let rows = try model.analysis()
        let stem = try #require(rows.first { $0.path == "c1/model/0" })
        #expect(stem.receptiveField == Size2D(3))
        let onlyOneByOne = try #require(rows.first { $0.path == "blocks/0/c1/model/0" })
        #expect(onlyOneByOne.receptiveField == Size2D(3))
        #expect(onlyOneByOne.jump == Size2D(2))
        let fiveByFive = try #require(rows.first { $0.path == "blocks/0/c3_2/model/0" })
        #expect(fiveByFive.receptiveField == Size2D(3 + 4 * 2))
        // The next block starts from the widest branch (11), with jump 2.
        let next = try #require(rows.first { $0.path == "blocks/1/c2_2/model/0" })
        #expect(next.receptiveField == Size2D(11 + 2 * 2))
        #expect(try model.weightedDepth() == 10)
        #expect(rows.filter { $0.typeName == "Conv2D" }.count == 1 + 4 * 6)
    }

    @Test func modelsTableIsComputed() throws {
        let statistics = try ModelZoo.statistics(only: ["baseline", "lenet5"])
        #expect(statistics.map(\.parameters) == [198_506, 62_006])
        #expect(statistics.map(\.depth) == [3, 5])
        // LeNet5: 2·28·28·6·75 + 2·10·10·16·150 + 2·(400·120 + 120·84 + 84·10)
        #expect(statistics[1].flops == 2 * 28 * 28 * 6 * 75 + 2 * 10 * 10 * 16 * 150 + 2 * (400 * 120 + 120 * 84 + 84 * 10))
        let table = ModelZoo.table(statistics)
        #expect(table.contains("LeNet5"))
        #expect(table.contains("1998"))
        #expect(table.contains("62,006"))
    }
}
