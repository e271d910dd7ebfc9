using System.Text.RegularExpressions;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>Usage errors are UNKNOWN with one line, for every option of every wrapper; help and dispatch work.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    public static TheoryData<string, string, string> BadOptions()
    {
        var data = new TheoryData<string, string, string>();
        var huge = new string('x', 5000);
        foreach (var wrapper in new[] { "delay-checker", "interval-checker", "periodic-checker" })
        {
            foreach (var (option, value) in new[]
            {
                ("--timeout", "abc"), ("--timeout", "-1"), ("--timeout", ""), ("--timeout", "1e400"), ("--timeout", "400d"),
                ("--timeout-status", "BOGUS"), ("--timeout-status", ""), ("--timeout-status", "4"),
                ("--state-dir", ""), ("--state-dir", huge),
                ("--keep-runs", "0"), ("--keep-runs", "x"), ("--keep-runs", "99999999999"),
            })
                data.Add(wrapper, option, value);
        }
        // periodic-checker's original went on after an unknown option (ArgumentFormsTests); the other two stopped.
        data.Add("delay-checker", "--bogus", "1");
        data.Add("interval-checker", "--bogus", "1");
        foreach (var (option, value) in new[] { ("--identifier", ""), ("--identifier", huge), ("--within", "0"), ("--within", "x"), ("-c", "1.5") })
            data.Add("delay-checker", option, value);
        foreach (var (option, value) in new[] { ("--identifier", ""), ("--interval", "x"), ("--interval", "") })
            data.Add("interval-checker", option, value);
        foreach (var (option, value) in new[] { ("--ranges", huge), ("--tz", ""), ("--tz", "Mars/Olympus") })
            data.Add("periodic-checker", option, value);
        return data;
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void A_bad_value_is_one_UNKNOWN_line_and_the_check_is_not_run(string wrapper, string option, string value)
    {
        var count = _box.PathOf("count");
        var r = _box.Run(wrapper, option, value, "--", Installed.Dummy, $"count={count}");
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().ContainSingle().Which.Should().StartWith($"UNKNOWN: {wrapper}: ");
        r.Stdout.Length.Should().BeLessThan(400, "the line stays readable even for a huge value");
        r.Stderr.Should().BeEmpty();
        File.Exists(count).Should().BeFalse();
    }

    [Theory]
    [InlineData("delay-checker", "-c")]
    [InlineData("interval-checker", "--interval")]
    [InlineData("periodic-checker", "--ranges")]
    public void Help_describes_the_options_and_exits_0(string wrapper, string option)
    {
        var r = _box.Run(wrapper, "--help");
        r.Exit.Should().Be(0);
        r.Stdout.Should().Contain(option).And.Contain("--timeout").And.Contain("--state-dir").And.Contain("Example:");
    }

    [Fact]
    public void The_multi_call_binary_dispatches_by_name_or_first_argument()
    {
        _box.Run("metacheck", "--version").Stdout.Should().MatchRegex(@"^metacheck \d+\.\d+\.\d+\n$");
        var help = _box.Run("metacheck", "--help");
        help.Exit.Should().Be(0);
        help.Stdout.Should().Contain("delay-checker").And.Contain("interval-checker").And.Contain("periodic-checker").And.Contain("status");
        _box.Run("metacheck", "delay-checker", "-c", "2", "--", "false").Stdout.Should().Be("DelayWarn(1/2): \n");
        _box.Run("delay-checker", "-c", "2", "--", "false").Stdout.Should().Be("DelayNG(2/2): \n");
        var unknown = _box.Run("metacheck", "no-such-command");
        (unknown.Exit, unknown.Stdout).Should().Be((3, "UNKNOWN: metacheck: unknown command 'no-such-command'; 'metacheck --help' lists them (see metacheck --help)\n"));
        _box.Run("metacheck").Exit.Should().Be(3);
    }

    [Fact]
    public void Make_install_puts_only_the_wrappers_beside_the_binary_and_every_command_in_the_plugin_directory()
    {
        // Plugin names in PREFIX/bin would take over other packages' commands (Mackerel's check-tcp, check-uptime).
        var names = _box.Run("metacheck", "--list").Lines;
        Directory.GetFileSystemEntries(Installed.PrefixBin).Select(Path.GetFileName)
            .Should().BeEquivalentTo(["metacheck", "delay-checker", "interval-checker", "periodic-checker"]);
        Directory.GetFileSystemEntries(Installed.BinDir).Select(Path.GetFileName).Should().BeEquivalentTo(names.Append("metacheck"));
        // The wrappers lead to their own smaller binary (WrapperBinaryTests).
        string[] wrappers = ["delay-checker", "interval-checker", "periodic-checker"];
        foreach (var name in names.Append("metacheck"))
            new FileInfo(Path.Combine(Installed.BinDir, name)).LinkTarget.Should().Be(
                wrappers.Contains(name) ? "../metacheck-wrappers" : "../../../bin/metacheck", "a relative link survives DESTDIR");
        _box.Run(Path.Combine(Installed.PrefixBin, "metacheck"), "check-uptime", "-c", "2000000000").Stdout.Should().StartWith("CRITICAL: uptime is less than");
    }

    [Fact]
    public void Every_command_answers_version_and_V_with_its_name()
    {
        var version = _box.Run("metacheck", "--version").Stdout["metacheck ".Length..].TrimEnd('\n');
        var help = _box.Run("metacheck", "--help").Stdout;
        foreach (var name in _box.Run("metacheck", "--list").Lines)
        {
            if (name.Contains("errorbudget-calculator")) continue; // prints its original's own version line (its tests)
            bool alias = !help.Contains($"\n  {name} ");
            foreach (var flag in new[] { "--version", "-V" })
            {
                var r = _box.Run(name, flag);
                r.Exit.Should().Be(0, $"{name} {flag}");
                r.Stdout.Should().MatchRegex(alias ? $@"^[-a-z0-9]+ \(metacheck\) {version}\n$" : $@"^{name} \(metacheck\) {version}\n$", $"{name} {flag}");
            }
        }
        foreach (var sub in new[] { "status", "history", "reset", "forget", "prune", "mute", "unmute", "doctor" })
            foreach (var flag in new[] { "--version", "-V" })
                _box.Run("metacheck", sub, flag).Stdout.Should().Be($"metacheck {sub} (metacheck) {version}\n", "a subcommand is named as it is run");
        _box.Run("delay-checker", "-c", "2", "--", "sh", "-c", "echo inner; exit 0", "--version").Stdout
            .Should().Be("inner\n", "after the wrapper's options, --version belongs to the inner command");
    }

    [Fact]
    public void Every_listed_command_has_a_link_and_answers_help()
    {
        var names = _box.Run("metacheck", "--list").Lines;
        names.Should().Contain(["delay-checker", "interval-checker", "periodic-checker", "check-tcp", "mackerel-plugin-linux-lite"]);
        names.Should().NotContain(["status", "history", "doctor"], "generic names are subcommands, never links in a bin directory");
        foreach (var name in names.Concat(["status", "history", "doctor"]))
        {
            File.Exists(Path.Combine(Installed.BinDir, name)).Should().Be(names.Contains(name), $"make install links exactly the listed names ({name})");
            var help = _box.Run("metacheck", name, "--help");
            help.Exit.Should().Be(0, $"{name} --help");
            help.Stdout.Should().Contain("Usage:");
            help.Stdout.Should().MatchRegex(@"(?m)^  (-V, )?--version ", $"{name}: --help lists the version option every command answers");
        }
    }

    [Fact]
    public void Every_command_page_says_what_help_version_and_ignored_words_do()
    {
        foreach (var name in _box.Run("metacheck", "--list").Lines)
        {
            var path = Path.Combine(Installed.RepoRoot, "docs", name + ".md");
            if (!File.Exists(path)) continue; // an old name: its command's page covers it
            var page = File.ReadAllText(path);
            var section = page.IndexOf("\n## Help, version and ignored arguments\n", StringComparison.Ordinal);
            section.Should().BePositive($"docs/{name}.md says what -h, --version and ignored words do");
            var text = page[section..];
            // The version line the page shows is the one the command prints.
            var shown = Regex.Match(text, $@"`({Regex.Escape(name)}[^`]*) X\.Y\.Z`");
            if (shown.Success) _box.Run(name, "--version").Stdout.Should().StartWith(shown.Groups[1].Value + " ", name);
            // The ignored-word note the page quotes is the one the command writes.
            if (text.Contains($"`{name}: ignored '", StringComparison.Ordinal))
                text.Should().Contain("remove the word from the configuration", $"{name}: how to silence the note");
        }
        var ignored = _box.Run("check-uptime", "-c", "0", "extra");
        ignored.Stderr.Should().Be("check-uptime: ignored 'extra'\n", "the form the pages quote");
    }

    [Theory]
    [InlineData("delay-checker")]
    [InlineData("interval-checker")]
    [InlineData("periodic-checker")]
    public void T_is_the_short_form_of_timeout(string wrapper)
    {
        // The monitoring-plugins convention; the originals rejected -t, so no configuration meant anything else.
        _box.Run(wrapper, "-t", "0.5", "--", "sleep", "30").Stdout.Should().EndWith("UNKNOWN: sleep 30 timed out after 0.5 s and was killed\n");
        _box.Run(wrapper, "--help").Stdout.Should().MatchRegex(@"(?m)^  -t, --timeout <seconds> ");
    }
}
