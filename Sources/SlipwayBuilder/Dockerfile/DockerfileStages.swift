/// The build stages of a Dockerfile and the references between them.
///
/// Global ARGs (those before the first FROM) are resolved first and are the only variables visible in FROM lines.
/// A stage depends on its base stage (`FROM <earlier stage>`) and on every stage it copies or mounts from
/// (`COPY --from=<name|index>`, `RUN --mount=…,from=<name|index>`). A `--from` or `from=` that names no stage is an
/// image reference, as in Docker; a numeric index that does not exist, the stage itself, or a later stage is an
/// error. `--from` values are expanded with the stage's ARG and ENV values at that point, as BuildKit does.
public struct DockerfileStages: Equatable, Sendable {
    /// What a stage starts from.
    public enum Base: Equatable, Sendable {
        /// `FROM scratch`: an empty filesystem.
        case scratch
        /// An image reference (expanded).
        case image(String)
        /// An earlier stage, by index.
        case stage(Int)
    }

    /// One stage: its FROM and the instructions up to the next FROM.
    public struct Stage: Equatable, Sendable {
        /// The 0-based position of the stage in the file.
        public var index: Int
        /// The name after `AS`, lowercased, if any.
        public var name: String?
        /// The stage's FROM instruction as written.
        public var from: DockerfileInstruction
        /// The base, with global ARGs substituted.
        public var base: Base
        /// The `--platform` value with global ARGs substituted, if any.
        public var platform: String?
        /// The instructions after FROM, in order.
        public var instructions: [DockerfileInstruction]
        /// The stages this one needs, by index, ascending.
        public var dependencies: [Int]
        /// Images named by `--from`/`from=` that are not stages, in order of first use.
        public var externalImages: [String]
    }

    /// The ARGs declared before the first FROM, as written.
    public var globalArguments: [DockerfileArgument]
    /// The values visible in FROM lines: the automatic ARGs, then the global ARGs that have a value (build
    /// argument, else expanded default).
    public var globalEnvironment: [String: String]
    /// The stages in file order.
    public var stages: [Stage]

    /// Splits a parsed Dockerfile into stages and resolves the references between them.
    ///
    /// - Parameters:
    ///   - dockerfile: The parsed file.
    ///   - buildArguments: `--build-arg` values; they override the defaults of the ARGs they name.
    ///   - automaticArguments: The predefined ARGs (`BUILDPLATFORM`, `TARGETPLATFORM`, `TARGETOS`, …): visible in
    ///     FROM lines without being declared, and inside a stage once it declares them with `ARG <name>`.
    /// - Throws: `DockerfileError` for blank base names, duplicate stage names and invalid stage references.
    public init(
        _ dockerfile: Dockerfile, buildArguments: [String: String] = [:], automaticArguments: [String: String] = [:]
    ) throws {
        let file = dockerfile.file
        let expander = DockerfileExpander(for: dockerfile)
        func fail(_ instruction: DockerfileInstruction, _ message: String) -> DockerfileError {
            DockerfileError(
                file: file, line: instruction.location.line, column: instruction.location.column, message: message)
        }
        func word(_ text: String, _ env: [String: String], _ instruction: DockerfileInstruction) throws -> String {
            do {
                return try expander.expand(text, environment: env)
            } catch let failure as DockerfileExpansionError {
                throw fail(instruction, failure.description)
            }
        }
        var globals: [DockerfileArgument] = []
        var globalEnvironment = automaticArguments
        var groups: [(from: DockerfileInstruction, body: [DockerfileInstruction])] = []
        for instruction in dockerfile.instructions {
            switch instruction.body {
            case .arg(let arguments) where groups.isEmpty:
                for argument in arguments {
                    globals.append(argument)
                    let fallback = try argument.defaultValue.map { try word($0, globalEnvironment, instruction) }
                    if let value = buildArguments[argument.name] ?? fallback {
                        globalEnvironment[argument.name] = value
                    }
                }
            case .from:
                groups.append((instruction, []))
            default:
                guard !groups.isEmpty else { throw fail(instruction, "no build stage in current context") }
                groups[groups.count - 1].body.append(instruction)
            }
        }
        guard !groups.isEmpty else {
            let last =
                dockerfile.instructions.last
                ?? DockerfileInstruction(
                    location: .init(line: 1, column: 1, endLine: 1), source: "", body: .arg([]))
            throw fail(last, "the Dockerfile has no FROM, so there is no stage to build")
        }
        var names: [String: Int] = [:]
        for (index, group) in groups.enumerated() {
            guard case .from(let from) = group.from.body, let name = from.stageName else { continue }
            if let earlier = names[name] {
                let line = groups[earlier].from.location.line
                throw fail(group.from, "duplicate stage name \"\(name)\" (already used on line \(line))")
            }
            names[name] = index
        }
        let resolver = Resolver(groups: groups.map(\.from), names: names, fail: fail)
        var stages: [Stage] = []
        for (index, group) in groups.enumerated() {
            guard case .from(let from) = group.from.body else { continue }
            let image = try word(from.image, globalEnvironment, group.from)
            guard !image.isEmpty else {
                throw fail(group.from, "base name (\(from.image)) should not be blank; set the ARG it uses")
            }
            let platform = try from.platform.map { try word($0, globalEnvironment, group.from) }
            var stage = Stage(
                index: index, name: from.stageName, from: group.from, base: .image(image), platform: platform,
                instructions: group.body, dependencies: [], externalImages: [])
            switch try resolver.resolve(image, from: index, at: group.from, role: "FROM \(from.image)") {
            case .stage(let base):
                stage.base = .stage(base)
                stage.dependencies.append(base)
            case .image(let reference):
                stage.base = reference.lowercased() == "scratch" ? .scratch : .image(reference)
            }
            var scope = StageScope(globals: globalEnvironment, buildArguments: buildArguments)
            for instruction in group.body {
                var references: [(String, String)] = []
                switch instruction.body {
                case .arg(let arguments):
                    for argument in arguments {
                        let fallback = try argument.defaultValue.map { try word($0, scope.environment, instruction) }
                        scope.declare(argument.name, default: fallback)
                    }
                case .env(let pairs):
                    for pair in pairs {
                        let key = try word(pair.key, scope.environment, instruction)
                        scope.env[key] = try word(pair.value, scope.environment, instruction)
                    }
                case .copy(let copy):
                    if let source = copy.from { references.append((source, "COPY --from=\(source)")) }
                case .run(let run):
                    for mount in run.mounts {
                        if let source = mount.from { references.append((source, "RUN --mount from=\(source)")) }
                    }
                default:
                    break
                }
                for (reference, role) in references {
                    let expanded = try word(reference, scope.environment, instruction)
                    switch try resolver.resolve(expanded, from: index, at: instruction, role: role) {
                    case .stage(let other): stage.dependencies.append(other)
                    case .image(let image):
                        if !stage.externalImages.contains(image) { stage.externalImages.append(image) }
                    }
                }
            }
            stage.dependencies = Array(Set(stage.dependencies)).sorted()
            stages.append(stage)
        }
        self.globalArguments = globals
        self.globalEnvironment = globalEnvironment
        self.stages = stages
    }

