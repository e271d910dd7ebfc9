namespace MetaCheck.Core;

/// <summary>The Nagios/Mackerel exit codes every command speaks.</summary>
public enum Status { Ok = 0, Warning = 1, Critical = 2, Unknown = 3 }

public static class StatusNames
{
    public static string Word(Status status) => status switch
    {
        Status.Ok => "OK",
        Status.Warning => "WARNING",
        Status.Critical => "CRITICAL",
        _ => "UNKNOWN",
    };

    public static string Word(int code) => code is >= 0 and <= 3 ? Word((Status)code) : "UNKNOWN";

    /// <summary>Accepts OK/WARNING/CRITICAL/UNKNOWN in any case, their first letters, or 0-3.</summary>
    public static bool TryParse(string text, out Status status)
    {
        status = text.Trim().ToUpperInvariant() switch
        {
            "OK" or "O" or "0" => Status.Ok,
            "WARNING" or "WARN" or "W" or "1" => Status.Warning,
            "CRITICAL" or "CRIT" or "C" or "2" => Status.Critical,
            "UNKNOWN" or "U" or "3" => Status.Unknown,
            _ => (Status)(-1),
        };
        return (int)status >= 0;
    }

    /// <summary>Any code outside 0-3 means UNKNOWN to Mackerel and Nagios alike; say so explicitly.</summary>
    public static int Normalize(int exitCode) => exitCode is >= 0 and <= 3 ? exitCode : 3;
}
