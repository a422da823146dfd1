import Foundation

/// The web application the deploy tests ship: busybox's httpd (from Debian's busybox-static) serving `/index.html`
/// (its version) and `/healthz`, as an image built with `slipway image import-rootfs` — no base image, no network.
public enum ExampleApp {
    public enum Variant: Sendable {
        case healthy
        /// Serves no /healthz: the health check gets 404 for ever.
        case neverHealthy
        /// Exits as soon as it starts.
        case exitsAtOnce
        /// Listens on 3000 (and says so with EXPOSE) while the environment expects 8080.
        case wrongPort
        /// Healthy, but ships npm packages with known advisories: minimist 1.2.5 (a critical one, fixed in 1.2.6)
        /// and lodash 4.17.15 (high ones).
        case vulnerable
    }

    /// Builds the image into `oci:LAYOUT:TAG` with the labels that say which commit and branch it came from, and
    /// returns that location.
    public static func build(version: String, commit: String, branch: String, in work: TemporaryDirectory,
                             variant: Variant = .healthy) throws -> String {
        try requireTool("busybox")
        let root = work("app-\(version)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/www/static", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/busybox")
        try "version \(version)\n".write(toFile: root + "/www/index.html", atomically: true, encoding: .utf8)
        try "body { color: \(version == "1" ? "blue" : "green") }\n".write(toFile: root + "/www/static/site-\(version).css",
                                                                          atomically: true, encoding: .utf8)
        if variant != .neverHealthy { try "ok\n".write(toFile: root + "/www/healthz", atomically: true, encoding: .utf8) }
        if variant == .vulnerable {
            for (name, version) in [("minimist", "1.2.5"), ("lodash", "4.17.15")] {
                let directory = root + "/app/node_modules/\(name)"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try #"{"name": "\#(name)", "version": "\#(version)", "license": "MIT"}"#
                    .write(toFile: directory + "/package.json", atomically: true, encoding: .utf8)
            }
        }
        let port = variant == .wrongPort ? "3000" : "8080"
        var command = ["/bin/busybox", "httpd", "-f", "-v", "-p", port, "-h", "/www"]
        if variant == .exitsAtOnce { command = ["/bin/busybox", "sh", "-c", "echo 'config missing: DATABASE_URL' >&2; exit 1"] }
        let layout = "oci:\(work("layouts")):\(version)-\(commit.prefix(7))"
        let result = try run([slipwayExecutable, "image", "import-rootfs", root, "--output", layout,
                              "--label", "org.opencontainers.image.revision=\(commit)", "--label", "slipway.git.branch=\(branch)",
                              "--expose", port] + command.flatMap { ["--cmd", $0] })
        guard result.status == 0 else { throw ServerProcess.ServerError(message: "import-rootfs failed: \(result.stderr)") }
        return layout
    }
}
