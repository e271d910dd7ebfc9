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
    private const string Self = "metacheck";

    private static readonly IReadOnlyList<CommandInfo> Commands =
    [
        .. WrapperCommands.All, .. StoreCommands.All,
        new(Doctor.Name, "check the installation: command links, state directory and store, free disk, agent environment",
            args => Doctor.Main(args, [.. Commands!.Where(c => c.Linked).SelectMany(c => c.AllNames)])) { Linked = false },
        .. CheckCommands.All,
    ];

    /// <summary>The command being run, to name it when its output was lost.</summary>
    private static string _running = Self;

    public static int Main(string[] args)
    {
        StandardStream.InstallAsConsole();
        int code = Dispatch(args);
        // Output that could not be written (full disk, closed descriptor) was dropped so the command
        // could end normally; say so once, and still exit with the command's status. A reader that went
        // away (`metacheck --list | head -1`) needs no message.
        if (StandardStream.Stdout.Failure is { } failure && !StandardStream.Stdout.ReaderGone)
            Console.Error.WriteLine($"{Self}: {_running}: cannot write to stdout: {failure.ToLowerInvariant()}");
        return code;
    }

    private static int Dispatch(string[] args)
    {
        var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
        if (Find(invokedAs) is { Linked: true } direct) return Run(direct, args);

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
                foreach (var command in Commands.Where(c => c.Linked)) foreach (var name in command.AllNames) Console.WriteLine(name);
                return 0;
            case "--manual" when args.Length == 2: // what scripts/manpages.sh needs beyond --help
                return CommandManual.Print(args[1]);
        }
        if (Find(args[0]) is { } named) return Run(named, args[1..]);
        return Cli.UsageError(Self, $"unknown command '{Opt.Shorten(args[0])}'; '{Self} --help' lists them");
    }

    private const string Version = BuildInfo.Version;

    private static CommandInfo? Find(string name)
    {
        foreach (var command in Commands) if (command.IsNamed(name)) return command;
        return null;
    }

    /// <summary>Last line of defence: whatever escapes a command is UNKNOWN with one line, never a stack trace.</summary>
    private static int Run(CommandInfo command, string[] args)
    {
        _running = command.Name;
        // Every command answers --version (and -V: none of the originals gave it another meaning),
        // unless it prints its original's own version line.
        if (args is ["--version"] or ["-V"] && !CommandManual.PrintsOwnVersion(command.Name))
        {
            // A subcommand is named as it is run: `metacheck mute`, not `mute`.
            Console.WriteLine(VersionOption.Text(command.Linked ? command.Name : $"{Self} {command.Name}"));
            return 0;
        }
        try
        {
            return command.Main(args);
        }
        catch (UsageException e)
        {
            return Cli.UsageError(command.Name, e.Message);
        }
        catch (Exception e)
        {
            Console.Out.WriteLine(Terminal.Printable($"UNKNOWN: {command.Name}: internal error: {e.GetType().Name}: {e.Message}"));
            return (int)Status.Unknown;
        }
    }

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
