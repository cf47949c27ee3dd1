/// An optimizer as a `.keras` file's `compile_config` names it: written from the
/// optimizer's ``KerasOptimizerDescription`` and read back for the optimizers SwiftCNN has.
enum KerasOptimizerConfig {
    /// Keras's serialized optimizer (`{"module": "keras.optimizers", "class_name": "Adam", …}`),
    /// or nil for an optimizer that does not describe itself.
    static func json(_ optimizer: Optimizer) -> JSONValue? {
        guard let description = optimizer.kerasDescription else { return nil }
        var config = description.hyperparameters.mapValues(json)
        config["name"] = .string(description.keras3Name)
        if let schedule = optimizer.learningRateSchedule {
            config["learning_rate"] = KerasLayerConfig.serialized(
                schedule.kerasClassName, module: "keras.optimizers.schedules", config: schedule.kerasConfig.mapValues(json))
        } else {
            config["learning_rate"] = KerasLayerConfig.decimal(optimizer.learningRate)
        }
        return KerasLayerConfig.serialized(description.className, module: "keras.optimizers", config: config)
    }

    private static func json(_ value: KerasOptimizerDescription.Value) -> JSONValue {
        switch value {
        case .number(let number): KerasLayerConfig.decimal(number)
        case .integer(let integer): .number(Double(integer))
        case .flag(let flag): .bool(flag)
        case .text(let text): .string(text)
        case .none: .null
        }
    }

    /// The optimizer a serialized optimizer names (Adam, SGD, RMSprop, AdamW; its learning
    /// rate a number or an ExponentialDecay or CosineDecay), with Keras's defaults for what
    /// the config leaves out; nil for any other.
    static func optimizer(_ value: JSONValue?) -> Optimizer? {
        guard let object = value?.object, let config = object["config"]?.object else { return nil }
        func number(_ key: String, _ fallback: Float) -> Float { config[key]?.number.map(Float.init) ?? fallback }
        func flag(_ key: String) -> Bool { config[key]?.bool ?? false }
        let rate = config["learning_rate"]
        let schedule = rate.flatMap(Self.schedule)
        let constant = Float(rate?.number ?? 0.001)
        switch object["class_name"]?.string {
        case "Adam":
            let (b1, b2, eps) = (number("beta_1", 0.9), number("beta_2", 0.999), number("epsilon", 1e-7))
            return schedule.map { Adam(learningRate: $0, beta1: b1, beta2: b2, epsilon: eps) }
                ?? Adam(learningRate: constant, beta1: b1, beta2: b2, epsilon: eps)
        case "AdamW":
            let (wd, b1, b2, eps) = (
                number("weight_decay", 0.004), number("beta_1", 0.9), number("beta_2", 0.999), number("epsilon", 1e-7)
            )
            return schedule.map { AdamW(learningRate: $0, weightDecay: wd, beta1: b1, beta2: b2, epsilon: eps) }
                ?? AdamW(learningRate: constant, weightDecay: wd, beta1: b1, beta2: b2, epsilon: eps)
        case "SGD":
            let (momentum, nesterov) = (number("momentum", 0), flag("nesterov"))
            return schedule.map { SGD(learningRate: $0, momentum: momentum, nesterov: nesterov) }
                ?? SGD(learningRate: rate?.number.map(Float.init) ?? 0.01, momentum: momentum, nesterov: nesterov)
        case "RMSprop":
            let (rho, momentum, eps, centered) = (number("rho", 0.9), number("momentum", 0), number("epsilon", 1e-7), flag("centered"))
            return schedule.map { RMSprop(learningRate: $0, rho: rho, momentum: momentum, epsilon: eps, centered: centered) }
                ?? RMSprop(learningRate: constant, rho: rho, momentum: momentum, epsilon: eps, centered: centered)
        default: return nil
        }
    }

    /// A serialized ExponentialDecay or CosineDecay.
    private static func schedule(_ value: JSONValue) -> (any LearningRateSchedule)? {
        guard let object = value.object, let config = object["config"]?.object,
            let initial = config["initial_learning_rate"]?.number, let steps = config["decay_steps"]?.integer
        else { return nil }
        switch object["class_name"]?.string {
        case "ExponentialDecay":
            guard let rate = config["decay_rate"]?.number else { return nil }
            return ExponentialDecay(
                initialLearningRate: Float(initial), decaySteps: steps, decayRate: Float(rate),
                staircase: config["staircase"]?.bool ?? false, name: config["name"]?.string ?? "ExponentialDecay")
        case "CosineDecay":
            return CosineDecay(
                initialLearningRate: Float(initial), decaySteps: steps, alpha: Float(config["alpha"]?.number ?? 0),
                name: config["name"]?.string ?? "CosineDecay", warmupTarget: config["warmup_target"]?.number.map(Float.init),
                warmupSteps: config["warmup_steps"]?.integer ?? 0)
        default: return nil
        }
    }
}
