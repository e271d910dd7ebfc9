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

    /// <summary>periodic-checker Mon-Fri@08:00-20:00 over check-uptime: the uptime inside the window, the skip outside.</summary>
    public const string OfficeHoursUptime = @"^((OK|WARNING|CRITICAL): uptime is|OK: up \d+ days|OK: out of time ranges: Mon-Fri@08:00-20:00)";
}
