import Foundation
import SlipwayArchive
import SlipwayOCI

extension Builder {
    /// RUN: the command through runc on an overlay of the stage, its changes one layer. Fails the build with the
    /// command's exit status and its last lines when it exits non-zero.
    func runStep(_ run: DockerfileRun, stage: inout Stage, step: Int, createdBy: String, built: [Int: Stage],
                 stages: DockerfileStages, request: BuildRequest, start: Date) async throws {
        var arguments: [String]
        switch run.command {
        case .exec(let words): arguments = words
        case .shell(let text):
            // Heredocs go to the shell as written: it feeds them to the command (or runs them, for `RUN <<EOF`).
            var script = text
            for heredoc in run.heredocs {
                let delimiter = heredoc.expands ? heredoc.name : "'\(heredoc.name)'"
                script = script.replacingOccurrences(of: "<<-\(heredoc.name)", with: "<<\(delimiter)")
                    .replacingOccurrences(of: "<<\"\(heredoc.name)\"", with: "<<\(delimiter)")
                    .replacingOccurrences(of: "<<'\(heredoc.name)'", with: "<<\(delimiter)")
                    .replacingOccurrences(of: "<<\(heredoc.name)", with: "<<\(delimiter)")
                script += "\n" + heredoc.content + (heredoc.content.hasSuffix("\n") ? "" : "\n") + heredoc.name
            }
            if run.heredocs.count == 1, text.trimmingCharacters(in: .whitespaces).hasPrefix("<<") {
                script = run.heredocs[0].content  // `RUN <<EOF`: the heredoc is the script
            }
            arguments = stage.shell + [script]
        }
        var environment = stage.environment
        for (name, value) in stage.arguments where environment[name] == nil { environment[name] = value }
        let env = environment.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }
        let network: RuncRunner.Network = run.network == .host ? .host : run.network == .none ? .none : request.network
        let workingDirectory = stage.config.workingDir ?? "/"
        var mounts: [RuncRunner.BindMount] = []
        var mountParts: [String] = []
        for mount in run.mounts {
            switch mount.type {
            case .cache:
                guard let target = mount.target else { throw BuilderError.runtime(reason: "\(createdBy): a cache mount needs target=") }
                let id = mount.id ?? target
                let directory = root + "/cache-mounts/" + Digest(of: Array(id.utf8)).hex.prefix(24)
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                mounts.append(.init(source: directory, destination: Self.absolute(target, relativeTo: workingDirectory),
                                    readOnly: mount.readOnly))
                mountParts.append("cache:\(id):\(target)")
            case .secret:
                let id = mount.id ?? mount.target.map { ($0 as NSString).lastPathComponent } ?? ""
                guard let file = request.secrets[id] else {
                    if mount.required { throw BuilderError.runtime(reason: "\(createdBy): secret \(id) was not given (--secret id=\(id),src=FILE)") }
                    continue
                }
                mounts.append(.init(source: file, destination: mount.target ?? "/run/secrets/\(id)", readOnly: true))
                mountParts.append("secret:\(id)")  // the name only: the secret's content never reaches the cache key
            case .bind:
                guard let target = mount.target else { throw BuilderError.runtime(reason: "\(createdBy): a bind mount needs target=") }
                guard let from = mount.from, let source = try stageReference(from, stages: stages, built: built) else {
                    throw BuilderError.runtime(reason: "\(createdBy): bind mounts from the build context are not supported yet; use from=STAGE")
                }
                mountParts.append("bind:\(source.key):\(mount.source ?? "/"):\(target)")
                mounts.append(.init(source: "stage:\(source.index):" + (mount.source ?? "/"),
                                    destination: Self.absolute(target, relativeTo: workingDirectory), readOnly: true))
            case .tmpfs, .ssh:
                throw BuilderError.runtime(reason: "\(createdBy): --mount=type=\(mount.type.rawValue) is not supported yet")
            }
        }
        let parts = ["RUN", arguments.joined(separator: "\u{0}"), env.joined(separator: "\u{0}"), workingDirectory,
                     stage.config.user ?? "", network.rawValue] + mountParts
        let user = stage.config.user
        let collector = LineCollector { [events] line in events(.output(index: step, line: line)) }
        try layerStep(&stage, step: step, parts: parts, createdBy: createdBy, start: start, noCache: request.noCache) { stage in
            try withOverlay(stage) { merged in
                var resolvedMounts: [RuncRunner.BindMount] = []
                var stageMounts: [OverlayMount] = []
                defer { stageMounts.forEach(Self.discard) }
                for mount in mounts {
                    if mount.source.hasPrefix("stage:") {
                        let fields = mount.source.split(separator: ":", maxSplits: 2).map(String.init)
                        guard let index = Int(fields[1]), let source = built[index] else { continue }
                        let view = try readOnlyView(of: source)
                        stageMounts.append(view)
                        let inside = try FileSystem.resolveInRoot(view.target, fields[2])  // the stage's links stay in the stage
                        resolvedMounts.append(.init(source: view.target + "/" + inside, destination: mount.destination, readOnly: true))
                    } else {
                        resolvedMounts.append(mount)
                    }
                }
                // runc's own mount points go entirely; for RUN --mount targets only the target itself (buildah keeps
                // the parents it made, and so do we).
                // Paths followed inside the image, so a link in it never leads these checks onto the host.
                let tree = TreeCopier(merged: merged, uid: 0, gid: 0, mode: nil)
                let created = try (Self.mountPoints(["/proc", "/sys", "/dev", "/etc/resolv.conf", "/etc/hosts"])
                    + resolvedMounts.map(\.destination)).map { try tree.inImageParent($0) }
                    .filter { try FileSystem.lstatOrNil(merged + $0) == nil }
                let identity = try UserDatabase(root: merged).resolve(user)
                var runStep = RuncRunner.Step(arguments: arguments, environment: env, workingDirectory: workingDirectory,
                                              uid: identity.uid, gid: identity.gid, network: network)
                runStep.additionalGids = identity.groups
                runStep.mounts = resolvedMounts
                try tree.makeDirectories(workingDirectory)  // followed inside the image
                let status = try runner.run(runStep, rootfs: merged, bundle: merged + "-bundle", output: collector.take)
                try? FileManager.default.removeItem(atPath: merged + "-bundle")
                // Mount points runc had to make are not the command's doing: leave them out of the layer.
                for path in created.sorted().reversed() { _ = rmdir(merged + path) == 0 || (try? Self.removeIfEmptyFile(merged + path)) == true }
                if status != 0 {
                    throw BuilderError.stepFailed(step: createdBy, status: status, lastLines: collector.last(12))
                }
            }
        }
    }

    /// Unmounts a read-only view and removes its step directory.
    static func discard(_ view: OverlayMount) {
        view.unmount()
        try? FileManager.default.removeItem(atPath: (view.upper as NSString).deletingLastPathComponent)
    }

    /// Each mount target and its parents (`/run/secrets/x` → `/run`, `/run/secrets`, `/run/secrets/x`).
    static func mountPoints(_ targets: [String]) -> [String] {
        var points: [String] = []
        for target in targets {
            var path = ""
            for part in target.split(separator: "/") {
                path += "/" + part
                if !points.contains(path) { points.append(path) }
            }
        }
        return points.sorted()
    }

    static func removeIfEmptyFile(_ path: String) throws -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size == 0 else { return false }
        return unlink(path) == 0
    }

    /// A stage by `--from`/`from=` value: an index or a name. nil when it names an image.
    func stageReference(_ value: String, stages: DockerfileStages, built: [Int: Stage]) throws -> Stage? {
        if let index = Int(value) {
            guard let stage = built[index] else { throw BuilderError.runtime(reason: "stage \(value) is not built before it is used") }
            return stage
        }
        guard let definition = stages.stage(named: value) else { return nil }
        return built[definition.index]
    }

    /// A stage's filesystem mounted read-only; `unmount()` then removing `upper`'s parent cleans it up.
    func readOnlyView(of stage: Stage) throws -> OverlayMount {
        let directory = try stepDirectory()
        return try OverlayMount.mountReadOnly(lowers: stage.lowerDirectories, empty: directory + "/empty",
                                              at: directory + "/view")
    }
}

/// Lines a RUN step prints: passed on as they come, the last ones kept for the error message.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private let forward: @Sendable (String) -> Void

    init(_ forward: @escaping @Sendable (String) -> Void) { self.forward = forward }

    func take(_ line: String) {
        lock.withLock {
            lines.append(line)
            if lines.count > 50 { lines.removeFirst(lines.count - 50) }
        }
        forward(line)
    }

    func last(_ count: Int) -> [String] { lock.withLock { Array(lines.suffix(count)) } }
}
