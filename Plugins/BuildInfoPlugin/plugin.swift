import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` with the git commit the package is built from, before every build, so that
/// `slipway version` can say exactly which source a binary came from. The file is rewritten only when the
/// commit changes, so an unchanged tree does not recompile.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = #"""
            commit=$(git -C "$1" rev-parse HEAD 2>/dev/null || echo unknown)
            if [ "$commit" != unknown ] && [ -n "$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
                commit="$commit-dirty"
            fi
            mkdir -p "$2"
            content="/// Generated at build time by BuildInfoPlugin.
            enum BuildInfo { static let commit = \"$commit\" }"
            if [ "$(cat "$2/BuildInfo.swift" 2>/dev/null)" != "$content" ]; then
                printf '%s\n' "$content" > "$2/BuildInfo.swift"
            fi
            """#
        return [
            .prebuildCommand(
                displayName: "Recording the git commit",
                executable: URL(filePath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output
            )
        ]
    }
}
