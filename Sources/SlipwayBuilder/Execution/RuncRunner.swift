import Foundation
import Synchronization

/// Runs one command in a root filesystem through runc (the Debian package): an OCI runtime bundle with the
/// namespaces, mounts and capabilities Docker gives a build step, its output streamed line by line.
public struct RuncRunner: Sendable {
    public enum Network: String, Sendable { case none, host }

    /// A bind mount into the step's container (cache directories, secrets, other stages).
    public struct BindMount: Sendable {
        public var source: String
        public var destination: String
        public var readOnly: Bool
        public init(source: String, destination: String, readOnly: Bool) {
            self.source = source
            self.destination = destination
            self.readOnly = readOnly
        }
    }

    public struct Step: Sendable {
        public var arguments: [String]
        public var environment: [String]
        public var workingDirectory: String
        public var uid: UInt32
        public var gid: UInt32
        public var additionalGids: [UInt32] = []
        public var network: Network
        public var mounts: [BindMount] = []

        public init(arguments: [String], environment: [String], workingDirectory: String, uid: UInt32 = 0, gid: UInt32 = 0,
                    network: Network = .none) {
            self.arguments = arguments
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.uid = uid
            self.gid = gid
            self.network = network
        }
    }

    public let runc: String
    public let stateRoot: String
    /// The containers running now, so a cancelled build can kill them.
    let containers = RunningContainers()

    public init(runc: String = "/usr/sbin/runc", stateRoot: String) {
        self.runc = runc
        self.stateRoot = stateRoot
    }

    /// Kills every step running now and refuses to start more.
    public func cancel() {
        for id in containers.cancel() { kill(id) }
    }

    public var isCancelled: Bool { containers.isCancelled }

    private func kill(_ id: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runc)
        process.arguments = ["--root", stateRoot, "kill", id, "KILL"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
        process.waitUntilExit()
    }

    /// Runs `step` with `rootfs` as its root; returns the exit status. `output` gets each line printed
    /// (stdout and stderr together, as BuildKit shows them).
    public func run(_ step: Step, rootfs: String, bundle: String, output: @escaping @Sendable (String) -> Void) throws -> Int32 {
        guard FileManager.default.isExecutableFile(atPath: runc) else {
            throw BuilderError.runtime(reason: "\(runc) is missing; install Debian's runc package")
        }
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        let config = try JSONSerialization.data(withJSONObject: Self.configuration(step, rootfs: rootfs),
                                                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try config.write(to: URL(fileURLWithPath: bundle + "/config.json"))
        let id = "slipway-build-\(UUID().uuidString.prefix(12).lowercased())"
        guard containers.insert(id) else { throw BuilderError.cancelled }
        defer { containers.remove(id) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runc)
        process.arguments = ["--root", stateRoot, "run", "--bundle", bundle, id]
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let done = DispatchSemaphore(value: 0)
        let reader = pipe.fileHandleForReading
        DispatchQueue.global().async {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    output(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { output(String(decoding: pending, as: UTF8.self)) }
            done.signal()
        }
        do {
            try process.run()
        } catch {
            throw BuilderError.runtime(reason: "cannot start \(runc): \(error)")
        }
        // A cancel between insert and run finds no container yet: check again once it can.
        if containers.isCancelled { kill(id) }
        process.waitUntilExit()
        done.wait()
        let delete = Process()
        delete.executableURL = URL(fileURLWithPath: runc)
        delete.arguments = ["--root", stateRoot, "delete", "--force", id]
        delete.standardOutput = FileHandle.nullDevice
        delete.standardError = FileHandle.nullDevice
        try? delete.run()
        delete.waitUntilExit()
        return process.terminationStatus
    }

    /// Docker's default capabilities for containers, which build steps get too (apt, chown and su need them).
    static let capabilities = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
                               "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                               "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]

    /// The bundle's config.json (https://github.com/opencontainers/runtime-spec/blob/main/config.md).
    static func configuration(_ step: Step, rootfs: String) -> [String: Any] {
        var namespaces: [[String: String]] = [["type": "pid"], ["type": "ipc"], ["type": "uts"], ["type": "mount"]]
        if step.network == .none { namespaces.append(["type": "network"]) }
        var mounts: [[String: Any]] = [
            ["destination": "/proc", "type": "proc", "source": "proc"],
            ["destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]],
            ["destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]],
            ["destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]],
            ["destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]],
            // A fresh sysfs shows the step's own network namespace; with the host's network only a bind is allowed.
            step.network == .none
                ? ["destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]]
                : ["destination": "/sys", "type": "bind", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]],
        ]
        if step.network == .host {
            for file in ["/etc/resolv.conf", "/etc/hosts"] where FileManager.default.fileExists(atPath: file) {
                mounts.append(["destination": file, "type": "bind", "source": file, "options": ["rbind", "ro"]])
            }
        }
        for mount in step.mounts {
            mounts.append(["destination": mount.destination, "type": "bind", "source": mount.source,
                           "options": ["rbind", mount.readOnly ? "ro" : "rw"]])
        }
        return [
            "ociVersion": "1.0.2",
            "process": [
                "terminal": false,
                "user": ["uid": step.uid, "gid": step.gid, "additionalGids": step.additionalGids],
                "args": step.arguments,
                "env": step.environment,
                "cwd": step.workingDirectory,
                "capabilities": ["bounding": capabilities, "effective": capabilities, "permitted": capabilities],
                "noNewPrivileges": false,
            ],
            "root": ["path": rootfs, "readonly": false],
            "hostname": "buildkitsandbox",
            "mounts": mounts,
            "linux": [
                "namespaces": namespaces,
                "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
                "readonlyPaths": ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            ],
        ]
    }
}

/// The ids of a runner's running containers, and whether its build was cancelled.
final class RunningContainers: Sendable {
    private let state = Mutex<(ids: Set<String>, cancelled: Bool)>(([], false))

    /// Records a container about to start; false once cancelled.
    func insert(_ id: String) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.ids.insert(id)
            return true
        }
    }

    func remove(_ id: String) { _ = state.withLock { $0.ids.remove(id) } }

    /// Marks the runner cancelled and returns the containers to kill.
    func cancel() -> Set<String> {
        state.withLock { state in
            state.cancelled = true
            return state.ids
        }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }
}
