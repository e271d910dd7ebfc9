using System.Text;

namespace MetaCheck.State;

/// <summary>
/// What makes two runs "the same check": the wrapper kind, the identifier, the wrapper options that
/// change what a run means (delay-checker's -c and --within, interval-checker's --interval, ...) and
/// every argv element. Two services wrapping one command with different options are two checks with
/// two streaks (the originals keyed on identifier + command only, so they shared one).
/// The key encodes each part with its length, so ("ab","c") and ("a","bc") differ, and delay- and
/// interval-checker never share state (both were flaws of the originals' MD5-of-concatenation).
/// Secrets in argv are redacted before anything is stored; <see cref="Id"/> is only a short handle.
/// </summary>
public sealed class CheckIdentity
{
    public CheckIdentity(string wrapper, string identifier, IReadOnlyList<string> command, IReadOnlyList<string>? options = null)
    {
        Wrapper = wrapper;
        Identifier = identifier;
        Options = options ?? [];
        Redaction = Secrets.Find(command, readSecretFiles: true);
        Command = Redaction.Argv;
        Key = Encode([wrapper, identifier, Options.Count.ToString(), .. Options, .. Command]);
        Id = ShortId(Key);
        CommandLine = ShellQuote.Join(Command);
        OptionsLine = ShellQuote.Join(Options);
    }

    public string Wrapper { get; }
    public string Identifier { get; }
    public IReadOnlyList<string> Options { get; }
    /// <summary>The secrets of the inner argv: the store scrubs them out of the output it keeps.</summary>
    public Redaction Redaction { get; }
    /// <summary>The inner argv with secret values replaced by ***.</summary>
    public IReadOnlyList<string> Command { get; }
    public string Key { get; }
    public string Id { get; }
    public string CommandLine { get; }
    public string OptionsLine { get; }

    /// <summary>
    /// The key the previous release (schema 1) gave: no options, argv as given. Plugin samples are still
    /// stored under it until their first run after the upgrade moves them (<see cref="StateStore.UpdateValue{T}"/>).
    /// </summary>
    public static string LegacyKey(string wrapper, string identifier, IReadOnlyList<string> command) =>
        Encode([wrapper, identifier, .. command]);

    private static string Encode(IEnumerable<string> parts)
    {
        var key = new StringBuilder();
        foreach (var part in parts) key.Append(part.Length).Append(':').Append(part).Append(';');
        return key.ToString();
    }

    /// <summary>FNV-1a, 64 bits, as 16 hex digits: a handle for people, not a security boundary.</summary>
    public static string ShortId(string key)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash.ToString("x16");
    }

    /// <summary>The parts of a key, as the constructor wrote them (for the migration of older stores).</summary>
    public static List<string>? ParseKey(string key)
    {
        var parts = new List<string>();
        int i = 0;
        while (i < key.Length)
        {
            int colon = key.IndexOf(':', i);
            if (colon < 0 || !int.TryParse(key.AsSpan(i, colon - i), out var length) || length < 0) return null;
            int end = colon + 1 + length;
            if (end >= key.Length || key[end] != ';') return null;
            parts.Add(key.Substring(colon + 1, length));
            i = end + 1;
        }
        return parts;
    }
}

public static class ShellQuote
{
    /// <summary>argv as a POSIX shell would need it typed: readable, and unambiguous.</summary>
    public static string Join(IEnumerable<string> argv) => string.Join(' ', argv.Select(Quote));

    public static string Quote(string arg)
    {
        if (arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%^".Contains(c))) return arg;
        return "'" + arg.Replace("'", "'\\''") + "'";
    }
}
