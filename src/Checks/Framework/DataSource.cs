using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Checks.Framework;

/// <summary>A data source failed (missing file, unparsable line, missing command): UNKNOWN with this message.</summary>
public sealed class DataSourceException(string message) : Exception(message);

/// <summary>Reading files and running tools with errors that name the file or command.</summary>
public static class DataSource
{
    public static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"cannot read {path}: {IoError.Reason(e)}");
        }
    }

    public static string[] ReadLines(string path) => ReadText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Runs a tool; LC_ALL=C so its output parses the same everywhere. A tool that cannot start is a DataSourceException.</summary>
    /// <param name="what">Names the tool in a timeout message instead of its whole command line.</param>
    public static ProcessResult Run(PluginContext context, IReadOnlyList<string> argv, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null, string? what = null)
    {
        InnerCommand command;
        try
        {
            command = InnerCommand.FromArgv(argv, context.GetEnv("PATH"));
        }
        catch (LaunchException e)
        {
            throw new DataSourceException(e.Message);
        }
        var env = new Dictionary<string, string> { ["LC_ALL"] = "C", ["LANG"] = "C" };
        if (environment is not null) foreach (var (k, v) in environment) env[k] = v;
        ProcessResult result;
        try
        {
            result = context.Runner.Run(command, new RunSettings
            {
                Timeout = timeout ?? TimeSpan.FromSeconds(30),
                CaptureStderr = true,
                MaxOutputBytes = 64 * 1024 * 1024,
                Environment = env,
            });
        }
        catch (LaunchException e)
        {
            throw new DataSourceException(e.Message);
        }
        if (result.TimedOut) throw new DataSourceException($"{what ?? ShellJoin(argv)} timed out after {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds:0} s");
        return result;
    }

    public static string ShellJoin(IReadOnlyList<string> argv) => ShellQuote.Join(argv);
}
