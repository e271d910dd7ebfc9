using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;

namespace MetaCheck.Checks.Framework;

/// <summary>
/// What a GET of a status API gave: a parsed body, or a failure described the way Perl's LWP did
/// (a status code and reason; transport failures are `500 Can't connect to host:port (reason)`).
/// </summary>
public sealed record HttpJsonReply(JsonDocument? Document, int FailureCode, string FailureReason)
{
    public bool Ok => Document is not null;

    /// <summary>`500 Can't connect to 127.0.0.1:24201 (Connection refused)`, `404 Not Found`.</summary>
    public string StatusLine => $"{FailureCode} {FailureReason}".TrimEnd();
}

/// <summary>
/// "GET a JSON status API with a time limit": every plugin that reads a service's stats page uses this.
/// It never hangs (connect and whole-request limits), follows redirects, and turns an unparsable body
/// into a <see cref="DataSourceException"/>. A proxy is used only when the caller asks for the environment's.
/// </summary>
public static class HttpJson
{
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Non-2xx answers and transport failures come back as a failed reply (the caller decides whether that
    /// is an alert or UNKNOWN); a 2xx body that is not JSON is a <see cref="DataSourceException"/>.
    /// </summary>
    /// <param name="headers">Extra request headers (an API key); null for none.</param>
    /// <param name="environmentProxy">
    /// Go's net/http default: HTTPS_PROXY / HTTP_PROXY / NO_PROXY. Perl's LWP used no proxy unless told,
    /// so the ports of Perl plugins leave this off.
    /// </param>
    public static HttpJsonReply Fetch(string url, TimeSpan timeout, IReadOnlyDictionary<string, string>? headers = null,
        bool environmentProxy = false)
    {
        var uri = new Uri(url);
        using var handler = new SocketsHttpHandler
        {
            UseProxy = environmentProxy,
            Proxy = environmentProxy ? EnvironmentProxy.Instance : null,
            ConnectTimeout = timeout,
            AllowAutoRedirect = true,
            // A response given up on (the time limit hit mid-body) is closed, not drained for reuse: the
            // default drain waited up to 2 s more for a body trickling in, past the caller's --timeout.
            ResponseDrainTimeout = TimeSpan.Zero,
            MaxResponseDrainSize = 0,
        };
        using var client = new HttpClient(handler) { Timeout = timeout, MaxResponseContentBufferSize = MaxBodyBytes };
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.UserAgent.ParseAdd("metacheck");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        byte[] body;
        try
        {
            using var response = client.Send(request, HttpCompletionOption.ResponseContentRead);
            if (!response.IsSuccessStatusCode)
                return new HttpJsonReply(null, (int)response.StatusCode, response.ReasonPhrase ?? "");
            using var stream = response.Content.ReadAsStream();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            body = copy.ToArray();
        }
        catch (OperationCanceledException)
        {
            return new HttpJsonReply(null, 500, $"read timeout after {Seconds(timeout)} s ({uri.Host}:{uri.Port})");
        }
        catch (HttpRequestException e)
        {
            return new HttpJsonReply(null, 500, SocketReason(e) is { } reason
                ? $"Can't connect to {uri.Host}:{uri.Port} ({reason})"
                : e.HttpRequestError == HttpRequestError.ResponseEnded
                    ? Words(e.HttpRequestError) // LWP's own words, which name no host
                    : $"{Words(e.HttpRequestError)} ({uri.Host}:{uri.Port})");
        }
        catch (IOException e)
        {
            return new HttpJsonReply(null, 500, $"read error ({uri.Host}:{uri.Port}: {e.GetType().Name})");
        }
        try
        {
            return new HttpJsonReply(JsonDocument.Parse(body), 200, "OK");
        }
        catch (JsonException e)
        {
            throw new DataSourceException(body.Length == 0
                ? $"{url} did not return JSON: the body is empty"
                : $"{url} did not return JSON: invalid at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}");
        }
    }

    /// <summary>
    /// The proxy the environment names (http_proxy/HTTP_PROXY, https_proxy/HTTPS_PROXY, no_proxy/NO_PROXY,
    /// read by .NET), except that localhost and loopback addresses are never proxied, as in Go's net/http.
    /// </summary>
    private sealed class EnvironmentProxy(IWebProxy environment) : IWebProxy
    {
        public static readonly EnvironmentProxy Instance = new(HttpClient.DefaultProxy);

        public ICredentials? Credentials { get => environment.Credentials; set => environment.Credentials = value; }

        public Uri? GetProxy(Uri destination) => IsBypassed(destination) ? null : environment.GetProxy(destination);

        public bool IsBypassed(Uri host) => host.IsLoopback || environment.IsBypassed(host);
    }

    /// <summary>A reply that must be JSON: any failure is a <see cref="DataSourceException"/> (UNKNOWN).</summary>
    public static JsonDocument Get(string url, TimeSpan timeout, IReadOnlyDictionary<string, string>? headers = null)
    {
        var reply = Fetch(url, timeout, headers);
        return reply.Document ?? throw new DataSourceException($"GET {url} failed: {reply.StatusLine}");
    }

    /// <summary>A JSON number, or a string Perl would read as one; null/absent/false is 0 (Perl's numification of undef).</summary>
    public static double? Number(JsonElement? element)
    {
        if (element is not { } e) return 0;
        switch (e.ValueKind)
        {
            case JsonValueKind.Number: return e.GetDouble();
            case JsonValueKind.Null or JsonValueKind.False or JsonValueKind.Undefined: return 0;
            case JsonValueKind.True: return 1;
            case JsonValueKind.String:
                var s = e.GetString()!.Trim();
                if (s.Length == 0) return 0;
                return double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)
                    ? v : null;
            default: return null;
        }
    }

    /// <summary>The member <paramref name="name"/> of an object, or null when absent or not an object.</summary>
    public static JsonElement? Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Our own words: the Native AOT build carries no framework message texts.</summary>
    private static string Words(HttpRequestError error) => error switch
    {
        HttpRequestError.ResponseEnded => "Server closed connection without sending any data back",
        HttpRequestError.InvalidResponse => "invalid HTTP response",
        HttpRequestError.ConfigurationLimitExceeded => $"response larger than {MaxBodyBytes / (1024 * 1024)} MiB",
        HttpRequestError.NameResolutionError => "Name or service not known",
        HttpRequestError.ConnectionError => "connection error",
        HttpRequestError.SecureConnectionError => "TLS error",
        _ => "request failed",
    };

    /// <summary>The OS's words when a socket operation failed (refused, unreachable, unknown name), else null.</summary>
    private static string? SocketReason(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException s)
                return s.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "Connection refused",
                    SocketError.TimedOut => "Connection timed out",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "Name or service not known",
                    SocketError.NetworkUnreachable => "Network is unreachable",
                    SocketError.HostUnreachable => "No route to host",
                    _ => s.Message.TrimEnd('.'),
                };
            if (inner is TimeoutException) return "Connection timed out";
        }
        return null;
    }

}
