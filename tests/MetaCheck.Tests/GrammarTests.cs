using System.CommandLine;
using MetaCheck.Core;

namespace MetaCheck.Tests;

/// <summary>
/// One table per dialect: what Getopt::Long (as kazeburo configures it), jessevdk/go-flags and Go's flag
/// make of an argument vector, as the front-ends must reproduce it. Rendered as
/// "name=value ... | operands | ignored", "help", or "error: message".
/// </summary>
public sealed class GrammarTests
{
    private static Option[] GetoptOptions() =>
    [
        new Option<int>("-c", "--count"), new Option<string?>("--identifier"), new Option<int>("--interval"),
        new Option<string?>("--ranges"), new Option<bool>("--verbose"), new HelpFlag(),
    ];

    private static Option[] GoFlagsOptions() =>
    [
        new Option<int?>("-p", "--port"), new Option<string?>("-H", "--hostname"), new Option<bool>("-E", "--escape"),
        new Option<bool>("-W", "--error-warning"), new Option<double?>("-t", "--timeout"), new Option<string[]>("--expect"), new HelpFlag(),
    ];

    private static Option[] GoFlagOptions() =>
    [
        new Option<string?>("--prefix"), new Option<bool>("--extend"), new Option<string?>("--tempfile"), new HelpFlag(),
    ];

    private static string Render(Dialect dialect, Option[] options, string[] args, bool wrapper = false)
    {
        try
        {
            var r = Grammar.Parse(dialect, options, args, wrapper);
            if (r.Help) return "help";
            var values = string.Join(" ", r.Values.Select(v => $"{v.Option.Name.TrimStart('-')}={v.Value}"));
            return $"{values} | {string.Join(" ", r.Operands)} | {string.Join(", ", r.Ignored)}";
        }
        catch (UsageException e)
        {
            return "error: " + e.Message;
        }
    }

    [Theory]
    [InlineData("-c 3", "c=3 |  | ")]
    [InlineData("--c 3", "c=3 |  | ")]
    [InlineData("-c=3", "c=3 |  | ")]
    [InlineData("--count=3", "c=3 |  | ")]
    [InlineData("-count 3", "c=3 |  | ")]
    [InlineData("--cou 3", "c=3 |  | ")]
    [InlineData("-iden myid", "identifier=myid |  | ")]
    [InlineData("-r 00:00-06:00", "ranges=00:00-06:00 |  | ")]
    [InlineData("--int 5", "interval=5 |  | ")]
    [InlineData("-i myid", "error: option '-i' is ambiguous (--identifier, --interval)")]
    [InlineData("-c 1 -c 2", "c=2 |  | ")]
    [InlineData("a -c 2 b", "c=2 | a b | ")]
    [InlineData("-c -1", "c=-1 |  | ")]
    [InlineData("--identifier --", "identifier=-- |  | ")]
    [InlineData("-c3", " |  | unknown option '-c3'")]
    [InlineData("-C 3", " | 3 | unknown option '-C'")]
    [InlineData("--verbose --verbose", "verbose=true |  | ")]
    [InlineData("--verbose=1", "error: option '--verbose' takes no value, got '--verbose=1'")]
    [InlineData("--identifier=", "error: option '--identifier' needs a value")]
    [InlineData("-c", " |  | option '-c' without its value")]
    [InlineData("a --ranges", " | a | option '--ranges' without its value")]
    [InlineData("-- -c 3", " | -c 3 | ")]
    [InlineData("- -c 4", "c=4 | - | ")]
    [InlineData("-h", "help")]
    [InlineData("--he", "help")]
    [InlineData("--=3", " |  | unknown option '--=3'")]
    public void Getopt_long(string args, string expected) =>
        Render(Dialect.GetoptLong, GetoptOptions(), Split(args)).Should().Be(expected);

