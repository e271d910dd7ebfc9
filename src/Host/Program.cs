using MetaCheck.Checks;
using MetaCheck.Core;
using MetaCheck.Wrappers;

namespace MetaCheck;

/// <summary>
/// The multi-call binary: `delay-checker ...` (a link named after the command) and
/// `metacheck delay-checker ...` do the same thing.
/// </summary>
public static class Program
{
    private const string Self = CommandHost.Self;

    private static readonly IReadOnlyList<CommandInfo> Commands =
    [
        .. WrapperCommands.All, .. StoreCommands.All,
        new(Doctor.Name, "check the installation: command links, state directory and store, free disk, agent environment",
            args => Doctor.Main(args, [.. Commands!.Where(c => c.Linked).SelectMany(c => c.AllNames)])) { Linked = false },
        .. CheckCommands.All,
    ];

    private static readonly CommandHost Host = new(Commands) { PrintsOwnVersion = CommandManual.PrintsOwnVersion };

    public static int Main(string[] args) => Host.Main(args, Dispatch);

    /// <summary>`metacheck ...`: run by its own name, not through a command's link.</summary>
    private static int Dispatch(string[] args)
    {
        if (args.Length == 0)
        {
            // Run with nothing to do (a check configured without its command): UNKNOWN with one line, as
            // any usage error, and the usage on stderr, where a person looks; --help prints the whole help.
            Console.Error.WriteLine(Usage);
            return Cli.UsageError(Self, "no command given");
        }
        switch (args[0])
        {
            case "--version" or "-V" or "version":
                Console.WriteLine($"{Self} {Version}");
                return 0;
            case "--help" or "-h" or "help":
                PrintHelp();
                return 0;
            case "--list": // the names `make install` links to the binary
                return Host.PrintLinkedNames();
            case "--manual" when args.Length == 2: // what scripts/manpages.sh needs beyond --help
                return CommandManual.Print(args[1]);
        }
        return Host.RunNamed(args, Self);
    }

    private const string Version = BuildInfo.Version;

    private const string Usage = $"""
        Usage: <command> [options] [-- inner command]      (via the links 'make install' creates)
               {Self} <command> [options] [-- inner command]
               {Self} status | history | metrics | reset | forget | prune | mute | unmute | doctor
                                                    (subcommands only, not linked)
               {Self} --version | --list | --help
        """;

    private static void PrintHelp()
    {
        Console.WriteLine($"""
            {Self} {Version} - meta-checkers and check plugins for Mackerel, Nagios/Icinga and Sensu

            {Usage}

            Installed layout: {Self} and the wrappers in PREFIX/bin (/usr/bin from the package); a link
            for every command, plugins included, in PREFIX/lib/metacheck/bin, so a plugin never takes
            over another package's command of the same name (Mackerel's check-tcp, say).

            Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage errors).
            '<command> --help' describes a command.

            Commands:
            """);
        int width = Commands.Max(c => c.Name.Length) + 2;
        foreach (var command in Commands)
            Console.WriteLine($"  {command.Name.PadRight(width)}{command.Summary}");
    }
}
