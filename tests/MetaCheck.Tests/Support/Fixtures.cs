namespace MetaCheck.Tests.Support;

/// <summary>Fixture trees (proc/, sys/, etc/ copied from real hosts) under Fixtures/ in the test output.</summary>
public static class Fixtures
{
    public static string Root(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>Runs a plugin of the installed binary against a fixture tree via HOST_PROC/HOST_SYS/HOST_ETC.</summary>
    public static CmdResult RunOn(this Sandbox box, string fixture, string command, params string[] args)
    {
        var root = Root(fixture);
        box.Env["HOST_PROC"] = Path.Combine(root, "proc");
        box.Env["HOST_SYS"] = Path.Combine(root, "sys");
        box.Env["HOST_ETC"] = Path.Combine(root, "etc");
        try
        {
            return box.Run(command, args);
        }
        finally
        {
            box.Env.Remove("HOST_PROC");
            box.Env.Remove("HOST_SYS");
            box.Env.Remove("HOST_ETC");
        }
    }
}
