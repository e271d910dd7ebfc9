using System.Globalization;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// Text from outside (argv, --identifier, a mute --reason, environment values, check output) reaches
/// the terminal escaped from every command that prints it (issue 20, item 6; issue 24, behaviour 9).
/// </summary>
public sealed class EscapingTests : IDisposable
{
    /// <summary>A title change, a bell, a right-to-left override, a carriage return and a line separator.</summary>
    private const string Hostile = "\u001b]0;pwned\u0007\u202eevil\rX\u2028Y";
    private const string Escaped = @"\x1b]0;pwned\x07\u202eevil\x0dX\u2028Y";

    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    /// <summary>Nothing a terminal acts on but the line feeds that end lines.</summary>
    private static void ShouldBeInert(CmdResult r)
    {
        foreach (var c in r.Stdout + r.Stderr)
        {
            bool acts = (char.IsControl(c) && c != '\n') || char.GetUnicodeCategory(c) is UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
            acts.Should().BeFalse($"U+{(int)c:X4} reached the terminal in: {r}");
        }
    }

    private CmdResult Inert(string command, params string[] args)
    {
        var r = _box.Run(command, args);
        ShouldBeInert(r);
        return r;
    }

    [Fact]
    public void A_mute_reason_an_identifier_and_argv_are_escaped_by_mute_unmute_status_and_the_muted_wrapper()
    {
        string[] check = ["delay-checker", "-c", "1", "--identifier", "db" + Hostile, "--", "sh", "-c", "echo down; exit 2", Hostile];
        Inert("metacheck", check).Exit.Should().Be(2);

        Inert("metacheck", "mute", "--for", "1h", "--reason", Hostile, "echo down").Stdout.Should().Contain($"({Escaped})").And.Contain("db" + Escaped);
        Inert("metacheck", "mute", "--for", "2h", "--reason", "all" + Hostile).Stdout.Should().Contain("all" + Escaped);
        Inert("metacheck", "status").Stdout.Should().Contain($"({Escaped})").And.Contain("all" + Escaped);
        var muted = Inert("metacheck", check);
        // The first run opened an alert (-c 1): a mute holds it (CRITICAL), and its line shows the reason escaped.
        (muted.Exit, muted.Lines[0]).Should().Match<(int, string)>(m => m.Item1 == 2 && m.Item2.StartsWith("CRITICAL: muted until ") && m.Item2.Contains("all" + Escaped));
        Inert("metacheck", "history", "echo down").Stdout.Should().Contain(Escaped);
        Inert("metacheck", "unmute", "echo down").Stdout.Should().StartWith("unmuted: ").And.Contain("db" + Escaped);
        Inert("metacheck", "unmute").Stdout.Should().Contain("unmuted: every check");
    }

    [Fact]
    public void Bidi_controls_in_output_and_argv_are_shown_escaped_in_history_and_status()
    {
        // U+202E, the isolates U+2066-U+2069 and U+200F, as a spoofed file name would carry them.
        const string spoof = "report\u202Efdp.exe \u2066a\u2069 \u200F";
        // The wrapper passes its check's output on as it is (the agent reads it); what metacheck shows escapes it.
        _box.Run("delay-checker", "-c", "3", "--", "sh", "-c", "printf '%s\\n' \"$0\"", spoof).Exit.Should().Be(0);
        Inert("metacheck", "history", "report").Stdout.Should().Contain(@"report\u202efdp.exe \u2066a\u2069 \u200f");
        Inert("metacheck", "status").Stdout.Should().Contain(@"report\u202efdp.exe");
    }

    [Fact]
    public void Doctor_escapes_environment_values_and_paths()
    {
        _box.Env["TZ"] = "UTC" + Hostile;
        _box.Env["HOST_PROC"] = "/proc" + Hostile;
        Inert("metacheck", "doctor").Stdout.Should().Contain("TZ=UTC" + Escaped).And.Contain("HOST_PROC=/proc" + Escaped);
        _box.Env["METACHECK_STATE_DIR"] = _box.PathOf("state" + Hostile);
        Inert("metacheck", "doctor").Stdout.Should().Contain("state" + Escaped);
    }

    [Fact]
    public void A_usage_error_quoting_an_argument_is_escaped() =>
        Inert("metacheck", "no-such" + Hostile).Stdout.Should().Contain("no-such" + Escaped);
}
