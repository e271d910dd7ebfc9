using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;

namespace MetaCheck.Core;

/// <summary>A bad option or value: reported as one UNKNOWN line on stdout, exit 3.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// System.CommandLine glue shared by every command: getopt-style spellings the Perl originals accepted,
/// exit code 3 (never 1) for usage errors, and help on --help.
/// </summary>
public static class Cli
{
    private static readonly ParserConfiguration Parser = new() { EnablePosixBundling = false, ResponseFileTokenReplacer = null };

    public static Command Define(string name, string description, params Option[] options)
    {
        var command = new Command(name, description);
        foreach (var option in options) command.Options.Add(option);
        command.Options.Add(new HelpOption());
        return command;
    }

    /// <summary>For commands without an inner command: every token is an option or its value.</summary>
    public static int Run(Command definition, string[] args, Func<ParseResult, int> action)
    {
        try
        {
            var tokens = new List<string>(args.Length);
            for (int i = 0; i < args.Length; i++)
            {
                var (token, option, inlineValue) = Normalize(args[i], definition);
                if (option is not null && inlineValue && token.EndsWith('='))
                {
                    // `-metric-key-prefix=` means "empty", as in Go's flag package; the parser would call it missing.
                    tokens.Add(token[..^1]);
                    tokens.Add("");
                    continue;
                }
                tokens.Add(token);
                if (option is not null && !inlineValue && !IsFlag(option) && i + 1 < args.Length) tokens.Add(args[++i]);
            }
            return Invoke(definition, tokens, action);
        }
        catch (UsageException e)
        {
            return UsageError(definition.Name, e.Message);
        }
    }

    /// <summary>
    /// For wrappers: our options come first; the inner command starts after `--`, or at the first token
    /// that is neither an option nor an option's value (so `delay-checker -c 3 check-tcp -H x` works).
    /// </summary>
    public static int RunWrapper(Command definition, string[] args, Func<ParseResult, string[], int> action)
    {
        // Declared for --help only ("Usage: delay-checker [<command>...] [options]"): the
        // inner command is split off before parsing, so anything that lands here is a stray option.
        var shown = new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore, Description = "The check to run and its arguments, after -- (the wrapper's options come first)." };
        definition.Arguments.Add(shown);
        try
        {
            var tokens = new List<string>();
            string[] inner = [];
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--") { inner = args[(i + 1)..]; break; }
                if (!IsOptionLike(args[i])) { inner = args[i..]; break; }
                var (token, option, inlineValue) = Normalize(args[i], definition);
                tokens.Add(token);
                if (option is not null && !inlineValue && !IsFlag(option) && i + 1 < args.Length) tokens.Add(args[++i]);
            }
            return Invoke(definition, tokens, result =>
            {
                if (result.GetValue(shown) is { Length: > 0 } stray)
                    throw new UsageException($"unrecognized option '{Opt.Shorten(stray[0])}'");
                if (inner.Length == 0)
                    throw new UsageException($"no command to run; usage: {definition.Name} [options] -- command [args...]");
                return action(result, inner);
            });
        }
        catch (UsageException e)
        {
            return UsageError(definition.Name, e.Message);
        }
    }

    public static int UsageError(string command, string message)
    {
        Console.Out.WriteLine($"UNKNOWN: {command}: {message} (see {command} --help)");
        Console.Out.Flush();
        return (int)Status.Unknown;
    }

    private static int Invoke(Command definition, IReadOnlyList<string> tokens, Func<ParseResult, int> action)
    {
        var result = definition.Parse(tokens, Parser);
        if (result.Action is HelpAction) return result.Invoke();
        if (result.Errors.Count > 0) throw new UsageException(result.Errors[0].Message.TrimEnd('.'));
        return action(result);
    }

    private static bool IsOptionLike(string token) =>
        token.Length > 1 && token[0] == '-' && !char.IsAsciiDigit(token[1]) && token[1] != '.';

    private static bool IsFlag(Option option) => option.ValueType == typeof(bool);

    /// <summary>
    /// Getopt::Long spellings → ours: `--c 3` = `-c 3`, `-identifier x` = `--identifier x`, and any
    /// unique prefix of a long name (`--int 5` = `--interval 5`). An ambiguous prefix is an error.
    /// </summary>
    private static (string Token, Option? Option, bool InlineValue) Normalize(string token, Command definition)
    {
        if (!IsOptionLike(token)) return (token, null, false);
        bool doubleDash = token.StartsWith("--", StringComparison.Ordinal);
        var body = token[(doubleDash ? 2 : 1)..];
        int eq = body.IndexOf('=');
        var name = eq < 0 ? body : body[..eq];
        var rest = eq < 0 ? "" : body[eq..];
        bool inline = eq >= 0;
        if (name.Length == 0) return (token, null, false);

        if (name.Length == 1)
        {
            var shortOption = Find(definition, "-" + name);
            return shortOption is null ? (token, null, false) : ("-" + name + rest, shortOption, inline);
        }
        if (Find(definition, "--" + name) is { } exact) return ("--" + name + rest, exact, inline);
        if (Find(definition, "-" + name) is { } exactShort) return ("-" + name + rest, exactShort, inline);

        var candidates = definition.Options
            .SelectMany(o => AllNames(o).Where(n => n.StartsWith("--" + name, StringComparison.Ordinal)).Select(n => (Name: n, Option: o)))
            .ToList();
        var distinct = candidates.Select(c => c.Option).Distinct().ToList();
        if (distinct.Count == 1) return (candidates[0].Name + rest, distinct[0], inline);
        if (distinct.Count > 1)
            throw new UsageException($"option {token} is ambiguous ({string.Join(", ", candidates.Select(c => c.Name))})");
        return (token, null, false);
    }

    private static IEnumerable<string> AllNames(Option option) => option.Aliases.Prepend(option.Name);

    private static Option? Find(Command definition, string name) =>
        definition.Options.FirstOrDefault(o => AllNames(o).Contains(name, StringComparer.Ordinal));
}

