using System.Globalization;
using MetaCheck.Core;
using NodaTime;

namespace MetaCheck.Wrappers;

/// <summary>
/// `--ranges` windows: `HH:MM-HH:MM[,...]`, both ends inclusive at minute resolution as in the
/// original; a window may cross midnight (`22:00-06:00`) and may be limited to days of the week
/// (`Mon-Fri@09:00-18:00`, `Sat@10:00-12:00`; a crossing window belongs to the day it starts on).
/// </summary>
public sealed class TimeRanges
{
    public sealed record Window(IsoDayOfWeek? FirstDay, IsoDayOfWeek? LastDay, int StartMinute, int EndMinute);

    private static readonly string[] DayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    public TimeRanges(string text, IReadOnlyList<Window> windows) => (Text, Windows) = (text, windows);

    public string Text { get; }
    public IReadOnlyList<Window> Windows { get; }

    /// <summary>Every piece is validated up front: a typo is an error at any time of day.</summary>
    public static TimeRanges Parse(string text)
    {
        var pieces = text.Split(',').Select(p => p.Trim()).ToList();
        while (pieces.Count > 0 && pieces[^1].Length == 0) pieces.RemoveAt(pieces.Count - 1);
        if (pieces.Count == 0) throw new UsageException("--ranges is empty; give windows such as 00:00-06:00,06:30-24:00");
        return new TimeRanges(text, pieces.Select(p => ParseWindow(p, text)).ToList());
    }

    private static Window ParseWindow(string piece, string all)
    {
        IsoDayOfWeek? first = null, last = null;
        var times = piece;
        int at = piece.IndexOf('@');
        if (at >= 0)
        {
            var days = piece[..at].Split('-');
            if (days.Length is < 1 or > 2) throw Bad(piece, all);
            first = Day(days[0], piece, all);
            last = days.Length == 2 ? Day(days[1], piece, all) : first;
            times = piece[(at + 1)..];
        }
        var ends = times.Split('-');
        if (ends.Length != 2) throw Bad(piece, all);
        int start = Minute(ends[0], piece, all, allow24: false), end = Minute(ends[1], piece, all, allow24: true);
        return new Window(first, last, start, end);
    }

    private static IsoDayOfWeek Day(string name, string piece, string all)
    {
        int index = Array.IndexOf(DayNames, name.Trim().ToLowerInvariant());
        return index < 0 ? throw Bad(piece, all, $"unknown day '{name}', use Mon Tue Wed Thu Fri Sat Sun") : (IsoDayOfWeek)(index + 1);
    }

    private static int Minute(string hhmm, string piece, string all, bool allow24)
    {
        if (hhmm.Length != 5 || hhmm[2] != ':'
            || !int.TryParse(hhmm.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(hhmm.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m))
            throw Bad(piece, all);
        if (h == 24 && m == 0 && allow24) return 24 * 60;
        if (h > 23 || m > 59) throw Bad(piece, all, $"'{hhmm}' is not a time of day");
        return h * 60 + m;
    }

    private static UsageException Bad(string piece, string all, string? why = null) => new(
        $"invalid --ranges '{Opt.Shorten(all)}' at '{Opt.Shorten(piece)}': " +
        (why ?? "expected HH:MM-HH:MM, optionally after days as in Mon-Fri@09:00-18:00"));

    public bool Contains(LocalDateTime now)
    {
        int minute = now.Hour * 60 + now.Minute;
        var today = now.DayOfWeek;
        var yesterday = today == IsoDayOfWeek.Monday ? IsoDayOfWeek.Sunday : today - 1;
        foreach (var w in Windows)
        {
            bool inside = w.StartMinute <= w.EndMinute
                ? OnDay(w, today) && minute >= w.StartMinute && minute <= w.EndMinute
                : (OnDay(w, today) && minute >= w.StartMinute) || (OnDay(w, yesterday) && minute <= w.EndMinute);
            if (inside) return true;
        }
        return false;
    }

    private static bool OnDay(Window w, IsoDayOfWeek day)
    {
        if (w.FirstDay is not { } first || w.LastDay is not { } last) return true;
        return first <= last ? day >= first && day <= last : day >= first || day <= last; // Fri-Mon wraps the week
    }
}
