using System.Diagnostics;
using System.Runtime.InteropServices;

// The inner command of wrapper tests. Each argument is one action, done in order:
//   out=TEXT      line on stdout          raw=TEXT   stdout without newline (\n escapes)
//   err=TEXT      line on stderr          bytes=N    N bytes of 'x' on stdout
//   sleep=SEC     sleep                   exit=N     exit code (last action)
//   signal=N      kill itself with signal N
//   count=FILE    append a line to FILE (how many times it ran)
//   child=FILE    start `sleep 300` and write its pid to FILE (process-tree tests)
//   stdin         copy stdin to stdout    env=NAME   print $NAME
//   mark=TEXT     nothing (a unique argument to find this process by in /proc)
int exitCode = 0;
var stdout = Console.OpenStandardOutput();
foreach (var arg in args)
{
    var (key, value) = arg.IndexOf('=') is var i and >= 0 ? (arg[..i], arg[(i + 1)..]) : (arg, "");
    switch (key)
    {
        case "out": Write(value + "\n"); break;
        case "raw": Write(value.Replace("\\n", "\n")); break;
        case "err": Console.Error.WriteLine(value); break;
        case "bytes": stdout.Write(Enumerable.Repeat((byte)'x', int.Parse(value)).ToArray()); break;
        case "sleep": Thread.Sleep(TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture))); break;
        case "exit": exitCode = int.Parse(value); break;
        case "signal": stdout.Flush(); Kill(Environment.ProcessId, int.Parse(value)); Thread.Sleep(5000); break;
        case "count": File.AppendAllText(value, "run\n"); break;
        case "child":
            var child = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
            File.WriteAllText(value, child.Id.ToString());
            break;
        case "stdin": Console.OpenStandardInput().CopyTo(stdout); break;
        case "env": Write((Environment.GetEnvironmentVariable(value) ?? "") + "\n"); break;
        case "mark": break;
        default: Console.Error.WriteLine($"dummy: unknown action {arg}"); return 99;
    }
}
stdout.Flush();
return exitCode;

void Write(string text)
{
    var bytes = System.Text.Encoding.UTF8.GetBytes(text);
    stdout.Write(bytes);
    stdout.Flush();
}

[DllImport("libc", EntryPoint = "kill")]
static extern int Kill(int pid, int signal);
