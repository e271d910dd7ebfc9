using MetaCheck.Core;

namespace MetaCheck.Checks.Framework;

/// <summary>What a check decided: the status (exit code) and the exact text it prints.</summary>
public sealed record CheckResult(Status Status, string Text)
{
    /// <summary>kazeburo's scripts: `OK: message`.</summary>
    public static CheckResult Of(Status status, string message) => new(status, $"{StatusNames.Word(status)}: {message}");

    /// <summary>
    /// mackerelio/checkers: `&lt;name&gt; STATUS: message`. ryuichi1208's checks set no name, so their
    /// lines start with a space; pass name "" to keep that byte for byte.
    /// </summary>
    public static CheckResult Checkers(Status status, string message, string name) =>
        new(status, $"{name} {StatusNames.Word(status)}: {message}");
}
