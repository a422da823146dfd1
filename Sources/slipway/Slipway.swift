import Foundation
import SlipwayCommands

@main
struct Slipway {
    static func main() async {
        exit(await SlipwayCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
    }
}
