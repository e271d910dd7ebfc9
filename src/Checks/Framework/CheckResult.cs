using System.Text;
using MetaCheck.Core;

namespace MetaCheck.Checks.Framework;

/// <summary>
/// What a check decided: the status (exit code) and the exact text its original printed; the values it
/// measured, for the opt-in performance data; and the lines `-v` asked for.
/// </summary>
public sealed record CheckResult(Status Status, string Text)
{
    /// <summary>Every value the check measured, with the thresholds it applied (printed only in perfdata mode).</summary>
    public IReadOnlyList<PerfValue> Perfdata { get; init; } = [];

    /// <summary>Lines after the first (Nagios's long output); a check fills them when -v asks for them.</summary>
    public IReadOnlyList<string> Details { get; init; } = [];

    // By value, lists included: a test compares a whole result with the one it expects.
    public bool Equals(CheckResult? other) =>
        other is not null && Status == other.Status && Text == other.Text
        && Perfdata.SequenceEqual(other.Perfdata) && Details.SequenceEqual(other.Details);

    public override int GetHashCode() => HashCode.Combine(Status, Text, Perfdata.Count, Details.Count);

    /// <summary>kazeburo's scripts: `OK: message`.</summary>
    public static CheckResult Of(Status status, string message) => new(status, $"{StatusNames.Word(status)}: {message}");

    /// <summary>
    /// mackerelio/checkers: `&lt;name&gt; STATUS: message`. ryuichi1208's checks set no name, so their
    /// lines start with a space; pass name "" to keep that byte for byte.
    /// </summary>
    public static CheckResult Checkers(Status status, string message, string name) =>
        new(status, $"{name} {StatusNames.Word(status)}: {message}");

    /// <summary>
    /// The printed output. Default: the original's text, then the detail lines. Perfdata mode: Nagios reads
    /// everything after the first `|` as performance data, so a `|` of the original's text (check-inode and
    /// check-uptime put their figures after one) becomes ` - `, and the values follow the one real `|`.
    /// </summary>
    public string Render(bool perfdata)
    {
        var output = new StringBuilder();
        if (!perfdata) output.Append(Text);
        else
        {
            output.Append(Text.Replace(" | ", " - ").Replace('|', '/'));
            if (Perfdata.Count > 0) output.Append(" | ").AppendJoin(' ', Perfdata);
        }
        output.Append('\n');
        foreach (var line in Details) output.Append(line.Replace('|', '/')).Append('\n');
        return output.ToString();
    }
}
