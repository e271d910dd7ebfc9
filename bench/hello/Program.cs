using System.Runtime.InteropServices;

// The floors `make bench` compares a wrapper run with. `hello`: a Native AOT process that starts,
// prints and exits. `hello /usr/bin/true`: the same, after starting that program with posix_spawn and
// waiting for it, the least any wrapper must do (no pipes, no signals, no store, an empty environment).
if (args.Length > 0) Floor.SpawnAndWait(args[0]);
Console.WriteLine("hello");

static unsafe partial class Floor
{
    public static void SpawnAndWait(string path)
    {
        nint file = Marshal.StringToHGlobalAnsi(path);
        nint* argv = stackalloc nint[] { file, 0 };
        nint* envp = stackalloc nint[] { 0 };
        int pid, status;
        if (PosixSpawn(&pid, file, 0, 0, argv, envp) == 0) WaitPid(pid, &status, 0);
    }

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    private static partial int PosixSpawn(int* pid, nint path, nint fileActions, nint attributes, nint* argv, nint* envp);

    [LibraryImport("libc", EntryPoint = "waitpid")]
    private static partial int WaitPid(int pid, int* status, int options);
}
