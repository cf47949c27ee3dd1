import Foundation
import SwiftProtobuf

// How tf.keras 2 (tf-keras 2.21 with TF_USE_LEGACY_KERAS=1, TF 2.21) stores a
// model in a TF-format checkpoint (`model.save_weights("x.ckpt")`), found by
// writing the course's models with TensorFlow and reading the files back:
//
// - The bundle holds one DT_STRING scalar "_CHECKPOINTABLE_OBJECT_GRAPH", a
//   serialized TrackableObjectGraph. Node 0 is the model; each node lists
//   named edges (`children`) to other nodes; a variable is a node with one
//   attribute {name "VARIABLE_VALUE", full_name "baseline/conv2d/kernel",
//   checkpoint_key}. Every node carries has_checkpoint_values.
// - Edge names: a subclassed model's attributes by Python name (`c1`, `b1`,
//   `f1`, also weightless layers `a1`, `p1`, `flatten`); a Python list is a
//   node whose edges are "0", "1", ... (VGG16's `convs` of lists gives
//   `convs/0/0`); a Sequential has, per layer n, `layer_with_weights-k` (the
//   k-th layer owning variables, only for those) followed by `layer-n`, both
//   to the same node; a layer's variables by their names in creation order
//   (Conv2D/Dense: kernel, bias; BatchNormalization: gamma, beta,
//   moving_mean, moving_variance, plus an empty `axis` list node).
// - A variable's bundle key is the first path breadth-first from the root
//   (edges in order), each edge name escaped ("." -> "..", "/" -> ".S"),
//   joined by "/", plus "/.ATTRIBUTES/VARIABLE_VALUE":
//     c1/kernel/.ATTRIBUTES/VARIABLE_VALUE
//     blocks/layer_with_weights-0/c1/kernel/.ATTRIBUTES/VARIABLE_VALUE
//     blocks/layer_with_weights-0/c1/model/layer_with_weights-1/gamma/...
// - Tensors are written to the data file in that breadth-first order, the
//   object graph last.
// - A compiled, trained model adds an `optimizer` edge (tf-keras 2.21's
//   optimizer: `_variables` [iterations, slots...], `_iterations`,
//   `_learning_rate` (float32 scalar), an empty `_index_dict`, and the slot
//   lists `_momentums`/`_velocities` for Adam or `momentums` for SGD; keys
//   `optimizer/_iterations/...`, `optimizer/_variables/N/...`) and empty
//   `train_function` nodes; a root self-edge named "root" also appears.
//   tf.train.Checkpoint adds `save_counter`.
//
// `model.load_weights` matches by walking edges from the root, so a graph
// holding just the model's layers and variables (what `write` below emits:
// no optimizer, no `axis` or self edges) restores every variable; the keys
// and data order equal TensorFlow's. Reading follows the same edges, so it
// also accepts TF-written checkpoints that carry optimizer state.

/// The graph of a model as Keras would checkpoint it.
struct KerasObjectGraph {
    /// A variable: the SwiftCNN parameter and its checkpoint key.
    struct Variable {
        var path: String
        var parameter: Parameter
        var key: String
        var node: Int
    }

    /// One of the optimizer's variables.
    struct OptimizerVariable {
        enum Kind {
            case iterations, learningRate
            /// A slot (`m`, `v`, `momentum`) of a trainable parameter.
            case slot(String, Parameter)
        }
        var kind: Kind
        var key: String
        var node: Int
    }

    var proto = Tensorflow_TrackableObjectGraph()
    /// The model's variables in breadth-first order.
    var variables: [Variable] = []
    /// The optimizer's variables, if the graph includes them.
    var optimizerVariables: [OptimizerVariable] = []
    /// Every variable node in breadth-first order (TensorFlow's data order).
    var dataOrder: [Int] = []

    static let graphKey = "_CHECKPOINTABLE_OBJECT_GRAPH"
    static let attributeName = "VARIABLE_VALUE"

