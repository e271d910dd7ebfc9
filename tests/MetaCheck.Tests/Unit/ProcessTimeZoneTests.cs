using MetaCheck.Wrappers;
using NodaTime;
using NodaTime.Text;

namespace MetaCheck.Tests.Unit;

/// <summary>POSIX TZ strings read as glibc reads them (expected offsets taken from `TZ=… date -d … +%z`).</summary>
public sealed class ProcessTimeZoneTests
{
    [Theory]
    [InlineData("JST-9", "2026-07-01T00:00:00Z", "+09")]
    [InlineData("<+0530>-5:30", "2026-07-01T00:00:00Z", "+05:30")]
    [InlineData("UTC0", "2026-07-01T00:00:00Z", "+00")]
    [InlineData("<-03>3", "2026-07-01T00:00:00Z", "-03")]
    [InlineData("CET-1CEST,M3.5.0,M10.5.0/3", "2026-01-15T12:00:00Z", "+01")]
    [InlineData("CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T00:59:59Z", "+01")]
    [InlineData("CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T01:00:00Z", "+02")]
    [InlineData("CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T00:59:59Z", "+02")]
    [InlineData("CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T01:00:00Z", "+01")]
    [InlineData("AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-01-15T12:00:00Z", "+11")]
    [InlineData("AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-04-04T15:59:59Z", "+11")]
    [InlineData("AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-04-04T16:00:00Z", "+10")]
    [InlineData("AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-07-01T00:00:00Z", "+10")]
    [InlineData("XST5XDT", "2026-03-08T06:59:59Z", "-05")] // no rules: glibc's default (US) rules
    [InlineData("XST5XDT", "2026-03-08T07:00:00Z", "-04")]
    public void Posix_strings_give_glibc_offsets(string tz, string utc, string offset)
    {
        ProcessTimeZone.TryParsePosix(tz, out var zone).Should().BeTrue();
        var instant = InstantPattern.General.Parse(utc).Value;
        OffsetPattern.CreateWithInvariantCulture("+HH:mm").Parse(offset.Length == 3 ? offset + ":00" : offset).Value
            .Should().Be(zone.GetUtcOffset(instant));
    }

    [Theory]
    [InlineData("Asia/Tokyo", "Asia/Tokyo")]
    [InlineData(":Asia/Tokyo", "Asia/Tokyo")]
    [InlineData("", "UTC")]
    public void Names_with_or_without_the_colon(string tz, string id)
    {
        var log = new StringWriter();
        ProcessTimeZone.Resolve(tz, log, "periodic-checker").Id.Should().Be(id);
        log.ToString().Should().BeEmpty();
    }

    [Theory]
    [InlineData("Asia/Tokio")]
    [InlineData("JST")]
    [InlineData("JST-9JDT,M13.1.0,M1.1.0")]
    [InlineData(":JST-9")]
    public void What_is_not_understood_is_said_in_one_line_and_UTC_is_used(string tz)
    {
        var log = new StringWriter();
        ProcessTimeZone.Resolve(tz, log, "periodic-checker").Should().Be(DateTimeZone.Utc);
        log.ToString().Should().Be($"periodic-checker: TZ='{tz}' is neither a time zone name nor a POSIX TZ string; using UTC\n");
    }
}
