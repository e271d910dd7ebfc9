using System.Globalization;

namespace MetaCheck.Core;

/// <summary>
/// A threshold in the monitoring-plugins range syntax: `10` (alert outside 0..10), `10:` (below 10),
/// `~:10` (above 10), `10:20` (outside 10..20), `@10:20` (inside 10..20, ends included).
/// A plain number given to one of our checks keeps its original's meaning: the check turns it into the
/// range that says the same (<see cref="Below"/>, <see cref="AtLeast"/>...), so every threshold prints
/// in performance data as the range that was applied.
/// </summary>
public sealed record ThresholdRange(double Start, double End, bool Inside)
{
    /// <summary>The number the user gave when it was a plain number (its original meaning); null for a range.</summary>
    public double? Plain { get; init; }

    /// <summary>True when <paramref name="value"/> is in the alerting part of the range.</summary>
    public bool Alerts(double value) => Inside ? value >= Start && value <= End : value < Start || value > End;

    /// <summary>
    /// What a value earns against a check's warning and critical thresholds (critical first; either may be
    /// absent), and the threshold that fired, null when OK: the decision every check with -w/-c makes, its
    /// words aside.
    /// </summary>
    public static (Status Status, ThresholdRange? Applied) Grade(double value, ThresholdRange? warning, ThresholdRange? critical) =>
        critical?.Alerts(value) == true ? (Status.Critical, critical)
        : warning?.Alerts(value) == true ? (Status.Warning, warning)
        : (Status.Ok, null);

    /// <summary>Where an original took a plain 0 for "no threshold" (check-tcp, check-longtransaction-cnt): null for it.</summary>
    public static ThresholdRange? ZeroIsOff(ThresholdRange? threshold) => threshold is { Plain: 0 } ? null : threshold;

    /// <summary>Alert when the value is less than <paramref name="n"/> (days left, uptime, free slots).</summary>
    public static ThresholdRange Below(double n) => new(n, double.PositiveInfinity, false) { Plain = n };

    /// <summary>Alert when the value is at most <paramref name="n"/>.</summary>
    public static ThresholdRange AtMost(double n) => new(double.NegativeInfinity, n, true) { Plain = n };

    /// <summary>Alert when the value is greater than <paramref name="n"/> (response time, error rate).</summary>
    public static ThresholdRange Above(double n) => new(double.NegativeInfinity, n, false) { Plain = n };

    /// <summary>Alert when the value is at least <paramref name="n"/> (percent used, counts).</summary>
    public static ThresholdRange AtLeast(double n) => new(n, double.PositiveInfinity, true) { Plain = n };

    /// <summary>True when the text uses the range syntax (`:`, `~` or `@`) rather than being a plain number.</summary>
    public static bool IsRangeSyntax(string text) => text.Contains(':') || text.StartsWith('@') || text.StartsWith('~');

    /// <summary>How a message names the alerting part: `outside 10:20`, `within 10:20` (for `@10:20`).</summary>
    public string Where => Inside ? $"within {ToString()[1..]}" : $"outside {this}";

    /// <summary>Parses the monitoring-plugins syntax; a bare number `N` is the guidelines' `0:N`.</summary>
    public static bool TryParse(string text, out ThresholdRange range)
    {
        range = null!;
        var body = text.Trim();
        bool inside = body.StartsWith('@');
        if (inside) body = body[1..];
        int colon = body.IndexOf(':');
        double start = 0, end;
        if (colon < 0)
        {
            if (!TryNumber(body, out end)) return false;
        }
        else
        {
            var left = body[..colon];
            var right = body[(colon + 1)..];
            if (left == "~") start = double.NegativeInfinity;
            else if (!TryNumber(left, out start)) return false;
            if (right.Length == 0) end = double.PositiveInfinity;
            else if (!TryNumber(right, out end)) return false;
        }
        if (start > end) return false;
        range = new ThresholdRange(start, end, inside);
        return true;
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
        && double.IsFinite(value);

    /// <summary>The range in the guidelines' shortest form (`10`, `10:`, `~:10`, `@10:20`), as performance data carries it.</summary>
    public override string ToString()
    {
        if (!Inside && Start == 0 && !double.IsPositiveInfinity(End)) return Number(End);
        var start = double.IsNegativeInfinity(Start) ? "~" : Number(Start);
        var end = double.IsPositiveInfinity(End) ? "" : Number(End);
        return $"{(Inside ? "@" : "")}{start}:{end}";
    }

    /// <summary>A number as performance data writes it: invariant, no exponent, at most 6 decimals, no trailing zeros.</summary>
    public static string Number(double value)
    {
        var text = Math.Round(value, 6).ToString("0.######", CultureInfo.InvariantCulture);
        return text == "-0" ? "0" : text;
    }
}
