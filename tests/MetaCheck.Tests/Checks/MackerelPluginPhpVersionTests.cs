using System.Text.Json;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.MackerelPluginPhpVersion;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class MackerelPluginPhpVersionTests : IDisposable
{
    private const string PhpArgs = "-r echo PHP_VERSION_ID;";
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData("80207", 80207)]
    [InlineData("70433\n", 70433)]
    [InlineData("50640", 50640)]
    public void Parses_php_version_id(string output, long id) => MackerelPluginPhpVersion.ParseVersionId(output).Should().Be(id);

    [Theory]
    [InlineData("")]
    [InlineData("PHP_VERSION_ID")]
    [InlineData("8.2.7")]
    [InlineData("-1")]
    public void Rejects_anything_else(string output) =>
        FluentActions.Invoking(() => MackerelPluginPhpVersion.ParseVersionId(output)).Should().Throw<DataSourceException>()
            .WithMessage($"php -r 'echo PHP_VERSION_ID;' printed '{output.Trim()}', not a PHP_VERSION_ID");

    [Fact]
    public void Fake_php_in_path_gives_the_version_metric()
    {
        _box.FakeScript("php", PhpArgs, "printf 80207");
        var r = _box.Run("mackerel-plugin-php-version");
        (r.Exit, r.Stderr).Should().Be((0, ""));
        r.Stdout.Should().MatchRegex(@"^php\.version\.version\t80207\t\d{10}\n$");
    }

    [Fact]
    public void Fake_php_failing_is_UNKNOWN_with_its_message()
    {
        _box.FakeScript("php", PhpArgs, "echo 'PHP Fatal error:  Unable to start' >&2; exit 255");
        var r = _box.Run("mackerel-plugin-php-version");
        (r.Exit, r.Stdout).Should().Be((3, "UNKNOWN: mackerel-plugin-php-version: php -r 'echo PHP_VERSION_ID;' failed (exit 255): PHP Fatal error:  Unable to start\n"));
    }

    [Fact]
    public void Fake_php_printing_garbage_is_UNKNOWN()
    {
        _box.FakeScript("php", PhpArgs, "echo 'Could not open input file'");
        var r = _box.Run("mackerel-plugin-php-version");
        (r.Exit, r.Stdout).Should().Be((3, "UNKNOWN: mackerel-plugin-php-version: php -r 'echo PHP_VERSION_ID;' printed 'Could not open input file', not a PHP_VERSION_ID\n"));
    }

    [Fact]
    public void Real_path_without_php_is_UNKNOWN()
    {
        var r = _box.Run("mackerel-plugin-php-version");
        if (File.Exists("/usr/bin/php") || File.Exists("/usr/local/bin/php"))
        {
            r.Stdout.Should().MatchRegex(@"^php\.version\.version\t\d{5}\t\d{10}\n$");
        }
        else
        {
            r.Exit.Should().Be(3);
            r.Stdout.Should().StartWith("UNKNOWN: mackerel-plugin-php-version: cannot run 'php': not found in PATH");
            r.Lines.Should().HaveCount(1);
        }
    }

    [Fact]
    public void Graph_definition_matches_the_original()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-php-version");
        r.Exit.Should().Be(0);
        r.Lines.Should().HaveCount(2);
        r.Lines[0].Should().Be("# mackerel-agent-plugin");
        var graph = JsonDocument.Parse(r.Lines[1]).RootElement.GetProperty("graphs").GetProperty("php.version");
        (graph.GetProperty("label").GetString(), graph.GetProperty("unit").GetString()).Should().Be(("PHP Version", "integer"));
        graph.GetProperty("metrics").GetRawText().Should().Be("""[{"name":"version","label":"version"}]""");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("")]
    public void Meta_mode_is_off_for_empty_and_zero(string meta)
    {
        _box.FakeScript("php", PhpArgs, "printf 80207");
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = meta;
        _box.Run("mackerel-plugin-php-version").Stdout.Should().StartWith("php.version.version\t80207\t");
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker_with_a_fake_php()
    {
        _box.FakeScript("php", PhpArgs, "printf 80207");
        var r = _box.Run("delay-checker", "-c", "2", "--", "mackerel-plugin-php-version");
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^php\.version\.version\t80207\t\d{10}\n$");
    }
}
