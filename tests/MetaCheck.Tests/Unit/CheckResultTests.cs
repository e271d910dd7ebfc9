using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Tests.Unit;

/// <summary>The shared shape of a check's result and of the lines its -v adds (`make mutation` runs these).</summary>
public sealed class CheckResultTests
{
    [Fact]
    public void The_two_line_styles_of_the_originals()
    {
        CheckResult.Of(Status.Critical, "down").Text.Should().Be("CRITICAL: down");
        CheckResult.Checkers(Status.Warning, "slow", "TCP").Text.Should().Be("TCP WARNING: slow");
        CheckResult.Checkers(Status.Ok, "fine", "").Text.Should().Be(" OK: fine", "ryuichi1208's checks start with a space");
    }

    [Fact]
    public void Results_are_equal_by_value_lists_included()
    {
        CheckResult Made(double value, string detail) =>
            CheckResult.Of(Status.Ok, "x") with { Perfdata = [new PerfValue("t", value, "s")], Details = [detail] };
        Made(1, "a").Should().Be(Made(1, "a"));
        Made(1, "a").GetHashCode().Should().Be(Made(1, "a").GetHashCode());
        Made(1, "a").Should().NotBe(Made(2, "a"));
        Made(1, "a").Should().NotBe(Made(1, "b"));
        Made(1, "a").Should().NotBe(Made(1, "a") with { Status = Status.Warning });
        Made(1, "a").Should().NotBe(Made(1, "a") with { Text = "OK: y" });
        Made(1, "a").Equals(null).Should().BeFalse();
    }

    [Fact]
    public void Details_write_seconds_as_perfdata_does_and_instants_in_UTC()
    {
        DetailText.Seconds(TimeSpan.FromMicroseconds(185)).Should().Be("0.000185 s");
        DetailText.Seconds(TimeSpan.FromSeconds(90)).Should().Be("90 s");
        DetailText.Utc(new DateTime(2026, 12, 7, 8, 44, 30, DateTimeKind.Utc)).Should().Be("2026-12-07 08:44:30 UTC");
        DetailText.Utc(1_700_000_000).Should().Be("2023-11-14 22:13:20 UTC");
    }
}
