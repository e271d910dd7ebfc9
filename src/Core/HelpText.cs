using System.CommandLine;
using System.Globalization;
using System.Text;

namespace MetaCheck.Core;

/// <summary>
/// `--help` for every command, in one style: Description, Usage, Arguments, Options sections; each option
/// as its dialect spells it, `&lt;unit&gt;` for its value, and its default as "(default: X)" at the end.
/// The usage line says how the command really parses (wrappers: options, `--`, then the command).
/// </summary>
public static class HelpText
{
    public static int Write(CliCommand command, bool wrapper)
    {
        Console.Out.Write(Render(command, wrapper));
        Console.Out.Flush();
        return 0;
    }

    public static string Render(CliCommand command, bool wrapper)
    {
        var text = new StringBuilder();
        text.Append("Description:\n");
        foreach (var line in (command.Description ?? "").Split('\n')) text.Append("  ").Append(line).Append('\n');
        text.Append("\nUsage:\n  ").Append(command.Name).Append(" [options]").Append(UsageOperands(command, wrapper)).Append('\n');

        var arguments = command.Arguments.Where(a => !a.Hidden).Select(a => (Name: ArgumentName(a), a.Description ?? "")).ToList();
        if (wrapper) arguments.Add(("<command> [<args>...]", "The check to run and its arguments (after --; before --, a token that names one of the options is taken as that option)."));
        if (arguments.Count > 0) Section(text, "Arguments:", arguments);

        var options = command.Options.Where(o => !o.Hidden).Select(o => (Names(o, command.Dialect), Describe(o))).ToList();
        // Every command answers -V and --version alone (the multi-call main does); one that declares its own
        // --version shows that row instead.
        if (!command.Options.Any(o => o.Name == "--version")) options.Add(("-V, --version", VersionOption.Help));
        Section(text, "Options:", options);
        return text.ToString();
    }

    private static string UsageOperands(CliCommand command, bool wrapper)
    {
        if (wrapper) return " -- <command> [<args>...]";
        return string.Concat(command.Arguments.Where(a => !a.Hidden).Select(a => " " + ArgumentName(a)));
    }

    /// <summary>`<url>`, `[<url>]` when optional, `<host> <port>` for a list named "host port".</summary>
    private static string ArgumentName(Argument argument)
    {
        var words = string.Join(' ', argument.Name.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => $"<{w}>"));
        if (argument.Arity.MaximumNumberOfValues > 1 && !argument.Name.Contains(' ')) words += "...";
        return argument.Arity.MinimumNumberOfValues == 0 && !argument.Name.Contains(' ') ? $"[{words}]" : words;
    }

    private static void Section(StringBuilder text, string title, List<(string Left, string Right)> rows)
    {
        int width = rows.Max(r => r.Left.Length) + 2;
        text.Append('\n').Append(title).Append('\n');
        foreach (var (left, right) in rows) text.Append("  ").Append(left.PadRight(width)).Append(right).Append('\n');
    }

    /// <summary>Short names first; Go's flag spells every name with one dash, as its own usage did.</summary>
    private static string Names(Option option, Dialect dialect)
    {
        var names = Grammar.Names(option)
            .OrderBy(n => n.Length > 1)
            .Select(n => dialect == Dialect.GoFlag || n.Length == 1 ? "-" + n : "--" + n);
        var shown = string.Join(", ", names);
        return IsFlag(option) ? shown : $"{shown} <{ValueName(option)}>";
    }

    private static bool IsFlag(Option option) => option is HelpFlag or CountFlag || (Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType) == typeof(bool);

    private static string ValueName(Option option)
    {
        if (!string.IsNullOrEmpty(option.HelpName)) return option.HelpName;
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        if (type == typeof(int) || type == typeof(long) || type == typeof(double)) return "number";
        var longest = option.Aliases.Prepend(option.Name).OrderByDescending(n => n.Length).First();
        return longest.TrimStart('-');
    }

    private static string Describe(Option option)
    {
        if (option is HelpFlag) return HelpFlag.Text;
        var description = option.Description ?? "";
        if (description.Contains("default", StringComparison.OrdinalIgnoreCase) || !option.HasDefaultValue) return description;
        var shown = option.GetDefaultValue() switch
        {
            null or false => null,
            Status status => StatusNames.Word(status),
            TimeSpan span => span.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ThresholdRange { Plain: { } plain } => ThresholdRange.Number(plain),
            IFormattable value => value.ToString(null, CultureInfo.InvariantCulture),
            var value => value.ToString(),
        };
        if (string.IsNullOrEmpty(shown)) return description;
        return description.EndsWith('.') ? $"{description[..^1]} (default: {shown})." : $"{description} (default: {shown})";
    }
}
