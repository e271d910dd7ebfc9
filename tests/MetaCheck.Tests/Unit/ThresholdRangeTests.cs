using System.CommandLine;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Unit;

/// <summary>The monitoring-plugins range syntax, the plain numbers' meanings, and performance data as Nagios reads it.</summary>
public sealed class ThresholdRangeTests
{
    /// <summary>The guidelines' table: which values alert for each form (ends are inside the range).</summary>
    [Theory]
    [InlineData("10", "-1 11", "0 5 10")]
    [InlineData("10:", "-1 9.99", "10 11 1000000")]
    [InlineData("~:10", "10.01 11", "-1000000 0 10")]
    [InlineData("10:20", "9 21", "10 15 20")]
    [InlineData("@10:20", "10 15 20", "9 21")]
    [InlineData("-5:-1", "-6 0", "-5 -1")]
    [InlineData("@~:0", "-3 0", "0.5 7")]
    [InlineData("1.5:2.5", "1.49 2.51", "1.5 2.5")]
    public void Alerts_where_the_guidelines_say(string text, string alerting, string quiet)
    {
        ThresholdRange.TryParse(text, out var range).Should().BeTrue();
        foreach (var v in alerting.Split(' ')) range.Alerts(double.Parse(v)).Should().BeTrue($"{v} alerts for {text}");
        foreach (var v in quiet.Split(' ')) range.Alerts(double.Parse(v)).Should().BeFalse($"{v} does not alert for {text}");
    }

    [Fact]
    public void A_single_point_range_is_a_range()
    {
        ThresholdRange.TryParse("10:10", out var range).Should().BeTrue();
        (range.Alerts(10), range.Alerts(9.9), range.Alerts(10.1)).Should().Be((false, true, true));
    }

    [Theory]
    [InlineData("10", false)]
    [InlineData("-5", false)]
    [InlineData("2.5", false)]
    [InlineData("10:", true)]
    [InlineData("~:10", true)]
    [InlineData("@10", true)]
    [InlineData("~5", true)]
    public void Only_a_colon_tilde_or_at_sign_asks_for_the_guidelines_meaning(string text, bool range) =>
        ThresholdRange.IsRangeSyntax(text).Should().Be(range);

    [Theory]
    [InlineData("10:20", "outside 10:20")]
    [InlineData("@10:20", "within 10:20")]
    [InlineData("~:5", "outside ~:5")]
    [InlineData("@~:5", "within ~:5")]
    public void Messages_name_the_alerting_part(string text, string where)
    {
        ThresholdRange.TryParse(text, out var range).Should().BeTrue();
        range.Where.Should().Be(where);
    }

    [Theory]
    [InlineData(1e16, "10000000000000000")]
    [InlineData(-0.0000001, "0")]
    [InlineData(0.1234567, "0.123457")]
    [InlineData(-2.5, "-2.5")]
    public void Numbers_have_no_exponent_no_negative_zero_and_at_most_six_decimals(double value, string text) =>
        ThresholdRange.Number(value).Should().Be(text);

    [Theory]
    [InlineData("")]
    [InlineData("@")]
    [InlineData(":")]
    [InlineData("20:10")]
    [InlineData("1:2:3")]
    [InlineData("a")]
    [InlineData("~")]
    [InlineData("10:~")]
    [InlineData("1e3")]
    [InlineData("nan:")]
    public void Refuses_what_is_not_a_range(string text) => ThresholdRange.TryParse(text, out _).Should().BeFalse();

    /// <summary>Each plain meaning is the range that says the same, and prints as that range.</summary>
    [Theory]
    [InlineData("Below", 10, 9.5, 10, "10:")]
    [InlineData("AtMost", 10, 10, 10.5, "@~:10")]
    [InlineData("Above", 10, 10.5, 10, "~:10")]
    [InlineData("AtLeast", 80, 80, 79.9, "@80:")]
    public void Plain_numbers_keep_their_meaning(string meaning, double n, double alerting, double quiet, string printed)
    {
        var range = meaning switch
        {
            "Below" => ThresholdRange.Below(n),
            "AtMost" => ThresholdRange.AtMost(n),
            "Above" => ThresholdRange.Above(n),
            _ => ThresholdRange.AtLeast(n),
        };
        range.Alerts(alerting).Should().BeTrue();
        range.Alerts(quiet).Should().BeFalse();
        range.ToString().Should().Be(printed);
        range.Plain.Should().Be(n);
    }

    /// <summary>Critical first; either threshold may be absent; the one that fired comes back for the message.</summary>
    [Theory]
    [InlineData(5, "10:", "3:", Status.Warning, "10:")]
    [InlineData(2, "10:", "3:", Status.Critical, "3:")]
    [InlineData(10, "10:", "3:", Status.Ok, null)]
    [InlineData(2, null, "3:", Status.Critical, "3:")]
    [InlineData(2, "3:", null, Status.Warning, "3:")]
    [InlineData(2, null, null, Status.Ok, null)]
    [InlineData(15, "@10:20", "@12:14", Status.Warning, "@10:20")]
    public void Grade_gives_the_status_and_the_threshold_that_fired(double value, string? warning, string? critical, Status status, string? applied)
    {
        var (earned, fired) = ThresholdRange.Grade(value, warning is null ? null : Ranges.Parse(warning), critical is null ? null : Ranges.Parse(critical));
        (earned, fired?.ToString()).Should().Be((status, applied));
    }

