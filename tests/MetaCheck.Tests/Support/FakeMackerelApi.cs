using System.Collections.Concurrent;

namespace MetaCheck.Tests.Support;

/// <summary>
/// A fake Mackerel API on loopback: serves the documented shapes of `GET /api/v0/services`,
/// `/api/v0/hosts?service=&amp;role=`, `/api/v0/hosts/&lt;id&gt;` and `/api/v0/hosts/&lt;id&gt;/metrics`.
/// A metric's points are given as values at "k minutes before the newest window's `to`" (k = 1, 2, …),
/// so they land in the first 12-hour window whatever the clock of the tool says.
/// </summary>
public sealed class FakeMackerelApi : IDisposable
{
    public const string Key = "fake-api-key-123";
    private readonly StubHttpServer _server = new(StubReply.Json("{}"));

    public FakeMackerelApi() => _server.Route = Answer;

    public string Url => _server.Url;
    public List<string> Services { get; } = ["web"];
    public List<(string Id, string Name)> Hosts { get; } = [];

    /// <summary>List hosts without their names (only `GET /api/v0/hosts/&lt;id&gt;` tells them).</summary>
    public bool NamelessList { get; set; }

    /// <summary>(host id, metric name) → values at k = 1, 2, … minutes back; 0/absent = no point.</summary>
    public ConcurrentDictionary<(string, string), double?[]> Points { get; } = new();

    /// <summary>Overrides every reply for paths starting with the key (errors, hangs, bad JSON).</summary>
    public ConcurrentDictionary<string, StubReply> Override { get; } = new();

    public IReadOnlyCollection<string> Requests => _server.Requests;
    public IReadOnlyCollection<string> Heads => _server.Heads;

    private StubReply Answer(string target)
    {
        foreach (var (prefix, reply) in Override)
            if (target.StartsWith(prefix, StringComparison.Ordinal)) return reply;
        var path = target.Split('?')[0];
        var query = target.Contains('?')
            ? target.Split('?', 2)[1].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""))
            : new Dictionary<string, string>();
        if (path == "/api/v0/services")
            return StubReply.Json($$"""{"services":[{{string.Join(",", Services.Select(s => $$"""{"name":"{{s}}","memo":"","roles":["app","db"]}"""))}}]}""");
        if (path == "/api/v0/hosts")
            return StubReply.Json($$"""{"hosts":[{{string.Join(",", Hosts.Select(h => $$"""{"id":"{{h.Id}}",{{(NamelessList ? "" : $"\"name\":\"{h.Name}\",")}}"status":"working","roleFullnames":["{{query.GetValueOrDefault("service")}}:{{query.GetValueOrDefault("role")}}"]}"""))}}]}""");
        var parts = path.Split('/');
        if (parts.Length == 5 && parts[3] == "hosts")
        {
            var host = Hosts.FirstOrDefault(h => h.Id == parts[4]);
            return host.Id is null ? new StubReply(404, "Not Found", """{"error":{"message":"Host Not Found."}}""")
                : StubReply.Json($$$"""{"host":{"id":"{{{host.Id}}}","name":"{{{host.Name}}}","status":"working"}}""");
        }
        if (parts.Length == 6 && parts[5] == "metrics")
        {
            long from = long.Parse(query["from"]), to = long.Parse(query["to"]);
            bool newest = to > DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600;
            var values = newest && Points.TryGetValue((parts[4], query["name"]), out var v) ? v : [];
            var points = values.Select((x, i) => (Time: to - 60 * (i + 1), Value: x)).Where(p => p.Value is not null && p.Time >= from)
                .Select(p => $$"""{"time":{{p.Time}},"value":{{p.Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""");
            return StubReply.Json($$"""{"metrics":[{{string.Join(",", points)}}]}""");
        }
        return new StubReply(404, "Not Found", """{"error":{"message":"Not Found"}}""");
    }

    public void Dispose() => _server.Dispose();
}
