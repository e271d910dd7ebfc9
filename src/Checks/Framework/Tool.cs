using System.Text;
using MetaCheck.Core;

namespace MetaCheck.Checks.Framework;

/// <summary>What a tool printed and how it exited (stdout and stderr decoded as UTF-8).</summary>
public sealed record ToolOutput(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The first non-blank line of stderr, else of stdout: the tool's own words for a failure.</summary>
    public string Complaint =>
        (Stderr + "\n" + Stdout).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "no output";
}

/// <summary>Running a host tool whose output a plugin parses (df, ip, lsmod, chronyc, ntpq, php).</summary>
public static class Tool
{
    /// <summary>Runs <paramref name="argv"/> (PATH search, LC_ALL=C). A tool that cannot be started is a DataSourceException.</summary>
    public static ToolOutput Run(PluginContext context, params string[] argv)
    {
        var result = DataSource.Run(context, argv);
        return new ToolOutput(result.ExitCode, Encoding.UTF8.GetString(result.Stdout), Encoding.UTF8.GetString(result.Stderr));
    }

    /// <summary>Stdout of a tool that must succeed; a non-zero exit is a DataSourceException quoting the tool.</summary>
    public static string Output(PluginContext context, params string[] argv)
    {
        var output = Run(context, argv);
        if (output.ExitCode != 0)
            throw new DataSourceException($"{DataSource.ShellJoin(argv)} failed (exit {output.ExitCode}): {Short(output.Complaint)}");
        return output.Stdout;
    }

    private static string Short(string text) => text.Length <= 200 ? text : text[..197] + "...";
}
