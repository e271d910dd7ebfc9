namespace MetaCheck.State;

/// <summary>
/// A file other processes read at any moment (host-wide mutes, a Prometheus textfile): the content goes
/// to a new file beside the target (same file system), flushed to disk, then renamed over it, so a reader
/// sees the old file or the new one, never half of one.
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/>, <paramref name="mode"/> whatever the umask (others must read it).</summary>
    public static void Write(string path, byte[] content, UnixFileMode mode)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!,
            $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Random.Shared.Next():x8}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write }))
            {
                File.SetUnixFileMode(stream.SafeFileHandle, mode); // chmod, not the create mode: the umask would take it away
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
