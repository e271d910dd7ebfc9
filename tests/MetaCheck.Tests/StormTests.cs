using System.Text.RegularExpressions;
using MetaCheck.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MetaCheck.Tests;

/// <summary>
/// Storms of first runs on a store that is new, or that the previous release wrote (the upgrade
/// fixture): no run may fail open and no increment may be lost. Counts only, never timings: the runs
/// take as long as the machine makes them.
/// </summary>
public sealed partial class StormTests : IDisposable
{
    private const int Runs = 500, AtOnce = 200;
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    /// <summary>Runs the same check <see cref="Runs"/> times, <see cref="AtOnce"/> at a time (one thread per slot).</summary>
    private List<CmdResult> Storm(params string[] args)
    {
        var results = new CmdResult[Runs];
        var slots = Enumerable.Range(0, AtOnce).Select(slot => new Thread(() =>
        {
            for (int i = slot; i < Runs; i += AtOnce) results[i] = _box.Run("delay-checker", args);
        })).ToList();
        slots.ForEach(t => t.Start());
        slots.ForEach(t => t.Join());
        return [.. results];
    }

    [GeneratedRegex(@"^DelayWarn\((\d+)/1000000\): \n$")]
    private static partial Regex Streak();

    private static void NoneFailedOpenNorLostAnUpdate(List<CmdResult> results)
    {
        var failed = results.Where(r => r.Exit != 0 || !Streak().IsMatch(r.Stdout) || r.Stderr.Length > 0).ToList();
        failed.Should().BeEmpty($"{failed.Count} of {Runs} runs failed open, the first: {failed.FirstOrDefault()}");
        results.Select(r => int.Parse(Streak().Match(r.Stdout).Groups[1].Value)).Order()
            .Should().Equal(Enumerable.Range(1, Runs), "each run counted once, none lost");
    }

    /// <summary>
    /// The storm with another process reading the store throughout (metacheck status, a backup): the
    /// runs that tidied the WAL held the write lock while they waited for that reader, a second each,
    /// and 485 of 500 runs failed open; without a reader the same happened now and then (0-49 of 500).
    /// </summary>
    private List<CmdResult> StormWhileReading(params string[] args)
    {
        using var reader = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=False");
        reader.Open();
        using var snapshot = reader.BeginTransaction(deferred: true);
        using (var read = reader.CreateCommand())
        {
            read.CommandText = "SELECT count(*) FROM sqlite_master";
            read.ExecuteScalar();
        }
        return Storm(args);
    }

    private void UseTheStoreOfThePreviousRelease()
    {
        Directory.CreateDirectory(_box.StateDir);
        File.Copy(Path.Combine(Fixtures.Root("upgrade-99f2aac"), "state", "metacheck.db"), _box.DatabasePath);
    }

    private static readonly string[] Check = ["-c", "1000000", "--identifier", "storm", "--", "false"];

    [Fact]
    public void Five_hundred_first_runs_200_at_a_time_on_a_new_store_neither_fail_open_nor_lose_an_update() =>
        NoneFailedOpenNorLostAnUpdate(Storm(Check));

    [Fact]
    public void Five_hundred_first_runs_200_at_a_time_neither_fail_open_nor_lose_an_update_while_another_process_reads_the_store()
    {
        _box.Run("delay-checker", "--", "true").Exit.Should().Be(0);
        NoneFailedOpenNorLostAnUpdate(StormWhileReading(Check));
    }

    [Fact]
    public void Five_hundred_first_runs_200_at_a_time_on_a_store_of_the_previous_release_neither_fail_open_nor_lose_an_update()
    {
        UseTheStoreOfThePreviousRelease();
        NoneFailedOpenNorLostAnUpdate(StormWhileReading(Check));
    }
}
