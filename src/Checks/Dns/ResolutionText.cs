namespace MetaCheck.Checks.Dns;

public static class ResolutionText
{
    /// <summary>
    /// The DNS checks' -v: the answer as dig lists it, after the alias the name led to; a name without
    /// address says which answer code it got.
    /// </summary>
    public static IReadOnlyList<string> AnswerLines(this Resolution resolution)
    {
        var lines = new List<string>();
        if (!string.Equals(resolution.QueriedName, resolution.FinalName, StringComparison.OrdinalIgnoreCase))
            lines.Add($"{resolution.QueriedName} is an alias of {resolution.FinalName}");
        if (resolution.Addresses.Count == 0) lines.Add($"{resolution.FinalName}: no A record ({DnsResponse.CodeName(resolution.ResponseCode)})");
        foreach (var address in resolution.Addresses) lines.Add($"{resolution.FinalName} IN A {address}");
        return lines;
    }
}
