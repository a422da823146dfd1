import Foundation
import SlipwayTestSupport
import Testing

/// Dockerfiles built by Slipway and by buildah, both unpacked and compared entry by entry (path, type, mode, owner,
/// content hash, link target) with the configuration (Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Labels,
/// Volumes, StopSignal).
@Suite(.serialized) struct CompatibilityTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var dockerfile: String
        var files: [String: String] = [:]
        var buildArgs: [String] = []
        var target: String?
        var description: String { name }
    }

    static let site = Result { try BuildSite() }
    static let debian = Result<Void, any Error> { try site.get().pushDebian() }

    static let cases: [Case] = [
        Case(name: "single-stage", dockerfile: """
            FROM @BASE@
            ARG GREETING=hello
            ENV APP_HOME=/app
            WORKDIR $APP_HOME
            COPY src/ ./src/
            COPY --chown=app:app notes.txt /app/notes.txt
            RUN echo "$GREETING from $(id -u)" > built.txt && rm -f /bin/touch
            USER app
            CMD ["cat", "/app/built.txt"]
            EXPOSE 8080
            LABEL org.example.name=demo
            """, files: ["src/main.c": "int main(void) { return 0; }\n", "src/lib/util.h": "#pragma once\n", "notes.txt": "notes\n"]),
        Case(name: "multi-stage", dockerfile: """
            FROM @BASE@ AS builder
            WORKDIR /build
            COPY . .
            RUN mkdir -p out && cat a.txt b.txt > out/joined.txt && echo built > out/stamp
            FROM @BASE@ AS unused
            RUN echo never > /never
            FROM @BASE@
            COPY --from=builder /build/out/ /srv/
            COPY --from=0 /build/a.txt /srv/first-stage-a.txt
            CMD ["cat", "/srv/joined.txt"]
            """, files: ["a.txt": "a\n", "b.txt": "b\n"]),
        Case(name: "target", dockerfile: """
            FROM @BASE@ AS base
            RUN echo base > /base.txt
            FROM base AS test
            RUN echo test > /test.txt
            FROM base AS release
            RUN echo release > /release.txt
            """, target: "test"),
        Case(name: "dockerignore", dockerfile: """
            FROM @BASE@
            COPY . /ctx/
            """, files: [".dockerignore": "# build output\n**/*.log\nnode_modules\ntmp/*\n!tmp/keep.txt\nsecret*\n!secret.public\n",
                         "app.js": "x\n", "debug.log": "log\n", "logs/deep/x.log": "log\n", "logs/readme": "r\n",
                         "node_modules/lib/index.js": "m\n", "tmp/keep.txt": "k\n", "tmp/drop.txt": "d\n",
                         "secret.key": "s\n", "secret.public": "p\n"]),
        Case(name: "user-and-workdir", dockerfile: """
            FROM @BASE@
            USER app
            WORKDIR /home/app/work
            RUN echo mine > owned.txt && id > ids.txt
            USER root
            WORKDIR ../root-made
            RUN touch root.txt
            USER app:staff
            """),
        Case(name: "whiteouts", dockerfile: """
            FROM @BASE@
            RUN rm -r /var/lib/old && rm /etc/motd
            RUN mkdir -p /var/lib/old && echo new > /var/lib/old/fresh
            RUN rm /bin/touch /bin/sleep
            """),
        Case(name: "copy-wildcards", dockerfile: """
            FROM @BASE@
            COPY *.txt docs/*.md /data/
            COPY ["with space.txt", "/data/spaced/"]
            COPY conf /etc/app
            COPY single.txt /data/renamed.txt
            """, files: ["a.txt": "1\n", "b.txt": "2\n", "docs/guide.md": "g\n", "docs/skip.rst": "s\n",
                         "with space.txt": "w\n", "conf/app.conf": "c\n", "conf/sub/more.conf": "m\n", "single.txt": "one\n"]),
        Case(name: "chmod-chown", dockerfile: """
            FROM @BASE@
            COPY --chmod=0755 run.sh /usr/local/bin/run
            COPY --chown=1000:50 data/ /srv/data/
            COPY --chown=app --chmod=600 secret.conf /home/app/
            """, files: ["run.sh": "#!/bin/sh\necho run\n", "data/one": "1\n", "data/two/three": "3\n", "secret.conf": "s\n"]),
        Case(name: "arguments", dockerfile: """
            ARG VERSION=1.0
            FROM @BASE@
            ARG VERSION
            ARG CHANNEL
            ARG EMPTY=
            ENV VERSION=$VERSION CHANNEL=${CHANNEL:-stable} MAYBE=${EMPTY:+set} ALT=${VERSION:+v$VERSION}
            LABEL version="${VERSION}" channel=$CHANNEL
            RUN echo "$VERSION $CHANNEL" > /version
            """, buildArgs: ["CHANNEL=beta"]),
        Case(name: "metadata", dockerfile: """
            FROM @BASE@
            SHELL ["/bin/sh", "-e", "-c"]
            ENTRYPOINT ["/bin/sh", "-c"]
            CMD ["echo hello"]
            STOPSIGNAL SIGQUIT
            VOLUME /data /cache
            EXPOSE 8080 53/udp
            LABEL a=1 b="two words" \\
                  c=3
            ENV PATH=/opt/bin:$PATH
            RUN echo "$0 $-" > /shell.txt
            """),
        Case(name: "scratch", dockerfile: """
            FROM scratch
            COPY hello.txt /
            COPY nested/ /nested/
            CMD ["/hello"]
            """, files: ["hello.txt": "hi\n", "nested/a/b.txt": "b\n"]),
        Case(name: "global-arg-in-from", dockerfile: """
            ARG BASE_IMAGE=@BASE@
            FROM ${BASE_IMAGE} AS first
            RUN echo first > /first
            FROM first
            RUN echo second > /second
            """),
        Case(name: "symlinks-and-nested-dirs", dockerfile: """
            FROM @BASE@
            COPY tree/ /opt/tree/
            RUN ln -s /opt/tree/real /opt/link && cp -a /opt/tree/real /opt/copy
            """, files: ["tree/real/file.txt": "f\n", "tree/real/sub/deeper.txt": "d\n", "tree/empty/": ""]),
        Case(name: "entrypoint-resets-inherited-cmd", dockerfile: """
            FROM @BASE@ AS one
            CMD ["inherited"]
            FROM one
            ENTRYPOINT ["/bin/echo"]
            """),
        Case(name: "add-archive", dockerfile: """
            FROM @BASE@
            ADD bundle.tar /opt/bundle/
            ADD bundle.tar.gz /opt/gz/
            ADD bundle.tar.xz /opt/xz/
            ADD bundle.tar.bz2 /opt/bz2/
            ADD plain.txt /opt/plain.txt
            """, files: ["plain.txt": "p\n"]),
        Case(name: "debian-users-and-steps", dockerfile: """
            FROM debian:bookworm
            RUN groupadd -r app && useradd -r -g app -d /srv/app -s /bin/bash app
            RUN mkdir -p /srv/app/data && chown -R app:app /srv/app
            COPY --chown=app:app app/ /srv/app/
            USER app
            WORKDIR /srv/app
            RUN perl -e 'open my $f, ">", "data/out.txt"; print $f join(",", 1..50), "\\n";' && id > whoami.txt
            USER root
            RUN rm -rf /usr/share/doc/* /var/log/*.log && echo ready > /etc/app-ready
            CMD ["perl", "/srv/app/main.pl"]
            """, files: ["app/main.pl": "print \"hello\\n\";\n"]),
        Case(name: "cache-mount", dockerfile: """
            FROM @BASE@
            RUN --mount=type=cache,target=/root/.cache echo cached > /root/.cache/item && ls /root/.cache > /listing
            """),
    ]

    @Test(arguments: cases)
    func buildsWhatBuildahBuilds(_ example: Case) throws {
        let site = try Self.site.get()
        if example.dockerfile.contains("FROM debian") { try Self.debian.get() }
        let context = try site.context(example.name, dockerfile: example.dockerfile, files: example.files)
        if example.name == "add-archive" {
            try site.work.write("bundle-src/bin/tool", "#!/bin/sh\n", mode: 0o755)
            try site.work.write("bundle-src/share/doc.txt", "doc\n")
            let tar = try run(["tar", "-C", site.work("bundle-src"), "--owner=0", "--group=0", "-cf", context + "/bundle.tar", "."])
            try #require(tar.status == 0, "\(tar.stderr)")
            for (suffix, program) in [("gz", "gzip"), ("xz", "xz"), ("bz2", "bzip2")] {
                let compressed = try run(["sh", "-c", "\(program) -c < bundle.tar > bundle.tar.\(suffix)"], directory: context)
                try #require(compressed.status == 0, "\(compressed.stderr)")
            }
        }
        try site.expectSameAsBuildah(context, slipwayArguments: example.buildArgs.flatMap { ["--build-arg", $0] },
                                     buildahArguments: example.buildArgs, target: example.target)
    }

    /// ADD of URLs, served by Python's http.server on loopback: downloaded, not unpacked, named by the URL in a
    /// directory destination.
    @Test func addFromURLsAsBuildahDoes() throws {
        let site = try Self.site.get()
        let files = site.work("served")
        try site.work.write("served/files/tool.sh", "#!/bin/sh\necho tool\n", mode: 0o755)
        let tar = try run(["sh", "-c", "mkdir -p t && echo x > t/x && tar -czf served/files/data.tar.gz -C t ."], directory: site.work.path)
        try #require(tar.status == 0, "\(tar.stderr)")
        let server = try HTTPFileServer(directory: files)
        let context = try site.context("add-url", dockerfile: """
            FROM @BASE@
            ADD http://127.0.0.1:\(server.port)/files/tool.sh /opt/
            ADD http://127.0.0.1:\(server.port)/files/data.tar.gz /opt/data.tar.gz
            ADD http://127.0.0.1:\(server.port)/files/tool.sh /usr/local/bin/tool
            """)
        try site.expectSameAsBuildah(context)
    }

    /// buildah 1.28 (Debian 12's) has no heredoc support, so heredocs are checked against what the Dockerfile
    /// reference says they make.
    @Test func heredocsMakeTheFilesTheReferenceDescribes() throws {
        let site = try Self.site.get()
        let context = try site.context("heredocs", dockerfile: """
            FROM @BASE@
            ENV WHO=world
            RUN <<EOF
            mkdir -p /opt/app
            echo "hello $WHO" > /opt/app/one.txt
            EOF
            COPY <<EOF /opt/app/config.ini
            [server]
            port = 8080
            EOF
            RUN cat <<'END' > /opt/app/two.txt
            literal $HOME
            END
            """)
        let built = try site.slipwayBuild(context)
        let location = try #require(built.location, "\(built.result.stderr)")
        let unpacked = site.work("heredoc-unpacked")
        #expect(try run([slipwayExecutable, "image", "unpack", location, unpacked]).status == 0)
        #expect(try String(contentsOfFile: unpacked + "/opt/app/one.txt", encoding: .utf8) == "hello world\n")
        #expect(try String(contentsOfFile: unpacked + "/opt/app/config.ini", encoding: .utf8) == "[server]\nport = 8080\n")
        #expect(try String(contentsOfFile: unpacked + "/opt/app/two.txt", encoding: .utf8) == "literal $HOME\n")
    }
}

/// Python's http.server on a free loopback port, serving a directory; killed when released.
final class HTTPFileServer: @unchecked Sendable {
    let port: Int
    private let process = Process()

    init(directory: String) throws {
        port = try freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? run(["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]))?.status == 0 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGKILL)
        throw ServerProcess.ServerError(message: "python3 -m http.server did not answer on port \(port)")
    }

    // SIGKILL: children of the test process may have SIGTERM blocked.
    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
