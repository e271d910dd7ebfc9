using System.Globalization;
using MetaCheck.Core;

namespace MetaCheck.Checks.Framework;

/// <summary>How the checks' own lines (-v's details, the designed messages) write durations and instants, alike in every check.</summary>
public static class DetailText
{
    /// <summary>`0.000185 s`: the number as performance data writes it, with its unit.</summary>
    public static string Seconds(TimeSpan span) => $"{ThresholdRange.Number(span.TotalSeconds)} s";

    /// <summary>`2026-12-07 08:44:30 UTC`: UTC, which an operator comparing hosts reads alike.</summary>
    public static string Utc(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string Utc(long epoch) => Utc(DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime);
}
