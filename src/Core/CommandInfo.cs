namespace MetaCheck.Core;

/// <summary>One command of the multi-call binary: its name (and old names), a line of help, and its main.</summary>
public sealed record CommandInfo(string Name, string Summary, Func<string[], int> Main, params string[] Aliases)
{
    public IEnumerable<string> AllNames => Aliases.Prepend(Name);

    /// <summary>Whether <paramref name="name"/> is this command's name or an old one (a plain loop: it runs at every start).</summary>
    public bool IsNamed(string name) => Name == name || Array.IndexOf(Aliases, name) >= 0;

    /// <summary>
    /// False for `metacheck status`-style subcommands: generic names (status, history) must not be
    /// installed as links in a bin directory, where they would shadow other programs.
    /// </summary>
    public bool Linked { get; init; } = true;
}
