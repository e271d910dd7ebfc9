using MetaCheck.Core;
using MetaCheck.Wrappers;

namespace MetaCheck;

/// <summary>
/// The wrappers' own binary: delay-checker, interval-checker and periodic-checker only, through links
/// named after them. It runs the same code as the multi-call `metacheck`, which answers these names too;
/// being a fraction of its size, it starts with fewer pages to map and fewer types to set up, and an
/// agent starts a wrapper for every check, every minute (docs/benchmarks.md has the figures).
/// </summary>
public static class Program
{
    private static readonly CommandHost Host = new(WrapperCommands.All);

    public static int Main(string[] args) => Host.Main(args, args => args switch
    {
        ["--version" or "-V"] => Version(),
        ["--list"] => Host.PrintLinkedNames(), // the names `make install` links to this binary
        _ => Host.RunNamed(args, CommandHost.Self),
    });

    private static int Version()
    {
        Console.WriteLine($"{WrapperCommands.Binary} {BuildInfo.Version}");
        return 0;
    }
}
