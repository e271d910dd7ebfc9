using System.CommandLine;
using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.MySql;
using MetaCheck.Core;

namespace MetaCheck.Checks.MysqlExtend;

/// <summary>ryuichi1208's mackerel-plugin-mysql-extend: SHOW GLOBAL STATUS counters the official MySQL plugin leaves out.</summary>
public static class MysqlExtend
{
    public const string Name = "mackerel-plugin-mysql-extend";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var mysql = new MySqlOptions("--username", passwordOption: true);
        var prefix = new Option<string?>("--metric-key-prefix") { Description = "Metric key prefix (default: mysql-extend; empty: mysql)." };
        var tempfile = new Option<string?>("--tempfile") { Description = "Accepted for compatibility; previous values are kept in the MetaCheck store." };
        var debug = Opt.Flag("--debug", "Print the client command and its raw answer to stderr.");
        var definition = Cli.Define(Dialect.GoFlag, Name, "MySQL command, connection-error, row-lock and uptime counters (per-minute rates).",
            [.. mysql.All, prefix, tempfile, debug]);
        return Plugin.GoMetrics(definition, args, context,
            parsed => Define(parsed.GetValue(prefix)).Definitions(),
            parsed =>
            {
                var plugin = Define(parsed.GetValue(prefix));
                var status = MySqlClient.Query(context, mysql.Resolve(parsed, context.GetEnv), "SHOW GLOBAL STATUS",
                    parsed.GetValue(debug) ? context.Err : null);
                return plugin.Collect(context, MySqlOptions.WithoutPassword(args), Graphed(plugin, Values(status)));
            });
    }

    public static GoMackerelPlugin Define(string? prefixOption)
    {
        var prefix = prefixOption is null ? "mysql-extend" : prefixOption.Length == 0 ? "mysql" : prefixOption;
        var label = Label(prefix);
        GoGraph G(string key, string suffix, string unit, bool diff, params (string Name, string Label)[] metrics) =>
            new(key, $"{label} {suffix}", unit, [.. metrics.Select(m => new GoMetric(m.Name, m.Label, Diff: diff, Stacked: diff))]);
        return new GoMackerelPlugin(Name, prefix,
        [
            G("cmd_ext", "Command Extend", "float", true,
                ("Com_admin_commands", "admin_commands"), ("Com_alter_db", "alter_db"), ("Com_alter_db_upgrade", "db_upgrade"),
                ("Com_rollback", "rollback"), ("Com_purge", "purge"), ("Com_kill", "kill"), ("Com_stmt_reprepare", "stmt_reprepare"),
                ("Com_alter_table", "alter_table"), ("Com_alter_tablespace", "alter_tablespace"), ("Com_load", "load"),
                ("Com_prepare_sql", "prepare_sql"), ("Com_show_status", "show_status")),
            G("connection", "Connection", "float", true,
                ("Connection_errors_accept", "Errors Accept"), ("Connection_errors_internal", "Errors Internal"),
                ("Connection_errors_max_connections", "Errors Max Connections"), ("Connection_errors_peer_address", "Errors Peer Address"),
                ("Connection_errors_select", "Errors Select"), ("Connection_errors_tcpwrap", "Errors tcpwrap")),
            G("lock_extend", "Lock Extend", "integer", false,
                ("Innodb_row_lock_time_avg", "lock time avg"), ("Innodb_row_lock_time_max", "lock time max")),
            G("uptime", "Uptime", "float", false, ("Uptime", "uptime"), ("Uptime_since_flush_status", "Uptime_since_flush_status")),
        ]);
    }

    /// <summary>`mysql` → `MySQL`, then each dash- or space-separated word capitalised: `mysql-extend` → `MySQL-Extend`.</summary>
    public static string Label(string prefix)
    {
        var chars = prefix.Replace("mysql", "MySQL", StringComparison.Ordinal).ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (i == 0 || chars[i - 1] is '-' or ' ') chars[i] = char.ToUpperInvariant(chars[i]);
        return new string(chars);
    }

    /// <summary>Numeric status variables; values are cleaned of `,` `;` `/s` as the original did, the rest skipped.</summary>
    public static Dictionary<string, double> Values(IReadOnlyList<string[]> rows)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Length < 2) throw new DataSourceException($"unexpected SHOW GLOBAL STATUS row from the server: '{Opt.Shorten(string.Join(' ', row))}'");
            var text = row[1].Replace(",", "").Replace(";", "").Replace("/s", "").Trim();
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) values[row[0]] = value;
        }
        return values;
    }

    /// <summary>Only graphed variables are kept, so the stored sample stays small (the server has hundreds).</summary>
    private static Dictionary<string, double> Graphed(GoMackerelPlugin plugin, Dictionary<string, double> values) =>
        plugin.Graphs.SelectMany(g => g.Metrics).Where(m => values.ContainsKey(m.Name)).ToDictionary(m => m.Name, m => values[m.Name]);
}
