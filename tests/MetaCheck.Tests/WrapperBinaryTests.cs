using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// The wrappers' links lead to their own smaller binary (PREFIX/lib/metacheck/metacheck-wrappers,
/// docs/benchmarks.md says why), and the multi-call metacheck still answers their names: both must
/// behave the same, run by a link named after the wrapper or as `metacheck WRAPPER`.
/// </summary>
public sealed class WrapperBinaryTests : IDisposable
{
    private static readonly string[] Wrappers = ["delay-checker", "interval-checker", "periodic-checker"];
    private static string WrappersBinary => Path.GetFullPath(Path.Combine(Installed.BinDir, "..", "metacheck-wrappers"));
    private static string MultiCall => Path.Combine(Installed.PrefixBin, "metacheck");

    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static string Target(string link) => new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? link;

    [Fact]
    public void The_installed_wrapper_names_lead_to_the_wrappers_binary_and_the_plugins_to_metacheck()
    {
        foreach (var name in Wrappers)
        {
            Target(Path.Combine(Installed.BinDir, name)).Should().Be(WrappersBinary, name);
            Target(Path.Combine(Installed.PrefixBin, name)).Should().Be(WrappersBinary, $"PREFIX/bin/{name}");
        }
        Target(Path.Combine(Installed.BinDir, "check-tcp")).Should().Be(MultiCall);
        _box.Run(WrappersBinary, "--list").Lines.Should().Equal(Wrappers);
        _box.Run(MultiCall, "--list").Lines.Should().Contain(Wrappers, "metacheck answers the wrapper names too");
    }

    /// <summary>The same invocations through the wrappers' binary and through metacheck, each with its own store.</summary>
    public static TheoryData<string, string[][]> Sessions => new()
    {
        { "delay-checker", [["-c", "2", "--", "false"], ["-c", "2", "--", "false"], ["-c", "2", "--", "true"]] },
        { "interval-checker", [["--interval", "1d", "--", "echo", "OK: first"], ["--interval", "1d", "--", "echo", "OK: second"]] },
        { "periodic-checker", [["--ranges", "Mon-Sun@00:00-24:00", "--", "echo", "inside"], ["--ranges", "bogus", "--", "true"]] },
        { "delay-checker", [["--version"], ["--help"], ["--no-such-option", "--", "true"], []] },
    };

    [Theory]
    [MemberData(nameof(Sessions))]
    public void A_wrapper_says_and_exits_the_same_from_either_binary(string wrapper, string[][] session)
    {
        // metacheck by a link named after the wrapper, as before the wrappers had their own binary.
        var linkToMultiCall = _box.PathOf(wrapper);
        File.CreateSymbolicLink(linkToMultiCall, MultiCall);
        foreach (var args in session)
        {
            var results = new[]
            {
                RunIn("small", Path.Combine(Installed.BinDir, wrapper), args),
                RunIn("linked", linkToMultiCall, args),
                RunIn("named", MultiCall, [wrapper, .. args]),
            };
            foreach (var other in results[1..])
                (other.Exit, other.Stdout, other.Stderr).Should().Be((results[0].Exit, results[0].Stdout, results[0].Stderr),
                    $"{wrapper} {string.Join(' ', args)}");
        }
    }

    private CmdResult RunIn(string state, string binary, string[] args)
    {
        _box.Env["METACHECK_STATE_DIR"] = _box.PathOf(state);
        return _box.Run(binary, args);
    }
}
