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
            : Fixed(value, 6);

    /// <summary>
    /// C's, Perl's and Go's `%.Nf`: the exact binary value rounded to N decimals, an exact tie to even
    /// (0.25 → `0.2`, 0.0078125 → `0.007812`). .NET's "F" breaks such ties away from zero; every other
    /// value prints the same, because .NET also rounds the exact value.
    /// </summary>
    public static string Fixed(double value, int decimals)
    {
        // A tie at N decimals is an odd multiple of 2^-(N+1): its expansion ends in 5 at digit N+1.
        // Scaling by a power of two is exact, so this finds exactly those.
        double scaled = Math.ScaleB(value, decimals + 1);
        bool tie = Math.Abs(scaled) < 9007199254740992d && scaled == Math.Floor(scaled) && Math.Abs(scaled % 2) == 1;
        if (!tie) return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
        var exact = value.ToString("F" + (decimals + 1), CultureInfo.InvariantCulture); // exact: N+1 digits, the last a 5
        var kept = exact[..^1].TrimEnd('.');
        return IsOddLastDigit(kept) ? AddOneInLastPlace(kept) : kept;
    }

    private static bool IsOddLastDigit(string number) => (number[^1] - '0') % 2 == 1;

    /// <summary>`0.19` → `0.20`, `-9.9` → `-10.0`: one unit in the last place away from zero.</summary>
    private static string AddOneInLastPlace(string number)
    {
        var digits = number.ToCharArray();
        for (int i = digits.Length - 1; i >= 0 && digits[i] != '-'; i--)
        {
            if (digits[i] == '.') continue;
            if (digits[i] != '9')
            {
                digits[i]++;
                return new string(digits);
            }
            digits[i] = '0';
        }
        int sign = number.StartsWith('-') ? 1 : 0;
        return number[..sign] + "1" + new string(digits)[sign..];
    }
}
