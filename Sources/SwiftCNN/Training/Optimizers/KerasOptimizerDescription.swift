/// How an optimizer appears in Keras's files: its slot variables in the order the
/// checkpoint formats list them (tf-keras's TensorFlow checkpoints and Keras 3's
/// `.weights.h5`), and its class and hyperparameters for a `.keras` file's `compile_config`.
public struct KerasOptimizerDescription: Sendable, Equatable {
    /// One kind of slot variable, one per trainable variable.
    public struct Slot: Sendable, Equatable {
        /// The optimizer's own name for it, as ``Optimizer/slots(for:)`` keys it (`m`, `momentum`).
        public var name: String
        /// The tf-keras attribute that lists these slots (`_momentums`): an edge from the
        /// optimizer in a TensorFlow checkpoint's object graph.
        public var tfKerasList: String
        /// tf-keras's variable name for it (`m` in the full name `Adam/m/dense/kernel`).
        public var tfKerasName: String

        /// A slot `name` listed by `tfKerasList`, named `tfKerasName` (default: `name`) by tf-keras.
        public init(_ name: String, tfKerasList: String, tfKerasName: String? = nil) {
            self.name = name
            self.tfKerasList = tfKerasList
            self.tfKerasName = tfKerasName ?? name
        }
    }

    /// A hyperparameter's value in a Keras config.
    public enum Value: Sendable, Equatable {
        case number(Float)
        case integer(Int)
        case flag(Bool)
        case text(String)
        /// Python's `None`.
        case none
    }

    /// Keras's class name (`Adam`, `RMSprop`).
    public var className: String
    /// Keras 3's slot variables (`optimizer/vars/<i>` after `iterations` and, unless it
    /// follows a schedule, the learning rate), by slot name: each group is created in one
    /// pass over the trainable variables, its slots interleaved per variable (Adam's
    /// m₀ v₀ m₁ v₁ …), and the groups follow one another (RMSprop's velocities, then its
    /// momentums).
    public var keras3Slots: [[String]]
    /// tf-keras's slot variables (its `_variables` after `iterations`), grouped the same way;
    /// they may differ from Keras 3's (tf-keras's SGD keeps momentums even without momentum).
    public var tfKerasSlots: [[Slot]]
    /// Keras's config arguments besides `name` and `learning_rate` (`beta_1`, `momentum`, …).
    public var hyperparameters: [String: Value]

    /// An optimizer `className` with these slots and hyperparameters.
    public init(className: String, keras3Slots: [[String]], tfKerasSlots: [[Slot]], hyperparameters: [String: Value]) {
        self.className = className
        self.keras3Slots = keras3Slots
        self.tfKerasSlots = tfKerasSlots
        self.hyperparameters = hyperparameters
    }

    /// Keras 3's default optimizer name, its class name snake-cased as `auto_name` does
    /// (`adam`, `sgd`, `rm_sprop`, `adam_w`): the `name` of its `optimizer/vars` group and
    /// of its `compile_config`.
    public var keras3Name: String {
        // to_snake_case: "(.)([A-Z][a-z]+)" → "\1_\2", then "([a-z])([A-Z])" → "\1_\2", lower-cased.
        let characters = Array(className)
        var first: [Character] = []
        for (i, c) in characters.enumerated() {
            if i > 0, c.isUppercase, i + 1 < characters.count, characters[i + 1].isLowercase { first.append("_") }
            first.append(c)
        }
        var result = ""
        for (i, c) in first.enumerated() {
            if i > 0, c.isUppercase, first[i - 1].isLowercase { result.append("_") }
            result.append(c)
        }
        return result.lowercased()
    }

    /// Every slot variable in file order for `parameters` (the model's trainable weights):
    /// each group's slots per parameter, group after group.
    static func order<S>(_ groups: [[S]], _ parameters: [Parameter]) -> [(slot: S, index: Int, parameter: Parameter)] {
        var order: [(slot: S, index: Int, parameter: Parameter)] = []
        for group in groups {
            for (index, parameter) in parameters.enumerated() {
                for slot in group { order.append((slot, index, parameter)) }
            }
        }
        return order
    }
}
