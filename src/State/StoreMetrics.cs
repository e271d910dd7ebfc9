namespace MetaCheck.State;

/// <summary>Runs and failures of one check among the runs newer than a given run id.</summary>
public sealed record RunCounts(long Runs, long Failures);

/// <summary>
/// The queries behind `metacheck metrics`: each touches an index or a rowid range, never all the runs,
/// so a store of 1,000 checks x 1,000 runs answers in a few milliseconds.
/// </summary>
public sealed partial class StateStore
{
    /// <summary>Per check row id: its newest run's duration in ms (one index seek per check on runs_by_check).</summary>
    public IReadOnlyDictionary<long, long> LastDurations() => Guard(() => (IReadOnlyDictionary<long, long>)_connection.Query("""
        SELECT c.id, (SELECT duration_ms FROM runs WHERE check_id = c.id ORDER BY id DESC LIMIT 1) AS duration
        FROM checks c WHERE duration IS NOT NULL
        """, r => (Id: r.Int64(0), Ms: r.Int64(1))).ToDictionary(x => x.Id, x => x.Ms));

    /// <summary>The newest run id (ids only grow while runs are added): the mark a later call counts from.</summary>
    public long LastRunId() => Guard(() => _connection.Int64("SELECT coalesce(max(id), 0) FROM runs"));

    /// <summary>Per check row id: the runs with an id in (<paramref name="afterId"/>, <paramref name="uptoId"/>], a rowid range scan.</summary>
    public IReadOnlyDictionary<long, RunCounts> CountRuns(long afterId, long uptoId) => Guard(() => (IReadOnlyDictionary<long, RunCounts>)_connection.Query("""
        SELECT check_id, count(*), total(failed = 1) FROM runs WHERE id > $after AND id <= $upto GROUP BY check_id
        """, r => (Id: r.Int64(0), Counts: new RunCounts(r.Int64(1), r.Int64(2))), ("$after", afterId), ("$upto", uptoId))
        .ToDictionary(x => x.Id, x => x.Counts));
}
