using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Checks.MackerelPluginPostfix;

/// <summary>kazeburo's mackerel-plugin-postfix: number of messages in the Postfix queue.</summary>
public static class MackerelPluginPostfix
{
    public const string Name = "mackerel-plugin-postfix";
    public const string DefaultSpool = "/var/spool/postfix";

    /// <summary>The queues `mailq` (postqueue -p) lists; one file per message, hashed into subdirectories.</summary>
    public static IReadOnlyList<string> QueueDirectories { get; } = ["maildrop", "incoming", "active", "deferred", "hold"];

    public static IReadOnlyList<Graph> Graphs { get; } =
        [new("postfix.mailq", "Postfix Queue", "integer", [new GraphMetric("queue", "msgs in queue")])];

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var spool = Opt.Text("--spool-dir", $"Postfix queue_directory (default: {DefaultSpool}).");
        var definition = Cli.Define(Dialect.NoArguments, Name, "Messages in the Postfix queue (postfix.mailq.queue). Needs read access to the spool (root).", spool);
        return Plugin.Metrics(definition, args, context, _ => Graphs,
            parsed => MetricReport.PerlStyle().Add("postfix.mailq.queue", CountQueue(parsed.GetValue(spool) ?? DefaultSpool, context.Err)));
    }

    /// <summary>
    /// Files below the queue directories of <paramref name="spoolDir"/>; a queue that does not exist counts 0.
    /// Symlinks are followed as the original's `find -L` did, and as find does, a directory that leads back
    /// to one of its own ancestors is a loop: it is skipped (one line on <paramref name="log"/>), not
    /// walked again and again.
    /// </summary>
    public static long CountQueue(string spoolDir, TextWriter? log = null)
    {
        if (!Directory.Exists(spoolDir))
            throw new DataSourceException($"cannot read {spoolDir}: no such directory (is Postfix installed? see --spool-dir)");
        var ancestors = new List<(Posix.FileId Id, string Path)>();
        if (Posix.Stat(spoolDir) is { } root) ancestors.Add((root, spoolDir));
        long count = 0;
        foreach (var queue in QueueDirectories)
        {
            var dir = Path.Combine(spoolDir, queue);
            if (!Directory.Exists(dir)) continue;
            try
            {
                count += CountFiles(dir, ancestors, log);
            }
            catch (UnauthorizedAccessException)
            {
                throw new DataSourceException($"cannot read {dir}: permission denied (run as root)");
            }
            catch (IOException e)
            {
                throw new DataSourceException($"cannot read {dir}: {e.Message}");
            }
        }
        return count;
    }

    /// <summary>Regular files (symlinks followed) below <paramref name="dir"/>, which is below <paramref name="ancestors"/>.</summary>
    private static long CountFiles(string dir, List<(Posix.FileId Id, string Path)> ancestors, TextWriter? log)
    {
        if (Posix.Stat(dir) is not { } id) return 0; // gone while we looked
        if (ancestors.FirstOrDefault(a => SameFile(a.Id, id)) is { Path: { } loopTarget })
        {
            log?.WriteLine($"{Name}: skipped {dir}: a directory loop (it leads back to {loopTarget})");
            return 0;
        }
        ancestors.Add((id, dir));
        long count = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
        {
            if (Directory.Exists(entry)) count += CountFiles(entry, ancestors, log);
            else if (Posix.Stat(entry) is { IsRegularFile: true }) count++;
        }
        ancestors.RemoveAt(ancestors.Count - 1);
        return count;
    }

    private static bool SameFile(Posix.FileId a, Posix.FileId b) => a.Device == b.Device && a.Inode == b.Inode;
}
