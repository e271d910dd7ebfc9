using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>
/// The bundled checks whose verdict compares this run with the previous one (issue 19): when the
/// previous sample cannot be kept they answer UNKNOWN saying why, never an OK that measured nothing.
/// </summary>
public sealed class SampleKeepingTests : IDisposable
{
    private readonly Sandbox _box = new();
    private readonly StubHttpServer _hydra = new(StubReply.Json("""{"files":{"/var/log/app.log":{"position":1000}}}"""));

    public void Dispose()
    {
        _hydra.Dispose();
        _box.Dispose();
    }

    [Theory]
    [InlineData("check-hydra-pos")]
    [InlineData("check-ddos-udp")]
    public void A_check_that_cannot_keep_its_previous_sample_is_UNKNOWN_on_every_run(string check)
    {
        // A state directory below a regular file cannot be made, even by root.
        File.WriteAllText(_box.PathOf("file"), "");
        _box.Env["METACHECK_STATE_DIR"] = Path.Combine(_box.PathOf("file"), "state");
        string[] args = check == "check-hydra-pos" ? ["--file", "/var/log/app.log", "--port", $"{_hydra.Port}"] : ["-c", "1000000"];
        for (int run = 0; run < 2; run++)
        {
            var r = _box.Run(check, args);
            r.Exit.Should().Be(3, r.ToString());
            r.Lines.Should().ContainSingle().Which.Should().StartWith($"UNKNOWN: {check}: the previous sample cannot be kept, so there is nothing to compare with (");
        }
    }
}
