using System.Text;

namespace MetaCheck.State;

/// <summary>
/// What makes two runs "the same check": the wrapper kind, the identifier and every argv element.
/// The key encodes each part with its length, so ("ab","c") and ("a","bc") differ, and delay- and
/// interval-checker never share state (both were flaws of the originals' MD5-of-concatenation).
/// The key itself is stored, so two checks can never collide; <see cref="Id"/> is only a short handle.
/// </summary>
public sealed class CheckIdentity
{
    public CheckIdentity(string wrapper, string identifier, IReadOnlyList<string> command)
    {
        Wrapper = wrapper;
        Identifier = identifier;
        Command = command;
        var key = new StringBuilder();
        foreach (var part in command.Prepend(identifier).Prepend(wrapper)) key.Append(part.Length).Append(':').Append(part).Append(';');
        Key = key.ToString();
        Id = ShortId(Key);
        CommandLine = ShellQuote.Join(command);
    }

    public string Wrapper { get; }
    public string Identifier { get; }
    public IReadOnlyList<string> Command { get; }
    public string Key { get; }
    public string Id { get; }
    public string CommandLine { get; }

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
