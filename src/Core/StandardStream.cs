using System.Text;

namespace MetaCheck.Core;

/// <summary>
/// Our stdout and stderr. A write that fails (a full disk under a log file, /dev/full, a closed pipe
/// or descriptor) is remembered and later output is dropped, so that a command still finishes its
/// work (the run is recorded) and ends with its status; the host then says once, on stderr, that the
/// output was lost. .NET's own console stream throws instead, or silently drops on a broken pipe.
/// </summary>
public sealed unsafe class StandardStream(int fd) : Stream
{
    public static StandardStream Stdout { get; } = new(1);
    public static StandardStream Stderr { get; } = new(2);

    /// <summary>Why the first failed write failed (e.g. "No space left on device"), or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>The reader went away (EPIPE): like a tool that SIGPIPE ends, nothing to say about it.</summary>
    public bool ReaderGone { get; private set; }

    /// <summary>Makes Console.Out and Console.Error write through these streams; call once at start.</summary>
    public static void InstallAsConsole()
    {
        Console.SetOut(Writer(Stdout));
        Console.SetError(Writer(Stderr));
    }

    private static TextWriter Writer(Stream stream) =>
        TextWriter.Synchronized(new StreamWriter(stream, new UTF8Encoding(false), 4096, leaveOpen: true) { AutoFlush = true });

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Failure is not null) return;
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = LibC.Write(fd, start + done, buffer.Length - done);
                if (n >= 0)
                {
                    done += (int)n;
                    continue;
                }
                int errno = LibC.Errno;
                if (errno == LibC.EIntr) continue;
                Failure = LibC.Describe(errno);
                ReaderGone = errno == LibC.EPipe;
                return;
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void WriteByte(byte value) => Write([value]);
    public override void Flush() { }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
