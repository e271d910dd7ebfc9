using System.Text.Json;
using MetaCheck.State;

namespace MetaCheck.Checks.Framework;

/// <summary>A plugin's raw counter values at one moment (kept between runs in the MetaCheck store).</summary>
public sealed record Sample(long Epoch, IReadOnlyDictionary<string, double> Values)
{
    public double? this[string name] => Values.TryGetValue(name, out var v) ? v : null;
}

public static class Counters
{
    /// <summary>
    /// Stores <paramref name="current"/> and returns the sample it replaces (null on the first run, or
    /// when the store is unusable). The swap is one transaction: overlapping runs never compute a
    /// rate from the same previous sample. <paramref name="keepPrevious"/> lets a plugin refuse to
    /// overwrite (go-mackerel-plugin keeps a sample younger than one second).
    /// </summary>
    public static Sample? Exchange(PluginContext context, string plugin, IReadOnlyList<string> args, Sample current,
        Func<Sample, bool>? keepPrevious = null) => Exchange(context, plugin, args, current, keepPrevious, required: false);

    /// <summary>
    /// As <see cref="Exchange(PluginContext, string, IReadOnlyList{string}, Sample, Func{Sample, bool}?)"/>, for a
    /// check whose verdict needs the previous sample: when the sample cannot be kept it throws (UNKNOWN,
    /// saying why), since "first run" on every run would be an OK that nothing measured.
    /// </summary>
    public static Sample? ExchangeRequired(PluginContext context, string plugin, IReadOnlyList<string> args, Sample current,
        Func<Sample, bool>? keepPrevious = null) => Exchange(context, plugin, args, current, keepPrevious, required: true);

    private static Sample? Exchange(PluginContext context, string plugin, IReadOnlyList<string> args, Sample current,
        Func<Sample, bool>? keepPrevious, bool required)
    {
        const string without = "the previous sample cannot be kept, so there is nothing to compare with";
        var store = context.Store(plugin);
        if (store is null)
            return required ? throw new DataSourceException($"{without} ({context.StoreProblem ?? "no state store"})") : null;
        var key = new CheckIdentity(plugin, "", args).Key;
        try
        {
            return store.UpdateValue(key, "sample", current.Epoch * 1000, stored =>
            {
                var previous = stored is null ? null : Decode(stored);
                bool keep = previous is not null && keepPrevious?.Invoke(previous) == true;
                return (keep ? null : Encode(current), previous);
            }, CheckIdentity.LegacyKey(plugin, "", args));
        }
        catch (StateUnavailableException e)
        {
            if (required) throw new DataSourceException($"{without} ({e.Message.TrimEnd('.')})");
            context.Err.WriteLine($"metacheck: {plugin}: {e.Message}; counters are not kept this run");
            return null;
        }
    }

    private static byte[] Encode(Sample sample)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("_lastTime", sample.Epoch);
            foreach (var (name, value) in sample.Values) if (double.IsFinite(value)) w.WriteNumber(name, value);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>An unreadable sample is treated as none (the next run starts afresh), as the originals did.</summary>
    private static Sample? Decode(byte[] bytes)
    {
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            long epoch = 0;
            var values = new Dictionary<string, double>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "_lastTime") epoch = p.Value.GetInt64();
                else values[p.Name] = p.Value.GetDouble();
            }
            return new Sample(epoch, values);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
