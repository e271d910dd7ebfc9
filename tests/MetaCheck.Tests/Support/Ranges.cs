using MetaCheck.Core;

namespace MetaCheck.Tests.Support;

public static class Ranges
{
    /// <summary>A range a test states in the guidelines' syntax; a typo in the test fails here, not as a wrong status.</summary>
    public static ThresholdRange Parse(string text) =>
        ThresholdRange.TryParse(text, out var range) ? range : throw new ArgumentException($"not a range: '{text}'");
}
