using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MetaCheck.Core;

/// <summary>A bad option or value: reported as one UNKNOWN line on stdout, exit 3.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A command definition that knows which parser its original used.</summary>
public sealed class CliCommand(string name, string description, Dialect dialect) : Command(name, description)
{
    public Dialect Dialect { get; } = dialect;
}

/// <summary>
/// The glue every command shares: its original's parsing front-end (<see cref="Grammar"/>) in front of
/// System.CommandLine, which validates the values; exit code 3 (never 1) for usage errors; help on --help.
/// </summary>
public static class Cli
{
    private static readonly ParserConfiguration Parser = new() { EnablePosixBundling = false, ResponseFileTokenReplacer = null };

    public static CliCommand Define(Dialect dialect, string name, string description, params Option[] options)
    {
        var command = new CliCommand(name, description, dialect);
        foreach (var option in options) command.Options.Add(option);
        command.Options.Add(new HelpFlag());
        return command;
    }

    /// <summary>For commands without an inner command. Operands go to the command's declared arguments.</summary>
    public static int Run(CliCommand definition, string[] args, Func<ParseResult, int> action)
    {
        try
        {
            var grammar = Grammar.Parse(definition.Dialect, definition.Options, args);
            if (grammar.Help) return HelpText.Write(definition, wrapper: false);
            // Loops, not LINQ: every plugin passes here, and under Native AOT each LINQ operator's first
            // use costs a generic-virtual-method lookup (about 0.5 ms a run for these three).
            int room = 0;
            foreach (var argument in definition.Arguments) room += Math.Min(argument.Arity.MaximumNumberOfValues, 10_000);
            var operands = new List<string>();
            var ignored = new List<string>(grammar.Ignored);
            foreach (var operand in grammar.Operands)
            {
                if (operands.Count < room) operands.Add(operand);
                else ignored.Add($"'{Opt.Shorten(operand)}'");
            }
            return Invoke(definition, Tokens(grammar, operands), ignored, action);
        }
        catch (UsageException e)
        {
            return UsageError(definition.Name, e.Message);
        }
    }

