using System.Text.Json;
using MetaCheck.Checks.MackerelPluginPostfix;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class MackerelPluginPostfixTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    /// <summary>A Debian-style spool: 5 queued messages (one deferred, with its defer log), plus files that are not messages.</summary>
    private string Spool()
    {
        var spool = _box.PathOf("spool");
        foreach (var file in new[]
                 {
                     "active/4B2C11A0F3", "deferred/3/3F9A21C0D7", "incoming/5D0E7B1234", "hold/6A1B2C3D4E", "maildrop/7E8F9A0B1C",
                     "defer/3/3F9A21C0D7", "bounce/8A/8AB1C2D3E4", "corrupt/9Z", "pid/master.pid", "pid/unix.cleanup", "etc/resolv.conf",
                     "lib/x86_64-linux-gnu/libnss_files.so.2",
                 })
        {
            var path = Path.Combine(spool, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "x");
        }
        Directory.CreateDirectory(Path.Combine(spool, "flush"));
        return spool;
    }

    [Fact]
    public void Counts_messages_in_the_queues_mailq_lists()
    {
        MackerelPluginPostfix.CountQueue(Spool()).Should().Be(5);
    }

    [Fact]
    public void Reports_the_queue_length_through_the_binary()
    {
        var r = _box.Run("mackerel-plugin-postfix", "--spool-dir", Spool());
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^postfix\.mailq\.queue\t5\t\d{10}\n$");
    }

    [Fact]
    public void Fix_a_directory_symlink_loop_is_skipped_as_find_L_did_not_walked_until_ELOOP()
    {
        var spool = _box.PathOf("looped");
        foreach (var file in new[] { "active/4B2C11A0F3", "hold/6A1B2C3D4E" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(spool, file))!);
            File.WriteAllText(Path.Combine(spool, file), "x");
        }
        File.CreateSymbolicLink(Path.Combine(spool, "hold", "loop"), "..");
        // A symlink to a directory elsewhere is followed, as find -L did.
        Directory.CreateDirectory(_box.PathOf("elsewhere"));
        File.WriteAllText(_box.PathOf("elsewhere/7E8F9A0B1C"), "x");
        File.CreateSymbolicLink(Path.Combine(spool, "active", "more"), _box.PathOf("elsewhere"));
        var r = _box.Run("mackerel-plugin-postfix", "--spool-dir", spool);
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().MatchRegex(@"^postfix\.mailq\.queue\t3\t\d{10}\n$");
        r.Stderr.Should().Be($"mackerel-plugin-postfix: skipped {spool}/hold/loop: a directory loop (it leads back to {spool})\n");
    }

    [Fact]
    public void An_empty_queue_is_zero()
    {
        foreach (var q in MackerelPluginPostfix.QueueDirectories) Directory.CreateDirectory(_box.PathOf("empty/" + q));
        var r = _box.Run("mackerel-plugin-postfix", "-spool-dir", _box.PathOf("empty"));
        r.Stdout.Should().MatchRegex(@"^postfix\.mailq\.queue\t0\t\d{10}\n$");
    }

    [Fact]
    public void Fix_a_missing_spool_is_UNKNOWN_not_silence()
    {
        var r = _box.Run("mackerel-plugin-postfix", "--spool-dir", _box.PathOf("nope"));
        (r.Exit, r.Stdout).Should().Be((3,
            $"UNKNOWN: mackerel-plugin-postfix: cannot read {_box.PathOf("nope")}: no such directory (is Postfix installed? see --spool-dir)\n"));
    }

    [Fact]
    public void Smoke_on_this_machine()
    {
        var r = _box.Run("mackerel-plugin-postfix");
        if (Directory.Exists(MackerelPluginPostfix.DefaultSpool))
            r.Stdout.Should().MatchRegex(@"^(postfix\.mailq\.queue\t\d+\t\d{10}|UNKNOWN: mackerel-plugin-postfix: cannot read .*: permission denied \(run as root\))\n$");
        else
            (r.Exit, r.Stdout).Should().Be((3,
                "UNKNOWN: mackerel-plugin-postfix: cannot read /var/spool/postfix: no such directory (is Postfix installed? see --spool-dir)\n"));
    }

    [Fact]
    public void Graph_definition_matches_the_original()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-postfix", "--spool-dir", _box.PathOf("nope"));
        r.Exit.Should().Be(0);
        r.Lines.Should().HaveCount(2);
        r.Lines[0].Should().Be("# mackerel-agent-plugin");
        var graph = JsonDocument.Parse(r.Lines[1]).RootElement.GetProperty("graphs").GetProperty("postfix.mailq");
        (graph.GetProperty("label").GetString(), graph.GetProperty("unit").GetString()).Should().Be(("Postfix Queue", "integer"));
        graph.GetProperty("metrics").GetRawText().Should().Be("""[{"name":"queue","label":"msgs in queue"}]""");
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        var r = _box.Run("delay-checker", "-c", "2", "--", "mackerel-plugin-postfix", "--spool-dir", Spool());
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^postfix\.mailq\.queue\t5\t\d{10}\n$");
    }
}
