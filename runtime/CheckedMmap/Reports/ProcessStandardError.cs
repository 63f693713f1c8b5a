// Reports that no exception carries (a fault that ends the process, leaks at exit, the map-entry budget note) go to
// the process's standard error itself, file descriptor 2, not to Console.Error: test frameworks replace Console.Error
// to capture each test's output (MSTest, NUnit), and what they captured is lost when the process ends on a fault.
// Test hosts show the process's own standard error when it crashes. A report printed there records where that was
// (see Identity), so that a process sharing the stream, such as a test host's controller, does not print it again.
using System;
using System.IO;
using System.Text;
using System.Threading;

namespace CheckedMmap.Reports
{
    internal static class ProcessStandardError
    {
        private sealed class OpenedStream
        {
            public OpenedStream(TextWriter writer, string? identity)
            {
                Writer = writer;
                Identity = identity;
            }

            public TextWriter Writer { get; }

            public string? Identity { get; }
        }

        private static OpenedStream? _stream;

        /// <summary>A writer on the process's standard error stream, flushed after every write, safe across threads.</summary>
        public static TextWriter Writer => (Volatile.Read(ref _stream) ?? Create()).Writer;

        /// <summary>What the stream <paramref name="writer"/> writes to is (see <see cref="Identity"/>), when it is this
        /// class's writer; null for any other writer. Told when the writer was made: the stream the writer holds, even if
        /// file descriptor 2 was pointed elsewhere since.</summary>
        public static string? IdentityOf(TextWriter writer) =>
            Volatile.Read(ref _stream) is { } stream && ReferenceEquals(stream.Writer, writer) ? stream.Identity : null;

        /// <summary>What the standard error of the calling process is (on Linux, its /proc link: "pipe:[4026]",
        /// "/dev/pts/1", a file's path), or null where that cannot be told. Two processes with the same identity write to
        /// the same stream.</summary>
        public static string? Identity()
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }

            try
            {
                string? target = new FileInfo("/proc/self/fd/2").LinkTarget;
                return string.IsNullOrEmpty(target) ? null : target;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null; // no standard error, or no /proc
            }
        }

        private static OpenedStream Create()
        {
            string? identity = Identity();
            var stream = new StreamWriter(Console.OpenStandardError(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 4096, leaveOpen: true)
            {
                AutoFlush = true,
            };
            var created = new OpenedStream(TextWriter.Synchronized(stream), identity);
            return Interlocked.CompareExchange(ref _stream, created, null) ?? created;
        }
    }
}