    /// <summary>
    /// For wrappers: a token before `--` that names one of our options is ours wherever it stands
    /// (Getopt::Long permutes); every other token, and everything after `--`, is the inner command, in order.
    /// </summary>
    public static int RunWrapper(CliCommand definition, string[] args, Func<ParseResult, string[], int> action)
    {
        try
        {
            var grammar = Grammar.Parse(definition.Dialect, definition.Options, args, wrapper: true);
            if (grammar.Help) return HelpText.Write(definition, wrapper: true);
            string[] inner = [.. grammar.Operands];
            return Invoke(definition, Tokens(grammar, []), grammar.Ignored, result =>
            {
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
        Console.Out.WriteLine(Terminal.Printable($"UNKNOWN: {command}: {message} (see {command} --help)"));
        Console.Out.Flush();
        return (int)Status.Unknown;
    }

    /// <summary>
    /// The front-end's verdict in a form System.CommandLine cannot misread: `name=value` (a value that
    /// looks like an option stays a value), `name ""` for an empty value, operands after `--`.
    /// </summary>
    private static List<string> Tokens(GrammarResult grammar, IReadOnlyList<string> operands)
    {
        var tokens = new List<string>();
        foreach (var (option, value) in grammar.Values)
        {
            if (value.Length == 0) tokens.AddRange([option.Name, ""]);
            else tokens.Add($"{option.Name}={value}");
        }
        if (operands.Count > 0)
        {
            tokens.Add("--");
            tokens.AddRange(operands);
        }
        return tokens;
    }

    private static int Invoke(Command definition, IReadOnlyList<string> tokens, IReadOnlyList<string> ignored, Func<ParseResult, int> action)
    {
        var result = definition.Parse(tokens, Parser);
        if (result.Errors.Count > 0) throw new UsageException(result.Errors[0].Message.TrimEnd('.'));
        if (ignored.Count > 0)
        {
            // The original ignored these too; say so once, so that a typo does not pass unnoticed.
            Console.Error.WriteLine(Terminal.Printable($"{definition.Name}: ignored {string.Join(", ", ignored)}"));
            Console.Error.Flush();
        }
        foreach (var option in definition.Options)
        {
            if (option is VersionOption version && result.GetValue(version))
            {
                Console.Out.WriteLine(VersionOption.Text(definition.Name));
                return 0;
            }
        }
        return action(result);
    }
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
            CustomParser = r => (int)(Number(r, name, PlainNumber.Int(min, max)) ?? 0),
        };
        return option;
    }

    public static Option<int?> OptionalInt(string name, string description, int min, int max, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        CustomParser = r => (int?)Number(r, name, PlainNumber.Int(min, max)),
    };

    /// <summary>The option's value as <paramref name="number"/> reads it, or null and an error in its words.</summary>
    private static double? Number(ArgumentResult r, string name, PlainNumber number)
    {
        var text = TokenText(r);
        if (number.Parse(text) is { } value) return value;
        Refuse(r, name, number.Says, text);
        return null;
    }

    /// <summary>The option's value as given ("" when none).</summary>
    private static string TokenText(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[0].Value : "";

    /// <summary>Every refused value is said alike: `NAME takes WHAT IT ACCEPTS, got 'TEXT'`.</summary>
    private static void Refuse(ArgumentResult r, string name, string accepted, string text) =>
        r.AddError($"{name} takes {accepted}, got '{Shorten(text)}'");

    /// <summary>What a duration option accepts, as its errors say it.</summary>
    public static string DurationAccepted(TimeSpan max) => $"seconds (300, 2.5) or a duration (90s, 5m, 1h, 1d) up to {Limit(max)}";

    /// <summary>Seconds, as a number (`300`, `2.5`) or with a unit (`90s`, `5m`, `1h`, `1d`).</summary>
    public static Option<TimeSpan?> Duration(string name, string description, TimeSpan max, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        HelpName = "seconds",
        CustomParser = r =>
        {
            var text = TokenText(r);
            if (TryParseDuration(text, out var span) && span <= max) return span;
            Refuse(r, name, DurationAccepted(max), text);
            return null;
        },
    };

    /// <summary>A duration limit as a person states it: "60 s", "5 min", "1 h", "3650 days".</summary>
    public static string Limit(TimeSpan max) => max switch
    {
        { TotalSeconds: < 120 } => $"{max.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s",
        { TotalMinutes: < 120 } when max.Seconds == 0 => $"{max.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min",
        { TotalHours: < 48 } when max.Minutes == 0 && max.Seconds == 0 => $"{max.TotalHours.ToString(CultureInfo.InvariantCulture)} h",
        _ => $"{Math.Round(max.TotalDays, 1).ToString(CultureInfo.InvariantCulture)} days",
    };

    /// <summary>
    /// A number as Go's strconv.ParseFloat reads it, for the options of the Go originals: `5`, `+5`, `.5`,
    /// `1e0`, `inf`/`infinity`/`nan` in any case; no surrounding spaces, no thousands separators.
    /// </summary>
    public static bool TryParseGoFloat(string text, out double value)
    {
        value = 0;
        if (text.Length == 0 || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])) return false;
        var unsigned = text[0] is '+' or '-' ? text[1..] : text;
        int sign = text[0] == '-' ? -1 : 1;
        switch (unsigned.ToLowerInvariant())
        {
            case "inf" or "infinity": value = sign * double.PositiveInfinity; return true;
            case "nan": value = double.NaN; return true;
        }
        if (unsigned.Length == 0 || !(char.IsAsciiDigit(unsigned[0]) || unsigned[0] == '.')) return false;
        return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// A float64 option of a Go original, read by strconv.ParseFloat. Typed as a number, so that go-flags'
    /// front-end takes a separate `-5` as its value (go-flags does that for signed numeric options only).
    /// </summary>
    public static Option<double?> GoFloat(string name, string description, params string[] aliases) =>
        Number(name, description, PlainNumber.GoFloat, "number", aliases);

    /// <summary>A number read by <paramref name="number"/> (its bounds, its words in the error); null when not given.</summary>
    public static Option<double?> Number(string name, string description, PlainNumber number, string helpName, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r => Number(r, name, number),
    };

    /// <summary>
    /// Seconds (`300`, `2.5`) or a duration (`90s`, `5m`, `1h`, `1d`). One leading `+` is taken, as Getopt::Long
    /// took it for the originals' numbers (`--interval=+60`); a negative is refused (see each wrapper's page).
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan span)
    {
        span = default;
        text = text.Trim();
        if (text.StartsWith('+')) text = text[1..];
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
        HelpName = StatusHelpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => ParseStatus(r, name) ?? defaultValue,
    };