    /// <summary>--timeout is also a prefix of --timeout-status, as in the wrappers.</summary>
    [Theory]
    [InlineData("--timeout 5", "timeout=5 |  | ")] // an exact name wins over the longer names it is a prefix of
    [InlineData("-timeout 5", "timeout=5 |  | ")]
    [InlineData("--timeout-s critical", "timeout-status=critical |  | ")]
    [InlineData("--time 5", "error: option '--time' is ambiguous (--timeout, --timeout-status)")]
    public void Getopt_long_prefers_an_exact_name_to_a_prefix(string args, string expected) =>
        Render(Dialect.GetoptLong, [new Option<double?>("--timeout"), new Option<string?>("--timeout-status"), new HelpFlag()], Split(args))
            .Should().Be(expected);

    [Theory]
    [InlineData("-c3", "error: unknown option '-c3'")]
    [InlineData("--bogus 1", "error: unknown option '--bogus'")]
    [InlineData("-c", "error: option '-c' needs a value")]
    [InlineData("x y", " | x y | ")]
    public void Getopt_long_where_the_script_stopped_on_a_bad_option(string args, string expected) =>
        Render(Dialect.GetoptLongStrict, GetoptOptions(), Split(args)).Should().Be(expected);

    [Theory]
    [InlineData("cmd --interval 60", "interval=60 | cmd | ")]
    [InlineData("-c 2 ls -l /x", "c=2 | ls -l /x | ")]
    [InlineData("ls -l -c 2 /x", "c=2 | ls -l /x | ")]
    [InlineData("ls -- -c 3", " | ls -c 3 | ")]
    [InlineData("-c 2 -- sh -c 'exit 2'", "c=2 | sh -c exit 2 | ")]
    [InlineData("--bogus -- true", " | true | unknown option '--bogus'")]
    [InlineData("-c 1 x -c 5", "c=5 | x | ")]
    public void Getopt_long_wrapper_takes_its_options_anywhere_before_the_double_dash(string args, string expected) =>
        Render(Dialect.GetoptLong, GetoptOptions(), Split(args), wrapper: true).Should().Be(expected);

    [Fact]
    public void Getopt_long_strict_wrapper_refuses_an_unknown_option_before_the_double_dash() =>
        Render(Dialect.GetoptLongStrict, GetoptOptions(), ["--bogus", "--", "true"], wrapper: true).Should().Be("error: unknown option '--bogus'");

    [Theory]
    [InlineData("-p3306", "p=3306 |  | ")]
    [InlineData("-p 3306", "p=3306 |  | ")]
    [InlineData("-p=3306", "p=3306 |  | ")]
    [InlineData("--port=3306", "p=3306 |  | ")]
    [InlineData("--port 3306", "p=3306 |  | ")]
    [InlineData("-H127.0.0.1", "H=127.0.0.1 |  | ")]
    [InlineData("-H=::1", "H=::1 |  | ")]
    [InlineData("-EW", "E=true W=true |  | ")]
    [InlineData("-WE -t2", "W=true E=true t=2 |  | ")]
    [InlineData("-Ep 80", "E=true p=80 |  | ")]
    [InlineData("-EWp3306", "error: option '-p' needs a value")]
    [InlineData("-EpW 80", "error: option '-p' needs a value")] // only the cluster's last option takes the next argument
    [InlineData("-pEW", "p=EW |  | ")] // only the cluster's first option takes the rest of it
    [InlineData("-p 1 -p 2", "p=2 |  | ")]
    [InlineData("--expect a --expect b", "expect=a expect=b |  | ")]
    [InlineData("x -p 1 y", "p=1 | x y | ")]
    [InlineData("-p 1 -- -p 2 z", "p=1 | -p 2 z | ")]
    [InlineData("- ---x", " | - ---x | ")]
    [InlineData("-x", "error: unknown option '-x'")]
    [InlineData("--po 1", "error: unknown option '--po'")]
    [InlineData("--p 1", "error: unknown option '--p'")]
    [InlineData("-H -p", "error: option '-H' needs a value, got the option '-p'")]
    [InlineData("-H -1", "error: option '-H' needs a value, got the option '-1'")]
    [InlineData("-t -1", "t=-1 |  | ")]
    [InlineData("-p -1", "p=-1 |  | ")] // an int takes a negative number too
    [InlineData("-t -", "t=- |  | ")]
    [InlineData("--=x", "error: unknown option '--'")]
    [InlineData("-?", "error: unknown option '-?'")] // go-flags' help is -h and --help only
    [InlineData("--help -x", "help")]
    [InlineData("-H --", "error: option '-H' needs a value, got the option '--'")]
    [InlineData("--escape=true", "error: option '-E' takes no value, got 'true'")]
    [InlineData("-p", "error: option '-p' needs a value")]
    [InlineData("-h -x", "help")]
    [InlineData("--help", "help")]
    public void Go_flags(string args, string expected) =>
        Render(Dialect.GoFlags, GoFlagsOptions(), Split(args)).Should().Be(expected);

