using MetaCheck.Core;

namespace MetaCheck.Wrappers;

public static class WrapperCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(DelayChecker.Name, "alert only after N consecutive failures of the inner check", DelayChecker.Main),
        new(IntervalChecker.Name, "run the inner check at most once per interval, replay its result in between", IntervalChecker.Main),
        new(PeriodicChecker.Name, "run the inner check only inside time windows", PeriodicChecker.Main),
    ];
}
