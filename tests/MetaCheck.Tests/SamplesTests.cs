using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// Every sample in samples/ is parsed and every command in it is run against the installed binary, with
/// the sample's paths mapped to the installation under test: the commands exist, their options are valid
/// (no usage error at any level of a wrapper chain), each wrapper's --timeout fires before the agent's
/// own timeout, and each output is its check's own result on this machine (a TCP answer or refusal, the
/// disk, the uptime...), not "cannot run" or a parse error. The MySQL checks ask a real MariaDB.
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class SamplesTests : IDisposable
{
    private static string Samples => Path.Combine(Installed.RepoRoot, "samples");
    private readonly Sandbox _box = new();
    private readonly MariaDb _db;

    public SamplesTests(MariaDb db)
    {
        _db = db;
        // What the samples' MySQL checks read on a real host: the monitoring account's option file and last night's dump.
        File.WriteAllText(MonitorCnf, $"[client]\nuser={MariaDb.MonitorUser}\npassword={db.MonitorPassword}\nsocket={db.Socket}\n");
        File.SetUnixFileMode(MonitorCnf, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.CreateDirectory(Backups);
        File.WriteAllBytes(Path.Combine(Backups, "nightly.sql.gz"), new byte[2 << 20]);
        // Inside the office-hours windows of the samples where a zone can put now there, so their checks run.
        if (SampleResults.OfficeHoursZone() is { } zone) _box.Env["TZ"] = zone;
    }

    public void Dispose() => _box.Dispose();

    private string MonitorCnf => _box.PathOf("mysql-monitor.cnf");
    private string Backups => _box.PathOf("backups");

    /// <summary>The samples name the packaged paths; point them at the installation and the files under test.</summary>
    private string Local(string text) => Regex.Replace(
        text.Replace("/usr/lib/metacheck/bin/", Installed.BinDir + "/")
            .Replace("/etc/mackerel-agent/mysql-monitor.cnf", MonitorCnf).Replace("/var/backups/mysql", Backups),
        @"/usr/bin/(?=(metacheck|delay-checker|interval-checker|periodic-checker)\b)", Installed.BinDir + "/");

    /// <summary>Our usage errors end with "(see &lt;command&gt; --help)", wherever in a chain they happen.</summary>
    private static void ShouldBeAValidRun(CmdResult r, string what)
    {
        r.Exit.Should().BeInRange(0, 3, what);
        r.Stdout.Should().NotMatchRegex(@"\(see [-\w]+ --help\)", $"{what} has only valid options: {r}");
        r.Stdout.Should().NotContain("cannot run '", $"{what} names commands that exist");
    }

    /// <summary>What each check prints when it really ran here (after any wrapper's prefix such as "DelayWarn(1/3): ").</summary>
    private static readonly Dictionary<string, string> RealResults = new()
    {
        ["check-tcp"] = @"TCP (OK|WARNING|CRITICAL)",
        ["check_disk"] = @"^DISK (OK|WARNING|CRITICAL) - free space: / ",
        ["check-inode"] = @"(OK|WARNING|CRITICAL): /",
        ["check-uptime"] = @"uptime is less than \d+|up \d+ days",
        ["check-conntrack-free"] = @"free:\d+ max:\d+ count:\d+",
        ["check-resolver"] = @"(OK|WARNING|CRITICAL): (elapsed_time|hosts not found)",
        ["check-longtransaction-cnt"] = @"^ OK: OK$",
        ["check-mysql-backup"] = @"^ OK: newest backup .*/nightly\.sql\.gz is \d+s old, 2097152 bytes$",
    };

    /// <summary>The innermost check of a wrapper chain: the command after the last `--`, else the command itself.</summary>
    private static string Innermost(IReadOnlyList<string> words)
    {
        int last = -1;
        for (int i = 0; i < words.Count; i++) if (words[i] == "--") last = i;
        return Path.GetFileName(words[last + 1]);
    }

    /// <summary>A valid run whose output is the innermost check's own result (or periodic-checker's, outside its window).</summary>
    private void ShouldBeTheChecksOwnResult(CmdResult r, IReadOnlyList<string> words, string what)
    {
        ShouldBeAValidRun(r, what);
        var check = Innermost(words);
        RealResults.Should().ContainKey(check, $"{what}: the test knows what {check} prints");
        var pattern = RealResults[check];
        // Outside its window periodic-checker runs nothing: only where no zone could put now inside (TZ unset) or
        // the sample names its own zone (--tz).
        if (words.Any(w => w.EndsWith("periodic-checker")) && (!_box.Env.ContainsKey("TZ") || words.Contains("--tz")))
            pattern += "|^OK: out of time ranges: ";
        r.Stdout.TrimEnd('\n').Should().MatchRegex(pattern, $"{what} ran {check}: {r}");
    }

    [Fact]
    public void Mackerel_agent_conf_commands_run_and_timeouts_nest()
    {
        var sections = Toml.Sections(File.ReadAllText(Path.Combine(Samples, "mackerel-agent.conf")));
        sections.Should().Contain(s => s.Name.StartsWith("plugin.checks.")).And.Contain(s => s.Name.StartsWith("plugin.metrics."));
        var plugins = _box.Run("metacheck", "--list").Lines.Except(["delay-checker", "interval-checker", "periodic-checker"]).ToList();
        foreach (var section in sections)
        {
            section.Arrays["command"].Intersect(plugins).Should().BeEmpty(
                $"[{section.Name}] calls our plugins by /usr/lib/metacheck/bin: by bare name an agent runs Mackerel's of the same name");
            var command = section.Arrays["command"].Select(Local).ToList();
            var what = $"[{section.Name}] {string.Join(' ', command)}";
            File.Exists(Path.Combine(Installed.BinDir, command[0])).Should().BeTrue($"{what}: {command[0]} is installed");
            int agentTimeout = section.Integers.TryGetValue("timeout_seconds", out var t) ? t : 30;
            var wrapperTimeout = command.Select((arg, i) => (arg, i)).Where(x => x.arg == "--timeout" && x.i < command.IndexOf("--"))
                .Select(x => double.Parse(command[x.i + 1])).FirstOrDefault();
            if (wrapperTimeout > 0) wrapperTimeout.Should().BeLessThan(agentTimeout, $"{what}: the wrapper's --timeout fires first");
            if (section.Strings.GetValueOrDefault("prevent_alert_auto_close") == "true")
                section.Integers.GetValueOrDefault("max_check_attempts", 1).Should().Be(1,
                    $"{what}: the agent forces max_check_attempts to 1 with prevent_alert_auto_close (count with delay-checker)");

            var r = _box.Run(command[0], command.Skip(1).ToArray());
            if (section.Name.StartsWith("plugin.checks.")) ShouldBeTheChecksOwnResult(r, command, what);
            else ShouldBeAValidRun(r, what);
            if (section.Name.StartsWith("plugin.metrics."))
            {
                r.Exit.Should().Be(0, what);
                r.Lines.Should().OnlyContain(l => Regex.IsMatch(l, @"^[-\w.]+\t-?[\d.]+\t\d+$"), what);
                _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
                _box.Run(command[0], command.Skip(1).ToArray()).Lines[0].Should().Be("# mackerel-agent-plugin", what);
                _box.Env.Remove("MACKEREL_AGENT_PLUGIN_META");
            }
        }
    }

    [Fact]
    public void Nagios_command_and_service_definitions_run()
    {
        var text = File.ReadAllText(Path.Combine(Samples, "nagios", "metacheck.cfg"));
        var blocks = Regex.Matches(text, @"define\s+(\w+)\s*\{(.*?)\}", RegexOptions.Singleline)
            .Select(m => (Type: m.Groups[1].Value, Fields: m.Groups[2].Value.Split('\n')
                .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(l => Regex.Match(l, @"^(\S+)\s+(.*)$")).ToDictionary(f => f.Groups[1].Value, f => f.Groups[2].Value)))
            .ToList();
        var commands = blocks.Where(b => b.Type == "command").ToDictionary(b => b.Fields["command_name"], b => b.Fields["command_line"]);
        var services = blocks.Where(b => b.Type == "service").ToList();
        services.Should().HaveCount(3);
        foreach (var service in services)
        {
            var parts = service.Fields["check_command"].Split('!');
            commands.Should().ContainKey(parts[0]);
            var line = Local(commands[parts[0]]).Replace("$USER1$", Installed.NagiosPlugins).Replace("$HOSTADDRESS$", "127.0.0.1");
            for (int i = 1; i < parts.Length; i++) line = line.Replace($"$ARG{i}$", parts[i]);
            line.Should().NotContain("$", "every macro is resolved");
            ShouldBeTheChecksOwnResult(_box.Shell(line), line.Split(' '), service.Fields["service_description"]);
        }
    }

    [Fact]
    public void Sensu_check_definition_runs_and_its_timeout_nests()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Samples, "sensu", "check-mysql-port.json")));
        var spec = json.RootElement.GetProperty("spec");
        var command = spec.GetProperty("command").GetString()!;
        var wrapperTimeout = double.Parse(Regex.Match(command, @"--timeout (\d+)").Groups[1].Value);
        wrapperTimeout.Should().BeLessThan(spec.GetProperty("timeout").GetInt32());
        ShouldBeTheChecksOwnResult(_box.Shell(Local(command)), command.Split(' '), "sensu mysql-port");
    }

    [Fact]
    public void Cron_line_runs()
    {
        var line = File.ReadAllLines(Path.Combine(Samples, "cron")).Single(l => l.Length > 0 && !l.StartsWith('#'));
        var fields = line.Split(' ', 7);
        fields[5].Should().Be("root");
        fields[..5].Should().OnlyContain(f => Regex.IsMatch(f, @"^[\d*/,-]+$"));
        // The line logs the wrapper's output when it exits non-zero; run its command alone to see that output.
        var command = Regex.Match(fields[6], @"\$\((.*)\)").Groups[1].Value;
        ShouldBeTheChecksOwnResult(_box.Shell(Local(command)), command.Split(' '), "cron check-inode");
        var r = _box.Shell(Local(fields[6]));
        r.Exit.Should().Be(0, r.ToString());
        r.Stderr.Should().BeEmpty();
    }
}

