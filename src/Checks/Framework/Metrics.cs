using System.Text.Json;

namespace MetaCheck.Checks.Framework;

/// <summary>One series of a graph definition. Null flags are left out of the JSON, as some originals did.</summary>
public sealed record GraphMetric(string Name, string Label, bool? Stacked = null, bool? Diff = null);

public sealed record Graph(string Key, string Label, string Unit, IReadOnlyList<GraphMetric> Metrics);

/// <summary>The values of one run: printed as `name\tvalue\tepoch`, all with the same epoch.</summary>
public sealed class MetricReport(Func<double, string> format)
{
    private readonly List<(string Name, double Value)> _values = [];

    public static MetricReport PerlStyle() => new(NumberFormat.Perl);
    public static MetricReport GoStyle() => new(NumberFormat.Go);

    public IReadOnlyList<(string Name, double Value)> Values => _values;

    public MetricReport Add(string name, double value)
    {
        _values.Add((name, value));
        return this;
    }

    /// <summary>NaN and ±Inf are dropped: the agent would discard them anyway.</summary>
    public void WriteTo(TextWriter output, long epoch)
    {
        foreach (var (name, value) in _values)
        {
            if (double.IsFinite(value)) output.Write($"{name}\t{format(value)}\t{epoch}\n");
        }
    }
}

public static class GraphDefinition
{
    public const string MetaEnvVar = "MACKEREL_AGENT_PLUGIN_META";

    /// <summary>
    /// mackerel-agent sets it to 1 for the one definition run and to "" otherwise. kazeburo's Perl (and PHP)
    /// plugins tested it for truth, so "0" meant values.
    /// </summary>
    public static bool Requested(Func<string, string?> env) => env(MetaEnvVar) is { Length: > 0 } v && v != "0";

    /// <summary>go-mackerel-plugin tested for a non-empty value: "0" too asked for the definition.</summary>
    public static bool RequestedGo(Func<string, string?> env) => env(MetaEnvVar) is { Length: > 0 };

    /// <summary>`# mackerel-agent-plugin` then one line of compact JSON.</summary>
    public static void WriteTo(TextWriter output, IEnumerable<Graph> graphs)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("graphs");
            foreach (var graph in graphs)
            {
                w.WriteStartObject(graph.Key);
                w.WriteString("label", graph.Label);
                w.WriteString("unit", graph.Unit);
                w.WriteStartArray("metrics");
                foreach (var m in graph.Metrics)
                {
                    w.WriteStartObject();
                    w.WriteString("name", m.Name);
                    w.WriteString("label", m.Label);
                    if (m.Stacked is { } stacked) w.WriteBoolean("stacked", stacked);
                    if (m.Diff is { } diff) w.WriteBoolean("diff", diff);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        output.Write("# mackerel-agent-plugin\n");
        output.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        output.Write("\n");
    }
}
