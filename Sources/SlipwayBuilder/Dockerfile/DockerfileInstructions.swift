/// `FROM [--platform=<platform>] <image> [AS <name>]`.
public struct DockerfileFrom: Equatable, Sendable {
    /// The `--platform` value as written, if given.
    public var platform: String?
    /// The base: an image reference, `scratch`, or the name of an earlier stage (as written; may hold `$ARG`s).
    public var image: String
    /// The stage name after `AS`, lowercased as BuildKit does, or nil.
    public var stageName: String?

    /// Creates a FROM.
    public init(platform: String?, image: String, stageName: String?) {
        self.platform = platform
        self.image = image
        self.stageName = stageName
    }
}

/// COPY or ADD: sources, a destination and options.
public struct DockerfileCopy: Equatable, Sendable {
    /// A source: a path (or URL, for ADD) in the build context or stage, or an inline heredoc file.
    public enum Source: Equatable, Sendable {
        case path(String)
        case heredoc(DockerfileHeredoc)
    }

    /// The sources in the order written.
    public var sources: [Source]
    /// The destination path.
    public var destination: String
    /// True when the arguments were a JSON array.
    public var isJSONForm: Bool
    /// COPY `--from=<stage|index|image>`.
    public var from: String?
    /// `--chown=<user>[:<group>]`.
    public var chown: String?
    /// `--chmod=<perms>`.
    public var chmod: String?
    /// `--link`.
    public var link: Bool
    /// COPY `--parents`: keep the parent directories of each source.
    public var parents: Bool
    /// `--exclude=<pattern>`, in order; repeatable.
    public var excludes: [String]
    /// ADD `--keep-git-dir`: keep the `.git` directory of a Git source.
    public var keepGitDir: Bool
    /// ADD `--checksum=<digest>` for a remote source.
    public var checksum: String?

    /// Creates a COPY/ADD value.
    public init(
        sources: [Source], destination: String, isJSONForm: Bool = false, from: String? = nil, chown: String? = nil,
        chmod: String? = nil, link: Bool = false, parents: Bool = false, excludes: [String] = [],
        keepGitDir: Bool = false, checksum: String? = nil
    ) {
        self.sources = sources
        self.destination = destination
        self.isJSONForm = isJSONForm
        self.from = from
        self.chown = chown
        self.chmod = chmod
        self.link = link
        self.parents = parents
        self.excludes = excludes
        self.keepGitDir = keepGitDir
        self.checksum = checksum
    }

    /// The path sources only, heredocs left out.
    public var sourcePaths: [String] {
        sources.compactMap { if case .path(let path) = $0 { path } else { nil } }
    }
}

/// `RUN [--mount=…] [--network=…] [--security=…] <command>`.
public struct DockerfileRun: Equatable, Sendable {
    /// `--network`: the network the command sees.
    public enum Network: String, Equatable, Sendable {
        /// `default`: the builder's default network.
        case `default`
        /// `none`: no network access (named so as not to be confused with `Optional.none`).
        case disabled = "none"
        /// `host`: the host's network (needs the `network.host` entitlement).
        case host
    }

    /// `--security`: `insecure` needs the `security.insecure` entitlement.
    public enum Security: String, Equatable, Sendable {
        case sandbox, insecure
    }

    /// The command. A heredoc's `<<EOF` stays in the shell-form text; its body is in `heredocs`.
    public var command: DockerfileCommandLine
    /// The heredocs in the order they were opened.
    public var heredocs: [DockerfileHeredoc]
    /// The `--mount` options in order.
    public var mounts: [DockerfileRunMount]
    /// `--network`, if given.
    public var network: Network?
    /// `--security`, if given.
    public var security: Security?

    /// Creates a RUN value.
    public init(
        command: DockerfileCommandLine, heredocs: [DockerfileHeredoc] = [], mounts: [DockerfileRunMount] = [],
        network: Network? = nil, security: Security? = nil
    ) {
        self.command = command
        self.heredocs = heredocs
        self.mounts = mounts
        self.network = network
        self.security = security
    }
}

