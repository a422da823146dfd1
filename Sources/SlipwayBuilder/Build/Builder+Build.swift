import Foundation
import SlipwayOCI
import SlipwayRegistryClient
import SlipwayStore

extension Builder {
    /// Builds `request` and returns the image, tagged `request.tag` in the builder's layout. Nothing is pushed or
    /// written elsewhere here: a failed build leaves no image behind.
    public func build(_ request: BuildRequest) async throws -> Result {
        let text: String
        do {
            text = try String(contentsOfFile: request.dockerfilePath, encoding: .utf8)
        } catch {
            throw BuilderError.io(path: request.dockerfilePath, reason: "cannot read the Dockerfile (\(error.localizedDescription))")
        }
        let dockerfile = try DockerfileParser.parse(text, file: request.dockerfile)
        let stages = try DockerfileStages(dockerfile, buildArguments: request.buildArgs,
                                          automaticArguments: Self.platformArguments(Self.hostPlatform))
        let plan = try stages.plan(target: request.target)
        sourceDateEpoch = try Self.epoch(for: request)
        noCache = request.noCache
        let context = try BuildContext(directory: request.context)
        let expander = DockerfileExpander(for: dockerfile)

        // Step numbers are fixed up front, so stages built side by side still print `[n/N]` in file order.
        var firstStep: [Int: Int] = [:]
        var total = 0
        for index in plan.order {
            firstStep[index] = total + 1
            total += 1 + stages.stages[index].instructions.count
        }
        let steps = total
        var built: [Int: Stage] = [:]
        // Stages of one wave depend only on earlier waves: they are built at the same time.
        for wave in plan.waves {
            let ready = built
            try await withThrowingTaskGroup(of: (Int, Stage).self) { group in
                for index in wave {
                    let definition = stages.stages[index]
                    let first = firstStep[index] ?? 1
                    group.addTask {
                        let fromText = "FROM " + definition.from.source.dropFirst(5).trimmingCharacters(in: .whitespaces)
                        self.events(.step(index: first, total: steps, text: fromText))
                        var stage = try await self.base(of: definition, built: ready, request: request,
                                                        global: stages.globalEnvironment)
                        for (offset, instruction) in definition.instructions.enumerated() {
                            if self.runner.isCancelled || Task.isCancelled { throw BuilderError.cancelled }
                            stage = try await self.apply(instruction, to: stage, step: first + 1 + offset, total: steps,
                                                         expander: expander, stages: stages, built: ready,
                                                         context: context, request: request)
                        }
                        return (index, stage)
                    }
                }
                for try await (index, stage) in group { built[index] = stage }
            }
        }
        guard let final = built[plan.target] else { throw BuilderError.runtime(reason: "the target stage was not built") }
        return try write(final, request: request)
    }

