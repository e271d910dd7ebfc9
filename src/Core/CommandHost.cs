namespace MetaCheck.Core;

/// <summary>
/// The start of a binary that runs commands by the name it was invoked as (a link named after the
/// command): the multi-call `metacheck` and the wrappers' own smaller binary share it, so that a
/// command behaves the same whichever binary runs it.
/// </summary>
public sealed class CommandHost(IReadOnlyList<CommandInfo> commands)
{
    /// <summary>The name messages give the binary: `metacheck` for both binaries.</summary>
    public const string Self = "metacheck";

    /// <summary>The command being run, to name it when its output was lost.</summary>
    private string _running = Self;

    public IReadOnlyList<CommandInfo> Commands => commands;

    /// <summary>Commands whose --version prints their original's version line, as the original did.</summary>
    public Func<string, bool> PrintsOwnVersion { get; init; } = _ => false;

    /// <summary>
    /// Runs the command named by argv[0] when it is one of <see cref="Commands"/>' linked names, else
    /// <paramref name="invokedAsBinary"/> (the binary run by its own name), and exits with its status.
    /// </summary>
    public int Main(string[] args, Func<string[], int> invokedAsBinary)
    {
        StandardStream.InstallAsConsole();
        var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
        int code = Find(invokedAs) is { Linked: true } direct ? Run(direct, args) : invokedAsBinary(args);
        // Output that could not be written (full disk, closed descriptor) was dropped so the command
        // could end normally; say so once, and still exit with the command's status. A reader that went
        // away (`metacheck --list | head -1`) needs no message.
        if (StandardStream.Stdout.Failure is { } failure && !StandardStream.Stdout.ReaderGone)
            Console.Error.WriteLine($"{Self}: {_running}: cannot write to stdout: {failure.ToLowerInvariant()}");
        return code;
    }

    public CommandInfo? Find(string name)
    {
        foreach (var command in commands) if (command.IsNamed(name)) return command;
        return null;
    }

    /// <summary>`--list`: the names `make install` links to the binary.</summary>
    public int PrintLinkedNames()
    {
        foreach (var command in commands)
            if (command.Linked) foreach (var name in command.AllNames) Console.WriteLine(name);
        return 0;
    }

    /// <summary>`BINARY COMMAND ARGS...`: the command named by the first argument, or a usage error.</summary>
    public int RunNamed(string[] args, string binary)
    {
        if (args.Length > 0 && Find(args[0]) is { } named) return Run(named, args[1..]);
        return Cli.UsageError(Self, args.Length == 0 ? "no command given"
            : $"unknown command '{Opt.Shorten(args[0])}'; '{binary} --help' lists them");
    }

    /// <summary>Last line of defence: whatever escapes a command is UNKNOWN with one line, never a stack trace.</summary>
    public int Run(CommandInfo command, string[] args)
    {
        _running = command.Name;
        // Every command answers --version (and -V: none of the originals gave it another meaning),
        // unless it prints its original's own version line.
        if (args is ["--version"] or ["-V"] && !PrintsOwnVersion(command.Name))
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
}
