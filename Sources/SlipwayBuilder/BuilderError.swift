/// What can go wrong in a build; each case says where, and what to do where there is something to do.
public enum BuilderError: Error, CustomStringConvertible, Sendable {
    case io(path: String, reason: String)
    case mount(target: String, reason: String)
    case runtime(reason: String)
    /// A RUN step that exited non-zero, with the last lines it printed.
    case stepFailed(step: String, status: Int32, lastLines: [String])
    case cancelled

    public var description: String {
        switch self {
        case .io(let path, let reason): "\(path): \(reason)"
        case .mount(let target, let reason): "cannot mount the build's filesystem at \(target): \(reason)"
        case .runtime(let reason): "runc: \(reason)"
        case .cancelled: "the build was cancelled"
        case .stepFailed(let step, let status, let lastLines):
            "\(step) failed with exit status \(status)"
                + (lastLines.isEmpty ? "" : ":\n" + lastLines.map { "  " + $0 }.joined(separator: "\n"))
        }
    }
}
