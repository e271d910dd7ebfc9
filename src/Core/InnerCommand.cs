namespace MetaCheck.Core;

/// <summary>An argv turned into what to exec, with the rules of the Perl originals.</summary>
public sealed record InnerCommand(string FileName, IReadOnlyList<string> Arguments, IReadOnlyList<string> Argv)
{
    private const string ShellMetacharacters = "$&*(){}[]'\";\\|?<>~`\n";

    /// <summary>
    /// Several elements are exec'd directly. A single element is run by /bin/sh -c when it holds a shell
    /// metacharacter, starts with NAME=, `exec ` or `. `; otherwise it is split on white space (Perl's
    /// list-form exec rule, so `-- 'echo a | tr a b'` keeps working).
    /// </summary>
    public static InnerCommand FromArgv(IReadOnlyList<string> argv, string? path)
    {
        if (argv.Count == 0) throw new ArgumentException("empty command", nameof(argv));
        IReadOnlyList<string> words = argv;
        if (argv.Count == 1)
        {
            var single = argv[0];
            if (NeedsShell(single)) return new InnerCommand("/bin/sh", ["-c", single], argv);
            words = single.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Count == 0) throw new LaunchException($"cannot run '{single}': the command is blank");
        }
        return new InnerCommand(ExecutableResolver.Resolve(words[0], path), words.Skip(1).ToArray(), argv);
    }

    private static bool NeedsShell(string command)
    {
        var trimmed = command.TrimStart();
        if (trimmed.StartsWith("exec ", StringComparison.Ordinal) || trimmed.StartsWith(". ", StringComparison.Ordinal)) return true;
        int i = 0;
        while (i < trimmed.Length && (char.IsAsciiLetterOrDigit(trimmed[i]) || trimmed[i] == '_')) i++;
        if (i > 0 && i < trimmed.Length && trimmed[i] == '=' && !char.IsAsciiDigit(trimmed[0])) return true;
        return command.IndexOfAny(ShellMetacharacters.ToCharArray()) >= 0;
    }
}

/// <summary>The inner command could not be started at all (a configuration problem, reported UNKNOWN).</summary>
public sealed class LaunchException(string message) : Exception(message);

/// <summary>
/// execvp's PATH search. .NET's own lookup tries the executable's and the current directory first,
/// which would let a file in the working directory shadow a check in PATH.
/// </summary>
public static class ExecutableResolver
{
    public static string Resolve(string name, string? path)
    {
        if (name.Contains('/')) return Check(name, name) ?? throw NotFound(name, null);
        bool sawNotExecutable = false;
        foreach (var dir in (string.IsNullOrEmpty(path) ? "/usr/local/bin:/usr/bin:/bin" : path).Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, name);
            try
            {
                if (Check(candidate, name) is { } found) return found;
            }
            catch (LaunchException)
            {
                sawNotExecutable = true;
            }
        }
        throw sawNotExecutable
            ? new LaunchException($"cannot run '{name}': permission denied (found in PATH but not executable)")
            : NotFound(name, path);
    }

    private static string? Check(string candidate, string name)
    {
        if (Directory.Exists(candidate)) return name.Contains('/') ? throw new LaunchException($"cannot run '{name}': is a directory") : null;
        if (!File.Exists(candidate)) return null;
        var mode = File.GetUnixFileMode(candidate);
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & anyExecute) == 0) throw new LaunchException($"cannot run '{name}': permission denied (not executable)");
        return candidate;
    }

    private static LaunchException NotFound(string name, string? path) => name.Contains('/')
        ? new LaunchException($"cannot run '{name}': no such file")
        : new LaunchException($"cannot run '{name}': not found in PATH ({(string.IsNullOrEmpty(path) ? "unset" : path)}); install it or give its full path");
}
