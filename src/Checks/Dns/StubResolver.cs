using System.Net;

namespace MetaCheck.Checks.Dns;

/// <summary>The answer to "what are the addresses of this name".</summary>
public sealed record Resolution(string QueriedName, string FinalName, IReadOnlyList<string> Addresses, int ResponseCode);

/// <summary>
/// A stub resolver as the C library's: servers tried in order with `attempts` rounds, the search
/// list applied by the ndots rule, and CNAME chains followed (at most 10 links).
/// </summary>
public sealed class StubResolver(ResolvConf conf, DnsTransport transport = DnsTransport.Udp)
{
    private const int MaxChain = 10;

    public Resolution Resolve(string name, DnsType type)
    {
        if (conf.Servers.Count == 0) throw new DnsTimeoutException("no nameserver to ask (resolv.conf has none; give --server)");
        Resolution? last = null;
        foreach (var candidate in Candidates(name))
        {
            last = ResolveExact(candidate, type);
            if (last.ResponseCode == DnsResponse.NoError && last.Addresses.Count > 0) return last;
            if (last.ResponseCode is not (DnsResponse.NoError or DnsResponse.NxDomain)) return last;
        }
        return last!;
    }

    /// <summary>RFC-style search order: a name with a trailing dot is absolute; with at least ndots dots it is tried as-is first.</summary>
    public IEnumerable<string> Candidates(string name)
    {
        if (name.EndsWith('.')) { yield return name.TrimEnd('.'); yield break; }
        bool asIsFirst = name.Count(c => c == '.') >= conf.Ndots;
        if (asIsFirst) yield return name;
        foreach (var suffix in conf.Search) yield return $"{name}.{suffix}";
        if (!asIsFirst) yield return name;
    }

    private Resolution ResolveExact(string name, DnsType type)
    {
        var current = name;
        for (int link = 0; link <= MaxChain; link++)
        {
            var response = Ask(current, type);
            var addresses = response.Answers.Where(r => r.Type == (ushort)type && Same(r.Name, current)).Select(r => r.Data).ToList();
            if (addresses.Count > 0 || response.ResponseCode != DnsResponse.NoError)
                return new Resolution(name, current, addresses, response.ResponseCode);
            var alias = response.Answers.FirstOrDefault(r => r.Is(DnsType.CNAME) && Same(r.Name, current));
            if (alias is null) return new Resolution(name, current, [], response.ResponseCode);
            // The server may already have put the target's records in the same answer.
            var target = alias.Data;
            var chained = response.Answers.Where(r => r.Type == (ushort)type && Same(r.Name, target)).Select(r => r.Data).ToList();
            if (chained.Count > 0) return new Resolution(name, target, chained, response.ResponseCode);
            current = target;
        }
        throw new DnsFormatException($"CNAME chain of {name} is longer than {MaxChain}");
    }

    private DnsResponse Ask(string name, DnsType type)
    {
        DnsTimeoutException? lastError = null;
        for (int attempt = 0; attempt < conf.Attempts; attempt++)
        {
            foreach (var server in conf.Servers)
            {
                try
                {
                    var response = DnsClient.Query(server, name, type, conf.Timeout, transport);
                    if (response.ResponseCode is DnsResponse.ServFail or DnsResponse.Refused && conf.Servers.Count > 1) continue;
                    return response;
                }
                catch (DnsTimeoutException e)
                {
                    // A refusal says more than a later round's silence (the kernel may drop the next ICMP answer).
                    if (lastError is not { Refused: true }) lastError = e;
                }
            }
        }
        throw lastError ?? new DnsTimeoutException($"every server failed for {name}");
    }

    private static bool Same(string a, string b) => string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    /// <summary>--server if given, else the host's resolv.conf.</summary>
    public static ResolvConf Configure(string? server, string resolvConfText, TimeSpan? timeout)
    {
        var conf = ResolvConf.Parse(resolvConfText);
        if (server is not null) conf = conf with { Servers = [DnsClient.ParseServer(server)] };
        if (timeout is { } t) conf = conf with { Timeout = t };
        return conf;
    }
}
