using System.Text.RegularExpressions;
using System.Security.Cryptography.X509Certificates;
using MetaCheck.Checks.CheckCrtExpiration;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>check-crt-expiration against certificate files the tests make (PEM, DER, chains, key+cert bundles).</summary>
public sealed class CheckCrtExpirationTests : TlsTestBed
{
    /// <summary>A certificate file expiring <paramref name="days"/> days and <paramref name="extraHours"/> hours from now.</summary>
    private (string Path, string DateText) Cert(double days, double extraHours = 6, string name = "cert.pem", bool der = false)
    {
        var now = DateTimeOffset.UtcNow;
        var notAfter = now.AddDays(days).AddHours(extraHours);
        using var cert = Ca.Issue(now.AddDays(-400), notAfter);
        var path = Box.PathOf(name);
        if (der) File.WriteAllBytes(path, cert.RawData);
        else File.WriteAllText(path, cert.ExportCertificatePem() + "\n");
        return (path, OpensslDate(cert.NotAfter.ToUniversalTime()));
    }

    [Theory]
    [InlineData(2026, 11, 25, 3, 1, 16, "Nov 25 03:01:16 2026 GMT")]
    [InlineData(2030, 1, 5, 23, 0, 9, "Jan  5 23:00:09 2030 GMT")]
    public void The_date_is_printed_as_openssl_prints_notAfter(int y, int mo, int d, int h, int mi, int s, string text) =>
        CheckCrtExpiration.Evaluate(new DateTime(y, mo, d, h, mi, s, DateTimeKind.Utc), 0, ThresholdRange.Below(7), ThresholdRange.Below(5)).Text.Should().Contain($"'{text}'");

    [Theory]
    [InlineData(2 * 86400, Status.Critical, "CRITICAL: Expiration date: 'Jan  1 00:00:00 1970 GMT'. 2 days left")]
    [InlineData(4 * 86400 + 86399, Status.Critical, "CRITICAL: Expiration date: 'Jan  1 00:00:00 1970 GMT'. 4 days left")]
    [InlineData(5 * 86400, Status.Warning, "WARNING: Expiration date: 'Jan  1 00:00:00 1970 GMT'. 5 days left")]
    [InlineData(7 * 86400, Status.Ok, "OK: Expiration date: 'Jan  1 00:00:00 1970 GMT'. 7 days left")]
    [InlineData(-3600, Status.Critical, "CRITICAL: Expiration date: 'Jan  1 00:00:00 1970 GMT'. 0 days left")]
    [InlineData(-86400 - 1, Status.Critical, "CRITICAL: Expiration date: 'Jan  1 00:00:00 1970 GMT'. -1 days left")]
    public void Days_are_truncated_toward_zero_and_thresholds_are_strictly_less_than(long secondsLeft, Status status, string text) =>
        CheckCrtExpiration.Evaluate(DateTime.UnixEpoch, -secondsLeft, ThresholdRange.Below(7), ThresholdRange.Below(5))
            .Should().Be(new CheckResult(status, text) with
            {
                Perfdata = [new PerfValue("days_left", secondsLeft / 86400, "", ThresholdRange.Below(7), ThresholdRange.Below(5))],
            });

    [Theory]
    [InlineData("30:", "0:", 20, Status.Warning, "20 days left, outside 30:")]
    [InlineData("30:", "@-1000:0", 0, Status.Critical, "0 days left, within -1000:0")]
    [InlineData("@10:30", "0:", 20, Status.Warning, "20 days left, within 10:30")]
    [InlineData("10:", "0:", 12, Status.Ok, "12 days left")]
    [InlineData("10:", "0:", -1, Status.Critical, "-1 days left, outside 0:")]
    public void Ranges_alert_as_the_guidelines_say_and_the_message_names_the_range(string w, string c, int days, Status status, string end)
    {
        var warning = Ranges.Parse(w);
        var critical = Ranges.Parse(c);
        var result = CheckCrtExpiration.Evaluate(DateTime.UnixEpoch, -days * 86400L - (days < 0 ? -3600 : 3600), warning, critical);
        (result.Status, result.Text).Should().Be((status, $"{StatusNames.Word(status)}: Expiration date: 'Jan  1 00:00:00 1970 GMT'. {end}"));
    }

    [Fact]
    public void Perfdata_mode_gives_days_left_with_the_applied_thresholds_and_verbose_describes_the_certificate()
    {
        var (path, date) = Cert(20);
        var r = Box.Run("check-crt-expiration", "-f", path, "-c", "@0:30", "--perfdata");
        (r.Exit, r.Stdout).Should().Be((2, $"CRITICAL: Expiration date: '{date}'. 20 days left, within 0:30 | days_left=20;7:;@0:30\n"));

        Box.Env["METACHECK_PERFDATA"] = "1";
        r = Box.Run("check-crt-expiration", "-f", path, "-v");
        r.Exit.Should().Be(0, r.ToString());
        r.Lines.Should().HaveCount(2, r.ToString());
        r.Lines[0].Should().Be($"OK: Expiration date: '{date}'. 20 days left | days_left=20;7:;5:");
        r.Lines[1].Should().MatchRegex($@"^{Regex.Escape(path)}: certificate CN=localhost, issued by CN=MetaCheck Test CA, valid from \w+ [ \d]\d \d\d:\d\d:\d\d \d{{4}} GMT until {Regex.Escape(date)}$");
    }

