import Foundation
import SlipwayArchive

/// What to build and where the result goes: `slipway build CONTEXT --tag REF …`.
public struct BuildRequest: Sendable {
    public var context: String
    /// The Dockerfile, relative to the context unless absolute.
    public var dockerfile: String = "Dockerfile"
    public var tag: String
    public var buildArgs: [String: String] = [:]
    public var target: String?
    public var commit: String?
    public var branch: String?
    /// The repository the image came from (`org.opencontainers.image.source`).
    public var source: String?
    public var noCache = false
    public var network: RuncRunner.Network = .none
    /// Unix time for layer mtimes and `created`: the commit's time when `commit` names one, else this.
    public var sourceDateEpoch: Int64?
    /// Secrets for `RUN --mount=type=secret,id=…`: id → file on this machine.
    public var secrets: [String: String] = [:]

    public init(context: String, tag: String) {
        self.context = context
        self.tag = tag
    }

    /// The Dockerfile's path: absolute as given, else inside the context with symlinks kept inside it.
    public var dockerfilePath: String {
        if dockerfile.hasPrefix("/") { return dockerfile }
        return context + "/" + ((try? FileSystem.resolveInRoot(context, dockerfile)) ?? dockerfile)
    }
}

/// One line of a build's progress, as BuildKit shows it: `[3/7] RUN make`, then `CACHED` or the step's time, and
/// the step's output in between.
public enum BuildEvent: Sendable {
    case step(index: Int, total: Int, text: String)
    case cached(index: Int)
    case done(index: Int, seconds: Double)
    case output(index: Int, line: String)
    case note(String)
}

extension BuildEvent {
    /// The event as a line of BuildKit's plain progress output; nil for a step too quick to mention.
    public var line: String? {
        switch self {
        case .step(let index, let total, let text): "[\(index)/\(total)] \(text)"
        case .cached: "  CACHED"
        case .done(_, let seconds): seconds >= 0.05 ? String(format: "  done in %.1f s", seconds) : nil
        case .output(_, let line): "  | \(line)"
        case .note(let text): text
        }
    }
}
