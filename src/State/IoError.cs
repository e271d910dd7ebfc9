namespace MetaCheck.State;

/// <summary>
/// A file system error in an operator's words: `no such file`, `permission denied`, else the system's
/// message. The AOT build carries resource keys instead of the framework's texts (UseSystemResourceKeys),
/// so the exception's own message for these reads `UnauthorizedAccess_IODenied_Path, /path`.
/// </summary>
public static class IoError
{
    public static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}
