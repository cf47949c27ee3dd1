// Where Keras 3 puts each variable in a `.weights.h5` (keras/src/saving/saving_lib.py,
// `_save_state`), found by writing the course's models with Keras 3.15 and reading the
// files back with h5py:
//
// - Every layer and model, visited once, gets a group `<path>/vars` with the attribute
//   `name` (the layer's name) holding its own variables as datasets "0", "1", …:
//   trainable ones first, in creation order (Conv2D/Dense: kernel, bias;
//   BatchNormalization: gamma, beta, moving_mean, moving_variance). The root's is `vars`.
// - A Sequential's children come first, as the list `layers`. A subclassed model's
//   attributes come in sorted order (names starting with "_" last), and `layers` (the
//   model's layers, lists flattened, in assignment order) is one of them: a layer held by
//   an attribute that sorts after "layers" (`p1`, `model`) is reached through that list
//   first. A plain layer with sublayers has no `layers` attribute.
// - A list is named by its attribute; its elements by snake-cased class name, counted
//   within the list (`conv2d`, `conv2d_1`), and nested lists `container`, `container_1`.
//   Elements already visited still take their name.
// - A compiled model's optimizer is `optimizer/vars`: iterations (int64 scalar), learning
//   rate (float32 scalar), then per trainable variable, in `model.trainable_variables`
//   order, the slots in the order the optimizer describes (KerasOptimizerDescription):
//   Adam's momentum and velocity interleaved, RMSprop's velocities then momentums.

/// The Keras 3 `.weights.h5` layout of a SwiftCNN model.
struct Keras3Layout {
    /// One layer's (or model's) `vars` group.
    struct Entry {
        /// The group holding `vars` ("" for the root).
        var path: String
        var name: String
        /// Its variables in Keras's order, with their SwiftCNN paths.
        var variables: [(path: String, parameter: Parameter)]

        var varsPath: String { path.isEmpty ? "vars" : "\(path)/vars" }
    }

    /// Every layer in the order Keras visits them.
    private(set) var entries: [Entry] = []

    init(model: Layer) {
        var visited = Set<ObjectIdentifier>()
        let paths = Dictionary(
            model.namedParameters.map { (ObjectIdentifier($0.parameter), $0.path) }, uniquingKeysWith: { a, _ in a })
        func save(_ layer: Layer, at path: String) {
            guard visited.insert(ObjectIdentifier(layer)).inserted else { return }
            let own = layer.parameters.filter(\.isTrainable) + layer.parameters.filter { !$0.isTrainable }
            entries.append(
                Entry(
                    path: path, name: layer.name,
                    variables: own.map { (paths[ObjectIdentifier($0)] ?? $0.name, $0) }))
            for (attribute, item) in Self.attributes(of: layer) {
                visit(item, at: path.isEmpty ? attribute : "\(path)/\(attribute)")
            }
        }
        func visit(_ item: Item, at path: String) {
            switch item {
            case .layer(let layer): save(layer, at: path)
            case .list(let items):
                var used: [String: Int] = [:]
                for element in items {
                    let base: String
                    switch element {
                    case .layer(let layer): base = kerasSnakeCase(layer.typeName)
                    case .list: base = "container"
                    }
                    let name: String
                    if let count = used[base] {
                        used[base] = count + 1
                        name = "\(base)_\(count + 1)"
                    } else {
                        used[base] = 0
                        name = base
                    }
                    visit(element, at: "\(path)/\(name)")
                }
            }
        }
        save(model, at: "")
    }

    /// A layer, or a (Python) list of items.
    indirect enum Item {
        case layer(Layer)
        case list([Item])
    }

    /// The saveable attributes of `layer` in the order Keras walks them.
    static func attributes(of layer: Layer) -> [(String, Item)] {
        let children = layer.children
        if layer is Sequential { return [("layers", .list(children.map { .layer($0.layer) }))] }
        // Rebuild the Python attributes from the labels: "convs/0/1" is element 1 of
        // element 0 of the list `convs`.
        var order: [String] = []
        var trees: [String: ListTree] = [:]
        for (label, child) in children {
            let parts = label.split(separator: "/").map(String.init)
            guard let head = parts.first else { continue }
            if trees[head] == nil { order.append(head) }
            trees[head, default: ListTree()].insert(child, at: parts.dropFirst())
        }
        var result = order.compactMap { name in trees[name].map { (name, $0.item) } }
        if layer is Model { result.append(("layers", .list(children.map { .layer($0.layer) }))) }
        return result.sorted { pythonNameKey($0.0).utf8.lexicographicallyPrecedes(pythonNameKey($1.0).utf8) }
    }

    /// saving_lib's `_name_key`: private attributes are visited last.
    private static func pythonNameKey(_ name: String) -> String { name.hasPrefix("_") ? "~" + name : name }

    /// A label tree: a layer at the leaf, or list elements by index.
    private struct ListTree {
        var layer: Layer?
        var elements: [Int: ListTree] = [:]

        mutating func insert(_ child: Layer, at path: ArraySlice<String>) {
            guard let first = path.first, let index = Int(first) else {
                layer = child
                return
            }
            elements[index, default: ListTree()].insert(child, at: path.dropFirst())
        }

        var item: Item {
            if let layer { return .layer(layer) }
            return .list(elements.keys.sorted().compactMap { elements[$0]?.item })
        }
    }
}

extension Keras3Layout {
    /// The optimizer's variables in Keras 3's order.
    enum OptimizerVariable {
        case iterations, learningRate
        /// Slot `name` (`m`, `v`, `momentum`, `velocity`, …) of a trainable parameter.
        case slot(String, Parameter)
    }

    /// Keras 3's optimizer name and variables for `optimizer` on `model` (iterations, the
    /// learning rate unless a schedule sets it, then the slots in the order the optimizer
    /// describes), or nil for an optimizer that does not describe its Keras layout.
    static func optimizerVariables(_ optimizer: Optimizer, model: Layer) -> (name: String, variables: [OptimizerVariable])? {
        guard let description = optimizer.kerasDescription else { return nil }
        var variables: [OptimizerVariable] = [.iterations]
        if optimizer.learningRateSchedule == nil { variables.append(.learningRate) }
        for item in KerasOptimizerDescription.order(description.keras3Slots, model.trainableWeights) {
            variables.append(.slot(item.slot, item.parameter))
        }
        return (description.keras3Name, variables)
    }
}
