/// What can go wrong between a push and an image; each says which source, commit or file, and what to do.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
