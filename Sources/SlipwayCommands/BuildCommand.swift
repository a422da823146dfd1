import ArgumentParser
import Foundation
import SlipwayBuilder
import SlipwayOCI
import SlipwayRegistryClient
import SlipwayStore

/// `slipway build CONTEXT --tag REF`
struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build an image from a Dockerfile, without a Docker daemon (RUN steps through runc).",
        discussion: """
            Base images are pulled through the registry client (mirrors from slipway.yml apply) and their layers \
            unpacked once. Each RUN, COPY, ADD (and WORKDIR that makes a directory) becomes a layer; a step whose \
            parent, instruction and inputs are unchanged comes from the cache (CACHED). With --commit, layer times \
            and `created` are the commit's time, so building the same commit twice gives the same digest, and the \
            image is labelled with the commit (org.opencontainers.image.revision) and branch (slipway.git.branch). \
            Nothing is pushed or written unless the whole build succeeds. Needs root (overlayfs, runc).
            """
    )

    @Argument(help: "The build context (a directory).", completion: .directory) var context: String
    @Option(name: .shortAndLong, help: "The image's name, REPOSITORY[:TAG] (with --push, a full reference).") var tag: String
    @Option(name: .customShort("f"), help: "The Dockerfile, relative to the context (default: Dockerfile).") var file: String?
    @Option(name: .customLong("build-arg"), help: "A build argument KEY=VALUE (repeatable).") var buildArgs: [String] = []
    @Option(help: "Build this stage (default: the last).") var target: String?
    @Option(help: "The commit being built (full id): labels, and SOURCE_DATE_EPOCH from its time.") var commit: String?
    @Option(help: "The branch being built (slipway.git.branch label).") var branch: String?
    @Option(help: "The repository the code came from (org.opencontainers.image.source label).") var source: String?
    @Flag(help: "Push the image to the registry --tag names.") var push = false
    @Option(help: "Also write the image to an OCI layout, oci:DIR:TAG.") var output: String?
    @Flag(help: "Build every step, ignoring the cache.") var noCache = false
    @Option(help: "The network of RUN steps: none (default) or host.") var network: String = "none"
    @Option(help: "A secret for RUN --mount=type=secret: id=ID,src=FILE (repeatable).") var secret: [String] = []
    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard ["none", "host"].contains(network) else { throw ValidationError("--network must be none or host") }
        for argument in buildArgs where !argument.contains("=") {
            throw ValidationError("--build-arg \(argument): expected KEY=VALUE")
        }
        if let output, !output.hasPrefix("oci:") { throw ValidationError("--output must be oci:DIR:TAG") }
        _ = try secrets()
    }

    func secrets() throws -> [String: String] {
        var result: [String: String] = [:]
        for text in secret {
            var fields: [String: String] = [:]
            for field in text.split(separator: ",") {
                let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--secret \(text): expected id=ID,src=FILE") }
                fields[parts[0]] = parts[1]
            }
            guard let id = fields["id"], let file = fields["src"] ?? fields["source"] else {
                throw ValidationError("--secret \(text): expected id=ID,src=FILE")
            }
            guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("--secret \(text): cannot read \(file)") }
            result[id] = file
        }
        return result
    }

    func run() async throws {
        let home = SlipwayHome.fromEnvironment()
        try home.createIfNeeded()
        var request = BuildRequest(context: context, tag: tag)
        if let file { request.dockerfile = file }
        for argument in buildArgs {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            request.buildArgs[parts[0]] = parts[1]
        }
        request.target = target
        request.commit = commit
        request.branch = branch
        request.source = source
        request.noCache = noCache
        request.network = network == "host" ? .host : .none
        request.secrets = try secrets()
        let registry = try client.makeClient()
        let builder = try Builder(root: home.path + "/builder", client: registry)
        let start = Date()
        builder.events = { event in if let line = event.line { note(line) } }
        let result = try await builder.build(request)
        let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
        if let output {
            let location = try ImageLocation(parsing: output)
            guard case .layout(let path, let outputTag) = location else { throw ValidationError("--output must be oci:DIR:TAG") }
            let layout = try OCILayout.openOrCreate(at: path)
            try await ImageCopier(client: registry).copy(from: .layout(result.layout, tag: result.tag),
                                                         to: .layout(layout, tag: outputTag ?? "latest"))
        }
        if push {
            let reference = try ImageReference(parsing: tag)
            try await ImageCopier(client: registry).copy(from: .layout(result.layout, tag: result.tag), to: .registry(reference))
            note("pushed \(reference)")
        }
        print("\(tag) \(result.descriptor.digest) (built in \(seconds) s)")
    }
}
