using System.CommandLine;
using MetaCheck.Core;

namespace MetaCheck.Checks.Framework;

/// <summary>
/// The `main` of every plugin: parse, call the plugin's pure logic with a context, print, exit.
/// A data-source failure becomes one UNKNOWN line naming the file or command, exit 3.
/// </summary>
public static class Plugin
{
    /// <remarks>Every check takes `--perfdata` (and METACHECK_PERFDATA): it is added here, once for all.</remarks>
    public static int Check(CliCommand definition, string[] args, PluginContext context, Func<ParseResult, CheckResult> check)
    {
        var perfdata = new PerfdataFlag();
        definition.Options.Add(perfdata);
        return Cli.Run(definition, args, parsed => Guard(definition.Name, context, () =>
        {
            var result = check(parsed);
            context.Out.Write(result.Render(PerfdataFlag.Requested(parsed.GetValue(perfdata), context.GetEnv)));
            return (int)result.Status;
        }));
    }

    /// <summary>With MACKEREL_AGENT_PLUGIN_META set (and not "0"), prints the graph definition instead of collecting.</summary>
    public static int Metrics(CliCommand definition, string[] args, PluginContext context,
        Func<ParseResult, IEnumerable<Graph>> graphs, Func<ParseResult, MetricReport> collect) =>
        Metrics(definition, args, context, graphs, collect, GraphDefinition.Requested);

    /// <summary>For the go-mackerel-plugin ports: any non-empty MACKEREL_AGENT_PLUGIN_META asks for the definition.</summary>
    public static int GoMetrics(CliCommand definition, string[] args, PluginContext context,
        Func<ParseResult, IEnumerable<Graph>> graphs, Func<ParseResult, MetricReport> collect) =>
        Metrics(definition, args, context, graphs, collect, GraphDefinition.RequestedGo);

    private static int Metrics(CliCommand definition, string[] args, PluginContext context,
        Func<ParseResult, IEnumerable<Graph>> graphs, Func<ParseResult, MetricReport> collect, Func<Func<string, string?>, bool> metaRequested) =>
        Cli.Run(definition, args, parsed => Guard(definition.Name, context, () =>
        {
            if (metaRequested(context.GetEnv))
            {
                GraphDefinition.WriteTo(context.Out, graphs(parsed));
                return 0;
            }
            long epoch = context.NowEpoch;
            collect(parsed).WriteTo(context.Out, epoch);
            return 0;
        }));

    private static int Guard(string name, PluginContext context, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (DataSourceException e)
        {
            // One line even when the message quotes a file's content.
            context.Out.Write($"UNKNOWN: {name}: {Terminal.Printable(e.Message)}\n");
            return (int)Status.Unknown;
        }
        finally
        {
            context.Out.Flush();
        }
    }
}