    /// The stage with this name (case-insensitive), if any.
    public func stage(named name: String) -> Stage? {
        stages.first { $0.name == name.lowercased() }
    }

    /// The stages a build of `target` needs (the last stage when nil), in dependency order, and grouped into waves
    /// whose stages are independent of each other and so can be built in parallel.
    ///
    /// - Throws: `DockerfileTargetError` when no stage has that name.
    public func plan(target: String? = nil) throws -> DockerfileBuildPlan {
        let targetIndex: Int
        if let target {
            guard let stage = stage(named: target) else {
                throw DockerfileTargetError(target: target, stageNames: stages.compactMap(\.name))
            }
            targetIndex = stage.index
        } else {
            targetIndex = stages.count - 1
        }
        var needed: Set<Int> = []
        var pending = [targetIndex]
        while let index = pending.popLast() {
            guard needed.insert(index).inserted else { continue }
            pending.append(contentsOf: stages[index].dependencies)
        }
        let order = needed.sorted()
        var level: [Int: Int] = [:]
        for index in order {
            level[index] = (stages[index].dependencies.compactMap { level[$0] }.max() ?? -1) + 1
        }
        let depth = (level.values.max() ?? 0) + 1
        let waves = (0..<depth).map { wave in order.filter { level[$0] == wave } }
        return DockerfileBuildPlan(target: targetIndex, order: order, waves: waves)
    }
}

/// The stages a build needs.
public struct DockerfileBuildPlan: Equatable, Sendable {
    /// The index of the target stage.
    public var target: Int
    /// The needed stages, each after the stages it depends on (ascending index, which is such an order because a
    /// stage can only depend on earlier ones).
    public var order: [Int]
    /// The needed stages in waves: every stage depends only on stages of earlier waves, so the stages of one wave
    /// can be built in parallel.
    public var waves: [[Int]]
}

/// `--target` names no stage.
public struct DockerfileTargetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The requested target.
    public var target: String
    /// The names of the stages that do exist.
    public var stageNames: [String]

    /// The error with the list of valid names.
    public var description: String {
        if stageNames.isEmpty {
            return "target stage \"\(target)\" could not be found: no stage has a name "
                + "(name one with FROM … AS <name>)"
        }
        return "target stage \"\(target)\" could not be found (stages: \(stageNames.joined(separator: ", ")))"
    }
}

/// Resolves stage references by name or index.
private struct Resolver {
    enum Reference {
        case stage(Int)
        case image(String)
    }

    let groups: [DockerfileInstruction]
    let names: [String: Int]
    let fail: (DockerfileInstruction, String) -> DockerfileError

    func resolve(
        _ reference: String, from current: Int, at instruction: DockerfileInstruction, role: String
    ) throws
        -> Reference
    {
        var target: Int?
        if !reference.isEmpty, reference.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let index = Int(reference), index < groups.count else {
                throw fail(
                    instruction,
                    "\(role) refers to stage index \(reference), but the stages are numbered 0 to \(groups.count - 1)")
            }
            target = index
        } else {
            target = names[reference.lowercased()]
        }
        guard let target else { return .image(reference) }
        if target == current {
            throw fail(instruction, "\(role) refers to its own stage; a stage can only use earlier stages")
        }
        if target > current {
            let line = groups[target].location.line
            throw fail(
                instruction,
                "\(role) refers to stage \(reference), which is defined later (line \(line)); "
                    + "a stage can only use earlier stages")
        }
        return .stage(target)
    }
}

/// The ARG and ENV values visible at a point in a stage.
private struct StageScope {
    let globals: [String: String]
    let buildArguments: [String: String]
    var args: [String: String] = [:]
    var env: [String: String] = [:]

    init(globals: [String: String], buildArguments: [String: String]) {
        self.globals = globals
        self.buildArguments = buildArguments
    }

    /// ENV wins over ARG, as the Dockerfile reference says.
    var environment: [String: String] {
        args.merging(env) { _, env in env }
    }

    mutating func declare(_ name: String, default fallback: String?) {
        if let value = buildArguments[name] ?? fallback ?? globals[name] { args[name] = value }
    }
}
