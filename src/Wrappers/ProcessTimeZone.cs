using System.Globalization;
using System.Text.RegularExpressions;
using MetaCheck.Core;
using NodaTime;
using NodaTime.TimeZones;

namespace MetaCheck.Wrappers;

/// <summary>
/// The process time zone as libc (and so the Perl original) reads `TZ`: unset → /etc/localtime; empty → UTC;
/// an IANA name, with or without the leading `:` (`Asia/Tokyo`, `:Asia/Tokyo`); a file path; or a POSIX
/// TZ string (`JST-9`, `<+0530>-5:30`, `CET-1CEST,M3.5.0,M10.5.0/3`). .NET alone reads only the first
/// kinds and silently uses UTC for a POSIX string.
/// </summary>
public static partial class ProcessTimeZone
{
    /// <summary>The zone <paramref name="tz"/> (the value of TZ, null = unset) names; UTC with one line on <paramref name="log"/> when it names none.</summary>
    public static DateTimeZone Resolve(string? tz, TextWriter log, string commandName)
    {
        if (tz is null) return BclDateTimeZone.ForSystemDefault();
        if (tz.Length == 0) return DateTimeZone.Utc;
        var name = tz.StartsWith(':') ? tz[1..] : tz;
        if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(name) is { } known) return known;
        if (name.StartsWith('/') && File.Exists(name)) return BclDateTimeZone.ForSystemDefault(); // .NET reads a TZif path
        if (SystemZone(name) is { } system) return system;
        if (!tz.StartsWith(':') && TryParsePosix(tz, out var posix)) return posix;
        log.WriteLine($"{commandName}: TZ='{Opt.Shorten(tz)}' is neither a time zone name nor a POSIX TZ string; using UTC");
        return DateTimeZone.Utc;
    }

    /// <summary>A zone the host's tzdata has and NodaTime's built-in copy does not (a newer zone).</summary>
    private static DateTimeZone? SystemZone(string name)
    {
        try
        {
            return BclDateTimeZone.FromTimeZoneInfo(TimeZoneInfo.FindSystemTimeZoneById(name));
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>`std offset [dst [offset] [,start[/time],end[/time]]]`; offsets are west-positive (`JST-9` = UTC+9).</summary>
    public static bool TryParsePosix(string text, out DateTimeZone zone)
    {
        zone = DateTimeZone.Utc;
        var m = PosixTz().Match(text);
        if (!m.Success || !TryOffset(m.Groups["std"].Value, out var standard)) return false;
        var stdName = Unquote(m.Groups["stdname"].Value);
        if (!m.Groups["dstname"].Success)
        {
            zone = new FixedZone(text, stdName, standard);
            return true;
        }
        var daylight = standard + Offset.FromHours(1);
        if (m.Groups["dst"].Success && !TryOffset(m.Groups["dst"].Value, out daylight)) return false;
        // Without rules glibc falls back to the US rules of its "posixrules" file.
        var startText = m.Groups["start"].Success ? m.Groups["start"].Value : "M3.2.0";
        var endText = m.Groups["end"].Success ? m.Groups["end"].Value : "M11.1.0";
        if (!DstRule.TryParse(startText, out var start) || !DstRule.TryParse(endText, out var end)) return false;
        zone = new DaylightZone(text, stdName, standard, Unquote(m.Groups["dstname"].Value), daylight, start, end);
        return true;
    }

    private static string Unquote(string name) => name.StartsWith('<') ? name[1..^1] : name;

    /// <summary>POSIX `[+-]hh[:mm[:ss]]`, west of Greenwich positive: the NodaTime offset is its negation.</summary>
    private static bool TryOffset(string text, out Offset offset)
    {
        offset = Offset.Zero;
        if (!TrySeconds(text, maxHours: 24, out var seconds)) return false;
        offset = Offset.FromSeconds(-seconds);
        return true;
    }

    /// <summary>`[+-]hh[:mm[:ss]]` as seconds; hours up to <paramref name="maxHours"/>.</summary>
    private static bool TrySeconds(string text, int maxHours, out int seconds)
    {
        seconds = 0;
        int sign = text.StartsWith('-') ? -1 : 1;
        var parts = text.TrimStart('+', '-').Split(':');
        if (parts.Length > 3 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit))) return false;
        int[] n = [.. parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        if (n[0] > maxHours || n.Skip(1).Any(x => x > 59)) return false;
        seconds = sign * (n[0] * 3600 + (n.Length > 1 ? n[1] * 60 : 0) + (n.Length > 2 ? n[2] : 0));
        return true;
    }

    /// <summary>
    /// One change of a POSIX rule: `Mm.w.d` (day d of week w of month m; w = 5 is the last), `Jn` (day 1-365,
    /// 29 February never counted) or `n` (day 0-365), at a local time (default 02:00; may be negative or past 24h).
    /// </summary>
    private sealed record DstRule(char Kind, int Month, int Week, int Day, int Seconds)
    {
        public static bool TryParse(string text, out DstRule rule)
        {
            rule = null!;
            var slash = text.IndexOf('/');
            var date = slash < 0 ? text : text[..slash];
            int seconds = 7200;
            if (slash >= 0 && !TrySeconds(text[(slash + 1)..], maxHours: 167, out seconds)) return false;
            var m = RuleDate().Match(date);
            if (!m.Success) return false;
            int Num(string g) => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            if (m.Groups["month"].Success)
            {
                rule = new DstRule('M', Num("month"), Num("week"), Num("wday"), seconds);
                return rule.Month is >= 1 and <= 12 && rule.Week is >= 1 and <= 5 && rule.Day is >= 0 and <= 6;
            }
            bool julian = m.Groups["julian"].Success;
            rule = new DstRule(julian ? 'J' : 'n', 0, 0, Num("day"), seconds);
            return julian ? rule.Day is >= 1 and <= 365 : rule.Day is >= 0 and <= 365;
        }

        /// <summary>The local date-time of the change in <paramref name="year"/>.</summary>
        public LocalDateTime In(int year)
        {
            LocalDate date;
            switch (Kind)
            {
                case 'M':
                    var first = new LocalDate(year, Month, 1);
                    int offset = (Day - (int)first.DayOfWeek % 7 + 7) % 7; // NodaTime: Monday 1 … Sunday 7; POSIX: Sunday 0
                    date = first.PlusDays(offset + (Week - 1) * 7);
                    while (date.Month != Month) date = date.PlusDays(-7); // week 5 = the last such day
                    break;
                case 'J':
                    date = new LocalDate(year, 1, 1).PlusDays(Day - 1);
                    if (CalendarSystem.Iso.IsLeapYear(year) && Day >= 60) date = date.PlusDays(1);
                    break;
                default:
                    date = new LocalDate(year, 1, 1).PlusDays(Day);
                    break;
            }
            return date.AtMidnight().PlusSeconds(Seconds);
        }
    }

    private sealed class FixedZone(string id, string name, Offset offset) : DateTimeZone(id, true, offset, offset)
    {
        private readonly ZoneInterval _always = new(name, null, null, offset, Offset.Zero);

        public override ZoneInterval GetZoneInterval(Instant instant) => _always;
    }

    /// <summary>Standard time with a daylight period each year between two rule dates (either hemisphere).</summary>
    private sealed class DaylightZone(string id, string stdName, Offset standardOffset, string dstName, Offset daylightOffset, DstRule start, DstRule end)
        : DateTimeZone(id, false, Offset.Min(standardOffset, daylightOffset), Offset.Max(standardOffset, daylightOffset))
    {
        private readonly Offset _standard = standardOffset, _daylight = daylightOffset;

        public override ZoneInterval GetZoneInterval(Instant instant)
        {
            int year = instant.InUtc().Year;
            // Each change as an instant: daylight starts at a standard-time wall clock and ends at a daylight one.
            var changes = Enumerable.Range(year - 1, 3)
                .SelectMany(y => new[]
                {
                    (At: start.In(y).WithOffset(_standard).ToInstant(), Daylight: true),
                    (At: end.In(y).WithOffset(_daylight).ToInstant(), Daylight: false),
                })
                .OrderBy(c => c.At)
                .ToList();
            int next = changes.FindIndex(c => c.At > instant);
            var current = changes[next - 1];
            return current.Daylight
                ? new ZoneInterval(dstName, current.At, changes[next].At, _daylight, _daylight - _standard)
                : new ZoneInterval(stdName, current.At, changes[next].At, _standard, Offset.Zero);
        }
    }

    [GeneratedRegex(@"^(?<stdname>[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)(?<std>[+-]?[0-9:]+)(?:(?<dstname>[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)(?<dst>[+-]?[0-9:]+)?(?:,(?<start>[^,]+),(?<end>[^,]+))?)?$")]
    private static partial Regex PosixTz();

    [GeneratedRegex(@"^(?:M(?<month>[0-9]{1,2})\.(?<week>[1-5])\.(?<wday>[0-6])|(?<julian>J)(?<day>[0-9]{1,3})|(?<day>[0-9]{1,3}))$")]
    private static partial Regex RuleDate();
}
