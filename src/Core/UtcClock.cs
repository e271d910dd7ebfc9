using NodaTime;

namespace MetaCheck.Core;

/// <summary>
/// The system clock, as NodaTime's <see cref="SystemClock"/> reads it, without its start-up cost:
/// SystemClock counts from NodaConstants.BclEpoch, whose static constructor builds the Gregorian
/// calendar's tables (about 0.5 ms of every run, for a timestamp).
/// </summary>
public sealed class UtcClock : IClock
{
    public static readonly UtcClock Instance = new();

    private UtcClock() { }

    public Instant GetCurrentInstant() => Instant.FromUnixTimeTicks(DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks);
}
