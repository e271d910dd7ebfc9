using System.Globalization;

namespace MetaCheck.Checks.Framework;

/// <summary>One /proc/meminfo field: the number as written and its unit (`kB`, or "" for counts such as HugePages_Total).</summary>
public readonly record struct MemInfoField(string Name, long Number, string Unit)
{
    /// <summary>The value in bytes for sized fields (kB/MB/GB/TB, powers of 1024), the plain number for counts.</summary>
    public double Bytes => Number * (double)UnitFactor(Unit);

    public static long UnitFactor(string unit) => unit.ToLowerInvariant() switch
    {
        "" => 1,
        "kb" => 1024L,
        "mb" => 1024L * 1024,
        "gb" => 1024L * 1024 * 1024,
        "tb" => 1024L * 1024 * 1024 * 1024,
        _ => 0,
    };
}

/// <summary>The parsed /proc/meminfo shared by every plugin that reads it (in file order).</summary>
public sealed class MemInfo
{
    private readonly Dictionary<string, MemInfoField> _byName;

    public MemInfo(IReadOnlyList<MemInfoField> fields)
    {
        Fields = fields;
        _byName = new Dictionary<string, MemInfoField>(StringComparer.Ordinal);
        foreach (var f in fields) _byName[f.Name] = f;
    }

    public IReadOnlyList<MemInfoField> Fields { get; }

    public MemInfoField? this[string name] => _byName.TryGetValue(name, out var f) ? f : null;

    /// <summary>The number as written (kB for most fields), or null when the kernel does not have the field.</summary>
    public long? Number(string name) => _byName.TryGetValue(name, out var f) ? f.Number : null;

    public double? Bytes(string name) => _byName.TryGetValue(name, out var f) ? f.Bytes : null;

    /// <summary>Reads `$HOST_PROC/meminfo`; a missing file or a malformed line is a <see cref="DataSourceException"/>.</summary>
    public static MemInfo Read(HostPaths paths)
    {
        var path = paths.Proc("meminfo");
        return Parse(DataSource.ReadText(path), path);
    }

    /// <summary>`Name:   number [unit]` per line; blank lines are skipped.</summary>
    public static MemInfo Parse(string text, string path)
    {
        var fields = new List<MemInfoField>(64);
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            int colon = line.IndexOf(':');
            var parts = colon <= 0 ? [] : line[(colon + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is < 1 or > 2
                || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                || (parts.Length == 2 && MemInfoField.UnitFactor(parts[1]) == 0))
                throw new DataSourceException($"cannot parse {path} line {lineNo}: '{MetaCheck.Core.Opt.Shorten(line)}'");
            fields.Add(new MemInfoField(line[..colon].TrimEnd(), number, parts.Length == 2 ? parts[1] : ""));
        }
        return new MemInfo(fields);
    }

    /// <summary>A field in bytes (its unit applied), or a <see cref="DataSourceException"/> saying the kernel lacks it.</summary>
    public double RequireBytes(string name, string path) =>
        Bytes(name) ?? throw new DataSourceException($"{path} has no {name} line");

    /// <summary>The number of a field, or a <see cref="DataSourceException"/> saying the kernel lacks it.</summary>
    public long Require(string name, string path) =>
        Number(name) ?? throw new DataSourceException($"{path} has no {name} line");
}