    /// <summary>A status with no default: null when the option is not given.</summary>
    public static Option<Status?> OptionalStatusOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = StatusHelpName,
        CustomParser = r => ParseStatus(r, name),
    };

    private const string StatusHelpName = "OK|WARNING|CRITICAL|UNKNOWN";

    private static Status? ParseStatus(ArgumentResult r, string name)
    {
        var text = TokenText(r);
        if (StatusNames.TryParse(text, out var status)) return status;
        Refuse(r, name, "OK, WARNING, CRITICAL or UNKNOWN (or 0-3)", text);
        return null;
    }

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

    /// <summary>
    /// A word from a fixed set: help shows the set as its placeholder (`&lt;ok|keep&gt;`), and the shell
    /// completion, generated from help, offers it. The command checks the value, in its original's words.
    /// </summary>
    public static Option<string?> OneOf(string name, string description, IEnumerable<string> values, params string[] aliases)
    {
        var option = Text(name, description, aliases);
        option.HelpName = string.Join('|', values);
        return option;
    }

    /// <summary>`--version` of the originals that had one: prints the version and exits 0 (see <see cref="Cli"/>).</summary>
    public static VersionOption Version() => new();

    public static Option<bool> Flag(string name, string description, params string[] aliases) => new(name, aliases) { Description = description };

    /// <summary>
    /// A numeric threshold: a plain number keeps the original's meaning (<paramref name="meaning"/> turns it
    /// into the range that says the same, e.g. <see cref="ThresholdRange.Below"/>), read as the original
    /// read it (<paramref name="plain"/>); a value with `:`, `~` or `@` is a monitoring-plugins range. The
    /// originals refused those forms, so nothing that worked changes.
    /// </summary>
    public static Option<ThresholdRange?> Threshold(string name, string description, PlainNumber plain, Func<double, ThresholdRange> meaning,
        double? defaultValue = null, params string[] aliases)
    {
        var option = new Option<ThresholdRange?>(name, aliases)
        {
            Description = description,
            HelpName = "threshold",
            CustomParser = r =>
            {
                var text = TokenText(r);
                if (!ThresholdRange.IsRangeSyntax(text)) return plain.Parse(text) is { } value ? meaning(value) : Refused();
                return ThresholdRange.TryParse(text, out var range) ? range : Refused();

                ThresholdRange? Refused()
                {
                    Refuse(r, name, $"{plain.Says} or a range (10:, ~:10, 10:20, @10:20)", text);
                    return null;
                }
            },
        };
        if (defaultValue is { } d) option.DefaultValueFactory = _ => meaning(d);
        return option;
    }

    /// <summary>`-v`, `--verbose`, repeatable: how much more a check says (0 when not given). Not in any original.</summary>
    public static CountFlag Verbose() => new("-v", "More detail after the first line; repeat (-v -v) for more.", "--verbose");

    public static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}

/// <summary>How a check's original read a plain threshold number, and how its message says so.</summary>
public sealed class PlainNumber(string says, Func<string, double?> parse)
{
    /// <summary>How an error message names what is accepted: "a whole number from 0 to 100".</summary>
    public string Says { get; } = says;

    /// <summary>The number, or null when the text is not one this reader accepts.</summary>
    public double? Parse(string text) => parse(text);

    /// <summary>Getopt::Long's `=i` (Opt.Int reads with it): a whole number within the original's bounds.</summary>
    public static PlainNumber Int(long min, long max) => new($"a whole number from {min} to {max}", text =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : null);

    /// <summary>Seconds or a duration, as <see cref="Opt.Duration"/> reads them; the range's numbers are seconds.</summary>
    public static PlainNumber Seconds(TimeSpan max) => new(Opt.DurationAccepted(max), text =>
        Opt.TryParseDuration(text, out var span) && span <= max ? span.TotalSeconds : null);

    /// <summary>A float64 of a Go original (strconv.ParseFloat), finite (Opt.GoFloat reads with it).</summary>
    public static PlainNumber GoFloat { get; } = new("a number", text =>
        Opt.TryParseGoFloat(text, out var v) && double.IsFinite(v) ? v : null);
}

/// <summary>
/// A flag that counts its occurrences (`-v -v` is 2). Like every option the originals did not have, it
/// matches its full name only: an abbreviation the original took keeps its meaning (see Grammar).
/// </summary>
public sealed class CountFlag : Option<int>, IAddedOption
{
    public CountFlag(string name, string description, params string[] aliases) : base(name, aliases)
    {
        Description = description;
        Arity = ArgumentArity.ZeroOrMore;
        CustomParser = r => r.Tokens.Count;
    }
}

/// <summary>
/// An option MetaCheck added to a command whose original parsed abbreviations (Getopt::Long): only its
/// full name matches, so that `--p` still means the original's `--port` next to our `--perfdata`.
/// </summary>
public interface IAddedOption;

/// <summary>`--perfdata`: the check appends Nagios performance data (see docs/perfdata.md).</summary>
public sealed class PerfdataFlag : Option<bool>, IAddedOption
{
    public const string Variable = "METACHECK_PERFDATA";

    public PerfdataFlag() : base("--perfdata") =>
        Description = $"Append Nagios performance data (monitoring-plugins format) after `|`; {Variable}=1 in the environment does it for every check.";

    /// <summary>On when asked on the command line, or host-wide by METACHECK_PERFDATA (set, not empty, not 0).</summary>
    public static bool Requested(bool flag, Func<string, string?> getEnv) =>
        flag || getEnv(Variable) is { Length: > 0 } value && value != "0";
}

/// <summary>
/// `--help`, `-h`: our own flag rather than System.CommandLine's HelpOption, whose constructor loads that
/// library's localised resources through reflection (about 2 ms of every run, help asked or not).
/// <see cref="HelpText"/> renders the help; the front-ends only see a flag.
/// </summary>
public sealed class HelpFlag() : Option<bool>("--help", "-h", "-?")
{
    public const string Text = "Show this help and exit 0.";
}

/// <summary>A `--version` flag: when given, the command prints "name (metacheck) X.Y.Z" and exits 0.</summary>
public sealed class VersionOption : Option<bool>
{
    public const string Help = "Print the command's name and MetaCheck's version, and exit 0.";

    public VersionOption() : base("--version") => Description = Help;

    /// <summary>The version line of every command (GNU style: program, package, version).</summary>
    public static string Text(string command) => $"{command} (metacheck) {BuildInfo.Version}";
}
