import Foundation
import SlipwayArchive
import SlipwayOCI

extension Builder {
    /// Applies one instruction to a stage: metadata instructions change the configuration; RUN, COPY, ADD and
    /// WORKDIR may add a layer, or take it from the cache.
    func apply(_ raw: DockerfileInstruction, to stage: Stage, step: Int, total: Int, expander: DockerfileExpander,
               stages: DockerfileStages, built: [Int: Stage], context: BuildContext, request: BuildRequest) async throws -> Stage
    {
        var stage = stage
        var scope = stage.environment
        for (name, value) in stage.arguments where scope[name] == nil { scope[name] = value }
        let instruction = try expander.expand(raw, environment: scope, file: request.dockerfile)
        events(.step(index: step, total: total, text: Self.display(raw.source)))
        let start = Date()
        func note(_ createdBy: String) {
            stage.history.append(.init(created: Self.timestamp(sourceDateEpoch), createdBy: createdBy,
                                       comment: "buildkit.dockerfile.v0", emptyLayer: true))
        }
        let createdBy = Self.display(raw.source)
        switch instruction.body {
        case .arg(let arguments):
            for argument in arguments {
                if let value = request.buildArgs[argument.name] ?? argument.defaultValue ?? stages.globalEnvironment[argument.name] {
                    stage.arguments[argument.name] = value
                }
            }
            stage.key = BuildCache.key(parent: stage.key, parts: ["ARG"] + stage.arguments.sorted { $0.key < $1.key }.map { "\($0)=\($1)" })
        case .env(let pairs):
            for pair in pairs { stage.setEnvironment(pair.key, pair.value) }
            note(createdBy)
        case .label(let pairs):
            var labels = stage.config.labels ?? [:]
            for pair in pairs { labels[pair.key] = pair.value }
            stage.config.labels = labels
            note(createdBy)
        case .expose(let ports):
            var exposed = stage.config.exposedPorts ?? []
            for port in ports { exposed.insert(port.contains("/") ? port.lowercased() : port + "/tcp") }
            stage.config.exposedPorts = exposed
            note(createdBy)
        case .user(let user):
            stage.config.user = user
            note(createdBy)
        case .volume(let volumes):
            var set = stage.config.volumes ?? []
            for volume in volumes { set.insert(volume) }
            stage.config.volumes = set
            // As buildah (and Docker's classic builder) do: a volume's directory exists in the image.
            let paths = volumes.map { Self.absolute($0, relativeTo: stage.config.workingDir) }
            try layerStep(&stage, step: step, parts: ["VOLUME"] + paths, createdBy: createdBy, start: start) { stage in
                try withOverlay(stage) { merged in
                    let tree = TreeCopier(merged: merged, uid: 0, gid: 0, mode: nil)
                    for path in paths {
                        let real = try tree.inImage(path)
                        if try FileSystem.lstatOrNil(merged + real) == nil { try tree.makeDirectories(real) }
                    }
                }
            }
            return stage
        case .stopsignal(let signal):
            stage.config.stopSignal = signal
            note(createdBy)
        case .shell(let shell):
            stage.shell = shell
            note(createdBy)
        case .maintainer(let author):
            stage.configuration.author = author
            note(createdBy)
        case .cmd(let command):
            stage.config.cmd = command.arguments(shell: stage.shell)
            stage.cmdSet = true
            note(createdBy)
        case .entrypoint(let command):
            stage.config.entrypoint = command.arguments(shell: stage.shell)
            if !stage.cmdSet { stage.config.cmd = nil }  // Docker: ENTRYPOINT resets a CMD inherited from the base
            note(createdBy)
        case .healthcheck(let healthcheck):
            stage.config.healthcheck = healthcheck.configuration
            note(createdBy)
        case .onbuild:
            var triggers = stage.config.unknownFields["OnBuild"].flatMap { value -> [String]? in
                if case .array(let items) = value { return items.compactMap { if case .string(let s) = $0 { s } else { nil } } }
                return nil
            } ?? []
            triggers.append(String(raw.source.dropFirst("ONBUILD ".count)))
            stage.config.unknownFields["OnBuild"] = .array(triggers.map { .string($0) })
            note(createdBy)
        case .workdir(let path):
            let directory = Self.absolute(path, relativeTo: stage.config.workingDir)
            stage.config.workingDir = directory
            let user = stage.config.user
            try layerStep(&stage, step: step, parts: ["WORKDIR", directory, user ?? ""], createdBy: createdBy, start: start) { stage in
                try withOverlay(stage) { merged in
                    // Missing directories belong to the current USER, as BuildKit and buildah make them.
                    let owner = try UserDatabase(root: merged).resolve(user)
                    try TreeCopier(merged: merged, uid: owner.uid, gid: owner.gid, mode: nil).makeDirectories(directory)
                }
            }
            return stage
        case .run(let run):
            try await runStep(run, stage: &stage, step: step, createdBy: createdBy, built: built, stages: stages,
                              request: request, start: start)
            return stage
        case .copy(let copy):
            try await copyStep(copy, isAdd: false, stage: &stage, step: step, createdBy: createdBy, built: built,
                               stages: stages, context: context, request: request, start: start)
            return stage
        case .add(let copy):
            try await copyStep(copy, isAdd: true, stage: &stage, step: step, createdBy: createdBy, built: built,
                               stages: stages, context: context, request: request, start: start)
            return stage
        case .from:
            throw BuilderError.runtime(reason: "FROM inside a stage")
        }
        if case .arg = instruction.body {} else {
            stage.key = BuildCache.key(parent: stage.key, parts: [createdBy, "\(instruction.body)"])
        }
        events(.done(index: step, seconds: Date().timeIntervalSince(start)))
        return stage
    }

