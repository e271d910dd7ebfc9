using System.CommandLine;

namespace MetaCheck.Core;

/// <summary>
/// The argument parser the original program used. Each command declares its original's, so that every
/// configuration that worked with the original parses the same way here.
/// </summary>
public enum Dialect
{
    /// <summary>
    /// Perl Getopt::Long as kazeburo's scripts configure it (no_ignore_case, permute, auto_abbrev). The
    /// script did not check GetOptions' result: an unknown option is named on stderr and the run goes on.
    /// </summary>
    GetoptLong,

    /// <summary>Getopt::Long, and the script stopped on a bad option: an unknown option is a usage error.</summary>
    GetoptLongStrict,

    /// <summary>jessevdk/go-flags with its default options.</summary>
    GoFlags,

    /// <summary>Go's standard `flag` package.</summary>
    GoFlag,

    /// <summary>
    /// The original read no arguments at all: whatever is given is ignored with a line on stderr. The
    /// options we added parse as Getopt::Long.
    /// </summary>
    NoArguments,
}

/// <summary>What a front-end made of the arguments, before System.CommandLine sees them.</summary>
public sealed class GrammarResult
{
    /// <summary>Option values in command-line order; for a repeated scalar the front-end keeps only the last.</summary>
    public List<(Option Option, string Value)> Values { get; } = [];

    /// <summary>Non-option arguments, in order (for a wrapper: the inner command).</summary>
    public List<string> Operands { get; } = [];

    /// <summary>Things the original ignored: unknown options (where it went on) and leftover arguments.</summary>
    public List<string> Ignored { get; } = [];

    public bool Help { get; set; }
}

/// <summary>
/// The three parsing front-ends. Each turns argv into option values and operands exactly as its library
/// did (learned from Getopt::Long, go-flags and Go's flag.go), so that System.CommandLine only has to
/// validate values and render help. Errors are <see cref="UsageException"/>s with one line.
/// </summary>
public static class Grammar
{
    /// <summary>One option as a front-end sees it: its names without dashes, and the kind of value it takes.</summary>
    private sealed record Spec(Option Option, string[] Names, bool IsFlag, bool IsNumeric, bool IsHelp)
    {
        public string Shown => Option.Name;
    }

    public static GrammarResult Parse(Dialect dialect, IEnumerable<Option> options, IReadOnlyList<string> args, bool wrapper = false)
    {
        var specs = new List<Spec>();
        foreach (var option in options) specs.Add(ToSpec(option));
        var result = new GrammarResult();
        switch (dialect)
        {
            case Dialect.GoFlags: GoFlags(specs, args, result); break;
            case Dialect.GoFlag: GoFlag(specs, args, result); break;
            default: GetoptLong(specs, args, result, stopOnUnknown: dialect == Dialect.GetoptLongStrict, wrapper); break;
        }
        if (dialect == Dialect.NoArguments && !wrapper)
        {
            result.Ignored.AddRange(result.Operands.Select(Quote));
            result.Operands.Clear();
        }
        KeepLastOfRepeated(result);
        return result;
    }

    // Plain loops, not LINQ: in a Native AOT binary each LINQ operator's first use over a new type costs
    // a generic-virtual-method lookup, and this runs for every option of every command (~1 ms a run).
    private static Spec ToSpec(Option option)
    {
        var names = Names(option);
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        // A threshold takes a number as its original's numeric option did (go-flags: a separate `-5` is its value).
        bool numeric = type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(ThresholdRange);
        bool help = option is HelpFlag;
        return new Spec(option, [.. names], help || type == typeof(bool) || option is CountFlag, numeric, help);
    }

    /// <summary>An option's names as the front-ends match them (and help shows them): without dashes, no `?`, each once.</summary>
    public static List<string> Names(Option option)
    {
        var names = new List<string>(option.Aliases.Count + 1);
        Add(option.Name);
        foreach (var alias in option.Aliases) Add(alias);
        return names;

        void Add(string name)
        {
            if (!name.StartsWith('-')) return;
            var bare = name.TrimStart('-');
            if (bare.Length > 0 && bare != "?" && !names.Contains(bare)) names.Add(bare);
        }
    }

    private static bool IsList(Option option) => option.Arity.MaximumNumberOfValues > 1;

