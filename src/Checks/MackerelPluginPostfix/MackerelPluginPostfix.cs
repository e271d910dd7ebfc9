using MetaCheck.Checks.Framework;
using MetaCheck.Core;

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
        var spool = Opt.Text("--spool-dir", $"Postfix queue_directory (default {DefaultSpool}).");
        var definition = Cli.Define(Name, "Messages in the Postfix queue (postfix.mailq.queue). Needs read access to the spool (root).", spool);
        return Plugin.Metrics(definition, args, context, _ => Graphs,
            parsed => MetricReport.PerlStyle().Add("postfix.mailq.queue", CountQueue(parsed.GetValue(spool) ?? DefaultSpool)));
    }

    /// <summary>Files below the queue directories of <paramref name="spoolDir"/>; a queue that does not exist counts 0.</summary>
    public static long CountQueue(string spoolDir)
    {
        if (!Directory.Exists(spoolDir))
            throw new DataSourceException($"cannot read {spoolDir}: no such directory (is Postfix installed? see --spool-dir)");
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        long count = 0;
        foreach (var queue in QueueDirectories)
        {
            var dir = Path.Combine(spoolDir, queue);
            if (!Directory.Exists(dir)) continue;
            try
            {
                count += Directory.EnumerateFiles(dir, "*", options).LongCount();
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
}
