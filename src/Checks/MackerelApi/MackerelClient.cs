using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.MackerelApi;

/// <summary>A host as `GET /api/v0/hosts` lists it.</summary>
public sealed record MackerelHost(string Id, string Name)
{
    /// <summary>The name up to its first dot (the report's first column).</summary>
    public string ShortName => Name.Split('.')[0];
}

/// <summary>
/// Which hosts a tool looks at, spelled as both originals spelled it: a service, a role in it, and an
/// optional text the host name must contain (`--org` is accepted and unused).
/// </summary>
public sealed class HostSelectionOptions
{
    public Option<string?> Org { get; } = Opt.Text("--org", "Accepted for compatibility; unused.", "-o");
    public Option<string?> Service { get; } = Opt.Text("--service", "Mackerel service name (required).", "-s");
    public Option<string?> Role { get; } = Opt.Text("--roles", "Role name within the service (required).", "-r");
    public Option<string?> Filter { get; } = Opt.Text("--filter", "Only hosts whose name contains this text.", "-f");

    public Option[] All => [Org, Service, Role, Filter];

    /// <summary>The service and role; either missing is a usage error.</summary>
    public (string Service, string Role) Required(ParseResult parsed) =>
        (parsed.GetValue(Service) ?? throw new UsageException("--service is required, e.g. -s web"),
         parsed.GetValue(Role) ?? throw new UsageException("--roles is required, e.g. -r app"));

    /// <summary>The role's hosts whose name contains the filter; none is a DataSourceException naming the selection.</summary>
    public List<MackerelHost> Hosts(ParseResult parsed, MackerelClient client)
    {
        var (service, role) = Required(parsed);
        var filter = parsed.GetValue(Filter);
        var hosts = client.Hosts(service, role).Where(h => h.Name.Contains(filter ?? "", StringComparison.Ordinal)).ToList();
        if (hosts.Count == 0)
            throw new DataSourceException($"no hosts in service {service} role {role}{(filter is null ? "" : $" with '{filter}' in the name")}");
        return hosts;
    }
}

/// <summary>The options every Mackerel API tool shares: key, base URL, time limit, parallelism.</summary>
public sealed class MackerelApiOptions
{
    public const string DefaultBaseUrl = "https://api.mackerelio.com/";

    public Option<string?> ApiKey { get; } = Opt.Text("--apikey", "Mackerel API key (default: $MACKEREL_APIKEY, else $MACKEREL_TOKEN).");
    public Option<string?> BaseUrl { get; } = Opt.Text("--base-url", $"Mackerel API base URL, for other regions (default: {DefaultBaseUrl}).");
    public Option<TimeSpan?> Timeout { get; } = Opt.Duration("--timeout", "Time limit of each API request (default: 30).", TimeSpan.FromHours(1));
    public Option<int> Parallel { get; } = Opt.Int("--parallel", "Hosts fetched at the same time.", 4, 1, 32);

    public Option[] All => [ApiKey, BaseUrl, Timeout, Parallel];

    /// <summary>The client the parsed options describe; a missing key or bad URL is a usage error.</summary>
    public MackerelClient Client(ParseResult parsed, Func<string, string?> env)
    {
        var key = parsed.GetValue(ApiKey) is { Length: > 0 } k ? k
            : env("MACKEREL_APIKEY") is { Length: > 0 } a ? a
            : env("MACKEREL_TOKEN") is { Length: > 0 } t ? t
            : throw new UsageException("no Mackerel API key: set MACKEREL_APIKEY (or MACKEREL_TOKEN) or give --apikey");
        var url = parsed.GetValue(BaseUrl) ?? DefaultBaseUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new UsageException($"--base-url takes an http(s) URL, got '{Opt.Shorten(url)}'");
        var limit = parsed.GetValue(Timeout) ?? TimeSpan.FromSeconds(30);
        if (limit <= TimeSpan.Zero) throw new UsageException("--timeout must be more than 0 seconds");
        return new MackerelClient(uri, key, limit, parsed.GetValue(Parallel));
    }
}

/// <summary>
/// The few documented Mackerel API v0 calls the tools need, over <see cref="HttpJson"/> with the key in
/// `X-Api-Key`. Every failure (HTTP status, transport, time limit, unexpected JSON) is a one-line
/// <see cref="DataSourceException"/>.
/// </summary>
public sealed class MackerelClient(Uri baseUrl, string apiKey, TimeSpan timeout, int parallel)
{
    /// <summary>The API serves at most this span per metrics request; longer ranges are split.</summary>
    public const long WindowSeconds = 12 * 3600;

    private readonly Dictionary<string, string> _headers = new() { ["X-Api-Key"] = apiKey };
    private volatile bool _failed;

    public int Parallelism => parallel;

