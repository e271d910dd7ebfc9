namespace MetaCheck.Core;

/// <summary>One command of the multi-call binary: its name (and old names), a line of help, and its main.</summary>
public sealed record CommandInfo(string Name, string Summary, Func<string[], int> Main, params string[] Aliases)
{
    public IEnumerable<string> AllNames => Aliases.Prepend(Name);
}