/// <summary>Typed options with one clear message per bad value.</summary>
public static class Opt
{
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max, params string[] aliases)
    {
        var option = new Option<int>(name, aliases)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseInt(r.Tokens.Count > 0 ? r.Tokens[0].Value : "", name, min, max, r.AddError),
        };
        return option;
    }

    public static Option<int?> OptionalInt(string name, string description, int min, int max, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        CustomParser = r => ParseInt(r.Tokens.Count > 0 ? r.Tokens[0].Value : "", name, min, max, r.AddError),
    };

    private static int ParseInt(string text, string name, int min, int max, Action<string> error)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return (int)value;
        error($"{name} takes a whole number from {min} to {max}, got '{Shorten(text)}'");
        return default;
    }

    /// <summary>Seconds, as a number (`300`, `2.5`) or with a unit (`90s`, `5m`, `1h`, `1d`).</summary>
    public static Option<TimeSpan?> Duration(string name, string description, TimeSpan max, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        HelpName = "seconds",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (TryParseDuration(text, out var span) && span <= max) return span;
            r.AddError($"{name} takes seconds (300, 2.5) or a duration (90s, 5m, 1h, 1d) up to {max.TotalDays:0} days, got '{Shorten(text)}'");
            return null;
        },
    };

    public static bool TryParseDuration(string text, out TimeSpan span)
    {
        span = default;
        text = text.Trim();
        if (text.Length == 0) return false;
        double unit = char.ToLowerInvariant(text[^1]) switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        var number = unit == 0 ? text : text[..^1];
        if (unit == 0) unit = 1;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || double.IsNaN(value) || value * unit > TimeSpan.MaxValue.TotalSeconds / 2)
            return false;
        span = TimeSpan.FromSeconds(value * unit);
        return true;
    }

    public static Option<Status> StatusOption(string name, string description, Status defaultValue) => new(name)
    {
        Description = description,
        HelpName = "OK|WARNING|CRITICAL|UNKNOWN",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (StatusNames.TryParse(text, out var status)) return status;
            r.AddError($"{name} takes OK, WARNING, CRITICAL or UNKNOWN (or 0-3), got '{Shorten(text)}'");
            return defaultValue;
        },
    };

    public static Option<string?> Text(string name, string description, params string[] aliases)
    {
        var option = new Option<string?>(name, aliases) { Description = description };
        option.Validators.Add(r =>
        {
            var value = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (value.Length == 0) r.AddError($"{name} must not be empty");
            else if (value.Length > 4096) r.AddError($"{name} is longer than 4096 characters");
        });
        return option;
    }

    public static Option<bool> Flag(string name, string description, params string[] aliases) => new(name, aliases) { Description = description };

    public static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
