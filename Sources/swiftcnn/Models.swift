import ArgumentParser
import SwiftCNN

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The course's six networks (§5.16): year, depth, parameters, FLOPs, idea.")

    func run() throws {
        print(ModelZoo.table(try ModelZoo.statistics()))
    }
}