    [Fact]
    public void Zero_is_off_only_for_a_plain_zero()
    {
        ThresholdRange.ZeroIsOff(ThresholdRange.Above(0)).Should().BeNull();
        ThresholdRange.ZeroIsOff(null).Should().BeNull();
        ThresholdRange.ZeroIsOff(ThresholdRange.Above(0.5))!.Plain.Should().Be(0.5);
        ThresholdRange.ZeroIsOff(Ranges.Parse("0:0")).Should().NotBeNull("a range, even 0:0, always applies");
    }

    [Theory]
    [InlineData("10", "10")]
    [InlineData("0:10", "10")]
    [InlineData("10:", "10:")]
    [InlineData("~:10", "~:10")]
    [InlineData("@10:20", "@10:20")]
    [InlineData("@0:20", "@0:20")]
    [InlineData("1.50:2", "1.5:2")]
    [InlineData("-0:1", "1")]
    public void Prints_the_shortest_form(string text, string printed)
    {
        ThresholdRange.TryParse(text, out var range).Should().BeTrue();
        range.ToString().Should().Be(printed);
        range.Plain.Should().BeNull();
    }

    [Theory]
    [InlineData("time", 0.0178704, "s", "time=0.01787s")]
    [InlineData("/", 95, "%", "/=95%")]
    [InlineData("/mnt/usb stick", 11, "%", "'/mnt/usb stick'=11%")]
    [InlineData("it's", 1, "", "'it''s'=1")]
    [InlineData("a=b", 2, "c", "'a=b'=2c")]
    [InlineData(" lead", 1, "", "' lead'=1")] // the character to quote for comes first
    [InlineData("pipe|line\n", 3, "", "pipe_line_=3")]
    [InlineData("", 3, "", "_=3")]
    [InlineData("big", 12345678901, "B", "big=12345678901B")]
    public void Labels_and_values_as_the_guidelines_spell_them(string label, double value, string unit, string expected) =>
        new PerfValue(label, value, unit).ToString().Should().Be(expected);

    [Fact]
    public void Empty_trailing_fields_are_left_off_and_inner_ones_kept()
    {
        new PerfValue("t", 1, "s", null, ThresholdRange.Above(2), 0).ToString().Should().Be("t=1s;;~:2;0");
        new PerfValue("t", 1, "s", ThresholdRange.Above(1), null, null, 10).ToString().Should().Be("t=1s;~:1;;;10");
    }

    [Fact]
    public void Render_keeps_the_original_text_unless_perfdata_is_asked()
    {
        var result = new CheckResult(Status.Warning, "WARNING: less | up 1 day") { Perfdata = [new PerfValue("uptime", 5, "s")], Details = ["more | here"] };
        result.Render(perfdata: false).Should().Be("WARNING: less | up 1 day\nmore / here\n");
        result.Render(perfdata: true).Should().Be("WARNING: less - up 1 day | uptime=5s\nmore / here\n");
        (result with { Perfdata = [] }).Render(perfdata: true).Should().Be("WARNING: less - up 1 day\nmore / here\n");
    }

    private static string Render(Option[] options, Dialect dialect, params string[] args)
    {
        var r = Grammar.Parse(dialect, options, args);
        return string.Join(" ", r.Values.Select(v => $"{v.Option.Name.TrimStart('-')}={v.Value}")) + " | " + string.Join(", ", r.Ignored);
    }

    /// <summary>Options we added match their full name only: the original's abbreviations keep their meaning.</summary>
    [Fact]
    public void Added_options_take_no_abbreviation_so_the_originals_still_mean_what_they_meant()
    {
        Option[] options = [new Option<int>("--port"), new PerfdataFlag(), Opt.Verbose(), new Option<bool>("--verify"), new HelpFlag()];
        Render(options, Dialect.GetoptLong, "--p", "80").Should().Be("port=80 | ");
        Render(options, Dialect.GetoptLong, "--ver").Should().Be("verify=true | ");
        Render(options, Dialect.GetoptLong, "--perfdata", "-v", "-v").Should().Be("perfdata=true v=true v=true | ");
        Render(options, Dialect.GetoptLong, "--perf").Should().Be(" | unknown option '--perf'");
    }

    [Fact]
    public void A_threshold_takes_a_separate_negative_number_under_go_flags_as_its_numeric_original_did()
    {
        Option[] options = [Opt.Threshold("-w", "", PlainNumber.GoFloat, ThresholdRange.Above), new HelpFlag()];
        Render(options, Dialect.GoFlags, "-w", "-5").Should().Be("w=-5 | ");
        Render(options, Dialect.GoFlags, "-w", "-5:5").Should().Be("w=-5:5 | ");
    }

    [Fact]
    public void Verbose_counts_its_repeats()
    {
        var verbose = Opt.Verbose();
        var command = Cli.Define(Dialect.GetoptLong, "x", "", verbose);
        int seen = -1;
        Cli.Run(command, ["-v", "--verbose", "-v"], parsed => seen = parsed.GetValue(verbose)).Should().Be(3);
        seen.Should().Be(3);
        Cli.Run(command, [], parsed => seen = parsed.GetValue(verbose));
        seen.Should().Be(0);
    }
}
