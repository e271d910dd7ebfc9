using System.Diagnostics;
using System.Text.RegularExpressions;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>The .deb `make test` builds: its contents, and a real dpkg install into a scratch root.</summary>
public sealed class PackageTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static string Deb => Environment.GetEnvironmentVariable("METACHECK_DEB") is { Length: > 0 } deb && File.Exists(deb)
        ? deb : throw new InvalidOperationException("METACHECK_DEB is not set: run the tests with `make test`");

    private static (int Exit, string Stdout) Tool(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static readonly string[] PathNames = ["metacheck", "delay-checker", "interval-checker", "periodic-checker"];

    [Fact]
    public void The_package_holds_the_binary_the_wrappers_a_link_and_a_man_page_per_command_and_a_private_state_directory()
    {
        var (exit, contents) = Tool("dpkg-deb", "--contents", Deb);
        exit.Should().Be(0);
        var names = _box.Run("metacheck", "--list").Lines;
        contents.Should().MatchRegex(@"-rwxr-xr-x root/root +\d+ [-\d]+ [:\d]+ \./usr/bin/metacheck\n");
        contents.Should().MatchRegex(@"drwx------ root/root +0 [-\d]+ [:\d]+ \./var/lib/metacheck/\n");
        Regex.Matches(contents, @" \./usr/bin/([^ \n]+)").Select(m => m.Groups[1].Value).Should().BeEquivalentTo(PathNames,
            "only names no other package uses go into /usr/bin");
        contents.Should().MatchRegex(@"-rwxr-xr-x root/root +\d+ [-\d]+ [:\d]+ \./usr/lib/metacheck/metacheck-wrappers\n");
        foreach (var name in names)
        {
            // The wrappers lead to their own smaller binary (docs/benchmarks.md), every other command to metacheck.
            var wrapper = PathNames.Contains(name);
            contents.Should().Contain($"./usr/lib/metacheck/bin/{name} -> {(wrapper ? "../metacheck-wrappers" : "../../../bin/metacheck")}\n");
            if (wrapper) contents.Should().Contain($"./usr/bin/{name} -> ../lib/metacheck/metacheck-wrappers\n");
            contents.Should().Contain($"./usr/share/man/man1/{name}.1.gz");
            contents.Should().Contain($"./usr/share/bash-completion/completions/{name} -> metacheck\n");
        }
        foreach (var sub in new[] { "metacheck", "metacheck-status", "metacheck-history", "metacheck-doctor" })
            contents.Should().Contain($"./usr/share/man/man1/{sub}.1.gz\n");
        contents.Should().Contain("./usr/share/doc/metacheck/docs/delay-checker.md\n")
            .And.Contain("./usr/share/doc/metacheck/examples/mackerel-agent.conf\n")
            .And.Contain("./usr/share/doc/metacheck/examples/nagios/metacheck.cfg\n")
            .And.Contain("./usr/share/doc/metacheck/changelog.gz\n")
            .And.Contain("./usr/share/bash-completion/completions/metacheck\n")
            .And.NotContain("/status\n");
        Tool("dpkg-deb", "--field", Deb, "Package").Stdout.Should().Be("metacheck\n");
        Tool("dpkg-deb", "--field", Deb, "Suggests").Stdout.Should().Contain("mariadb-client | default-mysql-client", "the MySQL plugins need a client");
    }

    [Fact]
    public void Lintian_reports_no_error_and_every_override_says_why()
    {
        var lintian = Tool("lintian", "--fail-on", "error", "--no-tag-display-limit", Deb);
        lintian.Exit.Should().Be(0, lintian.Stdout);
        lintian.Stdout.Should().NotMatchRegex(@"(?m)^E: ", lintian.Stdout);

        var root = Extract();
        var overrides = File.ReadAllLines(Path.Combine(root, "usr/share/lintian/overrides/metacheck"));
        for (int i = 0; i < overrides.Length; i++)
            if (overrides[i].StartsWith("metacheck:"))
                overrides[i - 1].Should().StartWith("#", $"the override '{overrides[i]}' has its reason written above it");
        File.ReadAllText(Path.Combine(root, "usr/share/doc/metacheck/copyright"))
            .Should().StartWith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n").And.Contain("\nFiles: *\n")
            .And.Contain("\nLicense: MIT\n Permission is hereby granted", "the package is MIT, with the licence text (LICENSE)");
    }

    private string Extract()
    {
        var root = _box.PathOf("extracted");
        if (!Directory.Exists(root)) Tool("dpkg-deb", "-x", Deb, root).Exit.Should().Be(0);
        return root;
    }

    /// <summary>A man page rendered as a user reads it; groff's warnings (bad requests, escapes) go to stderr.</summary>
    private (string Text, string Warnings) Man(string page)
    {
        var r = _box.Shell($"MANWIDTH=100 man --warnings -l {Path.Combine(Extract(), "usr/share/man/man1", page + ".1.gz")} 2>{_box.PathOf("warnings")} | col -b");
        r.Exit.Should().Be(0, r.ToString());
        return (r.Stdout, File.ReadAllText(_box.PathOf("warnings")));
    }

    [Fact]
    public void Every_man_page_has_the_sections_and_the_options_of_its_help()
    {
        string[] sections = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"];
        var help = _box.Run("metacheck", "--help").Stdout;
        var commands = Regex.Match(help, @"\nCommands:\n((?:  .*\n)+)").Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(' ')[0]).ToList();
        commands.Should().Contain(["delay-checker", "check-tcp", "status"]);
        var linked = _box.Run("metacheck", "--list").Lines.ToHashSet();
        foreach (var name in commands)
        {
            // Subcommands (no link of their own) are the ones `--list` does not name.
            var page = linked.Contains(name) ? name : "metacheck-" + name;
            var (text, warnings) = Man(page);
            warnings.Should().BeEmpty(page);
            text.Split('\n').Where(l => Regex.IsMatch(l, "^[A-Z][A-Z ]+$")).Should().Equal(sections, page);
            Regex.Matches(text, @"(?m)^EXAMPLES\n\s*\S").Should().ContainSingle($"{page} has an example");
            // Every option of --help is on the page, with its text: the page is generated from the same definition.
            foreach (Match option in Regex.Matches(_box.Run("metacheck", name, "--help").Stdout, @"(?m)^  (-[^ ].*?)  +(\S.*)$"))
            {
                var firstWords = string.Join(' ', option.Groups[2].Value.Split(' ').Take(4));
                Regex.Replace(text, @"\s+", " ").Should().Contain(firstWords, $"{page}: {option.Groups[1].Value}");
            }
            text.Should().Contain("--version", page);
        }
        Man("delay-checker").Text.Should().Contain("METACHECK_STATE_DIR").And.Contain("METACHECK_KEEP_RUNS").And.Contain("MACKEREL_PLUGIN_WORKDIR")
            .And.NotContain("HOST_PROC").And.NotContain("MACKEREL_AGENT_PLUGIN_META");
        Man("mackerel-plugin-linux-lite").Text.Should().Contain("HOST_PROC").And.Contain("MACKEREL_AGENT_PLUGIN_META").And.NotContain("METACHECK_KEEP_RUNS");
        Man("metacheck-status").Text.Should().Contain("NO_COLOR");
        Man("check-uptime").Text.Should().Contain("/usr/lib/metacheck/bin/check-uptime").And.Contain("check-uptime -w 600 -c 300");

        var (self, _) = Man("metacheck");
        var seeAlso = self[self.IndexOf("\nSEE ALSO\n")..];
        seeAlso.Should().Contain("delay-checker(1)").And.Contain("metacheck-doctor(1)").And.Contain("check-tcp(1)")
            .And.NotContain("metacheck(1)", "a page does not refer to itself");
        Tool("readlink", Path.Combine(Extract(), "usr/share/man/man1/go-check-virtmem.1.gz")).Stdout.Should().Be("check-virtmem.1.gz\n", "an old name leads to its command's page");
    }

    /// <summary>What bash-completion would offer for the words typed so far (the last one being completed).</summary>
    private string[] Complete(string path, params string[] words)
    {
        var script = Path.Combine(Extract(), "usr/share/bash-completion/completions/metacheck");
        var quoted = string.Join(' ', words.Select(w => "'" + w.Replace("'", "'\\''") + "'"));
        var r = _box.Shell($"PATH={path}:/usr/bin:/bin exec bash -c '. \"$0\"; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _metacheck; printf \"%s\\n\" \"${{COMPREPLY[@]}}\"' {script} {quoted}");
        r.Exit.Should().Be(0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Bash_completion_offers_each_commands_options_and_values_from_its_help()
    {
        var bin = Installed.BinDir;
        Complete(bin, "delay-checker", "--timeout-s").Should().Equal("--timeout-status");
        Complete(bin, "delay-checker", "--timeout-status", "").Should().Equal("OK", "WARNING", "CRITICAL", "UNKNOWN");
        Complete(bin, "check-tcp", "--host").Should().Equal("--hostname");
        Complete(bin, "metacheck", "check-tcp", "--ex").Should().Equal("--expect-pattern", "--expect-closed");
        Complete(bin, "metacheck", "status", "--j").Should().Equal("--json");
        Complete(bin, "metacheck", "periodic-").Should().Equal("periodic-checker");
        Complete(bin, "check-uptime", "--v").Should().Equal("--verbose", "--version");
        Complete(bin, "check-inode", "--perf").Should().Equal("--perfdata");
        // After the wrapper's options the words belong to the inner command, with its own completion.
        Complete(bin, "delay-checker", "-c", "3", "--", "check-tcp", "--host").Should().Equal("--hostname");

        // Every subcommand, every fixed set of values, and the checks of the store by id.
        Complete(bin, "metacheck", "mu").Should().Equal("mute");
        Complete(bin, "metacheck", "unm").Should().Equal("unmute");
        Complete(bin, "metacheck", "re").Should().Equal("reset");
        Complete(bin, "metacheck", "fo").Should().Equal("forget");
        Complete(bin, "metacheck", "pr").Should().Equal("prune");
        Complete(bin, "periodic-checker", "--outside", "").Should().Equal("ok", "keep");
        Complete(bin, "mackerel-plugin-dns-lookup", "--protocol", "").Should().Equal("udp", "tcp");
        Complete(bin, "check-tcp", "--service", "SS").Should().Equal("SSMTP");
        Complete(bin, "delay-checker", "-V").Should().Equal("-V");
        _box.Run("delay-checker", "--", "true");
        var id = _box.Run("metacheck", "status", "--json").Stdout.Split('"')[3][..8];
        foreach (var sub in new[] { "history", "mute", "unmute", "reset", "forget" })
            Complete(bin, "metacheck", sub, id[..3]).Should().Equal([id], sub);

        var other = _box.PathOf("otherbin");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "check-uptime"), "#!/bin/sh\necho mackerel\n");
        File.SetUnixFileMode(Path.Combine(other, "check-uptime"), (UnixFileMode)0x1ed);
        Complete($"{other}:{bin}", "check-uptime", "--").Should().BeEmpty("another package's check-uptime is not ours to complete");
    }

    /// <summary>
    /// What the zsh completion hands to zsh's completion system for the words typed so far. The system itself
    /// runs only inside an interactive line editor, so its entry points are stand-ins that print what they are
    /// given: _arguments (the option specs; it also runs the action that completes checks) and compadd (words).
    /// </summary>
    private string[] ZshComplete(params string[] words)
    {
        var script = Path.Combine(Extract(), "usr/share/zsh/vendor-completions/_metacheck");
        File.WriteAllText(_box.PathOf("zsh-harness"), """
            _arguments() { local a; print -rl -- "$@"; for a; do [[ $a == '*:check:'* ]] && ${a##*:}; done; return 0 }
            compadd() { if [[ $1 == -a ]]; then print -rl -- ${(P)2}; else [[ $1 == -- ]] && shift; print -rl -- "$@"; fi }
            _default() { print -- _default }
            words=("${@:2}"); CURRENT=$(( $# - 1 ))
            source $1
            """);
        var quoted = string.Join(' ', words.Select(w => "'" + w.Replace("'", "'\\''") + "'"));
        var r = _box.Shell($"PATH={Installed.BinDir}:/usr/bin:/bin exec zsh -f {_box.PathOf("zsh-harness")} {script} {quoted}");
        r.Exit.Should().Be(0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Zsh_completion_offers_the_same_commands_values_and_checks()
    {
        File.ReadAllLines(Path.Combine(Extract(), "usr/share/zsh/vendor-completions/_metacheck"))[0].Should().StartWith("#compdef metacheck delay-checker ");
        ZshComplete("metacheck", "mu").Should().Contain(["mute", "unmute", "reset", "forget", "prune", "status", "delay-checker"]);
        ZshComplete("periodic-checker", "--outside", "").Should().ContainMatch("--outside=*:(ok keep)")
            .And.ContainMatch("--timeout-status=*:(OK WARNING CRITICAL UNKNOWN)").And.ContainMatch("-t?Kill the inner command*")
            .And.Contain("*::command:_normal", "after its options a wrapper's words are a command of their own");
        ZshComplete("metacheck", "check-tcp", "-").Should().ContainMatch("--service=*:(FTP POP SPOP IMAP SIMAP SMTP SSMTP GEARMAN)");
        _box.Run("delay-checker", "--", "true");
        var id = _box.Run("metacheck", "status", "--json").Stdout.Split('"')[3][..8];
        ZshComplete("metacheck", "reset", "").Should().Contain(["*:check:_metacheck_checks", id]);
    }

    [Fact]
    public void The_binaries_are_linked_to_start_fast_without_relocating_or_rehydrating_their_data()
    {
        // Either one back (a PIE image, or dehydrated data) costs ~4 ms and ~700 page faults per run.
        foreach (var binary in new[] { "metacheck", "../metacheck-wrappers" })
        {
            var (exit, header) = Tool("readelf", "--file-header", "--section-headers", "--wide", Path.Combine(Installed.BinDir, binary));
            exit.Should().Be(0);
            header.Should().MatchRegex(@"Type:\s+EXEC ", $"a fixed-address image needs no load-time relocations ({binary})");
            header.Should().NotContain(".hydrated", $"type data stored as is is mapped lazily instead of expanded at every start ({binary})");
        }
    }

    /// <summary>
    /// The 28 check-* names Debian's mackerel-check-plugins ships in /usr/bin (mackerelio/go-check-plugins,
    /// packaging/deb-v2/debian/rules), with its mackerel-check binary.
    /// </summary>
    private static readonly string[] MackerelCheckPlugins =
    [
        "aws-cloudwatch-logs", "aws-sqs-queue-size", "cert-file", "disk", "dns", "elasticsearch", "file-age", "file-size",
        "http", "jmx-jolokia", "ldap", "load", "log", "mailq", "masterha", "memcached", "mysql", "ntpoffset", "ping",
        "postgresql", "procs", "redis", "smtp", "solr", "ssh", "ssl-cert", "tcp", "uptime",
    ];

    /// <summary>
    /// A stand-in for what a Mackerel host already has: mackerel-check-plugins' /usr/bin/check-*,
    /// mackerel-agent-plugins' /usr/bin/mackerel-plugin-postfix and monitoring-plugins' check_tcp, each
    /// a script that says whose it is.
    /// </summary>
    private string StandInDeb()
    {
        var root = _box.PathOf("standin");
        Directory.CreateDirectory(Path.Combine(root, "DEBIAN"));
        File.WriteAllText(Path.Combine(root, "DEBIAN/control"),
            "Package: mackerel-stand-in\nVersion: 1.0\nArchitecture: all\nMaintainer: test <test@localhost>\nDescription: stand-in\n stand-in\n");
        string[] files = [.. MackerelCheckPlugins.Select(n => "usr/bin/check-" + n), "usr/bin/mackerel-check", "usr/bin/mackerel-plugin-postfix",
            "usr/lib/nagios/plugins/check_tcp"];
        foreach (var file in files)
        {
            var path = Path.Combine(root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"#!/bin/sh\necho \"stand-in {Path.GetFileName(file)} $*\"\n");
            File.SetUnixFileMode(path, (UnixFileMode)0x1ed);
        }
        var deb = _box.PathOf("mackerel-stand-in.deb");
        var build = Tool("dpkg-deb", "--root-owner-group", "--build", root, deb);
        build.Exit.Should().Be(0, build.Stdout);
        return deb;
    }

    [Fact]
    public void Dpkg_installs_it_beside_Mackerels_plugins_where_both_run_and_purges_it_cleanly()
    {
        var root = _box.PathOf("root");
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/updates"));
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "");
        bool hostStateExisted = Directory.Exists("/var/lib/metacheck");
        string[] dpkg = [$"--root={root}", "--force-script-chrootless", "--force-depends", "--log=/dev/null"];

        var standIn = Tool("dpkg", [.. dpkg, "-i", StandInDeb()]);
        standIn.Exit.Should().Be(0, standIn.Stdout);
        var install = Tool("dpkg", [.. dpkg, "-i", Deb]);
        install.Exit.Should().Be(0, install.Stdout);
        install.Stdout.Should().NotContain("trying to overwrite");

        var bin = Path.Combine(root, "usr/bin");
        var plugins = Path.Combine(root, "usr/lib/metacheck/bin");
        File.GetUnixFileMode(Path.Combine(root, "var/lib/metacheck")).Should().Be((UnixFileMode)0x1c0);
        Tool(Path.Combine(bin, "metacheck"), "--version").Stdout.Should().Be(_box.Run("metacheck", "--version").Stdout);
        Tool(Path.Combine(bin, "check-uptime"), "--warning-under=600").Stdout.Should().Be("stand-in check-uptime --warning-under=600\n",
            "Mackerel's check-uptime keeps its name");
        Tool(Path.Combine(bin, "mackerel-plugin-postfix")).Stdout.Should().StartWith("stand-in mackerel-plugin-postfix");
        Tool(Path.Combine(root, "usr/lib/nagios/plugins/check_tcp")).Stdout.Should().StartWith("stand-in check_tcp");

        // An agent's PATH: /usr/bin first. The wrappers are there; our plugins by their directory or through metacheck.
        _box.Env["PATH"] = $"{bin}:/usr/bin:/bin";
        _box.Shell($"delay-checker -c 2 -- {plugins}/check-uptime -c 2000000000").Stdout.Should().StartWith("DelayWarn(1/2): CRITICAL: uptime is less than");
        _box.Shell("delay-checker -c 2 --identifier theirs -- check-uptime --warning-under=600").Stdout.Should().Be("stand-in check-uptime --warning-under=600\n");
        _box.Shell("metacheck check-uptime -c 2000000000").Stdout.Should().StartWith("CRITICAL: uptime is less than");
        _box.Shell($"{plugins}/mackerel-plugin-postfix --help").Stdout.Should().Contain("Usage:");
        _box.Shell("man -l " + Path.Combine(root, "usr/share/man/man1/delay-checker.1.gz") + " | head -n 5").Stdout.Should().Contain("delay-checker");

        var purge = Tool("dpkg", [.. dpkg, "--purge", "metacheck"]);
        purge.Exit.Should().Be(0, purge.Stdout);
        File.Exists(Path.Combine(bin, "metacheck")).Should().BeFalse();
        Directory.Exists(plugins).Should().BeFalse();
        Tool(Path.Combine(bin, "check-tcp")).Stdout.Should().StartWith("stand-in check-tcp", "removing ours leaves theirs");
        Directory.Exists(Path.Combine(root, "var/lib/metacheck")).Should().BeFalse("purge deletes the history in the package's root");
        Directory.Exists("/var/lib/metacheck").Should().Be(hostStateExisted, "and never the host's");
    }
}
