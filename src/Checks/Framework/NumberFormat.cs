using System.Globalization;

namespace MetaCheck.Checks.Framework;

/// <summary>How the originals printed numbers; metric values and messages must match them.</summary>
public static class NumberFormat
{
    /// <summary>
    /// Perl's print: C %.15g, i.e. at most 15 significant digits, no trailing zeros, exponent form
    /// below 1e-4 or from 1e15 (`33.3333333333333`, `2.1e-05`, `1e+15`), and no negative zero.
    /// </summary>
    public static string Perl(double value)
    {
        if (value == 0) return "0";
        if (double.IsNaN(value)) return "NaN";
        if (double.IsInfinity(value)) return value > 0 ? "Inf" : "-Inf";
        var text = value.ToString("G15", CultureInfo.InvariantCulture);
        int e = text.IndexOf('E');
        if (e < 0) return text;
        var mantissa = text[..e];
        var exponent = int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
        return $"{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
    }

    /// <summary>go-mackerel-plugin: integral values as integers, others with six decimals (`0.125000`).</summary>
    public static string Go(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e18
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("F6", CultureInfo.InvariantCulture);
}