/// `HEALTHCHECK NONE` or `HEALTHCHECK [options] CMD <command>`.
public enum DockerfileHealthcheck: Equatable, Sendable {
    /// The check and its timing.
    public struct Check: Equatable, Sendable {
        /// The command: `.exec` for `CMD ["…"]` (test `CMD`), `.shell` for `CMD …` (test `CMD-SHELL`).
        public var command: DockerfileCommandLine
        /// `--interval`, nil for the default (30s).
        public var interval: Duration?
        /// `--timeout`, nil for the default (30s).
        public var timeout: Duration?
        /// `--start-period`, nil for the default (0s).
        public var startPeriod: Duration?
        /// `--start-interval`, nil for the default (5s).
        public var startInterval: Duration?
        /// `--retries`, nil for the default (3).
        public var retries: Int?

        /// Creates a check.
        public init(
            command: DockerfileCommandLine, interval: Duration? = nil, timeout: Duration? = nil,
            startPeriod: Duration? = nil, startInterval: Duration? = nil, retries: Int? = nil
        ) {
            self.command = command
            self.interval = interval
            self.timeout = timeout
            self.startPeriod = startPeriod
            self.startInterval = startInterval
            self.retries = retries
        }
    }

    /// `HEALTHCHECK NONE`: disable any check inherited from the base image.
    case none
    /// `HEALTHCHECK … CMD …`.
    case check(Check)
}

/// A port or port range of EXPOSE: `80`, `80/tcp`, `53/udp`, `8000-8010/tcp`.
public struct DockerfileExposedPort: Equatable, Hashable, Sendable {
    /// The transport protocol.
    public enum TransportProtocol: String, Equatable, Hashable, Sendable {
        case tcp, udp, sctp
    }

    /// The first port.
    public var start: Int
    /// The last port (equal to `start` for a single port).
    public var end: Int
    /// The protocol, `tcp` when none is written.
    public var transportProtocol: TransportProtocol

    /// Creates a port range.
    public init(start: Int, end: Int, transportProtocol: TransportProtocol) {
        self.start = start
        self.end = end
        self.transportProtocol = transportProtocol
    }

    /// Parses `port[-port][/protocol]` as Docker's `nat.ParsePortSpec` does (protocol case-insensitive); the
    /// failure says why the text is not a port specification.
    public static func parse(_ text: String) -> Result<DockerfileExposedPort, PortSyntaxError> {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        var proto = TransportProtocol.tcp
        if parts.count == 2 {
            guard let parsed = TransportProtocol(rawValue: parts[1].lowercased()) else {
                return .failure(PortSyntaxError(reason: "invalid protocol \"\(parts[1])\" (use tcp, udp or sctp)"))
            }
            proto = parsed
        }
        let range = parts[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let start = port(range[0]) else {
            return .failure(PortSyntaxError(reason: "invalid port \"\(range[0])\" (ports are 0-65535)"))
        }
        var end = start
        if range.count == 2 {
            guard let parsedEnd = port(range[1]) else {
                return .failure(PortSyntaxError(reason: "invalid port \"\(range[1])\" (ports are 0-65535)"))
            }
            guard parsedEnd >= start else {
                return .failure(PortSyntaxError(reason: "invalid port range \(start)-\(parsedEnd) (end before start)"))
            }
            end = parsedEnd
        }
        return .success(DockerfileExposedPort(start: start, end: end, transportProtocol: proto))
    }

    /// Why a port specification was refused.
    public struct PortSyntaxError: Error, Equatable, Sendable {
        /// The reason, for example `invalid port "http" (ports are 0-65535)`.
        public var reason: String
    }

    private static func port(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text), value <= 65535
        else { return nil }
        return value
    }
}