    /// Builds the graph for `model` (which must be built), and for the
    /// state of `optimizer` (Adam or SGD) if given.
    init(model: Layer, optimizer: Optimizer? = nil) {
        var nodes: [Tensorflow_TrackableObjectGraph.TrackableObject] = [.init()]
        var parameterOfNode: [Int: (path: String, parameter: Parameter)] = [:]
        var layerNodes: [ObjectIdentifier: Int] = [:]
        var parameterNodes: [ObjectIdentifier: Int] = [:]

        func newNode() -> Int {
            nodes.append(.init())
            return nodes.count - 1
        }
        func addEdge(_ from: Int, _ name: String, _ to: Int) {
            var reference = Tensorflow_TrackableObjectGraph.TrackableObject.ObjectReference()
            reference.nodeID = Int32(to)
            reference.localName = name
            nodes[from].children.append(reference)
        }
        func visit(_ layer: Layer, node: Int, path: String) {
            for parameter in layer.parameters {
                let id = ObjectIdentifier(parameter)
                let target = parameterNodes[id] ?? newNode()
                if parameterNodes[id] == nil {
                    parameterNodes[id] = target
                    parameterOfNode[target] = (path + parameter.name, parameter)
                }
                addEdge(node, parameter.name, target)
            }
            var listNodes: [String: Int] = [:]
            var withWeights = 0
            for (n, (label, child)) in layer.children.enumerated() {
                let id = ObjectIdentifier(child)
                let isNew = layerNodes[id] == nil
                let target = layerNodes[id] ?? newNode()
                layerNodes[id] = target
                if layer is Sequential {
                    if !child.namedParameters.isEmpty {
                        addEdge(node, "layer_with_weights-\(withWeights)", target)
                        withWeights += 1
                    }
                    addEdge(node, "layer-\(n)", target)
                } else {
                    // "convs/0/1": list nodes "convs" and "convs/0", then the edge "1".
                    let parts = label.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                    var parent = node
                    for depth in 0..<(parts.count - 1) {
                        let prefix = parts[0...depth].joined(separator: "/")
                        if let existing = listNodes[prefix] {
                            parent = existing
                        } else {
                            let list = newNode()
                            listNodes[prefix] = list
                            addEdge(parent, parts[depth], list)
                            parent = list
                        }
                    }
                    addEdge(parent, parts.last ?? label, target)
                }
                if isNew { visit(child, node: target, path: path + label + "/") }
            }
        }
        visit(model, node: 0, path: "")

        // tf-keras 2.21's optimizer: `_variables` lists iterations then the
        // slots (per trainable variable, in model.trainable_variables order:
        // Adam m0 v0 m1 v1 ..., SGD momentum0 momentum1 ...), which are also
        // reachable as `_momentums/k` and `_velocities/k` (SGD: `momentums/k`).
        var optimizerOfNode: [Int: (kind: OptimizerVariable.Kind, fullName: String)] = [:]
        let slotLists: [(edge: String, slot: String)]? =
            switch optimizer {
            case is Adam: [("_momentums", "m"), ("_velocities", "v")]
            case is SGD: [("momentums", "momentum")]
            default: nil
            }
        if let optimizer, let slotLists {
            let optimizerNode = newNode()
            addEdge(0, "optimizer", optimizerNode)
            let list = newNode()
            addEdge(optimizerNode, "_variables", list)
            let iterations = newNode()
            addEdge(optimizerNode, "_iterations", iterations)
            addEdge(list, "0", iterations)
            optimizerOfNode[iterations] = (.iterations, "iteration")
            let learningRate = newNode()
            addEdge(optimizerNode, "_learning_rate", learningRate)
            optimizerOfNode[learningRate] = (.learningRate, "learning_rate")
            addEdge(optimizerNode, "_index_dict", newNode())
            let listNodes = slotLists.map { item -> Int in
                let node = newNode()
                addEdge(optimizerNode, item.edge, node)
                return node
            }
            let names = Dictionary(
                model.kerasVariableNames.map { (ObjectIdentifier($0.parameter), $0.name) },
                uniquingKeysWith: { a, _ in a })
            var position = 1
            for (k, parameter) in model.trainableWeights.enumerated() {
                var name = names[ObjectIdentifier(parameter)] ?? parameter.name
                if name.hasSuffix(":0") { name.removeLast(2) }
                for (item, listNode) in zip(slotLists, listNodes) {
                    let slot = newNode()
                    addEdge(list, "\(position)", slot)
                    addEdge(listNode, "\(k)", slot)
                    position += 1
                    // Keras names SGD's momentum slot "m" too: SGD/m/dense/kernel.
                    let shortName = item.slot == "momentum" ? "m" : item.slot
                    optimizerOfNode[slot] = (.slot(item.slot, parameter), "\(optimizer.name)/\(shortName)/\(name)")
                }
            }
        }

        // Breadth-first from the root: the first path to each node names it.
        var keyPath: [Int: [String]] = [0: []]
        var queue = [0]
        var head = 0
        var order: [Int] = []
        while head < queue.count {
            let current = queue[head]
            head += 1
            order.append(current)
            for edge in nodes[current].children where keyPath[Int(edge.nodeID)] == nil {
                keyPath[Int(edge.nodeID)] = (keyPath[current] ?? []) + [escapeLocalName(edge.localName)]
                queue.append(Int(edge.nodeID))
            }
        }
        let kerasNames = Dictionary(
            model.kerasVariableNames.map { (ObjectIdentifier($0.parameter), $0.name) }, uniquingKeysWith: { a, _ in a })
        for node in order {
            let key = ((keyPath[node] ?? []) + [".ATTRIBUTES", Self.attributeName]).joined(separator: "/")
            var fullName: String
            if let (path, parameter) = parameterOfNode[node] {
                fullName = kerasNames[ObjectIdentifier(parameter)] ?? path
                if fullName.hasSuffix(":0") { fullName.removeLast(2) }
                variables.append(Variable(path: path, parameter: parameter, key: key, node: node))
            } else if let (kind, name) = optimizerOfNode[node] {
                fullName = name
                optimizerVariables.append(OptimizerVariable(kind: kind, key: key, node: node))
            } else {
                continue
            }
            var attribute = Tensorflow_TrackableObjectGraph.TrackableObject.SerializedTensor()
            attribute.name = Self.attributeName
            attribute.fullName = fullName
            attribute.checkpointKey = key
            nodes[node].attributes = [attribute]
            dataOrder.append(node)
        }
        // has_checkpoint_values: the node or a descendant holds a variable.
        var hasValues = [Bool?](repeating: nil, count: nodes.count)
        func computeHasValues(_ node: Int) -> Bool {
            if let known = hasValues[node] { return known }
            hasValues[node] = false  // guards against cycles
            let result =
                !nodes[node].attributes.isEmpty || nodes[node].children.contains { computeHasValues(Int($0.nodeID)) }
            hasValues[node] = result
            return result
        }
        for node in nodes.indices {
            var value = Google_Protobuf_BoolValue()
            value.value = computeHasValues(node)
            nodes[node].hasCheckpointValues_p = value
        }
        proto.nodes = nodes
    }
}

/// TensorFlow's `_escape_local_name`.
func escapeLocalName(_ name: String) -> String {
    name.replacingOccurrences(of: ".", with: "..").replacingOccurrences(of: "/", with: ".S")
}
