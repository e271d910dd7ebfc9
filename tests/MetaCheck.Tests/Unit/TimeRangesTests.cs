using MetaCheck.Core;
using MetaCheck.Wrappers;
using NodaTime;

namespace MetaCheck.Tests.Unit;

public sealed class TimeRangesTests
{
    // 2026-11-20 is a Friday, 2026-11-23 a Monday.
    private static LocalDateTime At(int day, int hour, int minute) => new(2026, 11, day, hour, minute);

    [Theory]
    [InlineData("00:00-06:00,06:30-24:00", 20, 6, 0, true)]   // ends are inclusive, as in the original
    [InlineData("00:00-06:00,06:30-24:00", 20, 6, 1, false)]
    [InlineData("00:00-06:00,06:30-24:00", 20, 6, 30, true)]
    [InlineData("00:00-06:00,06:30-24:00", 20, 23, 59, true)]
    [InlineData("00:00-00:00", 20, 0, 0, true)]
    [InlineData("00:00-00:00", 20, 0, 1, false)]
    [InlineData("22:00-06:00", 20, 23, 0, true)]
    [InlineData("22:00-06:00", 20, 3, 0, true)]
    [InlineData("22:00-06:00", 20, 12, 0, false)]
    [InlineData("Mon-Fri@09:00-18:00", 20, 9, 0, true)]        // Friday
    [InlineData("Mon-Fri@09:00-18:00", 21, 9, 0, false)]       // Saturday
    [InlineData("Fri@22:00-06:00", 21, 5, 59, true)]           // Saturday morning belongs to Friday's window
    [InlineData("Fri@22:00-06:00", 20, 5, 59, false)]          // Friday morning belongs to Thursday's
    [InlineData("Sun@22:00-06:00", 23, 5, 59, true)]           // Monday morning belongs to Sunday's window (the day before Monday)
    [InlineData("Fri-Sun@22:00-06:00", 23, 5, 59, true)]
    [InlineData("Sun@22:00-06:00", 23, 6, 1, false)]
    [InlineData("Fri-Mon@12:00-13:00", 22, 12, 30, true)]      // Sunday: the day range wraps the week
    [InlineData("Fri-Mon@12:00-13:00", 18, 12, 30, false)]     // Wednesday
    [InlineData("sat@00:00-24:00, sun@00:00-24:00", 22, 8, 0, true)]
    [InlineData("09:00-10:00", 20, 10, 0, true)]
    [InlineData("23:00-23:59", 20, 23, 59, true)]              // the last minute of a day is a time of day
    [InlineData("22:00-06:00", 20, 22, 0, true)]               // a crossing window's ends are inclusive too
    [InlineData("22:00-06:00", 21, 6, 0, true)]
    [InlineData("Fri-Mon@12:00-13:00", 20, 12, 30, true)]      // both ends of a wrapping day range
    [InlineData("Fri-Mon@12:00-13:00", 23, 12, 30, true)]
    [InlineData("Mon-Fri@09:00-18:00", 23, 9, 0, true)]        // Monday, the first day
    [InlineData("Tue@00:00-24:00", 17, 8, 0, true)]
    [InlineData("Wed@00:00-24:00", 18, 8, 0, true)]
    [InlineData("Thu@00:00-24:00", 19, 8, 0, true)]
    [InlineData("Thu@00:00-24:00", 18, 8, 0, false)]
    public void Contains(string ranges, int day, int hour, int minute, bool expected) =>
        TimeRanges.Parse(ranges).Contains(At(day, hour, minute)).Should().Be(expected);

    [Theory]
    [InlineData("24:00-01:00")]
    [InlineData("10:00-24:01")]
    [InlineData("10:00-12:00-14:00")]
    [InlineData("Mon-Tue-Wed@10:00-12:00")]
    [InlineData("10:60-11:00")]
    [InlineData("1000-1100")]
    [InlineData("10:0-11:00")]
    [InlineData(",")]
    [InlineData("Xyz@10:00-12:00")]
    public void Rejects(string ranges) => FluentActions.Invoking(() => TimeRanges.Parse(ranges)).Should().Throw<UsageException>();

    [Theory]
    [InlineData("10:60-11:00", "invalid --ranges '10:60-11:00' at '10:60-11:00': '10:60' is not a time of day")]
    [InlineData("8:00-9:00,1000-1100", "invalid --ranges '8:00-9:00,1000-1100' at '8:00-9:00': expected HH:MM-HH:MM, optionally after days as in Mon-Fri@09:00-18:00")]
    [InlineData("Fry@10:00-12:00", "invalid --ranges 'Fry@10:00-12:00' at 'Fry@10:00-12:00': unknown day 'Fry', use Mon Tue Wed Thu Fri Sat Sun")]
    [InlineData(" , ", "--ranges is empty; give windows such as 00:00-06:00,06:30-24:00")]
    public void A_bad_range_names_the_piece_and_what_is_wrong(string ranges, string message) =>
        FluentActions.Invoking(() => TimeRanges.Parse(ranges)).Should().Throw<UsageException>().Which.Message.Should().Be(message);

    [Fact]
    public void A_trailing_comma_is_tolerated_as_in_the_original() =>
        TimeRanges.Parse("00:00-01:00,").Windows.Should().HaveCount(1);
}