    /// The SOURCE_DATE_EPOCH of a build: the commit's committer time when `--commit` names one in the context's git
    /// repository, else the request's value, else the environment's.
    static func epoch(for request: BuildRequest) throws -> Int64? {
        if let commit = request.commit, FileManager.default.fileExists(atPath: request.context + "/.git") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-C", request.context, "show", "-s", "--format=%ct", commit]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            if process.terminationStatus == 0,
               let seconds = Int64(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) {
                return seconds
            }
        }
        if let epoch = request.sourceDateEpoch { return epoch }
        return ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int64($0) }
    }

    /// The stage's starting point: nothing, an earlier stage, or an image pulled into the builder's layout.
    func base(of definition: DockerfileStages.Stage, built: [Int: Stage], request: BuildRequest,
              global: [String: String]) async throws -> Stage {
        switch definition.base {
        case .scratch:
            // Like BuildKit and buildah, an image from scratch still gets the default PATH.
            return Stage(index: definition.index, name: definition.name,
                         configuration: ImageConfiguration(config: ContainerConfig(env: [Self.defaultPath]), rootfs: .init(diffIDs: [])),
                         key: BuildCache.key(parent: Digest(of: [UInt8]()), parts: ["scratch"]))
        case .stage(let index):
            guard var stage = built[index] else { throw BuilderError.runtime(reason: "stage \(index) was not built first") }
            stage.index = definition.index
            stage.name = definition.name
            stage.arguments = [:]
            stage.cmdSet = false  // a CMD of the base stage is inherited: an ENTRYPOINT here resets it
            return stage
        case .image(let reference):
            var platform = Self.hostPlatform
            if let text = definition.platform {
                do {
                    platform = try Platform(parsing: text)
                } catch {
                    throw BuilderError.runtime(reason: "FROM --platform=\(text) \(reference): not a platform (OS/ARCH[/VARIANT], e.g. linux/arm64)")
                }
            }
            let image = try await pull(reference, platform: platform)
            var stage = try imageStage(image, index: definition.index, name: definition.name,
                                  key: BuildCache.key(parent: image.descriptor.digest, parts: ["FROM"]))
            stage.history = image.configuration.history ?? []
            if stage.config.env == nil { stage.config.env = [Self.defaultPath] }
            return stage
        }
    }

    /// A pulled image as a stage: its configuration, and its layers unpacked (once) for overlay mounts.
    func imageStage(_ image: LoadedImage, index: Int, name: String?, key: Digest) throws -> Stage {
        var stage = Stage(index: index, name: name, configuration: image.configuration, key: key)
        for (layer, diffID) in zip(image.manifest.layers, image.configuration.rootfs.diffIDs) {
            let directory = try layers.unpacked(layer, diffID: diffID) { try images.blobs.reader(for: layer.digest) }
            stage.layers.append(Layer(descriptor: layer, diffID: diffID, directory: directory))
        }
        return stage
    }

    /// Pulls an image (through mirrors, skipping blobs the builder has) into the builder's layout. Pulls are one at a
    /// time (they share the layout's index) and each reference is pulled once per build.
    func pull(_ text: String, platform: Platform = Builder.hostPlatform) async throws -> LoadedImage {
        try await pulls.image("\(text) \(platform)") { try await self.fetch(text, platform: platform) }
    }

    /// The platform this machine runs, as OCI names it: what FROM pulls unless `--platform` says otherwise.
    static let hostPlatform: Platform = {
        var system = utsname()
        uname(&system)
        let machine = withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let names = ["x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x",
                     "riscv64": "riscv64", "i686": "386"]
        return Platform(os: "linux", architecture: names[machine] ?? machine, variant: machine == "armv7l" ? "v7" : nil)
    }()

    /// BuildKit's predefined platform ARGs (https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope):
    /// the build and the target platform are both this machine's.
    static func platformArguments(_ platform: Platform) -> [String: String] {
        var values: [String: String] = [:]
        for prefix in ["BUILD", "TARGET"] {
            values[prefix + "PLATFORM"] = platform.description
            values[prefix + "OS"] = platform.os
            values[prefix + "ARCH"] = platform.architecture
            values[prefix + "VARIANT"] = platform.variant ?? ""
        }
        return values
    }

    func fetch(_ text: String, platform: Platform) async throws -> LoadedImage {
        let reference: ImageReference
        do {
            reference = try ImageReference(parsing: text)
        } catch {
            throw BuilderError.runtime(reason: "FROM \(text): not an image reference (\(error))")
        }
        let descriptor: Descriptor
        do {
            var copier = ImageCopier(client: client)
            copier.platform = platform
            descriptor = try await copier.copy(from: .registry(reference), to: .layout(images, tag: nil))
        } catch {
            throw BuilderError.runtime(reason: "FROM \(text): cannot pull the base image: \(error)")
        }
        return try images.blobs.loadImage(descriptor)
    }

    /// Writes the stage's image (configuration, manifest) into the builder's layout under `request.tag`.
    func write(_ stage: Stage, request: BuildRequest) throws -> Result {
        var configuration = stage.configuration
        configuration.rootfs = .init(diffIDs: stage.layers.map(\.diffID))
        configuration.history = stage.history
        let created = Self.timestamp(sourceDateEpoch)
        configuration.created = created
        var labels = configuration.config?.labels ?? [:]
        if let commit = request.commit { labels["org.opencontainers.image.revision"] = commit }
        if let source = request.source { labels["org.opencontainers.image.source"] = source }
        if let branch = request.branch { labels["slipway.git.branch"] = branch }
        if request.commit != nil || request.branch != nil { labels["org.opencontainers.image.created"] = created }
        if !labels.isEmpty { configuration.config = { var c = stage.config; c.labels = labels; return c }() }
        let descriptor = try images.blobs.putImage(configuration: configuration, layers: stage.layers.map(\.descriptor))
        let tag = Self.layoutTag(request.tag)
        try images.tag(descriptor, as: tag)
        return Result(descriptor: descriptor, layout: images, tag: tag)
    }

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func layoutTag(_ reference: String) -> String {
        String(reference.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(128))
    }

    static func timestamp(_ epoch: Int64?) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: epoch.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date())
    }
}

/// One pull at a time into the builder's layout, and one per reference, however many stages ask at once.
actor PullCoordinator {
    private var pulls: [String: Task<LoadedImage, any Error>] = [:]
    private var last: Task<LoadedImage, any Error>?

    func image(_ reference: String, _ fetch: @escaping @Sendable () async throws -> LoadedImage) async throws -> LoadedImage {
        if let pull = pulls[reference] { return try await pull.value }
        let previous = last
        let pull = Task {
            _ = try? await previous?.value
            return try await fetch()
        }
        pulls[reference] = pull
        last = pull
        return try await pull.value
    }
}