    /// <summary>GET a path below the base URL (query already escaped) as JSON.</summary>
    public JsonDocument Get(string pathAndQuery)
    {
        if (_failed) throw new OperationCanceledException();
        var url = new Uri(baseUrl, pathAndQuery).ToString();
        // The originals (Go) went through HTTPS_PROXY/HTTP_PROXY, as fleets behind an egress proxy need.
        var reply = HttpJson.Fetch(url, timeout, _headers, environmentProxy: true);
        if (reply.Ok) return reply.Document!;
        var hint = reply.FailureCode is 401 or 403 ? " (check the API key)" : "";
        throw new DataSourceException($"Mackerel API GET /{pathAndQuery.Split('?')[0]} failed: {reply.StatusLine}{hint}");
    }

    /// <summary>`GET /api/v0/services` → the service names.</summary>
    public IReadOnlyList<string> ServiceNames()
    {
        using var doc = Get("api/v0/services");
        return [.. Array(doc.RootElement, "services", "api/v0/services").Select(s => Text(s, "name", "api/v0/services"))];
    }

    /// <summary>`GET /api/v0/hosts?service=&amp;role=`; a host without a name is named by `GET /api/v0/hosts/&lt;id&gt;`.</summary>
    public IReadOnlyList<MackerelHost> Hosts(string service, string role)
    {
        var path = $"api/v0/hosts?service={Uri.EscapeDataString(service)}&role={Uri.EscapeDataString(role)}";
        using var doc = Get(path);
        return [.. Array(doc.RootElement, "hosts", "api/v0/hosts").Select(h =>
        {
            var id = Text(h, "id", "api/v0/hosts");
            return new MackerelHost(id, HttpJson.Member(h, "name") is { ValueKind: JsonValueKind.String } n ? n.GetString()! : HostName(id));
        })];
    }

    /// <summary>`GET /api/v0/hosts/&lt;id&gt;` → its name.</summary>
    public string HostName(string id)
    {
        var path = $"api/v0/hosts/{Uri.EscapeDataString(id)}";
        using var doc = Get(path);
        if (HttpJson.Member(doc.RootElement, "host") is not { ValueKind: JsonValueKind.Object } host)
            throw new DataSourceException($"Mackerel API /{path} answered without a \"host\" object");
        return Text(host, "name", path);
    }

    /// <summary>`GET /api/v0/hosts/&lt;id&gt;/metrics?name=&amp;from=&amp;to=` → (time, value) points.</summary>
    public IReadOnlyList<(long Time, double Value)> Metrics(string hostId, string name, long from, long to)
    {
        var path = $"api/v0/hosts/{Uri.EscapeDataString(hostId)}/metrics?name={Uri.EscapeDataString(name)}&from={from}&to={to}";
        var shown = $"api/v0/hosts/{hostId}/metrics ({name})";
        using var doc = Get(path);
        return [.. Array(doc.RootElement, "metrics", shown).Select(p =>
        {
            if (HttpJson.Member(p, "time") is not { ValueKind: JsonValueKind.Number } t || !t.TryGetInt64(out var time)
                || HttpJson.Member(p, "value") is not { ValueKind: JsonValueKind.Number } v)
                throw new DataSourceException($"Mackerel API /{shown}: a point without a numeric time and value");
            return (time, v.GetDouble());
        })];
    }

    /// <summary>
    /// One host metric over <paramref name="windows"/> consecutive 12-hour windows back from
    /// <paramref name="now"/>, as time → value (a point on a window boundary is kept once).
    /// </summary>
    public SortedDictionary<long, double> Series(string hostId, string name, long now, int windows)
    {
        var series = new SortedDictionary<long, double>();
        for (int i = 1; i <= windows; i++)
        {
            long to = now - WindowSeconds * (i - 1), from = now - WindowSeconds * i;
            foreach (var (time, value) in Metrics(hostId, name, from, to)) series[time] = value;
        }
        return series;
    }

    /// <summary>
    /// <paramref name="work"/> for each item, at most <see cref="Parallelism"/> at a time, results in input
    /// order. The first failure stops the others from sending further requests and is rethrown.
    /// </summary>
    public TOut[] ForEachHost<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work)
    {
        var results = new TOut[items.Count];
        Exception? first = null;
        System.Threading.Tasks.Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, (i, state) =>
        {
            try
            {
                results[i] = work(items[i]);
            }
            catch (Exception e) when (e is DataSourceException or OperationCanceledException)
            {
                if (e is DataSourceException) Interlocked.CompareExchange(ref first, e, null);
                _failed = true;
                state.Stop();
            }
        });
        if (first is not null) throw first;
        if (_failed) throw new DataSourceException("Mackerel API request cancelled");
        return results;
    }

    private static IEnumerable<JsonElement> Array(JsonElement root, string member, string shown) =>
        HttpJson.Member(root, member) is { ValueKind: JsonValueKind.Array } a
            ? a.EnumerateArray()
            : throw new DataSourceException($"Mackerel API /{shown} answered without a \"{member}\" array");

    private static string Text(JsonElement e, string member, string shown) =>
        HttpJson.Member(e, member) is { ValueKind: JsonValueKind.String } s
            ? s.GetString()!
            : throw new DataSourceException($"Mackerel API /{shown}: an entry without a \"{member}\" string");

    public static string Invariant(double v) => v.ToString(CultureInfo.InvariantCulture);
}
