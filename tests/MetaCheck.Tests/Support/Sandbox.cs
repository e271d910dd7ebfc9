using System.Diagnostics;
using System.Text;

namespace MetaCheck.Tests.Support;

public sealed record CmdResult(int Exit, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string[] Lines => Stdout.TrimEnd('\n').Split('\n');
    public override string ToString() => $"exit {Exit}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// The installed binary (`make test` installs it into build/test-prefix). <see cref="BinDir"/> is the
/// plugin directory PREFIX/lib/metacheck/bin, which holds a link for every command and metacheck.
/// </summary>
public static class Installed
{
    public static string BinDir { get; } = Find();

    /// <summary>PREFIX/bin: the binary and the wrappers only.</summary>
    public static string PrefixBin => Path.GetFullPath(Path.Combine(BinDir, "..", "..", "..", "bin"));

    public static string Dummy => Path.Combine(AppContext.BaseDirectory, "dummy");

    public const string NagiosPlugins = "/usr/lib/nagios/plugins";

    /// <summary>
    /// The repository (samples/ and the like), passed in by scripts/test.sh: the test assembly cannot
    /// find it by walking up, since METACHECK_BUILD may put the build anywhere.
    /// </summary>
    public static string RepoRoot => Environment.GetEnvironmentVariable("METACHECK_REPO") is { Length: > 0 } repo
        && File.Exists(Path.Combine(repo, "Makefile"))
        ? repo : throw new InvalidOperationException("METACHECK_REPO is not set to the repository: run the tests with `make test` or scripts/test.sh");

    private static string Find()
    {
        var dir = Environment.GetEnvironmentVariable("METACHECK_BIN_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            var root = AppContext.BaseDirectory;
            while (root is not null && !File.Exists(Path.Combine(root, "Makefile"))) root = Path.GetDirectoryName(root);
            dir = root is null ? "" : Path.Combine(root, "build", "test-prefix", "lib", "metacheck", "bin");
        }
        if (!File.Exists(Path.Combine(dir, "metacheck")))
            throw new InvalidOperationException($"no installed metacheck in '{dir}': run the tests with `make test`");
        return dir;
    }
}

/// <summary>A temporary directory with its own state store; runs commands as a user would.</summary>
public sealed class Sandbox : IDisposable
{
    public Sandbox()
    {
        Dir = Path.Combine(Path.GetTempPath(), "metacheck-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }
    public string StateDir => Path.Combine(Dir, "state");
    public string DatabasePath => Path.Combine(StateDir, "metacheck.db");
    public Dictionary<string, string?> Env { get; } = new();

    public string PathOf(string name) => Path.Combine(Dir, name);

    public CmdResult Run(string command, params string[] args) => Run(command, args, stdin: null);

    public CmdResult Run(string command, string[] args, string? stdin, TimeSpan? limit = null)
    {
        using var process = Start(command, args, redirectStdin: stdin is not null);
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var clock = Stopwatch.StartNew();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', args)} did not finish");
        }
        var elapsed = clock.Elapsed; // the command's own run time, not how long its leftovers hold the pipes
        return Finish(process, stdout, stderr, elapsed, $"{command} {string.Join(' ', args)}");
    }

    /// <summary>Starts a command without waiting (concurrency and signal tests).</summary>
    public Process Start(string command, string[] args, bool redirectStdin = false) =>
        Launch(Path.Combine(Installed.BinDir, command), args, redirectStdin);

    /// <summary>A command line as an agent's shell would run it (`/bin/sh -c`), in this sandbox's environment.</summary>
    public CmdResult Shell(string commandLine)
    {
        using var process = Launch("/bin/sh", ["-c", commandLine], redirectStdin: false);
        var clock = Stopwatch.StartNew();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sh -c {commandLine} did not finish");
        }
        return Finish(process, stdout, stderr, clock.Elapsed, $"sh -c {commandLine}");
    }

    /// <summary>
    /// The result once the output pipes close: a process the command left behind may hold them a while (a
    /// behaviour some tests check), but one a bug left for good fails the test instead of hanging the suite.
    /// </summary>
    private static CmdResult Finish(Process process, Task<string> stdout, Task<string> stderr, TimeSpan elapsed, string what)
    {
        if (!Task.WaitAll([stdout, stderr], Patience.Bound))
            throw new TimeoutException($"{what} exited, but a process it started still held its stdout or stderr {Patience.Bound.TotalSeconds} s later");
        process.WaitForExit();
        return new CmdResult(process.ExitCode, stdout.Result, stderr.Result, elapsed);
    }

    private Process Launch(string fileName, string[] args, bool redirectStdin)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = Dir,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["PATH"] = $"{Installed.BinDir}:{Installed.NagiosPlugins}:{Environment.GetEnvironmentVariable("PATH")}";
        info.Environment["METACHECK_STATE_DIR"] = StateDir;
        info.Environment.Remove("MACKEREL_PLUGIN_WORKDIR");
        info.Environment.Remove("MACKEREL_AGENT_PLUGIN_META");
        foreach (var (key, value) in Env)
        {
            if (value is null) info.Environment.Remove(key); else info.Environment[key] = value;
        }
        return Process.Start(info)!;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
