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
//   optimizer: `_iterations`, `_learning_rate`, `_variables/N` slot
//   variables) and empty `train_function` nodes; a root self-edge named
//   "root" also appears. tf.train.Checkpoint adds `save_counter`.
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

    var proto = Tensorflow_TrackableObjectGraph()
    /// Variables in breadth-first order (TensorFlow's data-file order).
    var variables: [Variable] = []

    static let graphKey = "_CHECKPOINTABLE_OBJECT_GRAPH"
    static let attributeName = "VARIABLE_VALUE"

    /// Builds the graph for `model` (which must be built).
    init(model: Layer) {
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
            guard let (path, parameter) = parameterOfNode[node] else { continue }
            let key = ((keyPath[node] ?? []) + [".ATTRIBUTES", Self.attributeName]).joined(separator: "/")
            var attribute = Tensorflow_TrackableObjectGraph.TrackableObject.SerializedTensor()
            attribute.name = Self.attributeName
            var fullName = kerasNames[ObjectIdentifier(parameter)] ?? path
            if fullName.hasSuffix(":0") { fullName.removeLast(2) }
            attribute.fullName = fullName
            attribute.checkpointKey = key
            nodes[node].attributes = [attribute]
            variables.append(Variable(path: path, parameter: parameter, key: key, node: node))
        }
        // has_checkpoint_values: the node or a descendant holds a variable.
        var hasValues = [Bool?](repeating: nil, count: nodes.count)
        func computeHasValues(_ node: Int) -> Bool {
            if let known = hasValues[node] { return known }
            hasValues[node] = false  // guards against cycles
            let result = !nodes[node].attributes.isEmpty || nodes[node].children.contains { computeHasValues(Int($0.nodeID)) }
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
