import Foundation

/// A real smart-HTTP git server on a free loopback port: Python's http.server running git's own
/// `git-http-backend` as a CGI program over the bare repositories under `root`. With a token, every request needs
/// HTTP Basic auth whose password is that token (any user name), as GitHub, GitLab and Bitbucket take access tokens;
/// others get 401 and `WWW-Authenticate: Basic realm="git"`. Each request is logged (never its password).
/// Killed when released.
public final class GitHTTPServer: @unchecked Sendable {
    /// One request as the server saw it.
    public struct Request: Decodable, Sendable, CustomStringConvertible {
        public var method: String
        public var path: String
        public var query: String
        /// Whether the request carried an Authorization header at all.
        public var authorization: Bool
        /// Whether that header held the token (always true without a token).
        public var authorized: Bool
        public var status: Int

        public var description: String { "\(method) \(path)?\(query) auth=\(authorization) ok=\(authorized) \(status)" }
    }

    public let directory = TemporaryDirectory("slipway-git-http")
    /// GIT_PROJECT_ROOT: a repository at `root/acme/app.git` is `url(for: "acme/app.git")`.
    public var root: String { directory("repositories") }
    public let port: Int
    private let process: Process

    public init(token: String? = nil) throws {
        try requireTool("python3")
        let backend = "/usr/lib/git-core/git-http-backend"
        guard FileManager.default.isExecutableFile(atPath: backend) else {
            throw ServerProcess.ServerError(message: "\(backend) is missing; install Debian's git package")
        }
        try FileManager.default.createDirectory(atPath: directory("repositories"), withIntermediateDirectories: true)
        // The token reaches the script in a file, not in its arguments.
        try directory.write("token", token ?? "", mode: 0o600)
        try directory.write("server.py", Self.script)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory("server.py"), backend, directory("repositories"), directory("token"),
                             directory("requests.log")]
        FileManager.default.createFile(atPath: directory("output"), contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: directory("output")))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        // It binds port 0 itself and says which port it got: no race for a "free" port.
        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while port == nil, Date() < deadline, process.isRunning {
            let text = (try? String(contentsOfFile: directory("output"), encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on 127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last!)
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw ServerProcess.ServerError(message: "the git HTTP server did not start: " + ((try? String(contentsOfFile: directory("output"), encoding: .utf8)) ?? ""))
        }
        self.port = port
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// `http://127.0.0.1:PORT/REPO`, e.g. for `acme/app.git`.
    public func url(for repo: String) -> String { "http://127.0.0.1:\(port)/\(repo)" }

    /// Every request so far, oldest first.
    public var requests: [Request] {
        let text = (try? String(contentsOfFile: directory("requests.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// What the server printed (Python's tracebacks, git-http-backend's complaints).
    public var output: String { (try? String(contentsOfFile: directory("output"), encoding: .utf8)) ?? "" }

    static let script = #"""
        import base64, json, os, shutil, subprocess, sys, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        BACKEND, ROOT, TOKEN_FILE, LOG = sys.argv[1:5]
        TOKEN = open(TOKEN_FILE).read().strip()
        log_lock = threading.Lock()


        def chunks(stream):
            """The decoded body of a `Transfer-Encoding: chunked` request."""
            while True:
                size = int(stream.readline().split(b";")[0], 16)
                if size == 0:
                    while stream.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                yield stream.read(size)
                stream.readline()


        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.serve()

            def do_POST(self):
                self.serve()

            def serve(self):
                url = urlsplit(self.path)
                header = self.headers.get("Authorization", "")
                user, password = "", None
                if header.startswith("Basic "):
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                authorized = not TOKEN or password == TOKEN
                status = 401
                try:
                    if not authorized:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="git"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    else:
                        status = self.cgi(url, user)
                finally:
                    entry = {"method": self.command, "path": url.path, "query": url.query,
                             "authorization": bool(header), "authorized": authorized, "status": status}
                    with log_lock, open(LOG, "a") as log:
                        log.write(json.dumps(entry) + "\n")

            def cgi(self, url, user):
                env = dict(os.environ, GIT_PROJECT_ROOT=ROOT, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=url.path,
                           QUERY_STRING=url.query, REQUEST_METHOD=self.command, REMOTE_USER=user, REMOTE_ADDR="127.0.0.1",
                           CONTENT_TYPE=self.headers.get("Content-Type", ""), GATEWAY_INTERFACE="CGI/1.1")
                for name, value in self.headers.items():  # Git-Protocol, Content-Encoding, ... as CGI's HTTP_*
                    env["HTTP_" + name.upper().replace("-", "_")] = value
                chunked = self.headers.get("Transfer-Encoding", "").lower() == "chunked"
                length = int(self.headers.get("Content-Length") or 0)
                if not chunked:
                    env["CONTENT_LENGTH"] = str(length)
                backend = subprocess.Popen([BACKEND], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

                def feed():  # the body streamed in while the answer streams out
                    try:
                        if chunked:
                            for chunk in chunks(self.rfile):
                                backend.stdin.write(chunk)
                        else:
                            remaining = length
                            while remaining > 0:
                                data = self.rfile.read(min(remaining, 65536))
                                if not data:
                                    break
                                backend.stdin.write(data)
                                remaining -= len(data)
                    except BrokenPipeError:
                        pass
                    finally:
                        backend.stdin.close()

                feeder = threading.Thread(target=feed)
                feeder.start()
                status, headers = 200, []
                for line in iter(backend.stdout.readline, b""):
                    line = line.rstrip(b"\r\n").decode("latin-1")
                    if not line:
                        break
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    else:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                shutil.copyfileobj(backend.stdout, self.wfile)
                feeder.join()
                backend.wait()
                return status

            def log_message(self, format, *args):
                pass


        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
        server.serve_forever()
        """#
}
