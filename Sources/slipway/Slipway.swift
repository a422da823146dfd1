import Foundation
import SlipwayCommands

@main
struct Slipway {
    static func main() {
        exit(SlipwayCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
    }
}
