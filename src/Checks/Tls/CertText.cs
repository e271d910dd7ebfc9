using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.Tls;

/// <summary>Certificate dates as openssl prints them, whole days left, and loading certificates from files.</summary>
internal static class CertText
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>`Nov 25 03:01:16 2026 GMT`, `Jan  5 …` (day padded to two characters), as `openssl x509 -dates` prints.</summary>
    public static string OpensslDate(DateTime utc) =>
        string.Create(CultureInfo.InvariantCulture, $"{Months[utc.Month - 1]} {utc.Day,2} {utc:HH:mm:ss} {utc.Year} GMT");

    /// <summary>Whole days from <paramref name="nowEpoch"/> to <paramref name="utc"/>, truncated toward zero (so −0.5 days is 0).</summary>
    public static long DaysLeft(DateTime utc, long nowEpoch) =>
        (new DateTimeOffset(utc, TimeSpan.Zero).ToUnixTimeSeconds() - nowEpoch) / 86400;

    public static DateTime NotAfterUtc(X509Certificate2 cert) => cert.NotAfter.ToUniversalTime();

    /// <summary>
    /// Days left against -w/-c, as both originals graded them (a plain number: strictly less than;
    /// critical first), or by ranges; <c>RangeNote</c> is what a message adds when a range fired
    /// (`, outside 30:`); <c>Perf</c> the days left with the thresholds applied.
    /// </summary>
    public static (Status Status, string RangeNote, PerfValue Perf) GradeDays(long days, ThresholdRange warning, ThresholdRange critical)
    {
        var (status, applied) = ThresholdRange.Grade(days, warning, critical);
        var note = applied is { Plain: null } ? $", {applied.Where}" : "";
        return (status, note, new PerfValue("days_left", days, "", warning, critical));
    }

    /// <summary>-v: who the certificate is for, who issued it and when it is valid (the peer's names made printable).</summary>
    public static string Describe(X509Certificate2 cert) =>
        $"certificate {Terminal.Printable(cert.Subject)}, issued by {Terminal.Printable(cert.Issuer)}, " +
        $"valid from {OpensslDate(NotBeforeUtc(cert))} until {OpensslDate(NotAfterUtc(cert))}";

    public static DateTime NotBeforeUtc(X509Certificate2 cert) => cert.NotBefore.ToUniversalTime();

    /// <summary>
    /// The first certificate of a file: the first `CERTIFICATE` PEM block (other blocks, such as a key,
    /// are skipped; in a chain this is the leaf), else the whole file as DER.
    /// </summary>
    public static X509Certificate2 LoadFirst(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"cannot read {path}: {Reason(path, e)}");
        }
        var text = System.Text.Encoding.Latin1.GetString(data);
        var rest = text.AsSpan();
        bool sawPem = false;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            sawPem = true;
            var label = rest[fields.Label];
            if (label is "CERTIFICATE" or "X509 CERTIFICATE" or "TRUSTED CERTIFICATE")
            {
                var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                return Load(der, path, "its first CERTIFICATE block is not a valid certificate");
            }
            rest = rest[fields.Location.End.Value..];
        }
        if (sawPem) throw new DataSourceException($"{path} has no CERTIFICATE block (PEM file with other contents only)");
        return Load(data, path, "not a PEM or DER certificate");
    }

    private static X509Certificate2 Load(byte[] der, string path, string problem)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            throw new DataSourceException($"cannot read {path}: {problem}");
        }
    }

    /// <summary>Every certificate in a PEM file (a CA bundle); none is an error.</summary>
    public static X509Certificate2Collection LoadBundle(string path)
    {
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"cannot read {path}: {Reason(path, e)}");
        }
        catch (CryptographicException)
        {
            throw new DataSourceException($"cannot read {path}: not a PEM certificate bundle");
        }
        if (all.Count == 0) throw new DataSourceException($"{path} holds no PEM certificate");
        return all;
    }

    /// <summary>Our own words: AOT builds carry resource keys instead of exception texts.</summary>
    private static string Reason(string path, Exception e) => e switch
    {
        _ when Directory.Exists(path) => "is a directory",
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => "I/O error",
    };
}
