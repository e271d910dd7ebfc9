using MetaCheck.Core;

namespace MetaCheck.Checks.Framework;

/// <summary>
/// One value of Nagios performance data, as the monitoring-plugins guidelines spell it:
/// `'label'=value[UOM];[warn];[crit];[min];[max]`. <paramref name="Unit"/> is one of the guidelines' UOMs:
/// "" (a number), "s"/"ms"/"us", "%", "B"/"KB"/"MB"/"GB"/"TB", "c" (a counter). The thresholds are the
/// ranges the check applied, in the range syntax.
/// </summary>
public sealed record PerfValue(string Label, double Value, string Unit = "", ThresholdRange? Warn = null, ThresholdRange? Crit = null,
    double? Min = null, double? Max = null)
{
    public override string ToString()
    {
        string[] fields = [$"{QuotedLabel(Label)}={ThresholdRange.Number(Value)}{Unit}", Warn?.ToString() ?? "", Crit?.ToString() ?? "",
            Min is { } min ? ThresholdRange.Number(min) : "", Max is { } max ? ThresholdRange.Number(max) : ""];
        int used = fields.Length;
        while (used > 1 && fields[used - 1].Length == 0) used--;
        return string.Join(';', fields, 0, used);
    }

    /// <summary>
    /// Quoted (a quote doubled) when it holds a space, `'` or `=`; characters that would end the
    /// performance data (`|`, line ends, controls) become `_`.
    /// </summary>
    public static string QuotedLabel(string label)
    {
        var clean = string.Create(label.Length, label, (span, text) =>
        {
            for (int i = 0; i < text.Length; i++) span[i] = text[i] == '|' || char.IsControl(text[i]) ? '_' : text[i];
        });
        if (clean.Length == 0) clean = "_";
        return clean.AsSpan().IndexOfAny(" '=") < 0 ? clean : $"'{clean.Replace("'", "''")}'";
    }
}
