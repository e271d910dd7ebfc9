namespace MetaCheck.Tests.Support;

/// <summary>
/// What the three services of the Nagios and Icinga 2 samples report when their checks really ran on this
/// machine (nothing listens on 3306 here, or something does); never "cannot run" or a usage error.
/// </summary>
public static class SampleResults
{
    /// <summary>delay-checker -c 3 over check-tcp on 127.0.0.1:3306; a daemon that forced it more than once may be past 1/3.</summary>
    public const string DelayedTcp = @"^Delay(Warn|NG)\(\d+/3\): TCP CRITICAL: connect to 127\.0\.0\.1:3306: |^TCP OK";

    /// <summary>interval-checker over monitoring-plugins' check_disk on /.</summary>
    public const string Disk = @"^DISK (OK|WARNING|CRITICAL) - free space: / ";

    /// <summary>
    /// periodic-checker Mon-Fri@08:00-20:00 over check-uptime: the uptime inside the window; the skip only when
    /// no time zone puts now inside it (a weekend), for outside the window the inner check is not run at all.
    /// </summary>
    public static string OfficeHoursUptime(bool inside) =>
        @"^((OK|WARNING|CRITICAL): uptime is|OK: up \d+ days)" + (inside ? "" : "|^OK: out of time ranges: Mon-Fri@08:00-20:00");

    /// <summary>A POSIX TZ in which now is a weekday between 09:00 and 19:00, for the daemons that run the samples; null on a weekend.</summary>
    public static string? OfficeHoursZone()
    {
        var utc = DateTime.UtcNow;
        for (int hours = -12; hours <= 14; hours++)
        {
            var local = utc.AddHours(hours);
            if (local.DayOfWeek is >= DayOfWeek.Monday and <= DayOfWeek.Friday && local.Hour is >= 9 and < 19)
                return $"OFH{(hours > 0 ? "-" : "+")}{Math.Abs(hours)}"; // POSIX TZ counts west of Greenwich as positive
        }
        return null;
    }
}
