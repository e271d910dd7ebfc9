using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Checks.AxslogLight;

/// <summary>
/// ryuichi1208's mackerel-plugin-axslog-light: nginx's own time per request (request_time − upstream_response_time)
/// from LTSV access logs, as the average and 99/95/90th percentiles of the lines appended since the last run.
/// The read position of each log is kept in the MetaCheck store.
/// </summary>
public static class AxslogLight
{
    public const string Name = "mackerel-plugin-axslog-light";

    /// <summary>More pending bytes than this and the backlog is skipped (the reader jumps to the end).</summary>
    public const long MaxBacklog = 1_000_000_000;

    public const int BufferSize = 1 << 20;

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var logfile = new Option<string?>("--logfile") { Description = "LTSV access log; several paths may be comma-separated (their lines are merged)." };
        var prefix = new Option<string?>("--key-prefix") { Description = "Metric name part: axslog.latency_<prefix>.* (letters, digits, - and _)." };
        var requestKey = new Option<string>("--request-time-key") { Description = "LTSV key of the total request time.", DefaultValueFactory = _ => "request_time" };
        var upstreamKey = new Option<string>("--upstream-time-key") { Description = "LTSV key of the upstream time.", DefaultValueFactory = _ => "upstream_response_time" };
        var filter = new Option<string>("--filter") { Description = "Only lines containing this text are used.", DefaultValueFactory = _ => "" };
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Latency of nginx itself (request_time - upstream_response_time) in LTSV logs: average and 99/95/90 percentiles of the new lines. " +
            "Example: mackerel-plugin-axslog-light --logfile /var/log/nginx/access.log --key-prefix web",
            logfile, prefix, requestKey, upstreamKey, filter);
        return Plugin.Metrics(definition, args, context,
            parsed => Graphs(RequirePrefix(parsed.GetValue(prefix))),
            parsed =>
            {
                var p = RequirePrefix(parsed.GetValue(prefix));
                var files = parsed.GetValue(logfile)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
                if (files.Length == 0) throw new UsageException("--logfile is required");
                var keys = new LineKeys(Bytes(parsed.GetValue(requestKey)!, "--request-time-key"),
                    Bytes(parsed.GetValue(upstreamKey)!, "--upstream-time-key"), Encoding.UTF8.GetBytes(parsed.GetValue(filter) ?? ""));
                var samples = Collect(context, p, files, keys);
                var report = new MetricReport(Six);
                if (Summarize(samples) is { } s)
                {
                    report.Add($"axslog.latency_{p}.average", s.Average).Add($"axslog.latency_{p}.99_percentile", s.P99)
                        .Add($"axslog.latency_{p}.95_percentile", s.P95).Add($"axslog.latency_{p}.90_percentile", s.P90);
                }
                return report;
            });
    }

    /// <summary>Go's %f, always: six decimals even for whole numbers (unlike go-mackerel-plugin).</summary>
    public static string Six(double value) => NumberFormat.Fixed(value, 6);

    public static IReadOnlyList<Graph> Graphs(string prefix) =>
    [
        new($"axslog.latency_{prefix}", $"Axslog nginx latency ({prefix}), seconds", "float",
        [
            new GraphMetric("average", "average", false), new GraphMetric("99_percentile", "99 percentile", false),
            new GraphMetric("95_percentile", "95 percentile", false), new GraphMetric("90_percentile", "90 percentile", false),
        ]),
    ];

    private static string RequirePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix)) throw new UsageException("--key-prefix is required");
        if (!prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new UsageException($"--key-prefix may hold only letters, digits, - and _, got '{Opt.Shorten(prefix)}'");
        return prefix;
    }

    private static byte[] Bytes(string value, string option)
    {
        if (value.Length == 0 || value.Contains('\t') || value.Contains(':')) throw new UsageException($"{option} must be a non-empty LTSV key");
        return Encoding.UTF8.GetBytes(value);
    }

    public sealed record LineKeys(byte[] RequestKey, byte[] UpstreamKey, byte[] Filter)
    {
        public static LineKeys Default { get; } = new("request_time"u8.ToArray(), "upstream_response_time"u8.ToArray(), []);
    }

    public readonly record struct Summary(int Count, double Average, double P99, double P95, double P90);

    // ---- pure functions ----

    /// <summary>
    /// The value of <paramref name="key"/> in one LTSV line (no newline): tab-separated `key:value` fields, scanning
    /// stops at the first field without `:`, and a value of exactly `-` counts as absent. The last field is taken
    /// whole (the original dropped its last character).
    /// </summary>
    public static bool TryField(ReadOnlySpan<byte> line, ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        while (true)
        {
            int tab = line.IndexOf((byte)'\t');
            var field = tab < 0 ? line : line[..tab];
            int colon = field.IndexOf((byte)':');
            if (colon < 0) break;
            if (field[..colon].SequenceEqual(key))
            {
                value = field[(colon + 1)..];
                if (value.Length == 1 && value[0] == (byte)'-') break;
                return true;
            }
            if (tab < 0) break;
            line = line[(tab + 1)..];
        }
        value = default;
        return false;
    }

    /// <summary>
    /// request − upstream in seconds, or null when the line is not usable: no request time, or a value that is not a
    /// finite number (e.g. the upstream list `0.1, 0.2`). An absent, `-` or empty upstream time is 0. A trailing CR
    /// is ignored.
    /// </summary>
    public static double? Latency(ReadOnlySpan<byte> line, LineKeys keys)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        double request = 0, upstream = 0;
        bool haveRequest = false, haveUpstream = false;
        while (true)
        {
            int tab = line.IndexOf((byte)'\t');
            var field = tab < 0 ? line : line[..tab];
            int colon = field.IndexOf((byte)':');
            if (colon < 0) break;
            var k = field[..colon];
            var v = field[(colon + 1)..];
            if (!(v.Length == 1 && v[0] == (byte)'-'))
            {
                if (!haveRequest && k.SequenceEqual(keys.RequestKey))
                {
                    if (!TryNumber(v, out request)) return null;
                    haveRequest = true;
                }
                else if (!haveUpstream && k.SequenceEqual(keys.UpstreamKey))
                {
                    if (v.Length > 0 && !TryNumber(v, out upstream)) return null;
                    haveUpstream = true;
                }
                if (haveRequest && haveUpstream) break;
            }
            if (tab < 0) break;
            line = line[(tab + 1)..];
        }
        return haveRequest ? request - upstream : null;
    }

    private static bool TryNumber(ReadOnlySpan<byte> text, out double value) =>
        double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>Average and percentiles (sorted ascending; index of p = round-half-away(n×p) − 1). Null for no samples. Sorts in place.</summary>
    public static Summary? Summarize(List<double> samples)
    {
        int n = samples.Count;
        if (n == 0) return null;
        samples.Sort();
        double sum = 0;
        foreach (var v in samples) sum += v;
        double At(double p) => samples[Math.Clamp((int)Math.Round(n * p, MidpointRounding.AwayFromZero) - 1, 0, n - 1)];
        return new Summary(n, sum / n, At(0.99), At(0.95), At(0.90));
    }

    /// <summary>Scans complete lines of <paramref name="data"/>; returns the bytes consumed (up to and including the last newline).</summary>
    public static int ScanLines(ReadOnlySpan<byte> data, LineKeys keys, List<double> samples, ref long skipped)
    {
        int consumed = 0;
        while (true)
        {
            int nl = data[consumed..].IndexOf((byte)'\n');
            if (nl < 0) return consumed;
            var line = data.Slice(consumed, nl);
            consumed += nl + 1;
            if (keys.Filter.Length > 0 && line.IndexOf(keys.Filter) < 0) continue;
            if (Latency(line, keys) is { } latency) samples.Add(latency);
            else if (line.Length > 0) skipped++;
        }
    }

    // ---- files and positions ----

    public sealed record Position(long Pos, ulong Inode, ulong Device, long Time);

    /// <summary>Reads every file's new lines (all files are opened first: a missing one fails the run before any position moves).</summary>
    private static List<double> Collect(PluginContext context, string prefix, string[] paths, LineKeys keys)
    {
        var store = context.Store(Name) ?? throw new DataSourceException("the MetaCheck store is unavailable, so the read position cannot be kept");
        var samples = new List<double>();
        long skipped = 0;
        var opened = new List<(string Path, FileStream Stream)>();
        try
        {
            foreach (var path in paths.Distinct()) opened.Add((path, Open(path)));
            foreach (var (path, stream) in opened)
            {
                var full = Path.GetFullPath(path);
                var key = new CheckIdentity(Name, prefix, [full]).Key;
                var (saved, savedBytes) = Load(store, key, CheckIdentity.LegacyKey(Name, prefix, [full]), path);
                int samplesBefore = samples.Count;
                long skippedBefore = skipped;
                var id = Posix.Stat(stream.SafeFileHandle);
                long start = saved?.Pos ?? 0;
                if (saved is not null && saved.Inode != 0 && (saved.Inode != id.Inode || saved.Device != id.Device))
                {
                    // Rotated: finish the old file if it is still in the same directory, then read the new one from the start.
                    if (FindRotated(full, saved.Inode, saved.Device) is { } old)
                    {
                        using var oldStream = Open(old);
                        ReadFrom(context, oldStream, old, saved.Pos, keys, samples, ref skipped, finalTail: true);
                    }
                    start = 0;
                }
                else if (id.Size < start)
                {
                    context.Err.WriteLine($"{Name}: {path} is shorter than the saved position ({id.Size} < {start}): truncated, reading from the start");
                    start = 0;
                }
                long end = ReadFrom(context, stream, path, start, keys, samples, ref skipped, finalTail: false);
                if (!TrySave(store, key, savedBytes, new Position(end, id.Inode, id.Device, context.NowEpoch), context.NowEpoch))
                {
                    // An overlapping run read the same lines and moved the position first: its report has them.
                    samples.RemoveRange(samplesBefore, samples.Count - samplesBefore);
                    skipped = skippedBefore;
                    context.Err.WriteLine($"{Name}: another run read {path} at the same time and saved its position first; its lines are reported there, not twice");
                }
            }
        }
        finally
        {
            foreach (var (_, stream) in opened) stream.Dispose();
        }
        if (skipped > 0) context.Err.WriteLine($"{Name}: skipped {skipped} line(s) without a usable {Encoding.UTF8.GetString(keys.RequestKey)}/{Encoding.UTF8.GetString(keys.UpstreamKey)}");
        return samples;
    }

    private static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 0,
                Options = FileOptions.SequentialScan,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"cannot read {path}: {IoError.Reason(e)}");
        }
    }

    /// <summary>A regular file in the log's directory with the saved inode and device (the log renamed by logrotate).</summary>
    private static string? FindRotated(string fullPath, ulong inode, ulong device)
    {
        var dir = Path.GetDirectoryName(fullPath);
        if (dir is null) return null;
        try
        {
            foreach (var candidate in Directory.EnumerateFiles(dir))
            {
                if (candidate == fullPath) continue;
                try
                {
                    if (Posix.Stat(candidate) is { IsRegularFile: true } id && id.Inode == inode && id.Device == device) return candidate;
                }
                catch (IOException)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>
    /// Scans from <paramref name="start"/> to the end with a 1 MiB buffer and returns the new position: after the last
    /// complete line (a partial last line is left for the next run), or the end for a rotated file's final tail.
    /// More than 1 GB pending is skipped. A line longer than the buffer is skipped whole, once it is complete.
    /// </summary>
    private static long ReadFrom(PluginContext context, FileStream stream, string path, long start, LineKeys keys,
        List<double> samples, ref long skipped, bool finalTail)
    {
        long length = stream.Length;
        if (length - start > MaxBacklog)
        {
            context.Err.WriteLine($"{Name}: {path}: {length - start} bytes pending (more than {MaxBacklog}): skipped to the end");
            return length;
        }
        var buffer = new byte[BufferSize];
        long position = start;
        int filled = 0;
        bool discarding = false;
        long longLineStart = 0;
        try
        {
            stream.Seek(start, SeekOrigin.Begin);
            while (true)
            {
                int read = stream.Read(buffer, filled, buffer.Length - filled);
                if (read == 0) break;
                filled += read;
                int offset = 0;
                if (discarding)
                {
                    int nl = buffer.AsSpan(0, filled).IndexOf((byte)'\n');
                    if (nl < 0) { position += filled; filled = 0; continue; }
                    offset = nl + 1;
                    discarding = false;
                    skipped++;
                }
                offset += ScanLines(buffer.AsSpan(offset, filled - offset), keys, samples, ref skipped);
                position += offset;
                int rest = filled - offset;
                if (rest == buffer.Length)
                {
                    discarding = true;    // no newline in a full buffer
                    longLineStart = position;
                    position += rest;
                    filled = 0;
                    continue;
                }
                buffer.AsSpan(offset, rest).CopyTo(buffer);
                filled = rest;
            }
        }
        catch (IOException e)
        {
            throw new DataSourceException($"cannot read {path}: {e.Message}");
        }
        // A long line still being written: start from it again next time rather than from its middle.
        if (discarding && !finalTail) return longLineStart;
        if (finalTail && filled > 0)
        {
            var tail = buffer.AsSpan(0, filled);
            if (!discarding && (keys.Filter.Length == 0 || tail.IndexOf(keys.Filter) >= 0))
            {
                if (Latency(tail, keys) is { } latency) samples.Add(latency);
                else skipped++;
            }
            position += filled;
        }
        return position;
    }

    /// <summary>The saved position and its stored bytes (what <see cref="TrySave"/> compares against).</summary>
    private static (Position? Position, byte[]? Stored) Load(StateStore store, string key, string legacyKey, string path)
    {
        byte[]? bytes;
        try
        {
            bytes = store.UpdateValue(key, "position", 0, stored => ((byte[]?)null, stored), legacyKey);
        }
        catch (StateUnavailableException e)
        {
            throw new DataSourceException($"cannot read the saved position of {path}: {e.Message}");
        }
        if (bytes is null) return (null, null);
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            var pos = new Position(root.GetProperty("pos").GetInt64(), root.GetProperty("inode").GetUInt64(),
                root.GetProperty("dev").GetUInt64(), root.GetProperty("time").GetInt64());
            if (pos.Pos < 0) throw new FormatException("negative position");
            return (pos, bytes);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new DataSourceException($"the saved position of {path} is unreadable ({Opt.Shorten(e.Message)})");
        }
    }

    /// <summary>
    /// Stores the new position only if the stored one is still what this run started from (compare and
    /// swap in one transaction); false means an overlapping run got there first.
    /// </summary>
    private static bool TrySave(StateStore store, string key, byte[]? startedFrom, Position position, long now)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("pos", position.Pos);
            w.WriteNumber("time", position.Time);
            w.WriteNumber("inode", position.Inode);
            w.WriteNumber("dev", position.Device);
            w.WriteEndObject();
        }
        var bytes = buffer.ToArray();
        try
        {
            return store.UpdateValue(key, "position", now * 1000, stored =>
                stored.AsSpan().SequenceEqual(startedFrom) ? (bytes, true) : ((byte[]?)null, false));
        }
        catch (StateUnavailableException e)
        {
            throw new DataSourceException($"cannot save the read position: {e.Message}");
        }
    }
}