    [Theory]
    [InlineData("-w", "10:5")]
    [InlineData("-c", "@")]
    [InlineData("-w", "36501")]
    public void Fix_a_bad_threshold_is_a_usage_error_naming_both_forms(string option, string bad)
    {
        var r = Box.Run("check-crt-expiration", "-f", "x.pem", option, bad);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-crt-expiration: {option} takes a whole number from -36500 to 36500 or a range (10:, ~:10, 10:20, @10:20), " +
            $"got '{bad}' (see check-crt-expiration --help)\n"));
    }

    [Theory]
    [InlineData(30, 0, "OK")]
    [InlineData(7, 0, "OK")]
    [InlineData(5, 1, "WARNING")]
    [InlineData(4, 2, "CRITICAL")]
    public void A_PEM_file_with_the_default_thresholds(int days, int exit, string word)
    {
        var (path, date) = Cert(days);
        var r = Box.Run("check-crt-expiration", "-f", path);
        (r.Exit, r.Stdout).Should().Be((exit, $"{word}: Expiration date: '{date}'. {days} days left\n"));
        r.Stderr.Should().BeEmpty();
    }

    [Fact]
    public void A_DER_file_and_custom_thresholds()
    {
        var (path, date) = Cert(20, der: true, name: "cert.der");
        var r = Box.Run("check-crt-expiration", "-w", "30", "-c", "10", "-f", path);
        (r.Exit, r.Stdout).Should().Be((1, $"WARNING: Expiration date: '{date}'. 20 days left\n"));
        var c = Box.Run("check-crt-expiration", "--warning=40", "--critical=21", "--file", path);
        (c.Exit, c.Stdout).Should().Be((2, $"CRITICAL: Expiration date: '{date}'. 20 days left\n"));
    }

    [Fact]
    public void An_expired_certificate_shows_negative_days()
    {
        var (path, date) = Cert(-3, extraHours: -6);
        var r = Box.Run("check-crt-expiration", "-f", path);
        (r.Exit, r.Stdout).Should().Be((2, $"CRITICAL: Expiration date: '{date}'. -3 days left\n"));
    }

    [Fact]
    public void In_a_PEM_chain_the_first_certificate_the_leaf_is_checked_and_a_key_before_it_is_skipped()
    {
        var now = DateTimeOffset.UtcNow;
        using var leaf = Ca.Issue(now.AddDays(-1), now.AddDays(3).AddHours(6));
        var path = Box.PathOf("bundle.pem");
        var key = leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(path, key + "\n" + leaf.ExportCertificatePem() + "\n" + Ca.Pem);
        var r = Box.Run("check-crt-expiration", "-f", path);
        (r.Exit, r.Stdout).Should().Be((2, $"CRITICAL: Expiration date: '{OpensslDate(leaf.NotAfter.ToUniversalTime())}'. 3 days left\n"));
    }

    [Fact]
    public void Fix_the_expiry_is_computed_in_UTC_whatever_the_local_time_zone()
    {
        // The original read the GMT date as local time: under Asia/Tokyo (UTC+9) 7 days 2 hours showed 6.
        var (path, date) = Cert(7, extraHours: 2);
        foreach (var zone in new[] { "Asia/Tokyo", "America/Los_Angeles", "UTC" })
        {
            Box.Env["TZ"] = zone;
            var r = Box.Run("check-crt-expiration", "-f", path);
            (r.Exit, r.Stdout).Should().Be((0, $"OK: Expiration date: '{date}'. 7 days left\n"), zone);
        }
    }

    [Theory]
    [InlineData("", "give -f /path/to/certificate.pem")]
    [InlineData("-f", "-f")]
    [InlineData("-w 7.5 -f x", "-w takes a whole number")]
    [InlineData("-c abc -f x", "-c takes a whole number")]
    [InlineData("-f x --bogus", "cannot read x: no such file")] // the original warned about --bogus and went on
    public void Bad_input_is_UNKNOWN_with_one_line(string args, string fragment)
    {
        var r = Box.Run("check-crt-expiration", args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().HaveCount(1, r.ToString());
        r.Stdout.Should().StartWith("UNKNOWN: check-crt-expiration: ").And.Contain(fragment);
    }

    [Fact]
    public void Missing_unreadable_and_non_certificate_files_are_UNKNOWN_naming_the_file()
    {
        var missing = Box.PathOf("missing.pem");
        var garbage = Box.PathOf("garbage.pem");
        File.WriteAllText(garbage, "hello, not a certificate\n");
        var keyOnly = Box.PathOf("key.pem");
        using (var k = System.Security.Cryptography.ECDsa.Create()) File.WriteAllText(keyOnly, k.ExportPkcs8PrivateKeyPem() + "\n");
        var broken = Box.PathOf("broken.pem");
        File.WriteAllText(broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        (string Path, string Message)[] cases =
        [
            (missing, $"cannot read {missing}: no such file"),
            (Box.Dir, $"cannot read {Box.Dir}: is a directory"),
            (garbage, $"cannot read {garbage}: not a PEM or DER certificate"),
            (keyOnly, $"{keyOnly} has no CERTIFICATE block (PEM file with other contents only)"),
            (broken, $"cannot read {broken}: its first CERTIFICATE block is not a valid certificate"),
        ];
        foreach (var (path, message) in cases)
        {
            var r = Box.Run("check-crt-expiration", "-f", path);
            (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-crt-expiration: {message}\n"), path);
            r.Stderr.Should().BeEmpty();
        }
    }

    [Fact]
    public void Works_as_the_inner_command_of_delay_checker()
    {
        var (path, date) = Cert(2);
        string[] args = ["-c", "2", "--", "check-crt-expiration", "-f", path];
        var first = Box.Run("delay-checker", args);
        (first.Exit, first.Stdout).Should().Be((0, $"DelayWarn(1/2): CRITICAL: Expiration date: '{date}'. 2 days left\n"));
        var second = Box.Run("delay-checker", args);
        (second.Exit, second.Stdout).Should().Be((2, $"DelayNG(2/2): CRITICAL: Expiration date: '{date}'. 2 days left\n"));
    }
}
