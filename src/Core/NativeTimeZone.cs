namespace MetaCheck.Core;

/// <summary>The C library's local time zone, which it reads from /etc/localtime (or TZ) on first use and keeps.</summary>
public static class NativeTimeZone
{
    public static void Load() => LibC.TzSet();
}