    /// <summary>Last wins for a repeated scalar option (all three libraries overwrite); lists keep every value.</summary>
    private static void KeepLastOfRepeated(GrammarResult result)
    {
        var last = new Dictionary<Option, int>();
        for (int i = 0; i < result.Values.Count; i++) last[result.Values[i].Option] = i;
        var kept = new List<(Option Option, string Value)>(result.Values.Count);
        for (int i = 0; i < result.Values.Count; i++)
            if (IsList(result.Values[i].Option) || last[result.Values[i].Option] == i) kept.Add(result.Values[i]);
        result.Values.Clear();
        result.Values.AddRange(kept);
    }

    private static void Set(GrammarResult result, Spec spec, string value)
    {
        if (spec.IsHelp) result.Help = true;
        else result.Values.Add((spec.Option, value));
    }

    private static string Quote(string token) => $"'{Opt.Shorten(token)}'";

    // ---------------------------------------------------------------------------------------------
    // Getopt::Long: `-name` = `--name`; `--name=value` or `--name value` (a mandatory value is the next
    // argument whatever it looks like); exact names first, then any unique prefix; no bundling, so `-c3`
    // is the unknown option `c3`; permute: options may follow operands; `--` ends the options.

    private static void GetoptLong(List<Spec> specs, IReadOnlyList<string> args, GrammarResult result, bool stopOnUnknown, bool wrapper)
    {
        // For a wrapper, a token that is not one of its options belongs to the inner command; only with an
        // explicit `--` are option-like tokens before it unknown options of the wrapper (as in the original).
        bool hasDoubleDash = args.Contains("--");
        for (int i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                result.Operands.AddRange(args.Skip(i + 1));
                return;
            }
            if (token.Length < 2 || token[0] != '-')
            {
                result.Operands.Add(token);
                continue;
            }
            var body = token.StartsWith("--", StringComparison.Ordinal) ? token[2..] : token[1..];
            int eq = body.IndexOf('=');
            var name = eq < 0 ? body : body[..eq];
            string? inline = eq < 0 ? null : body[(eq + 1)..];
            var spec = name.Length == 0 ? null : GetoptFind(specs, name, token);
            if (spec is null)
            {
                if (wrapper && !hasDoubleDash) result.Operands.Add(token);
                else if (stopOnUnknown) throw new UsageException($"unknown option '{Opt.Shorten(token)}'");
                else result.Ignored.Add($"unknown option {Quote(token)}");
                continue;
            }
            if (spec.IsFlag)
            {
                if (inline is not null) throw new UsageException($"option '{spec.Shown}' takes no value, got {Quote(token)}");
                Set(result, spec, "true");
                continue;
            }
            if (inline is null)
            {
                if (i + 1 >= args.Count)
                {
                    // Getopt::Long warned "requires an argument" and went on; a script that did not check it ran.
                    if (stopOnUnknown) throw new UsageException($"option '{spec.Shown}' needs a value");
                    result.Ignored.Add($"option '{spec.Shown}' without its value");
                    continue;
                }
                inline = args[++i];
            }
            else if (inline.Length == 0)
            {
                throw new UsageException($"option '{spec.Shown}' needs a value");
            }
            Set(result, spec, inline);
        }
    }

    private static Spec? GetoptFind(List<Spec> specs, string name, string token)
    {
        if (specs.FirstOrDefault(s => s.Names.Contains(name, StringComparer.Ordinal)) is { } exact) return exact;
        var hits = specs.Where(s => s.Option is not IAddedOption && s.Names.Any(n => n.StartsWith(name, StringComparison.Ordinal))).ToList();
        if (hits.Count > 1)
            throw new UsageException($"option {Quote(token)} is ambiguous ({string.Join(", ", hits.Select(h => h.Shown))})");
        return hits.FirstOrDefault();
    }

    // ---------------------------------------------------------------------------------------------
    // go-flags: `--long`, `--long=value`, `--long value`; `-s`, `-svalue`, `-s=value`, `-s value`;
    // clustered booleans (`-EW`), where only the last may take the next argument as its value. A
    // separate value must not look like an option (a negative number is fine for a numeric option).
    // No abbreviations. Operands anywhere; everything after `--` is an operand.

    private static void GoFlags(List<Spec> specs, IReadOnlyList<string> args, GrammarResult result)
    {
        for (int i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                result.Operands.AddRange(args.Skip(i + 1));
                return;
            }
            if (!GoFlagsIsOption(token))
            {
                result.Operands.Add(token);
                continue;
            }
            if (token.StartsWith("--", StringComparison.Ordinal))
            {
                var body = token[2..];
                int eq = body.IndexOf('=');
                var name = eq < 0 ? body : body[..eq];
                var spec = specs.FirstOrDefault(s => name.Length > 1 && s.Names.Contains(name, StringComparer.Ordinal))
                    ?? throw new UsageException($"unknown option '--{Opt.Shorten(name)}'");
                GoFlagsValue(spec, eq < 0 ? null : body[(eq + 1)..], canTakeNext: true, args, ref i, result);
                if (result.Help) return;
                continue;
            }

            var shorts = token[1..];
            string? argument = null;
            if (shorts.Length > 1 && shorts[1] == '=')
            {
                argument = shorts[2..];
                shorts = shorts[..1];
            }
            else if (shorts.Length > 1 && FindShort(specs, shorts[0]) is { IsFlag: false })
            {
                argument = shorts[1..]; // -p3306, -H127.0.0.1
                shorts = shorts[..1];
            }
            for (int k = 0; k < shorts.Length; k++)
            {
                var spec = FindShort(specs, shorts[k]) ?? throw new UsageException($"unknown option '-{shorts[k]}'");
                GoFlagsValue(spec, argument, canTakeNext: k == shorts.Length - 1, args, ref i, result);
                if (result.Help) return;
                argument = null;
            }
        }
    }

    private static bool GoFlagsIsOption(string arg) =>
        (arg.Length > 1 && arg[0] == '-' && arg[1] != '-') || (arg.Length > 2 && arg[0] == '-' && arg[1] == '-' && arg[2] != '-');

    private static Spec? FindShort(List<Spec> specs, char name) =>
        specs.FirstOrDefault(s => s.Names.Any(n => n.Length == 1 && n[0] == name));

    private static void GoFlagsValue(Spec spec, string? argument, bool canTakeNext, IReadOnlyList<string> args, ref int i, GrammarResult result)
    {
        if (spec.IsFlag)
        {
            if (argument is not null) throw new UsageException($"option '{spec.Shown}' takes no value, got '{Opt.Shorten(argument)}'");
            Set(result, spec, "true");
            return;
        }
        if (argument is null)
        {
            if (!canTakeNext || i + 1 >= args.Count) throw new UsageException($"option '{spec.Shown}' needs a value");
            var next = args[i + 1];
            bool negativeNumber = spec.IsNumeric && next.Length > 1 && next[0] == '-' && char.IsAsciiDigit(next[1]);
            if (next == "--" || (GoFlagsIsOption(next) && !negativeNumber))
                throw new UsageException($"option '{spec.Shown}' needs a value, got the option '{Opt.Shorten(next)}'");
            argument = next;
            i++;
        }
        Set(result, spec, argument);
    }

    // ---------------------------------------------------------------------------------------------
    // Go's flag: `-name` = `--name`, `-name=value`, `-name value` for non-booleans (the next argument,
    // whatever it looks like); booleans only `-name` or `-name=<strconv.ParseBool>`. No abbreviations,
    // no clusters. Parsing stops at the first non-flag argument or after `--`; the rest are operands.

    private static readonly string[] GoTrue = ["1", "t", "T", "TRUE", "true", "True"];
    private static readonly string[] GoFalse = ["0", "f", "F", "FALSE", "false", "False"];

    private static void GoFlag(List<Spec> specs, IReadOnlyList<string> args, GrammarResult result)
    {
        int i = 0;
        for (; i < args.Count; i++)
        {
            var token = args[i];
            if (token.Length < 2 || token[0] != '-') break;
            if (token == "--")
            {
                i++;
                break;
            }
            var name = token[(token[1] == '-' ? 2 : 1)..];
            if (name.Length == 0 || name[0] == '-' || name[0] == '=') throw new UsageException($"bad option syntax {Quote(token)}");
            int eq = name.IndexOf('=');
            string? value = eq < 0 ? null : name[(eq + 1)..];
            if (eq >= 0) name = name[..eq];
            var spec = specs.FirstOrDefault(s => s.Names.Contains(name, StringComparer.Ordinal))
                ?? throw new UsageException($"unknown option {Quote(token)}");
            if (spec.IsHelp)
            {
                result.Help = true;
                return;
            }
            if (spec.IsFlag)
            {
                if (value is null || GoTrue.Contains(value)) Set(result, spec, "true");
                else if (GoFalse.Contains(value)) Set(result, spec, "false");
                else throw new UsageException($"option '-{name}' takes true or false (1, t, 0, f...), got '{Opt.Shorten(value)}'");
                continue;
            }
            if (value is null)
            {
                if (i + 1 >= args.Count) throw new UsageException($"option '-{name}' needs a value");
                value = args[++i];
            }
            Set(result, spec, value);
        }
        result.Operands.AddRange(args.Skip(i));
    }
}
