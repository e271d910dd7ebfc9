using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.MackerelPluginPhpVersion;

/// <summary>kazeburo's mackerel-plugin-php-version: PHP_VERSION_ID of the `php` found in PATH.</summary>
public static class MackerelPluginPhpVersion
{
    public const string Name = "mackerel-plugin-php-version";

    /// <summary>The PHP code the interpreter runs: the original was itself a PHP script printing this constant.</summary>
    public const string Code = "echo PHP_VERSION_ID;";

    public static IReadOnlyList<Graph> Graphs { get; } =
        [new("php.version", "PHP Version", "integer", [new GraphMetric("version", "version")])];

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var definition = Cli.Define(Dialect.NoArguments, Name, "PHP version as a number (php.version.version = PHP_VERSION_ID, e.g. 80207), from `php -r`.");
        return Plugin.Metrics(definition, args, context, _ => Graphs,
            _ => MetricReport.PerlStyle().Add("php.version.version", ParseVersionId(Tool.Output(context, "php", "-r", Code))));
    }

    /// <summary>What `php -r 'echo PHP_VERSION_ID;'` printed: one whole number (major*10000 + minor*100 + release).</summary>
    public static long ParseVersionId(string output)
    {
        var text = output.Trim();
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            throw new DataSourceException($"php -r '{Code}' printed '{Opt.Shorten(text)}', not a PHP_VERSION_ID");
        return id;
    }
}
