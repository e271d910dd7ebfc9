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

        if (args.Length == 0) { PrintHelp(); return (int)Status.Unknown; }
        switch (args[0])
        {
            case "--version" or "-V" or "version":
                Console.WriteLine($"{Self} {typeof(Program).Assembly.GetName().Version?.ToString(3)}");
                return 0;
            case "--help" or "-h" or "help":
                PrintHelp();
                return 0;
            case "--list": // the names `make install` links to the binary
                foreach (var command in Commands.Where(c => c.Linked)) foreach (var name in command.AllNames) Console.WriteLine(name);
                return 0;
        }
        if (Find(args[0]) is { } named) return Run(named, args[1..]);
        return Cli.UsageError(Self, $"unknown command '{Opt.Shorten(args[0])}'; '{Self} --help' lists them");
    }

    private static CommandInfo? Find(string name) => Commands.FirstOrDefault(c => c.AllNames.Contains(name, StringComparer.Ordinal));

    /// <summary>Last line of defence: whatever escapes a command is UNKNOWN with one line, never a stack trace.</summary>
    private static int Run(CommandInfo command, string[] args)
    {
        _running = command.Name;
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
            Console.Out.WriteLine($"UNKNOWN: {command.Name}: internal error: {e.GetType().Name}: {e.Message}");
            return (int)Status.Unknown;
        }
    }

    private static void PrintHelp()
    {
        Console.WriteLine($"""
            {Self} {typeof(Program).Assembly.GetName().Version?.ToString(3)} - meta-checkers and check plugins for Mackerel, Nagios/Icinga and Sensu

            Usage: <command> [options] [-- inner command]      (via the links 'make install' creates)
                   {Self} <command> [options] [-- inner command]
                   {Self} status | history | doctor                (subcommands only, not linked)
                   {Self} --version | --list | --help

            Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage errors).
            '<command> --help' describes a command.

            Commands:
            """);
        int width = Commands.Max(c => c.Name.Length) + 2;
        foreach (var command in Commands)
            Console.WriteLine($"  {command.Name.PadRight(width)}{command.Summary}");
    }
}