/// <summary>The TOML subset mackerel-agent.conf samples use: [tables], strings, integers, string arrays.</summary>
public static class Toml
{
    public sealed record Section(string Name, Dictionary<string, List<string>> Arrays, Dictionary<string, int> Integers, Dictionary<string, string> Strings);

    public static List<Section> Sections(string text)
    {
        var sections = new List<Section>();
        Section? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('['))
            {
                current = new Section(line.Trim('[', ']'), [], [], []);
                sections.Add(current);
                continue;
            }
            var eq = line.IndexOf('=');
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.StartsWith('[')) current!.Arrays[key] = Strings(value);
            else if (value.StartsWith('"')) current!.Strings[key] = Strings(value).Single();
            else if (value is "true" or "false") current!.Strings[key] = value;
            else current!.Integers[key] = int.Parse(value);
        }
        return sections;
    }

    /// <summary>Every "basic string" in the value, with \" \\ \n \r \t unescaped.</summary>
    private static List<string> Strings(string value)
    {
        var list = new List<string>();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != '"') continue;
            var sb = new StringBuilder();
            for (i++; value[i] != '"'; i++)
            {
                if (value[i] == '\\')
                {
                    i++;
                    sb.Append(value[i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', var c => c });
                }
                else sb.Append(value[i]);
            }
            list.Add(sb.ToString());
        }
        return list;
    }
}
