import AsyncHTTPClient
import Foundation
import NIOCore
import SlipwayConfig
import SlipwayStore

/// What the last health check of a server saw.
public struct HealthReport: Sendable, Equatable {
    public var server: String
    public var passed: Bool
    public var lastStatus: Int?
    public var lastError: String?
    public var bodyExcerpt: String?
    /// Set when the container stopped running: its exit code.
    public var exitCode: Int?
    public var attempts: Int
}

/// Polls a server's health endpoint until it answers the expected status, the container stops, or the deadline
/// passes.
public struct HealthChecker: Sendable {
    public let health: SlipwayConfig.Health
    let http: HTTPClient

    public init(health: SlipwayConfig.Health, http: HTTPClient = .shared) {
        self.health = health
        self.http = http
    }

    public func waitUntilHealthy(_ server: DeployedServer, driver: any RuntimeDriver) async -> HealthReport {
        var report = HealthReport(server: server.name, passed: false, attempts: 0)
        let deadline = ContinuousClock.now + health.deadline
        while ContinuousClock.now < deadline, !Task.isCancelled {
            report.attempts += 1
            var request = HTTPClientRequest(url: "http://\(server.host):\(server.port)\(health.path)")
            request.headers.add(name: "User-Agent", value: "slipway-health-check")
            do {
                let response = try await http.execute(request, timeout: .nanoseconds(Int64(health.timeout.components.seconds) * 1_000_000_000
                                                                                    + health.timeout.components.attoseconds / 1_000_000_000))
                let body = try await response.body.collect(upTo: 1 << 20)
                report.lastStatus = Int(response.status.code)
                report.lastError = nil
                report.bodyExcerpt = String(String(buffer: body).prefix(200))
                if report.lastStatus == health.status {
                    report.passed = true
                    return report
                }
            } catch {
                report.lastError = Self.describe(error)
            }
            if let status = try? await driver.inspect(server.id), !status.running || status.restarts > 0 {
                report.exitCode = status.exitCode ?? -1
                return report
            }
            try? await Task.sleep(for: health.interval)
        }
        return report
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") {
            return "connection refused"
        }
        if text.contains("remoteConnectionClosed") { return "connection closed before a response" }
        if text.contains("readTimeout") || text.contains("deadlineExceeded") { return "no response in time" }
        return text
    }
}