    [Theory]
    [InlineData("-prefix foo", "prefix=foo |  | ")]
    [InlineData("--prefix foo", "prefix=foo |  | ")]
    [InlineData("-prefix=foo", "prefix=foo |  | ")]
    [InlineData("-prefix=", "prefix= |  | ")]
    [InlineData("-prefix -extend", "prefix=-extend |  | ")]
    [InlineData("-extend", "extend=true |  | ")]
    [InlineData("-extend=false", "extend=false |  | ")]
    [InlineData("-extend=1 -extend=F", "extend=false |  | ")]
    [InlineData("-extend=T", "extend=true |  | ")]
    [InlineData("-extend=t -extend=TRUE", "extend=true |  | ")]
    [InlineData("-extend=0 -extend=True", "extend=true |  | ")]
    [InlineData("-extend=true", "extend=true |  | ")]
    [InlineData("-extend=f", "extend=false |  | ")]
    [InlineData("-extend=1 -extend=FALSE", "extend=false |  | ")]
    [InlineData("-extend=1 -extend=False", "extend=false |  | ")]
    [InlineData("-extend=1 -extend=0", "extend=false |  | ")]
    [InlineData("-extend false", "extend=true | false | ")]
    [InlineData("-extend=maybe", "error: option '-extend' takes true or false (1, t, 0, f...), got 'maybe'")]
    [InlineData("https://x/ -prefix foo", " | https://x/ -prefix foo | ")]
    [InlineData("-prefix a -prefix b", "prefix=b |  | ")]
    [InlineData("-- -prefix a", " | -prefix a | ")]
    [InlineData("- -prefix a", " | - -prefix a | ")]
    [InlineData("-x", "error: unknown option '-x'")]
    [InlineData("-pre foo", "error: unknown option '-pre'")]
    [InlineData("---x", "error: bad option syntax '---x'")]
    [InlineData("-=x", "error: bad option syntax '-=x'")]
    [InlineData("-prefix", "error: option '-prefix' needs a value")]
    [InlineData("-h", "help")]
    [InlineData("-help", "help")]
    [InlineData("-h -x", "help")]
    [InlineData("--help", "help")]
    public void Go_flag(string args, string expected) =>
        Render(Dialect.GoFlag, GoFlagOptions(), Split(args)).Should().Be(expected);

    [Theory]
    [InlineData("--foo bar", " |  | unknown option '--foo', 'bar'")]
    [InlineData("-h", "help")]
    public void No_arguments_ignores_everything_but_help(string args, string expected) =>
        Render(Dialect.NoArguments, [new HelpFlag()], Split(args)).Should().Be(expected);

    /// <summary>Splits on spaces; 'single quotes' keep a word together (also for the other tables of argument vectors).</summary>
    internal static string[] Split(string args)
    {
        var words = new List<string>();
        var parts = args.Split('\'');
        for (int i = 0; i < parts.Length; i++)
        {
            if (i % 2 == 1) words.Add(parts[i]);
            else words.AddRange(parts[i].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return [.. words];
    }
}
