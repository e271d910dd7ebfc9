using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>MySQL/MariaDB plugins, all talking to the server through the mariadb client (MySql.MySqlClient). One line per plugin.</summary>
public static class MySqlCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(MysqlExtend.MysqlExtend.Name, "MySQL command, connection-error, row-lock and uptime counters (ryuichi1208)", MysqlExtend.MysqlExtend.Main),
        new(CheckLongtransactionCnt.CheckLongtransactionCnt.Name, "alert on InnoDB transactions open too long (ryuichi1208)",
            CheckLongtransactionCnt.CheckLongtransactionCnt.Main, CheckLongtransactionCnt.CheckLongtransactionCnt.OldName),
        new(CheckMysqlBackup.CheckMysqlBackup.Name, "alert when the newest MySQL backup is too old or empty (designed)", CheckMysqlBackup.CheckMysqlBackup.Main),
    ];
}