    /// A step that may make a layer: from the cache when its key is known (and --no-cache is off), else by `make`.
    func layerStep(_ stage: inout Stage, step: Int, parts: [String], createdBy: String, start: Date, noCache: Bool = false,
                   _ make: (Stage) throws -> Layer?) throws {
        let key = BuildCache.key(parent: stage.key, parts: parts)
        var layer: Layer?
        if !noCache, !self.noCache, let entry = cache.entry(key) {
            if let descriptor = entry.layer, let diffID = entry.diffID {
                let directory = try layers.unpacked(descriptor, diffID: diffID) { try images.blobs.reader(for: descriptor.digest) }
                layer = Layer(descriptor: descriptor, diffID: diffID, directory: directory)
            }
            events(.cached(index: step))
        } else {
            layer = try make(stage)
            try cache.record(key, .init(layer: layer?.descriptor, diffID: layer?.diffID, createdBy: createdBy))
            events(.done(index: step, seconds: Date().timeIntervalSince(start)))
        }
        if let layer { stage.layers.append(layer) }
        stage.history.append(.init(created: Self.timestamp(sourceDateEpoch), createdBy: createdBy,
                                   comment: "buildkit.dockerfile.v0", emptyLayer: layer == nil ? true : nil))
        stage.key = key
    }

    /// `WORKDIR sub` after `WORKDIR /app` is `/app/sub`.
    static func absolute(_ path: String, relativeTo base: String?) -> String {
        let joined = path.hasPrefix("/") ? path : (base ?? "/") + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// An instruction as history and progress show it: on one line, the keyword in capitals.
    static func display(_ source: String) -> String {
        let line = source.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard let space = line.firstIndex(of: " ") else { return line.uppercased() }
        return line[..<space].uppercased() + line[space...]
    }
}

extension DockerfileCommandLine {
    /// Exec form as written; shell form through the stage's SHELL.
    func arguments(shell: [String]) -> [String] {
        switch self {
        case .exec(let arguments): arguments
        case .shell(let text): shell + [text]
        }
    }
}

extension DockerfileHealthcheck {
    /// As Docker's image configuration writes it (durations in nanoseconds).
    var configuration: ContainerConfig.Healthcheck {
        switch self {
        case .none: return ContainerConfig.Healthcheck(test: ["NONE"])
        case .check(let check):
            let test: [String]
            switch check.command {
            case .exec(let arguments): test = ["CMD"] + arguments
            case .shell(let text): test = ["CMD-SHELL", text]
            }
            func nanoseconds(_ duration: Duration?) -> Int64? {
                duration.map { $0.components.seconds * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000 }
            }
            return ContainerConfig.Healthcheck(test: test, interval: nanoseconds(check.interval),
                                               timeout: nanoseconds(check.timeout),
                                               startPeriod: nanoseconds(check.startPeriod),
                                               startInterval: nanoseconds(check.startInterval), retries: check.retries)
        }
    }
}
