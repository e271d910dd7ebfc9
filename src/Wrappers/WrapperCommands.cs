using MetaCheck.Core;

namespace MetaCheck.Wrappers;

public static class WrapperCommands
{
    /// <summary>
    /// The wrappers' own binary (src/WrapperHost), installed as PREFIX/lib/metacheck/metacheck-wrappers
    /// (scripts/layout.sh); their links lead to it, and the multi-call binary answers their names too.
    /// </summary>
    public const string Binary = "metacheck-wrappers";

    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(DelayChecker.Name, "alert only after N consecutive failures of the inner check", DelayChecker.Main),
        new(IntervalChecker.Name, "run the inner check at most once per interval, replay its result in between", IntervalChecker.Main),
        new(PeriodicChecker.Name, "run the inner check only inside time windows", PeriodicChecker.Main),
    ];
}
